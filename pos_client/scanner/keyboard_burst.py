"""Telling a keyboard-wedge scanner's burst from a person typing, by content and rhythm together
(plain Python, no I/O).

A USB scanner types a payload with 1-20 ms between keys; a Bluetooth one with 30-120 ms (or in
clumps of 2-8 keys 0-2 ms apart, 30-120 ms between clumps), the same rhythm as a fast typist. So
timing alone cannot decide; content can: nobody types ``PASSCULTURE:`` by hand, garbled by a layout
mismatch or not (``burst_content``). The classifier is fed every key press with the event's own
timestamp (Qt ``timestamp()``, evdev kernel time: never the time the handler ran) and decides at
once, for that key:

* ``HOLD``: a printable key that may be part of a scan: the caller keeps it from its widget;
* ``PASS``: let it through now (modifiers, function keys, a lone Enter);
* ``SWALLOW``: a terminator (Enter, Tab) that ends a scan: it must reach nothing.

Held keys come back in a later ``Decision``: inside a ``Burst`` of ``scans`` (swallowed for good)
or in ``release`` (a person typed them: the caller replays them unchanged, in order).

Two ways to be a scan:

* **content**: the held keys begin like a pass Culture header (any known garbling, after a short
  scanner decoration such as ``]Q1`` or ``>>``). They are held with a wide gap limit
  (``CONTENT_GAP_MS``, widened to the rhythm of a slower scanner once one was read), so a
  Bluetooth rhythm or one USB hiccup (40-150 ms) never cuts them. As soon as a key breaks that
  beginning (a person typing "Paris"), the keys go back at once. Once the reader takes the keys
  for a complete payload, the next key that does not extend it closes the scan and starts a new
  candidate: a person resuming typing gets their keys, a second suffix-less scan is a second scan.
  A person's key glued in front (a letter or digit right before the header, or any key whose gap
  is far above the burst's rhythm) is given back; a scanner's decoration (``<``, ``]Q1``) is kept.
* **timing** (any content, e.g. a book's barcode): at least ``min_length`` keys, each at most
  ``max_gap_ms`` after the previous one, and, at the default gap, a median gap of at most
  ``FAST_MEDIAN_MS`` (no person sustains that; a 35-90 ms typist never reaches it). A run of one
  repeated key at auto-repeat rates is a held key, not a scan. Raising ``max_gap_ms`` (the
  Bluetooth setting) drops the median condition: the old rule, as an override.

A candidate also ends on a terminator, on a non-character key, or when the caller reports silence
(``silence()``, from a timer of ``silence_ms``, which follows the candidate's state). A key typed
*inside* a burst, between two scanner keys, cannot be told apart: it is glued into the scan, which
the reader then rejects.
"""

from __future__ import annotations

import copy
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from pos_client.scanner.burst_content import MIN_PAYLOAD_LENGTH, ContentState, PayloadContent

