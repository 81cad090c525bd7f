"""Shortcut-key bench on a real X server (review m18: "Alt+I and Alt+V respond in 105-125 ms, against
8-9 ms for Échap; the key filter seems to hold Alt chords").

Real X11 key chords (XTEST, from a sender process with its own X connection, as in
``bench_scan_to_card``) on the real till window (xcb, no window manager, the demo emulator in its own
process). The clock starts when the chord's last key press has been sent to the X server and stops
when the widget that shows the key's effect is painted:

* Alt+I (ID checked): the « Valider » button that appears;
* Alt+V (validate): the status area saying « Validation en cours… », then the success painted;
* Échap: the status area back to « Prêt ».

Each round opens a card with a scan from a serial scanner (no keyboard burst, so the counter's
0.4 s guard after a keyboard scan does not apply). Usage:
``.venv/bin/python bench/bench_shortcut_keys.py [--n 20]``; prints a table (median, p90, max).
Not run by the test suite (tests/ui smoke-runs it with N=1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scan_to_card as scan_bench

CASES = (
    "Alt+I -> Valider painted",
    "Alt+V -> en cours painted",
    "Alt+V -> validée painted",
    "Échap -> Prêt painted",
)


def measure(display: str, n: int) -> dict[str, list[float]]:
    """Inside the X server: ``n`` rounds of scan, Alt+I, Alt+V, Échap; each key's time to its paint."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from pos_client.counter.view import Action, State
    from pos_client.domain.scan import RawScan, Transport
    from pos_client.emulator import demo_data
    from pos_client.settings import Settings
    from pos_client.ui.keyboard_capture import KeyboardCapture
    from pos_client.ui.pauses import settle_after_start

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    wake = QTimer()
    wake.setInterval(20)
    wake.start()

    def wait_for(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the till did not reach the expected state ({window.counter.state})")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    class PaintWatch(QObject):
        """The first paint of a widget once ``ready()`` holds."""

        def __init__(self, widget: QWidget, ready: Callable[[], bool]) -> None:
            super().__init__()
            self.painted_at: float | None = None
            self._ready = ready
            self._widget = widget
            widget.installEventFilter(self)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() == QEvent.Type.Paint and self.painted_at is None and self._ready():
                self.painted_at = time.monotonic()
            return False

        def close(self) -> None:
            self._widget.removeEventFilter(self)

    settings = Settings(till_name="bench").with_values(
        ui={"sound_enabled": False, "return_to_ready_s": 120.0}
    )
    tokens = [demo_data.TOKENS[case] for case in scan_bench.CARD_TOKENS]
    times: dict[str, list[float]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as tmp:
        capture = KeyboardCapture(settings.scanner)
        with scan_bench.bench_till(Path(tmp), settings, (capture,), "process") as (window, backend):
            window.resize(1024, 768)
            window.show()
            wait_for(window.isActiveWindow)
            settle_after_start()
            keys = scan_bench.KeySender(display, 5.0)
            counter = window.counter

            def press(
                chord: str, widget: QWidget, ready: Callable[[], bool], then: Any = None
            ) -> list[float]:
                watches = [PaintWatch(widget, ready)] + ([PaintWatch(*then)] if then else [])
                sent: list[float] = []
                sender = keys.chord_async(chord, sent)
                try:
                    wait_for(lambda: bool(sent) and all(w.painted_at is not None for w in watches))
                finally:
                    sender.join()
                    for watch in watches:
                        watch.close()
                return [((w.painted_at or 0.0) - sent[0]) * 1000 for w in watches]

            try:
                for index in range(n + 1):  # the first round warms up
                    token = tokens[index % len(tokens)]
                    counter.dismiss()
                    counter.repeats.forget()
                    window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:bench"))
                    wait_for(lambda: counter.state is State.ID_CHECK)
                    for _ in range(5):
                        app.processEvents()
                    validate = window.buttons[Action.VALIDATE]
                    id_checked = press("Alt_L+i", validate, validate.isVisible)
                    in_flight = press(
                        "Alt_L+v",
                        window.status_area,
                        lambda: counter.state in (State.VALIDATING, State.VALIDATED),
                        (window.status_area, lambda: counter.state is State.VALIDATED),
                    )
                    ready = press("Escape", window.status_area, lambda: counter.state is State.READY)
                    backend.api.keep(token)  # undone on the server: the next round can validate it again
                    if index >= 1:
                        for case, value in zip(CASES, (*id_checked, *in_flight, *ready), strict=True):
                            times[case].append(value)
            finally:
                keys.close()
    return times


def table(times: dict[str, list[float]], load: str) -> list[str]:
    lines = [
        "shortcut key -> its effect painted, real X11 chords (Xvfb, no window manager, demo emulator in "
        f"its own process); load average {load} -> {scan_bench.load_average()}",
        "| key                        |     n | median ms |    p90 ms |    max ms |",
        "|----------------------------|------:|----------:|----------:|----------:|",
    ]
    for case, values in times.items():
        lines.append(
            f"| {case:<26} | {len(values):>5} | {statistics.median(values):>9.2f} | "
            f"{scan_bench.percentile(values, 0.9):>9.2f} | {max(values):>9.2f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Shortcut keys to their paint, real X11 chords (Xvfb).")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--gap-ms", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--emulator", default="process", help=argparse.SUPPRESS)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        load = scan_bench.load_average()
        print("\n".join(table(measure(os.environ["DISPLAY"], args.n), load)))
        return 0
    print("\n".join(scan_bench.run_under_xvfb(args.n, args.gap_ms, script=__file__)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
