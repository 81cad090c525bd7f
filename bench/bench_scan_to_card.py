"""Scan-to-card bench on a real X server: real X11 key events (XTEST) from a keyboard-mode scanner, the
real till window (xcb) on the demo emulator, and the card's paint detected in the window.

The clock starts when the scanner's last key (Enter) is sent to the X server (just before its
XTestFakeKeyEvent and XFlush, so a pre-empted sender never shortens a time; from a sender process
with its own X connection, keys spaced by a sleep and a short busy-wait) and stops
when the booking card's paint event runs (an event filter on the card): what the cashier waits for,
from the scanner's beep to the card, with the burst capture, the lookup on the emulator (loopback HTTP)
and the repaint in between. Targets (issue 16): median <= 15 ms, p99 <= 40 ms.

Usage: .venv/bin/python bench/bench_scan_to_card.py [--n 40] [--gap-ms 5]
Starts its own Xvfb (no window manager, like a kiosk) and runs itself inside it. Prints a table
(median, p90, p99, max). Not run by the test suite (tests/ui smoke-runs it with N=2).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # the private Xvfb of the X11 tests

from x11_display import private_xvfb  # noqa: E402

SPIN_S = 0.0008  # the sender busy-waits only this long before each key
CHORD_MARK = "chord:"  # a line for the sender that is a key chord ("chord:Alt_L+i"), not a scan
CARD_TOKENS = ("book", "duo_cinema", "museum_pass", "concert_category", "book_2", "concert_pit")


class XKeys:
    """XTEST key presses on their own X connection (call from one thread only)."""

    def __init__(self, display: str) -> None:
        x11_path = ctypes.util.find_library("X11")
        xtst_path = ctypes.util.find_library("Xtst")
        if not x11_path or not xtst_path:
            raise RuntimeError("libX11 and libXtst are needed (Debian: libx11-6 libxtst6)")
        self._x11 = ctypes.CDLL(x11_path)
        self._xtst = ctypes.CDLL(xtst_path)
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x11.XStringToKeysym.restype = ctypes.c_ulong
        self._x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self._x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self._x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self._x11.XFlush.argtypes = [ctypes.c_void_p]
        self._x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self._display = self._x11.XOpenDisplay(display.encode())
        if not self._display:
            raise RuntimeError(f"cannot open X display {display}")
        self._shift = self.keycode("Shift_L")

    _NAMES: ClassVar[dict[str, str]] = {":": "colon", ";": "semicolon", "\n": "Return", " ": "space"}

    def keycode(self, name: str) -> int:
        code = int(self._x11.XKeysymToKeycode(self._display, self._x11.XStringToKeysym(name.encode())))
        if not code:
            raise ValueError(f"no key for {name!r}")
        return code

    def strokes(self, text: str) -> list[tuple[int, bool]]:
        """(keycode, with Shift) for each character, on the US map of a fresh Xvfb."""
        keys = []
        for char in text:
            name = self._NAMES.get(char, char)
            keys.append((self.keycode(name), char.isupper() or char == ":"))
        return keys

    def _event(self, keycode: int, press: bool) -> None:
        self._xtst.XTestFakeKeyEvent(self._display, keycode, int(press), 0)

    def type_burst(self, strokes: list[tuple[int, bool]], gap_s: float) -> float:
        """Type like a scanner (one key every ``gap_s``); the monotonic time the last key was sent."""
        sent_at = 0.0
        next_at = time.perf_counter()
        for keycode, shift in strokes:
            # Sleep, then busy-wait the last stretch: a sleep alone is coarser than the 2 ms a scanner
            # leaves between keys, a busy-wait alone takes a core the till needs (a scanner takes none).
            time.sleep(max(0.0, next_at - time.perf_counter() - SPIN_S))
            while time.perf_counter() < next_at:
                pass
            if shift:
                self._event(self._shift, True)
            sent_at = time.monotonic()  # before the flush: a sender pre-empted after it never shortens a time
            self._event(keycode, True)
            self._x11.XFlush(self._display)
            self._event(keycode, False)
            if shift:
                self._event(self._shift, False)
            self._x11.XFlush(self._display)
            next_at += gap_s
        return sent_at

    def chord(self, names: list[str]) -> float:
        """Press ``names`` together (modifiers first, as a person does), then release them; the
        monotonic time the last key's press was sent."""
        codes = [self.keycode(name) for name in names]
        sent_at = time.monotonic()
        for code in codes:
            self._event(code, True)
        self._x11.XFlush(self._display)
        for code in reversed(codes):
            self._event(code, False)
        self._x11.XFlush(self._display)
        return sent_at

    def close(self) -> None:
        self._x11.XCloseDisplay(self._display)


