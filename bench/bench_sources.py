"""Latency of each handheld-scanner source: from the last byte / keystroke of a scan to its token.

    python bench/bench_sources.py [--n 200]

What is timed, per source (the clock stops when the sink has the RawScan *and* the reader
turned it into a token, i.e. when the workflow could start the API lookup):

* serial, CR suffix: a real pseudo-terminal; t0 just before the CR is written on the master side,
  through pyserial's read thread and the framer;
* serial, no suffix: same, the scan ends on the source's silence timer (100 ms);
* hid pos: the HID source's thread reading recorded Honeywell reports from a stand-in device
  (no USB device here); t0 when the last report is handed to the source;
* evdev: the exclusive-mode source reading recorded key events through a pipe; t0 when the
  Enter key's event is written;
* keyboard (Qt filter): key events with timestamps sent to a real window on the offscreen
  platform, through the event filter and the burst classifier; t0 before the Enter press is sent;
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

from pos_client.scanner.evdev_source import EvdevScanSource  # noqa: E402
from pos_client.scanner.hid_source import HidScanSource  # noqa: E402
from pos_client.scanner.payload import Contremarque, read_scan  # noqa: E402
from pos_client.scanner.serial_source import SerialScanSource  # noqa: E402
from pos_client.scanner.source import RawScan, SourceState, SourceStatus  # noqa: E402

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"
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
    samples_ms: list[float]

    def cells(self) -> tuple[str, ...]:
        data = sorted(self.samples_ms)
        p99 = data[min(len(data) - 1, round(0.99 * (len(data) - 1)))]
        return (
            self.source,
            str(len(data)),
            f"{statistics.median(data):.2f}",
            f"{p99:.2f}",
            f"{data[-1]:.2f}",
        )


class TokenSink:
    """Receives scans on any thread, reads the token, stamps the time."""

    def __init__(self) -> None:
        self.done: queue.Queue[float] = queue.Queue()
        self.connected = threading.Event()

    def on_scan(self, scan: RawScan) -> None:
        result = read_scan(scan)
        if isinstance(result, Contremarque) and result.token == "352UW4":
            self.done.put(time.perf_counter())

    def on_status(self, status: SourceStatus) -> None:
        if status.state is SourceState.CONNECTED:
            self.connected.set()

    def wait(self) -> float:
        return self.done.get(timeout=TIMEOUT_S)


def bench_serial(n: int, *, suffix: bool) -> list[float]:
    master, slave = os.openpty()
    sink = TokenSink()
    source = SerialScanSource(os.ttyname(slave), terminator="\r" if suffix else "", silence_s=0.1)
    source.start(sink.on_scan, sink.on_status)
    samples = []
    try:
        sink.connected.wait(TIMEOUT_S)
        for _ in range(n):
            if suffix:
                os.write(master, PAYLOAD.encode())
                time.sleep(0.002)  # the body arrives first, as from a real scanner
                t0 = time.perf_counter()
                os.write(master, b"\r")
            else:
                t0 = time.perf_counter()
                os.write(master, PAYLOAD.encode())
            samples.append((sink.wait() - t0) * 1000)
    finally:
        source.stop()
        os.close(master)
        os.close(slave)
    return samples


def bench_hid(n: int) -> list[float]:
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

    sink = TokenSink()
    source = HidScanSource(0x0C2E, 0x0B8F, backend=Module)
    source.start(sink.on_scan, sink.on_status)
    samples = []
    try:
        sink.connected.wait(TIMEOUT_S)
        for _ in range(n):
            feed.put(bytes(report))
            done = sink.wait()
            samples.append((done - handed.get(timeout=TIMEOUT_S)) * 1000)
    finally:
        source.stop()
    return samples


def bench_evdev(n: int) -> list[float]:
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

    sink = TokenSink()
    source = EvdevScanSource("/dev/input/event-bench", open_device=lambda path: Device())
    source.start(sink.on_scan, sink.on_status)
    samples = []
    try:
        sink.connected.wait(TIMEOUT_S)
        for _ in range(n):
            pending.put(body())
            os.write(write_fd, b"x")
            time.sleep(0.002)
            pending.put([Event(1, 28, 1), Event(1, 28, 0)])
            t0 = time.perf_counter()
            os.write(write_fd, b"x")
            samples.append((sink.wait() - t0) * 1000)
    finally:
        source.stop()
        os.close(read_fd)
        os.close(write_fd)
    return samples


def bench_keyboard(n: int, *, suffix: bool) -> list[float]:
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication, QLineEdit

    from pos_client.settings import ScannerSettings
    from pos_client.ui.keyboard_capture import install_keyboard_capture

    app = QApplication.instance() or QApplication([])
    field = QLineEdit()
    field.show()
    field.activateWindow()
    field.setFocus()
    sink = TokenSink()
    capture = install_keyboard_capture(app, ScannerSettings(), sink.on_scan)
    assert capture is not None
    handle = field.windowHandle()
    stamp = 0

    def send(key: int, text: str, modifiers: Qt.KeyboardModifier) -> None:
        nonlocal stamp
        stamp += 5
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, modifiers, text)
            event.setTimestamp(stamp)
            QCoreApplication.sendEvent(handle, event)

    samples = []
    try:
        for _ in range(n):
            stamp += 1000
            for char in PAYLOAD:
                key = ord(char.upper()) if char.isalnum() else int(Qt.Key.Key_Colon)
                send(key, char, Qt.KeyboardModifier.NoModifier)
            t0 = time.perf_counter()
            if suffix:
                send(int(Qt.Key.Key_Return), "\r", Qt.KeyboardModifier.NoModifier)
            deadline = time.monotonic() + TIMEOUT_S
            while sink.done.empty() and time.monotonic() < deadline:
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
            samples.append((sink.wait() - t0) * 1000)
    finally:
        capture.stop()
        capture.deleteLater()
        field.deleteLater()
    return samples


BENCHES: dict[str, Callable[[int], list[float]]] = {
    "serial (CR suffix)": lambda n: bench_serial(n, suffix=True),
    "serial (no suffix, 100 ms silence)": lambda n: bench_serial(n, suffix=False),
    "hid pos (Honeywell report)": bench_hid,
    "evdev exclusive (Enter)": bench_evdev,
    "keyboard capture (Enter)": lambda n: bench_keyboard(n, suffix=True),
    "keyboard capture (no suffix, 90 ms silence)": lambda n: bench_keyboard(n, suffix=False),
}


def run(n: int) -> list[Row]:
    return [Row(name, bench(n)) for name, bench in BENCHES.items()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="scans per source")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory():
        rows = run(args.n)
    header = ("source: last byte/key -> token", "n", "median ms", "p99 ms", "max ms")
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
