"""The counter's options, built once by the composition root (``app/counter.py``) from the settings,
and the timings it keeps by default."""

from __future__ import annotations

from dataclasses import dataclass, field

from pos_client.counter.repeats import RepeatWindows

__all__ = ["SETTLE_EVERY_S", "SETTLE_MIN_AGE_S", "SLOW_AFTER_S", "CounterConfig"]

# Open intents (lost answers nobody re-read, a resolution that could not be written) are settled in the
# background this often, once they are this old: a request of this till is held by the counter while
# in flight, the age keeps clear of one sent by another process on the same journal (the command line).
SETTLE_EVERY_S = 30.0
SETTLE_MIN_AGE_S = 120.0
# A change unanswered this long is shown as slow, with a way out that leaves its outcome unknown.
SLOW_AFTER_S = 5.0


@dataclass
class CounterConfig:
    """The counter's settings, built once by the composition root from the till's settings."""

    repeat: RepeatWindows = field(default_factory=RepeatWindows)
    burst_quiet_s: float = 0.4
    return_to_ready_s: float = 6.0
    prefix: str = ""  # what the shop's scanners add around each code
    suffix: str = ""
    host_layout: str | None = None
    settle_every_s: float | None = SETTLE_EVERY_S  # None: only when asked (``settle_in_background``)
    # The venues this till serves (settings): a booking of another venue is refused before any change.
    # Empty: not chosen yet, every venue the key reaches is accepted.
    till_venue_ids: tuple[int, ...] = ()
    slow_after_s: float = SLOW_AFTER_S