class KeySender:
    """The scanner: a child process typing with XTEST (its own interpreter: a busy-waiting thread in
    the till's process would hold the GIL and slow the till down; a real scanner does not)."""

    def __init__(self, display: str, gap_ms: float) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--sender", "--gap-ms", str(gap_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DISPLAY": display},
        )

    def chord_async(self, names: str, sent: list[float]) -> threading.Thread:
        """Press a chord (``"Alt_L+i"``, ``"Escape"``); ``sent`` gets the time its last key went."""
        return self.type_async(CHORD_MARK + names, sent)

    def type_async(self, text: str, sent: list[float]) -> threading.Thread:
        """Type ``text`` (a line); ``sent`` gets the monotonic time of its last key once it is sent."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(text + "\n")
        self._process.stdin.flush()
        stdout = self._process.stdout
        reader = threading.Thread(target=lambda: sent.append(float(stdout.readline())))
        reader.start()
        return reader

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()


def sender_loop(display: str, gap_ms: float) -> None:
    """``--sender``: each line read is typed as a scan (plus Enter); the last key's time is printed."""
    keys = XKeys(display)
    try:
        for line in sys.stdin:
            text = line.rstrip("\n")
            if text.startswith(CHORD_MARK):
                sent_at = keys.chord(text.removeprefix(CHORD_MARK).split("+"))
            else:
                sent_at = keys.type_burst(keys.strokes(text + "\n"), gap_ms / 1000)
            print(repr(sent_at), flush=True)
    finally:
        keys.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class EmulatorProcess:
    """The demo emulator served by ``pos-client emulator`` in a process of its own, as a till's server
    is another machine: in the till's process its thread would share the interpreter lock with the
    window and the lookup's thread, a wait no real server adds."""

    def __init__(self, root: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pos_client", "--dev-dir", str(root), "emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        first = self._process.stdout.readline()  # "Émulateur de l'API pass Culture : http://127.0.0.1:N"
        if "http://" not in first:
            self.close()
            raise RuntimeError(f"the emulator did not start ({first!r})")
        self.base_url = first[first.index("http://") :].strip()

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()


class DemoKey:
    """The API key store of the bench's till: the emulator's demo key for every server."""

    def get_key(self, environment: object) -> str:
        from pos_client.emulator import demo_data

        return demo_data.DEMO_API_KEY

    def set_key(self, environment: object, key: str) -> None:
        raise RuntimeError("the bench never changes the key")


@contextlib.contextmanager
def bench_till(root: Path, settings: Any, sources: tuple[Any, ...], emulator: str) -> Iterator[Any]:
    """The till the bench scans into (window, backend): on the emulator in its own process
    (``process``, like a till and its server), or the demo mode's till, whose emulator is a thread of
    the till's process (``thread``)."""
    from pos_client.settings import ApiEnvironment
    from pos_client.ui.app import demo_till, till_under

    if emulator == "thread":
        with demo_till(root, settings, sources) as till:
            yield till
        return
    server = EmulatorProcess(root / "emulator")
    try:
        server_url = {"environment": ApiEnvironment.CUSTOM, "custom_url": server.base_url}
        custom = settings.with_values(api=server_url)
        with till_under(root / "till", custom, sources, demo=False, keys=DemoKey()) as till:
            yield till
    finally:
        server.close()


class GcPauses:
    """The garbage collector's pauses (gc.callbacks): (end time, ms) of each collection."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now = time.monotonic()
        if phase == "start":
            self._started = now
        else:
            self.pauses.append((now, (now - self._started) * 1000))

    def between(self, start: float, end: float) -> list[float]:
        return [ms for at, ms in self.pauses if start <= at <= end]


PHASES = (
    "last key -> lookup shown",
    "lookup shown -> request starts",
    "HTTP exchange (worker)",
    "answer -> card shown (GUI)",
    "card shown -> card painted",
)


@dataclass
class Results:
    """Each counted scan's time and phases, the garbage collections inside scans, the misreads."""

    times: list[float] = field(default_factory=list)
    misreads: list[str] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in PHASES})
    gc_in_scans: list[float] = field(default_factory=list)

    def add(self, marks: tuple[float, ...], gc_pauses: GcPauses) -> None:
        """One scan: the moments between ``PHASES`` (last key sent ... card painted)."""
        self.times.append((marks[-1] - marks[0]) * 1000)
        for name, begin, end in zip(PHASES, marks[:-1], marks[1:], strict=True):
            self.steps[name].append((end - begin) * 1000)
        self.gc_in_scans.extend(gc_pauses.between(marks[0], marks[-1]))

    def print_phases(self) -> None:
        for misread in self.misreads:
            print(f"misread: {misread}", file=sys.stderr)
        for name, values in self.steps.items():
            if values:
                print(
                    f"phase {name:<31} median {statistics.median(values):6.2f} ms   "
                    f"p90 {percentile(values, 0.9):6.2f} ms   max {max(values):6.2f} ms"
                )
        longest = max(self.gc_in_scans, default=0.0)
        print(f"gc during scans: {len(self.gc_in_scans)} collections, longest {longest:.2f} ms")


