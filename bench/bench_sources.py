"""Latency of each handheld-scanner source, from the last byte / keystroke of a scan to its token
reaching the workflow.

    python bench/bench_sources.py [--n 200]

Each source runs inside the real till window (MainWindow, ScanBridge, Counter, a real journal; Qt
offscreen), built with that one source; the API stand-in answers at once. Two clocks stop per
scan:

* "in source thread": when the source hands the ``RawScan`` to its sink (the bridge), on the
  source's own thread (the old measure of this bench, without the reader);
* "to workflow": when the Counter has read the token and shown "Recherche de la réservation…"
  (``view_shown`` with state LOOKING_UP), on the GUI thread: the queued hop from the source thread
  through ``ScanBridge`` to ``MainWindow.on_scan``, the reader and the guard included. The main
  thread runs the Qt event loop meanwhile, as in the till. (The lookup that follows is dropped at
  once: the API is not timed here, see bench_counter.py.)

t0 per source:

* serial, CR suffix: a real pseudo-terminal; t0 just before the CR is written on the master side;
* serial, no suffix: same, the scan ends on the source's silence timer (100 ms);
* hid pos: the HID source's thread reading recorded Honeywell reports from a stand-in device
  (no USB device here); t0 when the last report is handed to the source;
* evdev: the exclusive-mode source reading recorded key events through a pipe; t0 when the
  Enter key's event is written;
* keyboard (Qt filter): key events with timestamps sent to the till window, through the event
  filter and the burst classifier; t0 before the Enter press is sent;
* keyboard, no suffix: same without Enter: the capture's silence timer (max gap + 40 ms) ends it.

Prints a table (median, p99, max in ms). Nothing asserts: targets are read from the table.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos_client.domain.scan import RawScan, SourceState, SourceStatus  # noqa: E402
from pos_client.scanner.evdev_source import EvdevScanSource  # noqa: E402
from pos_client.scanner.hid_source import HidScanSource  # noqa: E402
from pos_client.scanner.serial_source import SerialScanSource  # noqa: E402

TOKEN = "352UW4"
PAYLOAD = f"PASSCULTURE:v3;TOKEN:{TOKEN}"
TIMEOUT_S = 5.0
# US key positions (evdev codes, Shift) of the payload.
US_KEYS: tuple[tuple[int, bool], ...] = (
    (25, True), (30, True), (31, True), (31, True), (46, True), (22, True), (38, True), (20, True),
    (22, True), (19, True), (18, True), (39, True), (47, False), (4, False), (39, False), (20, True),
    (24, True), (37, True), (18, True), (49, True), (39, True), (4, False), (6, False), (3, False),
    (22, True), (17, True), (5, False),
)  # fmt: skip


@dataclass
class Row:
    source: str
    source_ms: list[float]
    workflow_ms: list[float]

    def cells(self) -> tuple[str, ...]:
        return (
            self.source,
            str(len(self.workflow_ms)),
            *_stats(self.source_ms),
            *_stats(self.workflow_ms),
        )


def _stats(samples: list[float]) -> tuple[str, str, str]:
    data = sorted(samples)
    p99 = data[min(len(data) - 1, round(0.99 * (len(data) - 1)))]
    return f"{statistics.median(data):.2f}", f"{p99:.2f}", f"{data[-1]:.2f}"


class Stamped:
    """Wraps a source: stamps when it hands a scan to its sink (on the source's thread)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.handed: queue.Queue[float] = queue.Queue()
        self.connected = threading.Event()

    @property
    def source_id(self) -> str:
        return str(self.inner.source_id)

    def start(self, on_scan: Callable[[RawScan], None], on_status: Callable[[SourceStatus], None]) -> None:
        def stamped_scan(scan: RawScan) -> None:
            self.handed.put(time.perf_counter())
            on_scan(scan)

        def watched_status(status: SourceStatus) -> None:
            if status.state is SourceState.CONNECTED:
                self.connected.set()
            on_status(status)

        self.inner.start(stamped_scan, watched_status)

    def stop(self) -> None:
        self.inner.stop()

    def set_on_raw(self, sink: Any) -> None:  # the bridge's raw tap, as on the real sources
        if hasattr(self.inner, "set_on_raw"):
            self.inner.set_on_raw(sink)


class Till:
    """The real till window with one source; ``wait_token`` runs the Qt loop until the workflow
    has the token, then drops the lookup (back to ready) for the next scan."""

    def __init__(self, source: Any) -> None:
        from PySide6.QtWidgets import QApplication

        from pos_client.api.null import UnconfiguredServer
        from pos_client.journal import open_journal
        from pos_client.settings import Settings
        from pos_client.ui.app import build_window

        existing = QApplication.instance()
        self.app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
        self.source = Stamped(source)
        # guard_window_s = 0: the same code is read again at each scan (no repeat filter).
        self.settings = Settings(till_name="bench").with_values(
            ui={"sound_enabled": False}, scanner={"guard_window_s": 0.0}
        )
        self._tmp = tempfile.TemporaryDirectory()
        self._journal = open_journal(Path(self._tmp.name) / "journal.sqlite3", till="bench")
        # An API that answers at once ("injoignable"), with no network and no rate limit: the
        # clock stops before the lookup anyway.
        self.window = build_window(
            api=UnconfiguredServer("bench"),
            journal=self._journal,
            settings=self.settings,
            sources=(self.source,),
        )
        self.reached: list[float] = []
        self.window.view_shown.connect(self._on_view)
        self.window.show()
        self.window.code_field.edit.setFocus()

    def _on_view(self, view: Any) -> None:
        from pos_client.counter.view import State

        if view.state is State.LOOKING_UP and view.token == TOKEN:
            self.reached.append(time.perf_counter())

    def wait_connected(self) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not self.source.connected.is_set() and time.monotonic() < deadline:
            self.spin()

    def spin(self) -> None:
        from PySide6.QtCore import QEventLoop

        self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)

    def wait_token(self) -> tuple[float, float]:
        """(time the source handed the scan, time the workflow had the token)."""
        deadline = time.monotonic() + TIMEOUT_S
        while not self.reached:
            if time.monotonic() > deadline:
                raise TimeoutError("the token never reached the workflow")
            self.spin()
        reached = self.reached.pop()
        handed = self.source.handed.get(timeout=TIMEOUT_S)
        self.window.counter.dismiss()  # drop the lookup: the next scan of the code is a new one
        self.window.runner.wait_idle(5000)
        return handed, reached

    def close(self) -> None:
        self.window.close()  # stops the source
        self._journal.close()
        self.window.deleteLater()
        self._tmp.cleanup()


