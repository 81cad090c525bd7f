"""Helpers of the offer tests (a uniquely named module: ``conftest`` is not importable by name when the
whole suite runs)."""

from __future__ import annotations

from datetime import timedelta

from pos_client.emulator import RunningEmulator

# Jobs wait this long on the emulator's clock: a test runs them with ``run_jobs`` (clock moved on).
JOB_DELAY_S = 3600.0


class FakeClock:
    """The desk's wall clock; ``sleep`` moves it (the desk's waits take no time)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def run_jobs(emulator: RunningEmulator) -> int:
    """Move the emulator's clock past every queued job's time and run them."""
    emulator.control.advance_clock(timedelta(seconds=JOB_DELAY_S + 1))
    return emulator.products.run_due_jobs()