def measure(display: str, n: int, gap_ms: float, emulator: str = "process") -> tuple[list[float], int]:
    """Inside the X server: the till, ``n`` scans, the scan-to-card times in ms and the misreads."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from pos_client.counter.view import State
    from pos_client.emulator import demo_data
    from pos_client.settings import Settings
    from pos_client.ui.keyboard_capture import KeyboardCapture
    from pos_client.ui.pauses import settle_after_start

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)

    # The wait sleeps in the event loop as the till's own loop does (app.exec()): spinning on
    # processEvents() would keep the GUI thread busy and holding the interpreter lock, which the
    # lookup's thread then waits for, a cost the till itself never pays.
    wake = QTimer()
    wake.setInterval(20)  # the sender's answer comes on a Python thread, with no Qt event: look again
    wake.start()

    def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the till did not reach the expected state")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    class PaintClock(QObject):
        painted_at: float | None = None

        def painted(self) -> float | None:
            return self.painted_at

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if (
                event.type() == QEvent.Type.Paint
                and self.painted_at is None
                and window.counter.state is State.ID_CHECK
            ):
                self.painted_at = time.monotonic()
            return False

    settings = Settings(till_name="bench").with_values(
        ui={"sound_enabled": False, "return_to_ready_s": 120.0}, scanner={"scanner_layout": "us"}
    )
    results = Results()
    gc_pauses = GcPauses()
    with tempfile.TemporaryDirectory() as tmp:
        capture = KeyboardCapture(settings.scanner)
        with bench_till(Path(tmp), settings, (capture,), emulator) as (window, _backend):
            window.resize(1024, 768)
            window.show()
            wait_for(window.isActiveWindow)  # it asks for the keyboard itself (no window manager)
            settle_after_start()  # what the till's run loop does once its window is up
            clock = PaintClock()
            window.card.installEventFilter(clock)
            shown_at: dict[State, float] = {}
            window.view_shown.connect(lambda view: shown_at.setdefault(view.state, time.monotonic()))
            exchanges: list[tuple[float, float]] = []
            api = window.counter._api
            get_booking = api.get_booking

            def timed_get_booking(token: str) -> Any:
                started = time.monotonic()
                outcome = get_booking(token)
                exchanges.append((started, time.monotonic()))
                return outcome

            api.get_booking = timed_get_booking
            gc.callbacks.append(gc_pauses)
            keys = KeySender(display, gap_ms)
            try:
                for index in range(n + 2):  # the first two warm the emulator and the fonts up
                    token = demo_data.TOKENS[CARD_TOKENS[index % len(CARD_TOKENS)]]
                    window.counter.dismiss()
                    window.counter.repeats.forget()
                    wait_for(lambda: window.counter.state is State.READY)
                    for _ in range(5):
                        app.processEvents()
                    clock.painted_at = None
                    shown_at.clear()
                    exchanges.clear()
                    sent: list[float] = []
                    sender = keys.type_async(f"PASSCULTURE:v3;TOKEN:{token}", sent)
                    wait_for(partial(_answered, sent, clock.painted, window))
                    sender.join()
                    painted_at = clock.painted()
                    leaked = window.code_field.edit.text()  # a scanner key given to the field: a misread too
                    if painted_at is None or leaked:  # a misread: said, never counted as a time
                        results.misreads.append(f"{token}: {window.counter.view.title} {leaked!r}")
                        window.code_field.clear()
                    elif index >= 2:
                        looked, answered = shown_at[State.LOOKING_UP], shown_at[State.ID_CHECK]
                        asked, got = exchanges[-1]
                        results.add((sent[0], looked, asked, got, answered, painted_at), gc_pauses)
            finally:
                gc.callbacks.remove(gc_pauses)
                keys.close()
                window.card.removeEventFilter(clock)
    results.print_phases()
    return results.times, len(results.misreads)


def _answered(sent: list[float], painted: Callable[[], float | None], window: Any) -> bool:
    """The scanner's keys are all sent, and the card was painted (or the read was refused)."""
    from pos_client.counter.view import State

    return bool(sent) and (painted() is not None or window.counter.state is State.INVALID_CODE)