__all__ = [
    "Burst",
    "BurstClassifier",
    "Decision",
    "Fate",
    "KeyKind",
    "Keystroke",
    "PayloadContent",
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
    """What to do now. ``release`` is replayed first, then ``scans`` are handed on, then ``fate``
    applies to the key just pressed (``None`` after ``silence()``)."""

    fate: Fate | None
    release: tuple[Keystroke, ...] = ()
    scans: tuple[Burst, ...] = ()

    @property
    def scan(self) -> Burst | None:
        """The last scan of this decision (one, nearly always)."""
        return self.scans[-1] if self.scans else None


# ---------------------------------------------------------------------------------- timing rule
DEFAULT_MAX_GAP_MS = 50.0  # the setting's default: "fast scanners only" for content-less scans
# At the default gap a content-less scan also needs this median gap: scanners type 1-20 ms apart,
# a fast typist's median stays above 35 ms.
FAST_MEDIAN_MS = 25.0
# One key repeated at this rhythm or slower is auto-repeat (25-50 keys/s), not a scanner.
AUTO_REPEAT_MIN_MS = 15.0
# A leading key is a person's, not the scanner's, when its gap to the next key is this many
# times the burst's rhythm and at least LEAD_MIN_GAP_MS.
LEAD_RATIO = 3.0
LEAD_MIN_GAP_MS = 15.0
# The last TRAIL_MAX_KEYS keys of a content-less timing scan closed without a terminator are a
# person's when the gap before them is at least TRAIL_MIN_GAP_MS and TRAIL_RATIO times the
# burst's median gap (decided when the candidate closes, never on the key itself).
TRAIL_RATIO = 4.0
TRAIL_MIN_GAP_MS = 30.0
TRAIL_MAX_KEYS = 2
# --------------------------------------------------------------------------------- content rule
# Gap limit while the held keys look like a payload: above a Bluetooth scanner's 30-120 ms (with
# jitter) and a USB hiccup's 40-150 ms, below the 250-700 ms between two suffix-less scans.
CONTENT_GAP_MS = 250.0
# After a payload was read, the limit follows that scanner: RHYTHM_WIDENING x its p90 gap, at most
# MAX_CONTENT_GAP_MS.
RHYTHM_WIDENING = 2.5
MAX_CONTENT_GAP_MS = 400.0
# A complete payload waits this many times its own p90 gap (at least max_gap) for a suffix.
COMPLETE_WAIT_RATIO = 1.5
FAST_BURST_P90_MS = 20.0  # a burst this fast shows a person's leading key by timing alone
CONTENT_LEAD_MAX_KEYS = 3
CONTENT_TRAIL_MAX_KEYS = 8
# ------------------------------------------------------------------------------------- common
# A terminator this many scanner gaps after a scan closed without one still belongs to it.
LATE_TERMINATOR_GAPS = 3.0
SILENCE_MARGIN_MS = 40.0  # event-loop jitter on top of a gap limit
MAX_BURST_KEYS = 1024  # a stuck key or a runaway device never grows memory unbounded


@dataclass
class _Outcome:
    """What closing keys produced, in order."""

    release: list[Keystroke] = field(default_factory=list)
    scans: list[Burst] = field(default_factory=list)
    terminator_used: bool = False


class BurstClassifier:
    """Incremental classifier. Not thread-safe: feed it from one thread (the GUI thread).

    Args:
        max_gap_ms: the content-less timing rule's gap (setting ``keyboard_max_gap_ms``).
        min_length: the shortest content-less scan (setting ``keyboard_min_length``).
        silence_ms: overrides the silence that ends a content-less candidate (max_gap + 40).
        content: the content tests, with the reader's prefix/suffix/PC layout settings.
    """

    def __init__(
        self,
        max_gap_ms: float = DEFAULT_MAX_GAP_MS,
        min_length: int = 6,
        silence_ms: float | None = None,
        *,
        content: PayloadContent | None = None,
    ):
        if max_gap_ms <= 0 or min_length < 1:
            raise ValueError("max_gap_ms must be > 0 and min_length >= 1")
        self.max_gap_ms = float(max_gap_ms)
        self.min_length = int(min_length)
        default_silence = self.max_gap_ms + SILENCE_MARGIN_MS
        self._timing_silence_ms = float(silence_ms) if silence_ms is not None else default_silence
        self._content = content if content is not None else PayloadContent()
        self._held: list[Keystroke] = []
        self._state = ContentState.NONE
        self._last_scan_ms: float | None = None  # last key of a scan closed without terminator
        self._late_window_ms = LATE_TERMINATOR_GAPS * self.max_gap_ms
        self._rhythm_ms: float | None = None  # p90 gap of the last payload read (the scanner seen)

    # ------------------------------------------------------------------ state for the caller
    @property
    def pending(self) -> bool:
        return bool(self._held)

    @property
    def held(self) -> tuple[Keystroke, ...]:
        return tuple(self._held)

    @property
    def content_state(self) -> ContentState:
        return self._state

    @property
    def content_gap_ms(self) -> float:
        """The gap limit while held keys look like a payload (adapted to the scanner seen)."""
        if self._rhythm_ms is None:
            return CONTENT_GAP_MS
        return max(CONTENT_GAP_MS, min(MAX_CONTENT_GAP_MS, RHYTHM_WIDENING * self._rhythm_ms))

    @property
    def silence_ms(self) -> float:
        """How long after the last key the caller should call ``silence()`` (follows the state)."""
        if self._state is ContentState.NONE:
            return self._timing_silence_ms
        if self._state is ContentState.COMPLETE:
            wait = max(self.max_gap_ms, COMPLETE_WAIT_RATIO * _p90(_gaps(self._held)))
            return min(self.content_gap_ms, wait) + SILENCE_MARGIN_MS
        return self.content_gap_ms + SILENCE_MARGIN_MS

    # ------------------------------------------------------------------ events
    def would_hold(self, key: Keystroke) -> bool:
        """Whether ``press(key)`` would keep the key from its widget (no state change).

        Lets a Qt adapter claim a key at ShortcutOverride time, before shortcuts see it.
        """
        if key.kind is KeyKind.CHARACTER:
            return True
        if key.kind is not KeyKind.TERMINATOR:
            return False
        probe = copy.copy(self)
        probe._held = list(self._held)
        return probe.press(key).fate is not Fate.PASS

    def press(self, key: Keystroke) -> Decision:
        if key.kind is KeyKind.MODIFIER:
            return Decision(Fate.PASS)
        out = _Outcome()
        if self._held and key.timestamp_ms - self._held[-1].timestamp_ms > self._gap_limit():
            self._close(None, out)
        if key.kind is KeyKind.CHARACTER:
            self._add(key, out)
            return Decision(Fate.HOLD, tuple(out.release), tuple(out.scans))
        if key.kind is KeyKind.TERMINATOR and self._held:
            self._close(key, out)
            fate = Fate.SWALLOW if out.terminator_used else Fate.PASS
            return Decision(fate, tuple(out.release), tuple(out.scans))
        if key.kind is KeyKind.TERMINATOR and self._is_late_terminator(key):
            # The scan was already closed (no suffix seen in time, busy event loop, slow
            # Bluetooth Enter): its Enter must still reach nothing.
            self._last_scan_ms = None
            return Decision(Fate.SWALLOW, tuple(out.release), tuple(out.scans))
        # OTHER (or a lone terminator): whatever was held ends here, the key itself goes through.
        if self._held:
            self._close(None, out)
        return Decision(Fate.PASS, tuple(out.release), tuple(out.scans))

    def silence(self) -> Decision:
        """The caller's timer saw no key for ``silence_ms``: close the candidate."""
        if not self._held:
            return Decision(None)
        out = _Outcome()
        self._close(None, out)
        return Decision(None, tuple(out.release), tuple(out.scans))

    def reset(self) -> tuple[Keystroke, ...]:
        """Forget the candidate and hand back its keys (to replay them), e.g. on focus loss."""
        held, self._held = tuple(self._held), []
        self._state = ContentState.NONE
        return held

    # ------------------------------------------------------------------ internals
    def _gap_limit(self) -> float:
        return self.max_gap_ms if self._state is ContentState.NONE else self.content_gap_ms

    def _is_late_terminator(self, key: Keystroke) -> bool:
        if self._held or self._last_scan_ms is None:
            return False
        return 0 <= key.timestamp_ms - self._last_scan_ms <= self._late_window_ms

    def _content_of(self, keys: Sequence[Keystroke]) -> ContentState:
        text, physical = _texts(keys)
        return self._content.state(text, physical)

    def _reads(self, keys: Sequence[Keystroke]) -> bool:
        text, physical = _texts(keys)
        return self._content.reads(text, physical)

    def _add(self, key: Keystroke, out: _Outcome) -> None:
        if len(self._held) >= MAX_BURST_KEYS:
            self._close(None, out)
        if self._state is ContentState.COMPLETE and not self._reads([*self._held, key]):
            # A payload was complete and this key does not extend it: the scan ends before it
            # (a person resuming typing, or the next suffix-less scan).
            self._close(None, out)
        before = self._state
        self._held.append(key)
        self._state = self._content_of(self._held)
        if self._state is ContentState.NONE:
            self._resegment(before, out)
        self._last_scan_ms = None  # a key after any scan closed above: a later Enter is not its

    def _resegment(self, before: ContentState, out: _Outcome) -> None:
        """The held keys (the newest included) show no payload: give back a person's keys typed
        before a header's beginning, or split by timing what a content hold kept together."""
        held = self._held
        first = 1 if before is not ContentState.NONE else max(1, len(held) - 7)
        for start in range(first, len(held)):
            state = self._content_of(held[start:])
            if state >= ContentState.PREFIX:
                self._close_by_timing(held[:start], None, out)
                self._held, self._state = held[start:], state
                return
        if before is ContentState.NONE:
            return  # every gap is within max_gap already (a larger one closed the candidate)
        gaps = _gaps(held)
        cuts = [index + 1 for index, gap in enumerate(gaps) if gap > self.max_gap_ms]
        if cuts:
            self._close_by_timing(held[: cuts[-1]], None, out)
            self._held = held[cuts[-1] :]
            self._state = self._content_of(self._held)

    def _close(self, terminator: Keystroke | None, out: _Outcome) -> None:
        keys, state = self._held, self._state
        self._held, self._state = [], ContentState.NONE
        if state >= ContentState.BODY:
            self._close_content(keys, terminator, out)
        else:
            self._close_by_timing(keys, terminator, out)

    def _close_content(self, keys: list[Keystroke], terminator: Keystroke | None, out: _Outcome) -> None:
        """A header was typed: a scan for sure. Hand back a person's keys glued around it."""
        lead = self._content_lead(keys)
        body = keys[lead:]
        trail = 0
        reads = self._reads(body)
        if terminator is None and not reads:
            for count in range(1, min(CONTENT_TRAIL_MAX_KEYS, len(body) - MIN_PAYLOAD_LENGTH) + 1):
                if self._reads(body[:-count]):
                    trail, reads = count, True
                    break
        end = len(body) - trail
        out.release.extend(keys[:lead])
        out.scans.append(Burst(tuple(body[:end]), terminator))
        out.release.extend(body[end:])
        out.terminator_used = terminator is not None
        rhythm = _p90(_gaps(body[:end]))
        if reads:
            self._rhythm_ms = rhythm
        self._last_scan_ms = None if terminator is not None or trail else body[end - 1].timestamp_ms
        self._late_window_ms = min(
            MAX_CONTENT_GAP_MS, LATE_TERMINATOR_GAPS * max(self.max_gap_ms, rhythm)
        )

    def _content_lead(self, keys: list[Keystroke]) -> int:
        """How many keys before the header a person typed (a scanner's decoration stays)."""
        if self._reads(keys):
            for count in range(1, CONTENT_LEAD_MAX_KEYS + 1):
                rest = keys[count:]
                if len(rest) < MIN_PAYLOAD_LENGTH:
                    break
                if self._is_person_lead(keys, count) and self._reads(rest):
                    return count
            return 0
        for count in range(1, CONTENT_LEAD_MAX_KEYS + 1):
            if len(keys) - count >= MIN_PAYLOAD_LENGTH and self._reads(keys[count:]):
                return count  # the payload reads only without them: not a decoration
        return 0

    def _is_person_lead(self, keys: list[Keystroke], count: int) -> bool:
        rest = keys[count:]
        gap = rest[0].timestamp_ms - keys[count - 1].timestamp_ms
        rhythm = _p90(_gaps(rest))
        if rhythm <= FAST_BURST_P90_MS and gap >= LEAD_MIN_GAP_MS and gap > LEAD_RATIO * max(rhythm, 1.0):
            return True
        if count != 1:
            return False
        # One letter or digit right before the header: a person's key (a scanner's decorations
        # are symbols, AIM identifiers or a word with a separator).
        first = keys[0].physical if keys[0].physical is not None else keys[0].text
        text, physical = _texts(rest)
        alnum = len(first) == 1 and first.isascii() and first.isalnum()
        return alnum and self._content.header_at_start(text, physical)

    def _close_by_timing(self, keys: list[Keystroke], terminator: Keystroke | None, out: _Outcome) -> None:
        """Content-less keys: runs of keys within max_gap; a run is a scan by the timing rule."""
        if not keys:
            return
        runs: list[list[Keystroke]] = [[keys[0]]]
        for previous, key in itertools.pairwise(keys):
            if key.timestamp_ms - previous.timestamp_ms > self.max_gap_ms:
                runs.append([])
            runs[-1].append(key)
        for index, run in enumerate(runs):
            run_terminator = terminator if index == len(runs) - 1 else None
            if not self._is_timing_scan(run):
                out.release.extend(run)
                continue
            lead = _leading_person_keys(run, self.min_length)
            trail = 0 if run_terminator is not None else _trailing_person_keys(run[lead:], self.min_length)
            end = len(run) - trail
            out.release.extend(run[:lead])
            out.scans.append(Burst(tuple(run[lead:end]), run_terminator))
            out.release.extend(run[end:])
            out.terminator_used = run_terminator is not None
            # A late Enter still belongs to a scan closed by silence, unless a person typed after it.
            self._last_scan_ms = None if run_terminator is not None or trail else run[-1].timestamp_ms
            self._late_window_ms = LATE_TERMINATOR_GAPS * self.max_gap_ms

    def _is_timing_scan(self, run: list[Keystroke]) -> bool:
        if len(run) < self.min_length:
            return False
        gaps = _gaps(run)
        median = statistics.median(gaps) if gaps else 0.0
        if self.max_gap_ms <= DEFAULT_MAX_GAP_MS and median > FAST_MEDIAN_MS:
            return False
        one_key = len({(key.text, key.native_code) for key in run}) == 1
        return not (one_key and median >= AUTO_REPEAT_MIN_MS)


def _texts(keys: Sequence[Keystroke]) -> tuple[str, str | None]:
    text = "".join(key.text for key in keys)
    chars = [key.physical for key in keys]
    physical = None if any(c is None for c in chars) else "".join(c for c in chars if c is not None)
    return text, physical


def _gaps(keys: Sequence[Keystroke]) -> list[float]:
    return [b.timestamp_ms - a.timestamp_ms for a, b in itertools.pairwise(keys)]


def _p90(values: list[float]) -> float:
    """The 90th percentile (one hiccup in a 27-key burst does not move it); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[int(0.9 * (len(ordered) - 1))]


def _leading_person_keys(keys: list[Keystroke], min_length: int) -> int:
    """How many keys at the start were typed by a person just before the scanner began."""
    gaps = _gaps(keys)
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
    gaps = _gaps(keys)
    for trail in range(TRAIL_MAX_KEYS, 0, -1):  # the longest split first: "x" then "y" both go
        body = len(keys) - trail
        if body < min_length or body < 3:
            continue
        rhythm = statistics.median(gaps[: body - 1])
        gap = gaps[body - 1]
        if gap >= TRAIL_MIN_GAP_MS and gap > TRAIL_RATIO * max(rhythm, 1.0):
            return trail
    return 0
