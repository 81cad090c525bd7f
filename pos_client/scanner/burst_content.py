"""What the keys held by the burst classifier say by their content: nothing, the start of a pass
Culture header, a payload in progress, or a complete payload (plain Python, no I/O).

Timing alone cannot tell a Bluetooth scanner (30-120 ms between keys) from a fast typist; content
can: nobody types ``PASSCULTURE:`` by hand, garbled by a layout mismatch or not. The header forms
are every garbling of ``PASSCULTURE:`` the reader knows how to repair (``layouts.ALL_REPAIRS``,
Caps Lock included), compared up to ASCII case. A scanner may put a short decoration before the
header (an AIM identifier ``]Q1``, its dead-key forms ``¨Q1``/``1``, ``>>``, ``<``, ``QR:``,
``DATA=``); the reader (``payload.read_contremarque``) has the last word on completeness.
"""

from __future__ import annotations

import re
import string
from enum import IntEnum

from pos_client.scanner.layouts import ALL_REPAIRS, CAPS_LOCK_ONLY
from pos_client.scanner.payload import Contremarque, PayloadFormat, read_contremarque

__all__ = ["HEADER_FORMS", "MIN_PAYLOAD_LENGTH", "ContentState", "PayloadContent"]

_HEADER = "PASSCULTURE:"
_FOLD = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
# "PASSCULTURE:v3;TOKEN:" + 6: nothing shorter is a complete payload.
MIN_PAYLOAD_LENGTH = 27
# Longer than any payload with decorations: a candidate beyond this is not ours (runaway device).
_MAX_CONTENT_LENGTH = 256


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _header_forms() -> frozenset[str]:
    forms = {_HEADER}
    for repair in (*ALL_REPAIRS, CAPS_LOCK_ONLY):
        garbled = repair.garble(_HEADER)
        if garbled is not None:
            forms.add(garbled)
    return frozenset(_fold(form) for form in forms)


HEADER_FORMS: frozenset[str] = _header_forms()
_HEADER_LENGTH = len(_HEADER)

# What a scanner may type before the header (folded to upper case): 1-3 symbols, an AIM identifier
# (``]Q1``, Windows dead-key form ``¨Q1``, composed ``Ë0``), the digit left when libX11 swallows
# ``]Q`` on a Swiss layout, a short word and a separator (``QR:``, ``DATA=``).
_LEAD_RE = re.compile(r"[^\w\s]{1,3}|[\]¨][A-Z][0-9A-Z]|[ÄËÏÖÜ][0-9A-Z]|[0-9]|[A-Z]{1,4}[:=]")
# The beginnings of the symbol and AIM leads (a word lead is not held before its separator: a
# person's "D", "DA"... must not wait).
_PARTIAL_LEAD_RE = re.compile(r"[^\w\s]{1,2}|[\]¨][A-Z]?|[ÄËÏÖÜ]")
_MAX_LEAD = 5


class ContentState(IntEnum):
    """Ordered: a later state says more."""

    NONE = 0  # nothing of a payload: a person's typing, or a non-payload scan (timing decides)
    LEAD = 1  # only what a scanner may type before a header (``<``, ``]Q``, a digit)
    PREFIX = 2  # the beginning of a header (after a decoration or not): may become a payload
    BODY = 3  # a whole header was typed: a scanner for sure, payload not complete (yet)
    COMPLETE = 4  # reads as a pass Culture payload


class PayloadContent:
    """Content tests for the classifier, with the reader's settings (configured prefix/suffix, the
    PC's layout when known)."""

    def __init__(self, prefix: str = "", suffix: str = "", host_layout: str | None = None) -> None:
        self.prefix = prefix
        self.suffix = suffix
        self.host_layout = host_layout or None

    def state(self, text: str, physical: str | None) -> ContentState:
        """The most telling state of the layout's text and the physical (scanner-layout) text."""
        best = ContentState.NONE
        for candidate, is_physical in ((physical, True), (text, False)):
            if candidate and not (not is_physical and candidate == physical):  # US PC: read once
                best = max(best, self._state_of(candidate, physical=is_physical))
                if best is ContentState.COMPLETE:
                    break
        return best

    def header_at_start(self, text: str, physical: str | None) -> bool:
        """Whether the text (or physical text) starts with a header or its beginning, no lead."""
        return any(candidate and _header_offset(_fold(candidate), 0) for candidate in (physical, text))

    def reads(self, text: str, physical: str | None) -> bool:
        """Whether the reader takes it for a pass Culture payload (never a bare typed code)."""
        if len(text) < MIN_PAYLOAD_LENGTH and (physical is None or len(physical) < MIN_PAYLOAD_LENGTH):
            return False
        if physical is not None and self._reads_one(physical, physical=True):
            return True
        return self._reads_one(text, physical=False)

    def _reads_one(self, text: str, *, physical: bool) -> bool:
        if len(text) < MIN_PAYLOAD_LENGTH:
            return False
        # The physical text is already in the scanner's layout: no layout repair applies to it.
        host = None if physical else self.host_layout
        return _is_payload(read_contremarque(text, prefix=self.prefix, suffix=self.suffix, host_layout=host))

    def _state_of(self, text: str, *, physical: bool) -> ContentState:
        if len(text) > _MAX_CONTENT_LENGTH:
            return ContentState.NONE
        folded = _fold(text)
        if _PARTIAL_LEAD_RE.fullmatch(folded) or _LEAD_RE.fullmatch(folded):
            return ContentState.LEAD
        for start in range(min(_MAX_LEAD, len(folded) - 1) + 1):
            if start and not _LEAD_RE.fullmatch(folded[:start]):
                continue
            found = _header_offset(folded, start)
            if found == "body":
                return (
                    ContentState.COMPLETE if self._reads_one(text, physical=physical) else ContentState.BODY
                )
            if found == "prefix":
                return ContentState.PREFIX
        return ContentState.NONE


def _header_offset(folded: str, start: int) -> str | None:
    """ "body" when a whole header form starts at ``start``, "prefix" when what follows ``start`` is
    the beginning of one, else None."""
    rest = folded[start:]
    if not rest:
        return None
    head = rest[:_HEADER_LENGTH]
    for form in HEADER_FORMS:
        if form.startswith(head):
            return "body" if len(head) == _HEADER_LENGTH else "prefix"
    return None


def _is_payload(result: object) -> bool:
    return isinstance(result, Contremarque) and result.format is not PayloadFormat.BARE