def load_average() -> str:
    """The machine's 1-minute load average (it is shared: every figure comes with it)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def table(
    times: list[float], gap_ms: float, misreads: int = 0, emulator: str = "process", load: str = "?"
) -> list[str]:
    where = "in its own process" if emulator == "process" else "a thread of the till's process"
    return [
        f"scan -> card painted, real X11 keys at {gap_ms:g} ms/key (Xvfb, no window manager, "
        f"demo emulator {where}); load average {load} -> {load_average()}",
        "| case                 |     n | median ms |    p90 ms |    p99 ms |    max ms |",
        "|----------------------|------:|----------:|----------:|----------:|----------:|",
        f"| last key -> card     | {len(times):>5} | {statistics.median(times):>9.2f} | "
        f"{percentile(times, 0.9):>9.2f} | {percentile(times, 0.99):>9.2f} | {max(times):>9.2f} |",
        f"misreads: {misreads}",
        "targets: median <= 15 ms, p99 <= 40 ms",
    ]


def run_under_xvfb(
    n: int, gap_ms: float, timeout_s: float = 300, script: str = __file__, emulator: str = "process"
) -> list[str]:
    """Start a private Xvfb, run the measurement in a child process there, return its table."""
    with private_xvfb("1280x1024") as display:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        }
        inside = ["--inside", "--n", str(n), "--gap-ms", str(gap_ms), "--emulator", emulator]
        done = subprocess.run(
            [sys.executable, script, *inside],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    sys.stderr.write("".join(line + "\n" for line in done.stderr.splitlines() if line.startswith("misread")))
    if done.returncode != 0:
        raise RuntimeError(f"the measurement failed:\n{done.stderr[-3000:]}")
    return [line for line in done.stdout.splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description="Scan-to-card latency with real X11 keys (Xvfb).")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--gap-ms", type=float, default=5.0)
    parser.add_argument(
        "--emulator",
        choices=("process", "thread"),
        default="process",
        help="the emulator in its own process (a till and its server), or in the till's (--demo)",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        sender_loop(os.environ["DISPLAY"], args.gap_ms)
        return 0
    if args.inside:
        load = load_average()
        times, misreads = measure(os.environ["DISPLAY"], args.n, args.gap_ms, args.emulator)
        print("\n".join(table(times, args.gap_ms, misreads, args.emulator, load)))
        return 0
    print("\n".join(run_under_xvfb(args.n, args.gap_ms, emulator=args.emulator)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
