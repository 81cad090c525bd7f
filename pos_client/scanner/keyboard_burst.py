"""Telling a keyboard-wedge scanner's burst from a person typing, by timing alone (plain Python).

A scanner types a whole payload with 1-20 ms between keys (Bluetooth ones up to ~150 ms); a
person rarely types two keys under 50 ms apart and never six in a row. The classifier is fed
every key press with the event's own timestamp (Qt ``timestamp()``, evdev kernel time: never the
time the handler ran) and decides at once, for that key:

* ``HOLD``: a printable key that may be part of a scan: the caller keeps it from its widget;
* ``PASS``: let it through now (modifiers, function keys, a lone Enter);
* ``SWALLOW``: a terminator (Enter, Tab) that ends a scan: it must reach nothing.

Held keys come back in a later ``Decision``: either inside a ``Burst`` (a scan: swallowed for
good) or in ``release`` (a person typed them: the caller replays them unchanged, in order). A
candidate ends on a terminator, on a key after a gap longer than ``max_gap_ms``, on a non-character
key, or when the caller reports silence (``silence()``, from a timer of ``silence_ms``).

A person typing just before a scan starts would glue a key or two in front of the burst; keys
whose gap to the rest is far above the burst's own rhythm are split off and released. The same
holds at the other end for a scanner with no suffix: one or two keys at the end of a candidate
closed without a terminator, after a gap of at least ``TRAIL_MIN_GAP_MS`` and ``TRAIL_RATIO``
times the burst's median gap, are a person's key right after the scan: the scan is handed on
without them and they are given back. A key typed *inside* a burst, between two scanner keys,
cannot be told apart by timing: it is glued into the scan, which the reader then rejects.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "Burst",
    "BurstClassifier",
    "Decision",
    "Fate",
    "KeyKind",
    "Keystroke",
]


class KeyKind(Enum):
    CHARACTER = "character"  # a printable key (may start or continue a scan)
    TERMINATOR = "terminator"  # Enter / keypad Enter / Tab (CR, LF, TAB)
    OTHER = "other"  # arrows, F-keys, Escape, Backspace, Ctrl/Alt chords
    MODIFIER = "modifier"  # Shift, Ctrl, Alt, Caps Lock pressed alone


class Fate(Enum):
    HOLD = "hold"
    PASS = "pass"
    SWALLOW = "swallow"


@dataclass(frozen=True)
class Keystroke:
    """One key press as the classifier sees it.

    Attributes:
        kind: what sort of key it is.
        timestamp_ms: the event's own timestamp, in milliseconds (any origin, monotonic).
        text: what the PC's layout made of it ("" when nothing).
        physical: the character decoded from the key position with the scanner's layout, or
            None when the position is unknown (no native scan code, AltGr character).
        native_code: the native scan code, kept for diagnostics.
        payload: an opaque object the caller needs to replay the key (the Qt event's copy).
    """

    kind: KeyKind
    timestamp_ms: float
    text: str = ""
    physical: str | None = None
    native_code: int = 0
    payload: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Burst:
    """A completed scanner burst."""

    keys: tuple[Keystroke, ...]
    terminator: Keystroke | None

    @property
    def text(self) -> str:
        return "".join(k.text for k in self.keys)

    @property
    def physical_text(self) -> str | None:
        """The layout-independent reading, when every key's position was decoded."""
        chars = [k.physical for k in self.keys]
        if any(c is None for c in chars):
            return None
        return "".join(c for c in chars if c is not None)

    @property
    def first_ms(self) -> float:
        return self.keys[0].timestamp_ms

    @property
    def last_ms(self) -> float:
        last = self.terminator or self.keys[-1]
        return last.timestamp_ms

    def gaps_ms(self) -> list[float]:
        stamps = [k.timestamp_ms for k in self.keys]
        return [b - a for a, b in itertools.pairwise(stamps)]


@dataclass(frozen=True)
class Decision:
    """What to do now. ``release`` is replayed first, then ``scan`` is handed on, then ``fate``
    applies to the key just pressed (``None`` after ``silence()``)."""

    fate: Fate | None
    release: tuple[Keystroke, ...] = ()
    scan: Burst | None = None


# A leading key is a person's, not the scanner's, when its gap to the next key is this many
# times the burst's median gap and at least LEAD_MIN_GAP_MS.
LEAD_RATIO = 3.0
LEAD_MIN_GAP_MS = 15.0
# The last TRAIL_MAX_KEYS keys of a candidate closed without a terminator are a person's when
# the gap before them is at least TRAIL_MIN_GAP_MS and TRAIL_RATIO times the burst's median gap.
# Decided when the candidate closes, never on the key itself: a scheduling hiccup in the middle of
# a burst (the X server stamps keys when it reads them) leaves many keys after the gap, not one or
# two, so it never cuts a scan. A Bluetooth scanner's 60-140 ms gaps put the limit above max_gap.
TRAIL_RATIO = 4.0
TRAIL_MIN_GAP_MS = 30.0
TRAIL_MAX_KEYS = 2
# A terminator this many max-gaps after a scan closed by silence still belongs to it.
LATE_TERMINATOR_GAPS = 3.0
MAX_BURST_KEYS = 1024  # a stuck key or a runaway device never grows memory unbounded


class BurstClassifier:
    """Incremental classifier. Not thread-safe: feed it from one thread (the GUI thread)."""

    def __init__(self, max_gap_ms: float = 50.0, min_length: int = 6, silence_ms: float | None = None):
        if max_gap_ms <= 0 or min_length < 1:
            raise ValueError("max_gap_ms must be > 0 and min_length >= 1")
        self.max_gap_ms = float(max_gap_ms)
        self.min_length = int(min_length)
        # How long after the last key the caller should call ``silence()``: a gap longer than
        # max_gap ends a scan anyway; the margin absorbs event-loop jitter.
        self.silence_ms = float(silence_ms) if silence_ms is not None else self.max_gap_ms + 40.0
        self._held: list[Keystroke] = []
        self._last_scan_ms: float | None = None  # last key of the last scan, for a late terminator

    @property
    def pending(self) -> bool:
        return bool(self._held)

    @property
    def held(self) -> tuple[Keystroke, ...]:
        return tuple(self._held)

    def would_hold(self, key: Keystroke) -> bool:
        """Whether ``press(key)`` would keep the key from its widget (no state change).

        Lets a Qt adapter claim a key at ShortcutOverride time, before shortcuts see it.
        """
        if key.kind is KeyKind.CHARACTER:
            return True
        if key.kind is not KeyKind.TERMINATOR:
            return False
        if self._held:
            gap = key.timestamp_ms - self._held[-1].timestamp_ms
            limit = self.max_gap_ms if gap <= self.max_gap_ms else LATE_TERMINATOR_GAPS * self.max_gap_ms
            return len(self._held) >= self.min_length and gap <= limit
        return self._is_late_terminator(key)

    def press(self, key: Keystroke) -> Decision:
        if key.kind is KeyKind.MODIFIER:
            return Decision(Fate.PASS)
        release: tuple[Keystroke, ...] = ()
        scan: Burst | None = None
        if self._held and key.timestamp_ms - self._held[-1].timestamp_ms > self.max_gap_ms:
            release, scan = self._close(None)
        if key.kind is KeyKind.CHARACTER:
            if len(self._held) >= MAX_BURST_KEYS:
                more_release, more_scan = self._close(None)
                release += more_release
                scan = scan or more_scan
            self._held.append(key)
            return Decision(Fate.HOLD, release, scan)
        if key.kind is KeyKind.TERMINATOR and self._held:
            more_release, more_scan = self._close(key)
            if more_scan is not None:
                return Decision(Fate.SWALLOW, release + more_release, more_scan)
            return Decision(Fate.PASS, release + more_release, scan)
        if key.kind is KeyKind.TERMINATOR and self._is_late_terminator(key):
            # The scan was already closed by silence (slow scanner, busy event loop): its Enter
            # must still reach nothing.
            self._last_scan_ms = None
            return Decision(Fate.SWALLOW, release, scan)
        # OTHER (or a lone terminator): whatever was held ends here, the key itself goes through.
        if self._held:
            more_release, more_scan = self._close(None)
            release += more_release
            scan = scan or more_scan
        return Decision(Fate.PASS, release, scan)

    def silence(self) -> Decision:
        """The caller's timer saw no key for ``silence_ms``: close the candidate."""
        if not self._held:
            return Decision(None)
        release, scan = self._close(None)
        return Decision(None, release, scan)

    def reset(self) -> tuple[Keystroke, ...]:
        """Forget the candidate and hand back its keys (to replay them), e.g. on focus loss."""
        held, self._held = tuple(self._held), []
        return held

    # ------------------------------------------------------------------ internals
    def _is_late_terminator(self, key: Keystroke) -> bool:
        if self._held or self._last_scan_ms is None:
            return False
        return 0 <= key.timestamp_ms - self._last_scan_ms <= LATE_TERMINATOR_GAPS * self.max_gap_ms

    def _close(self, terminator: Keystroke | None) -> tuple[tuple[Keystroke, ...], Burst | None]:
        keys, self._held = self._held, []
        if len(keys) < self.min_length:
            return tuple(keys), None
        lead = _leading_person_keys(keys, self.min_length)
        trail = 0 if terminator is not None else _trailing_person_keys(keys[lead:], self.min_length)
        end = len(keys) - trail
        burst = Burst(tuple(keys[lead:end]), terminator)
        # A late Enter still belongs to a scan closed by silence, unless a person typed after it.
        self._last_scan_ms = None if terminator is not None or trail else keys[-1].timestamp_ms
        return (*keys[:lead], *keys[end:]), burst


def _leading_person_keys(keys: list[Keystroke], min_length: int) -> int:
    """How many keys at the start were typed by a person just before the scanner began."""
    stamps = [k.timestamp_ms for k in keys]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    lead = 0
    while len(keys) - (lead + 1) >= min_length and lead < len(gaps) - 2:
        rhythm = statistics.median(gaps[lead + 1 :])
        if gaps[lead] >= LEAD_MIN_GAP_MS and gaps[lead] > LEAD_RATIO * max(rhythm, 1.0):
            lead += 1
        else:
            break
    return lead


def _trailing_person_keys(keys: list[Keystroke], min_length: int) -> int:
    """How many keys at the end (at most TRAIL_MAX_KEYS) a person typed right after the burst."""
    stamps = [k.timestamp_ms for k in keys]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    for trail in range(TRAIL_MAX_KEYS, 0, -1):  # the longest split first: "x" then "y" both go
        body = len(keys) - trail
        if body < min_length or body < 3:
            continue
        rhythm = statistics.median(gaps[: body - 1])
        gap = gaps[body - 1]
        if gap >= TRAIL_MIN_GAP_MS and gap > TRAIL_RATIO * max(rhythm, 1.0):
            return trail
    return 0
