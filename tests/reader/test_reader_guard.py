"""The scan guard: repeats within the window are dropped, busy tokens are refused, thread-safe."""

from __future__ import annotations

import threading

import pytest

from pos_client.scanner.guard import DEFAULT_WINDOW_S, ScanGuard


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_default_window_is_three_seconds() -> None:
    assert ScanGuard().window_s == DEFAULT_WINDOW_S == 3.0


def test_repeat_within_window_is_dropped(clock: FakeClock) -> None:
    guard = ScanGuard(clock=clock)
    assert guard.admit("352UW4")
    clock.advance(0.05)  # CR LF suffix read as two scans, or a double trigger
    assert not guard.admit("352UW4")
    assert guard.admit("ABCDEF")  # another token is not affected


def test_repeat_after_window_is_admitted(clock: FakeClock) -> None:
    guard = ScanGuard(window_s=3.0, clock=clock)
    assert guard.admit("352UW4")
    clock.advance(3.0)
    assert guard.admit("352UW4")


def test_code_held_in_front_of_camera_is_read_once(clock: FakeClock) -> None:
    guard = ScanGuard(window_s=3.0, clock=clock)
    admitted = 0
    for _ in range(100):  # 10 reads a second for 10 s: each read restarts the window
        admitted += guard.admit("352UW4")
        clock.advance(0.1)
    assert admitted == 1
    clock.advance(3.0)
    assert guard.admit("352UW4")


def test_busy_token_is_refused_until_released(clock: FakeClock) -> None:
    guard = ScanGuard(window_s=3.0, clock=clock)
    assert guard.admit("352UW4")
    guard.hold("352UW4")
    assert guard.is_busy("352UW4")
    clock.advance(60.0)  # a slow lookup: still busy, still refused
    assert not guard.admit("352UW4")
    guard.release("352UW4")
    assert not guard.is_busy("352UW4")
    clock.advance(2.9)  # the window restarts at release
    assert not guard.admit("352UW4")
    clock.advance(3.0)
    assert guard.admit("352UW4")


def test_hold_without_admit_and_release_of_unknown_token(clock: FakeClock) -> None:
    guard = ScanGuard(clock=clock)
    guard.release("NEVER1")  # harmless
    guard.hold("TYPED1")  # the typed-code field may hold directly
    assert not guard.admit("TYPED1")
    assert not guard.is_busy("ABCDEF")


def test_zero_window_only_guards_busy_tokens(clock: FakeClock) -> None:
    guard = ScanGuard(window_s=0.0, clock=clock)
    assert guard.admit("352UW4")
    assert guard.admit("352UW4")
    guard.hold("352UW4")
    assert not guard.admit("352UW4")


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window_s"):
        ScanGuard(window_s=-1.0)


def test_memory_stays_bounded_over_a_long_day(clock: FakeClock) -> None:
    guard = ScanGuard(window_s=3.0, clock=clock)
    guard.hold("BUSY22")
    for number in range(5000):
        assert guard.admit(f"T{number:05d}")
        clock.advance(1.0)
    assert len(guard._last_seen) < 300
    assert guard.is_busy("BUSY22") and not guard.admit("BUSY22")


def test_concurrent_reads_admit_exactly_once() -> None:
    """Eight source threads read the same code at once: one admission, whatever the timing."""
    guard = ScanGuard(window_s=3600.0)
    start = threading.Barrier(8)
    results: list[bool] = []
    results_lock = threading.Lock()

    def read() -> None:
        start.wait(timeout=10)
        for _ in range(200):
            admitted = guard.admit("352UW4")
            with results_lock:
                results.append(admitted)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == 1600
    assert results.count(True) == 1