def bench_serial(n: int, *, suffix: bool) -> tuple[list[float], list[float]]:
    master, slave = os.openpty()
    till = Till(SerialScanSource(os.ttyname(slave), terminator="\r" if suffix else "", silence_s=0.1))
    source_ms, workflow_ms = [], []
    try:
        till.wait_connected()
        for _ in range(n):
            if suffix:
                os.write(master, PAYLOAD.encode())
                time.sleep(0.002)  # the body arrives first, as from a real scanner
                t0 = time.perf_counter()
                os.write(master, b"\r")
            else:
                t0 = time.perf_counter()
                os.write(master, PAYLOAD.encode())
            handed, reached = till.wait_token()
            source_ms.append((handed - t0) * 1000)
            workflow_ms.append((reached - t0) * 1000)
    finally:
        till.close()
        os.close(master)
        os.close(slave)
    return source_ms, workflow_ms


def bench_hid(n: int) -> tuple[list[float], list[float]]:
    report = bytearray(64)
    report[0], report[1] = 0x02, len(PAYLOAD)
    report[2:5] = b"]Q1"
    report[5 : 5 + len(PAYLOAD)] = PAYLOAD.encode()
    report[61] = 0x73
    feed: queue.Queue[bytes] = queue.Queue()
    handed: queue.Queue[float] = queue.Queue()

    class Device:
        def open_path(self, path: bytes) -> None:
            pass

        def send_feature_report(self, data: Sequence[int]) -> int:
            return len(data)

        def read(self, max_length: int, timeout_ms: int = 0) -> Sequence[int]:
            try:
                data = feed.get(timeout=timeout_ms / 1000)
            except queue.Empty:
                return []
            handed.put(time.perf_counter())
            return list(data)

        def close(self) -> None:
            pass

    class Module:
        def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict[str, Any]]:
            return [{"path": b"/dev/hidraw0", "usage_page": 0x8C}]

        def device(self) -> Device:
            return Device()

    till = Till(HidScanSource(0x0C2E, 0x0B8F, backend=Module))
    source_ms, workflow_ms = [], []
    try:
        till.wait_connected()
        for _ in range(n):
            feed.put(bytes(report))
            at_source, reached = till.wait_token()
            t0 = handed.get(timeout=TIMEOUT_S)
            source_ms.append((at_source - t0) * 1000)
            workflow_ms.append((reached - t0) * 1000)
    finally:
        till.close()
    return source_ms, workflow_ms


