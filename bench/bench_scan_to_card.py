"""Scan-to-card bench on a real X server: real X11 key events (XTEST) from a keyboard-mode scanner, the
real till window (xcb) on the demo emulator, and the card's paint detected in the window.

The clock starts when the scanner's last key (Enter) has been sent to the X server (XTestFakeKeyEvent
then XFlush, from a sender process with its own X connection, keys spaced by busy-waiting) and stops
when the booking card's paint event runs (an event filter on the card): what the cashier waits for,
from the scanner's beep to the card, with the burst capture, the lookup on the emulator (loopback HTTP)
and the repaint in between. Targets (issue 16): median <= 15 ms, p99 <= 40 ms.

Usage: .venv/bin/python bench/bench_scan_to_card.py [--n 40] [--gap-ms 5]
Starts its own Xvfb (no window manager, like a kiosk) and runs itself inside it. Prints a table
(median, p90, p99, max). Not run by the test suite (tests/ui smoke-runs it with N=2).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
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
            while time.perf_counter() < next_at:
                pass  # busy-wait: sleeps are coarser than the 2 ms a scanner leaves between keys
            if shift:
                self._event(self._shift, True)
            self._event(keycode, True)
            self._x11.XFlush(self._display)
            sent_at = time.monotonic()
            self._event(keycode, False)
            if shift:
                self._event(self._shift, False)
            self._x11.XFlush(self._display)
            next_at += gap_s
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
            sent_at = keys.type_burst(keys.strokes(line.rstrip("\n") + "\n"), gap_ms / 1000)
            print(repr(sent_at), flush=True)
    finally:
        keys.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(display: str, n: int, gap_ms: float) -> tuple[list[float], int]:
    """Inside the X server: the till, ``n`` scans, the scan-to-card times in ms and the misreads."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from pos_client.counter.view import State
    from pos_client.emulator import demo_data
    from pos_client.settings import Settings
    from pos_client.ui.app import demo_till
    from pos_client.ui.keyboard_capture import KeyboardCapture

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)

    def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the till did not reach the expected state")
            app.processEvents()

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
        ui={"sound_enabled": False, "return_to_ready_s": 600.0}, scanner={"scanner_layout": "us"}
    )
    times: list[float] = []
    misreads: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        capture = KeyboardCapture(settings.scanner)
        with demo_till(Path(tmp), settings, (capture,)) as (window, _backend):
            window.resize(1024, 768)
            window.show()
            wait_for(window.isActiveWindow)  # it asks for the keyboard itself (no window manager)
            clock = PaintClock()
            window.card.installEventFilter(clock)
            shown_at: dict[State, float] = {}
            window.view_shown.connect(lambda view: shown_at.setdefault(view.state, time.monotonic()))
            steps: dict[str, list[float]] = {
                "last key -> lookup sent": [],
                "lookup -> answer shown": [],
                "answer -> card painted": [],
            }
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
                    sent: list[float] = []
                    sender = keys.type_async(f"PASSCULTURE:v3;TOKEN:{token}", sent)
                    wait_for(partial(_answered, sent, clock.painted, window))
                    sender.join()
                    painted_at = clock.painted()
                    if painted_at is None:  # a misread: said, never counted as a time
                        misreads.append(
                            f"{token}: {window.counter.view.title} {window.code_field.edit.text()!r}"
                        )
                        window.code_field.clear()
                    elif index >= 2:
                        times.append((painted_at - sent[0]) * 1000)
                        looked, answered = shown_at[State.LOOKING_UP], shown_at[State.ID_CHECK]
                        steps["last key -> lookup sent"].append((looked - sent[0]) * 1000)
                        steps["lookup -> answer shown"].append((answered - looked) * 1000)
                        steps["answer -> card painted"].append((painted_at - answered) * 1000)
            finally:
                keys.close()
                window.card.removeEventFilter(clock)
    for misread in misreads:
        print(f"misread: {misread}", file=sys.stderr)
    for name, values in steps.items():
        print(f"step {name}: median {statistics.median(values):.2f} ms, p90 {percentile(values, 0.9):.2f} ms")
    return times, len(misreads)


def _answered(sent: list[float], painted: Callable[[], float | None], window: Any) -> bool:
    """The scanner's keys are all sent, and the card was painted (or the read was refused)."""
    from pos_client.counter.view import State

    return bool(sent) and (painted() is not None or window.counter.state is State.INVALID_CODE)


def table(times: list[float], gap_ms: float, misreads: int = 0) -> list[str]:
    return [
        f"scan -> card painted, real X11 keys at {gap_ms:g} ms/key (Xvfb, no window manager, demo emulator)",
        "| case                 |     n | median ms |    p90 ms |    p99 ms |    max ms |",
        "|----------------------|------:|----------:|----------:|----------:|----------:|",
        f"| last key -> card     | {len(times):>5} | {statistics.median(times):>9.2f} | "
        f"{percentile(times, 0.9):>9.2f} | {percentile(times, 0.99):>9.2f} | {max(times):>9.2f} |",
        f"misreads: {misreads}",
        "targets: median <= 15 ms, p99 <= 40 ms",
    ]


def run_under_xvfb(n: int, gap_ms: float, timeout_s: float = 300, script: str = __file__) -> list[str]:
    """Start a private Xvfb, run the measurement in a child process there, return its table."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-noreset", "-screen", "0", "1280x1024x24"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as announce:
            number = announce.readline().strip()
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start ({number!r})")
        env = {
            **os.environ,
            "DISPLAY": f":{number}",
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        }
        done = subprocess.run(
            [sys.executable, script, "--inside", "--n", str(n), "--gap-ms", str(gap_ms)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        sys.stderr.write(
            "".join(line + "\n" for line in done.stderr.splitlines() if line.startswith("misread"))
        )
        if done.returncode != 0:
            raise RuntimeError(f"the measurement failed:\n{done.stderr[-3000:]}")
        return [line for line in done.stdout.splitlines() if line.strip()]
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description="Scan-to-card latency with real X11 keys (Xvfb).")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--gap-ms", type=float, default=5.0)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        sender_loop(os.environ["DISPLAY"], args.gap_ms)
        return 0
    if args.inside:
        times, misreads = measure(os.environ["DISPLAY"], args.n, args.gap_ms)
        print("\n".join(table(times, args.gap_ms, misreads)))
        return 0
    print("\n".join(run_under_xvfb(args.n, args.gap_ms)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
