"""``pos-client startup-probe``: start the real window, say when it is ready, measure memory.

Used by ``bench/bench_startup.py`` (on the bundle and on the plain install) and useful on a slow
shop PC. It creates the ``QApplication`` first, so it can schedule its steps, then runs the real
application (``pos_client.ui.app.run_app``). Lines on stdout, one per step:

    stage probe <unix time>      the command line is parsed (interpreter, CLI and its subcommand
                                 modules imported, settings read): the probe starts
    stage app <unix time>        the application's modules are imported (window, client, journal,
                                 emulator, scan sources)
    ready                        the main window is shown and the event loop has turned once
    rss idle <bytes>             resident memory after ``idle_s`` of idling
    rss scans <bytes> <n> <s>    after ``n`` scans typed into the window as a keyboard-wedge
                                 scanner types them, in ``s`` seconds

then it quits the application.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from pos_client.app.exits import Exit
from pos_client.host_os import HostOs, current_host_os

if TYPE_CHECKING:
    from pos_client.app.context import AppContext

__all__ = ["resident_memory_bytes", "run_startup_probe", "scan_payloads"]

# Letters and digits of the contremarque alphabet cycle through distinct tokens, so the scan
# guard (which drops a repeat within seconds) lets every scan through.
_TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_KEYS: dict[str, Qt.Key] = {
    ":": Qt.Key.Key_Colon,
    ";": Qt.Key.Key_Semicolon,
    "\r": Qt.Key.Key_Return,
}


def resident_memory_bytes() -> int:
    """Resident memory of this process (Linux: VmRSS; Windows: working set)."""
    host = current_host_os()
    if host is HostOs.LINUX:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("VmRSS missing from /proc/self/status")
    if host is HostOs.WINDOWS:
        return _windows_working_set()
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # bytes on macOS


def _windows_working_set() -> int:
    class ProcessMemoryCounters(ctypes.Structure):
        _fields_ = [
            ("cb", ctypes.c_ulong),
            ("PageFaultCount", ctypes.c_ulong),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
        ]

    counters = ProcessMemoryCounters()
    counters.cb = ctypes.sizeof(counters)
    windll = ctypes.WinDLL("psapi")  # type: ignore[attr-defined,unused-ignore]
    kernel = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
    process = kernel.GetCurrentProcess()
    if not windll.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
        raise OSError("GetProcessMemoryInfo failed")
    return int(counters.WorkingSetSize)


def scan_payloads(count: int) -> list[str]:
    """``count`` distinct QR payloads as a scanner sends them (v3 format, CR terminator)."""
    payloads = []
    base = len(_TOKEN_ALPHABET)
    for index in range(count):
        digits, value = [], index
        for _ in range(6):
            value, digit = divmod(value, base)
            digits.append(_TOKEN_ALPHABET[digit])
        payloads.append(f"PASSCULTURE:v3;TOKEN:{''.join(reversed(digits))}\r")
    return payloads


def _key_of(char: str) -> Qt.Key:
    if char in _KEYS:
        return _KEYS[char]
    return Qt.Key(ord(char.upper()))


def _type_text(target: QWidget, text: str) -> None:
    for char in text:
        key = _key_of(char)
        modifiers = Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier.NoModifier
        typed = "" if char == "\r" else char
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, typed))


def _main_window() -> QMainWindow | None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    return windows[0] if windows else None


def run_startup_probe(
    context: AppContext,
    *,
    demo: bool,
    scans: int,
    idle_s: float,
    out: TextIO | None = None,
    run_app: Callable[..., int] | None = None,
) -> int:
    """Run the application with the probe's steps scheduled; return its exit code (3,
    ``Exit.NO_DISPLAY``, if the window never showed)."""
    stream = out if out is not None else sys.stdout

    def say(line: str) -> None:
        print(line, file=stream, flush=True)

    # Wall-clock times: the bench compares them with the time it started the process.
    say(f"stage probe {time.time():.6f}")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    if run_app is None:
        from pos_client.ui.app import run_app as real_run_app

        run_app = real_run_app
    say(f"stage app {time.time():.6f}")
    failures: list[str] = []

    def feed_scans() -> None:
        window = _main_window()
        target = (QApplication.focusWidget() or window) if window else None
        start = time.perf_counter()
        if target is not None:
            for payload in scan_payloads(scans):
                _type_text(QApplication.focusWidget() or target, payload)
                QCoreApplication.processEvents()
        elapsed = time.perf_counter() - start
        # Let the last lookups finish and their results show before measuring.
        QTimer.singleShot(int(idle_s * 1000), lambda: finish(elapsed))

    def finish(elapsed: float) -> None:
        if scans:
            say(f"rss scans {resident_memory_bytes()} {scans} {elapsed:.3f}")
        QCoreApplication.quit()

    def measure_idle() -> None:
        say(f"rss idle {resident_memory_bytes()}")
        QTimer.singleShot(0, feed_scans)

    def on_event_loop_started() -> None:
        if _main_window() is None:
            failures.append("no main window shown")
            QCoreApplication.exit(Exit.NO_DISPLAY)
            return
        say("ready")
        QTimer.singleShot(int(idle_s * 1000), measure_idle)

    # Fires on the first turn of the event loop that run_app starts, after the window is shown.
    QTimer.singleShot(0, on_event_loop_started)
    status = run_app(context, demo=demo)
    del app
    return Exit.NO_DISPLAY if failures else int(status)