def bench_evdev(n: int) -> tuple[list[float], list[float]]:
    read_fd, write_fd = os.pipe()
    pending: queue.Queue[list[Any]] = queue.Queue()

    @dataclass
    class Event:
        type: int
        code: int
        value: int

    class Device:
        fd = read_fd

        def grab(self) -> None:
            pass

        def read(self) -> list[Any]:
            os.read(read_fd, 1)
            return pending.get_nowait()

        def close(self) -> None:
            pass

    def body() -> list[Any]:
        events = []
        for code, shift in US_KEYS:
            if shift:
                events.append(Event(1, 42, 1))
            events += [Event(1, code, 1), Event(1, code, 0)]
            if shift:
                events.append(Event(1, 42, 0))
        return events

    till = Till(EvdevScanSource("/dev/input/event-bench", open_device=lambda path: Device()))
    source_ms, workflow_ms = [], []
    try:
        till.wait_connected()
        for _ in range(n):
            pending.put(body())
            os.write(write_fd, b"x")
            time.sleep(0.002)
            pending.put([Event(1, 28, 1), Event(1, 28, 0)])
            t0 = time.perf_counter()
            os.write(write_fd, b"x")
            handed, reached = till.wait_token()
            source_ms.append((handed - t0) * 1000)
            workflow_ms.append((reached - t0) * 1000)
    finally:
        till.close()
        os.close(read_fd)
        os.close(write_fd)
    return source_ms, workflow_ms


def bench_keyboard(n: int, *, suffix: bool) -> tuple[list[float], list[float]]:
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    from pos_client.settings import ScannerSettings
    from pos_client.ui.keyboard_capture import KeyboardCapture

    till = Till(KeyboardCapture(ScannerSettings()))
    handle = till.window.windowHandle()
    stamp = 0

    def send(key: int, text: str) -> None:
        nonlocal stamp
        stamp += 5
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            event.setTimestamp(stamp)
            QCoreApplication.sendEvent(handle, event)

    source_ms, workflow_ms = [], []
    try:
        till.wait_connected()
        for _ in range(n):
            stamp += 1000
            for char in PAYLOAD:
                key = ord(char.upper()) if char.isalnum() else int(Qt.Key.Key_Colon)
                send(key, char)
            t0 = time.perf_counter()
            if suffix:
                send(int(Qt.Key.Key_Return), "\r")
            handed, reached = till.wait_token()
            source_ms.append((handed - t0) * 1000)
            workflow_ms.append((reached - t0) * 1000)
        assert till.window.code_field.edit.text() == "", "a scanner key leaked into the code field"
    finally:
        till.close()
    return source_ms, workflow_ms


BENCHES: dict[str, Callable[[int], tuple[list[float], list[float]]]] = {
    "serial (CR suffix)": lambda n: bench_serial(n, suffix=True),
    "serial (no suffix, 100 ms silence)": lambda n: bench_serial(n, suffix=False),
    "hid pos (Honeywell report)": bench_hid,
    "evdev exclusive (Enter)": bench_evdev,
    "keyboard capture (Enter)": lambda n: bench_keyboard(n, suffix=True),
    "keyboard capture (no suffix, 90 ms silence)": lambda n: bench_keyboard(n, suffix=False),
}


def run(n: int) -> list[Row]:
    return [Row(name, *bench(n)) for name, bench in BENCHES.items()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="scans per source")
    args = parser.parse_args(argv)
    rows = run(args.n)
    header = (
        "source: last byte/key ->",
        "n",
        "in source thread: median ms",
        "p99 ms",
        "max ms",
        "to workflow: median ms",
        "p99 ms",
        "max ms",
    )
    table = [header, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for i, line in enumerate(table):
        print(
            "  ".join(
                cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(line)
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
