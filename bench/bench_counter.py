"""Counter latency bench, against the local emulator on loopback, with the real window (offscreen).

Measures:
  1. scan -> card painted: from a scan reaching the workflow to the booking card repainted;
  2. Validate -> success: from the Validate action to the "validée" state painted;
  3. GUI-thread stalls during a burst of 200 scans fed from a source thread (distinct codes and
     repeats): a 1 ms heartbeat timer on the GUI thread records the gaps between its ticks.

Usage: .venv/bin/python bench/bench_counter.py [--n 50] [--burst 200]
Prints tables (median, p99, max). Not run by the test suite (tests/counter smoke-runs it with N=2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from pos_client.counter.view import CounterView, State
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import demo_data
from pos_client.scanner.null_source import NullSource
from pos_client.settings import Settings
from pos_client.ui.app import demo_till


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_for(app: QApplication, predicate: object, timeout_s: float = 10.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()


def row(name: str, values_ms: list[float]) -> str:
    return (
        f"| {name:<28} | {len(values_ms):>5} | {statistics.median(values_ms):>9.2f} | "
        f"{percentile(values_ms, 0.99):>9.2f} | {max(values_ms):>9.2f} |"
    )


def run(n: int, burst: int) -> list[str]:
    app_instance = QApplication.instance()
    app = app_instance if isinstance(app_instance, QApplication) else QApplication(sys.argv)
    lines: list[str] = []
    settings = Settings(till_name="bench").with_values(ui={"sound_enabled": False})
    source = NullSource("bench")
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_till(Path(tmp), settings, (source,)) as (window, backend),
    ):
        emulator = backend.emulator
        assert emulator is not None
        window.show()
        shown: list[tuple[float, CounterView]] = []
        window.view_shown.connect(lambda view: shown.append((time.perf_counter(), view)))

        def painted_at(state: State) -> float:
            wait_for(app, lambda: any(v.state is state for _, v in shown))
            window.repaint()  # the card and status area painted now, synchronously
            return time.perf_counter()

        to_card: list[float] = []
        to_success: list[float] = []
        for i in range(n):
            token = emulator.control.create_booking(
                venue_id=demo_data.BOOKSHOP_VENUE_ID, offer_name=f"Livre {i}", price_cents=1000 + i
            )
            shown.clear()
            start = time.perf_counter()
            window.on_scan(
                RawScan(text=f"PASSCULTURE:v3;TOKEN:{token}", transport=Transport.SERIAL, source_id="bench")
            )
            to_card.append((painted_at(State.ID_CHECK) - start) * 1000)
            window.counter.confirm_id_check(token)
            shown.clear()
            start = time.perf_counter()
            assert window.counter.validate(token)
            to_success.append((painted_at(State.VALIDATED) - start) * 1000)
            window.counter.dismiss()

        # Burst: `burst` scans from a source thread, a third of them repeats; heartbeat on the GUI thread.
        tokens = [
            emulator.control.create_booking(
                venue_id=demo_data.BOOKSHOP_VENUE_ID, offer_name=f"Rafale {i}", price_cents=500
            )
            for i in range(max(1, burst * 2 // 3))
        ]
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        def beat() -> None:
            now = clock.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(1)
        heartbeat.timeout.connect(beat)
        heartbeat.start()
        wait_for(app, lambda: len(gaps) > 20)
        gaps.clear()
        last[0] = clock.nsecsElapsed()

        def feed() -> None:
            for i in range(burst):
                source.feed(tokens[(i * 2 // 3) % len(tokens)], Transport.SERIAL)
                time.sleep(0.002)  # a fast scanner: one read every 2 ms

        feeder = threading.Thread(target=feed)
        feeder.start()
        wait_for(app, lambda: not feeder.is_alive(), 60)
        feeder.join()
        window.runner.wait_idle(20_000)
        end = time.monotonic() + 0.5
        wait_for(app, lambda: time.monotonic() > end)
        heartbeat.stop()
        lookups = sum(1 for seen in emulator.control.requests_seen() if seen.method == "GET")

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    lines.append(f"Counter bench: {n} bookings, burst of {burst} scans, emulator on loopback, offscreen Qt")
    lines.append(f"(machine load average {load} on {os.cpu_count()} cores: stalls include other processes)")
    lines.append("| measure                      |     n | median ms |    p99 ms |    max ms |")
    lines.append("|------------------------------|-------|-----------|-----------|-----------|")
    lines.append(row("scan -> card painted", to_card))
    lines.append(row("Validate -> success painted", to_success))
    lines.append(row("GUI heartbeat gap (burst)", gaps))
    lines.append(
        f"longest GUI-thread stall during the burst: {max(gaps):.2f} ms (target <= 16 ms); "
        f"GET requests in total: {lookups}"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    for line in run(args.n, args.burst):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
