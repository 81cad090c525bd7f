"""The contremarque reader: whatever a scanner, a camera or a cashier produced -> a token, or a
typed rejection with a French message for the cashier.

Pure and fast (no I/O, no state). Accepted inputs:

* ``PASSCULTURE:v3;TOKEN:352UW4`` (current), ``PASSCULTURE:v2;EAN13:<13 digits>;TOKEN:...``,
  ``PASSCULTURE:v2;TOKEN:...``, and any ``PASSCULTURE:vN`` with extra ``KEY:value`` fields;
  case-insensitive; the EAN is kept when present;
* a bare 6-character token typed by hand (spaces trimmed, upper-cased, like the official desk);
* all of the above wrapped in scanner decorations: CR/LF/Tab terminators, STX/ETX framing, NUL
  padding, a byte-order mark, an AIM symbology identifier (``]Q1``), the shop's configured
  prefix/suffix (kept when it belongs to the code: prefix "A" and a typed "ABCDEF"), surrounding
  spaces;
* all of the above garbled by a keyboard layout mismatch (see ``layouts``): the payload is
  repaired and the result names the repair, so the till can advise fixing the scanner.

Everything else is a :class:`Rejection` whose reason says what it was (a book's barcode, a web
link, another QR code, a truncated payload...). A token handed out always matches
:data:`TOKEN_PATTERN`, so a rejected input never reaches a URL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

from pos_client.domain.scan import RawScan
from pos_client.domain.token import ASCII_UPPER, TOKEN_LENGTH, TOKEN_PATTERN
from pos_client.scanner.layouts import ALL_REPAIRS, CAPS_LOCK_ONLY, LayoutRepair, find_layout

__all__ = [
    "MAX_INPUT_LENGTH",
    "TOKEN_ALPHABET",
    "TOKEN_PATTERN",
    "Contremarque",
    "PayloadFormat",
    "Rejection",
    "RejectionReason",
    "read_contremarque",
    "read_scan",
    "token_from_text",
]

# What pass Culture's generator draws from (no 0 1 8 9 I O); the reader accepts any A-Z/0-9 like
# the official desk, the API answers "not found" for the rest.
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
# Longer than any contremarque payload with room for future fields; longer input is not ours.
MAX_INPUT_LENGTH = 256

_HEADER = "PASSCULTURE:"
_HEADER_START = _HEADER[:8]
_USUAL_HEADER = "PASSCULTURE:v"  # as pass Culture writes it
_CAPS_LOCK_HEADER = _USUAL_HEADER.swapcase()
_HEADER_RE = re.compile(r"^PASSCULTURE:V([0-9]{1,3})\Z")
_FIELD_RE = re.compile(r"^([A-Z0-9_]{1,32}):(.*)$", re.DOTALL)
_AIM_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# An AIM identifier whose "]" is a dead key (Swiss layouts): Windows types the dead key's "¨" then
# the letter, or composes them ("]E0" -> "Ë0"). Taken off only before a header or a barcode's digits.
_DEAD_KEY_AIM_RE = re.compile(r"^(?:¨[A-Za-z]|[ÄËÏÖÜ])[0-9A-Za-z]")
_TRAILING_AIM_RE = re.compile(r"(?:\]|¨)[A-Za-z][0-9A-Za-z]\Z|[ÄËÏÖÜ][0-9A-Za-z]\Z")
# A short decoration before the header that nobody configured: 1-3 symbols (">>", "<"), a short
# word and a separator ("QR:", "DATA="), or the digit libX11 leaves of a dead-key "]Q1". Never the
# payload's own separators, nor the tail of a header or field name ("EN:" of "TOKEN:").
_UNCONFIGURED_PREFIX_RE = re.compile(r"[^\w\s:;]{1,3}|[A-Za-z]{1,4}[:=]|[0-9]")
_MAX_UNCONFIGURED_PREFIX = 5
_STRUCTURE_TAILS = ("PASSCULTURE:", "TOKEN:", "EAN13:")
_MAX_GLUED_CODES = 4
_EAN13_RE = re.compile(r"^[0-9]{13}\Z")
_RETAIL_BARCODE_RE = re.compile(r"^([0-9]{8}|[0-9]{12,14}|[0-9]{9}[0-9Xx])\Z")
_WEB_RE = re.compile(r"^(https?://|www\.)|^[\w.-]+\.(fr|com|app|org|gouv\.fr)(/|$)", re.IGNORECASE)
_PASS_CULTURE_WEB_RE = re.compile(r"pass[.\-_]?culture", re.IGNORECASE)
_LOOKS_TYPED_RE = re.compile(r"^[A-Za-z0-9 \-]{1,16}\Z")
_FRAMING = " \t\r\n\x00\x02\x03\x04\ufeff"
_MIN_TRUNCATED_HEADER = 4  # "PASS" and longer beginnings of "PASSCULTURE:" are cut-off scans


class PayloadFormat(StrEnum):
    BARE = "bare"  # typed by hand
    V2 = "v2"
    V3 = "v3"
    VN = "vN"  # any other PASSCULTURE:vN


class RejectionReason(StrEnum):
    EMPTY = "empty"
    BOOK_BARCODE = "book_barcode"
    WEB_LINK = "web_link"
    OTHER_QR = "other_qr"
    MALFORMED_PASS_CULTURE = "malformed_pass_culture"
    TRUNCATED = "truncated"
    TOO_LONG = "too_long"
    CONTROL_CHARACTERS = "control_characters"
    BAD_TOKEN = "bad_token"
    AMBIGUOUS_LAYOUT = "ambiguous_layout"  # garbled so that two layouts read different tokens
    SEVERAL_CODES = "several_codes"  # two different payloads glued in one read


_MESSAGES: dict[RejectionReason, str] = {
    RejectionReason.EMPTY: "Rien n'a été lu. Scannez le QR code de la contremarque ou tapez son code.",
    RejectionReason.BOOK_BARCODE: (
        "C'est le code-barres d'un livre ou d'un produit, pas une contremarque. Scannez le QR code "
        "affiché dans l'application pass Culture du bénéficiaire."
    ),
    RejectionReason.WEB_LINK: (
        "C'est un lien vers le site ou l'application pass Culture, pas une contremarque. Demandez "
        "au bénéficiaire d'ouvrir sa réservation et de montrer le QR code de la contremarque."
    ),
    RejectionReason.OTHER_QR: (
        "Ce code n'est pas une contremarque pass Culture. Scannez le QR code de la réservation "
        "dans l'application pass Culture, ou tapez le code à 6 caractères."
    ),
    RejectionReason.MALFORMED_PASS_CULTURE: (
        "Ce QR code pass Culture est illisible (format inattendu). Tapez le code à 6 caractères "
        "affiché sous le QR code."
    ),
    RejectionReason.TRUNCATED: (
        "La lecture est incomplète (code coupé). Scannez à nouveau, ou tapez le code à "
        "6 caractères affiché sous le QR code."
    ),
    RejectionReason.TOO_LONG: (
        "Le texte lu est beaucoup trop long pour une contremarque. Scannez à nouveau le QR code "
        "de la réservation."
    ),
    RejectionReason.CONTROL_CHARACTERS: (
        "La lecture contient des caractères invisibles ou parasites. Scannez à nouveau ; si "
        "cela se répète, vérifiez les réglages de la douchette."
    ),
    RejectionReason.BAD_TOKEN: (
        "Le code doit faire exactement 6 caractères, lettres et chiffres (par exemple 352UW4). "
        "Vérifiez le code et recommencez."
    ),
    RejectionReason.AMBIGUOUS_LAYOUT: (
        "Le code a été déformé par un réglage de clavier et peut se lire de plusieurs façons. "
        "Tapez le code à 6 caractères à la main, et faites régler la douchette sur le clavier "
        "de l'ordinateur."
    ),
    RejectionReason.SEVERAL_CODES: (
        "Deux contremarques différentes ont été lues d'un coup. Scannez-les une par une ; si cela "
        "se répète, désactivez le mode de lecture continue de la douchette."
    ),
}


@dataclass(frozen=True)
class Contremarque:
    """A token ready for the API.

    Attributes:
        token: always matches ``TOKEN_PATTERN``.
        ean: the EAN-13 of a v2 payload, when present.
        format: which payload format carried the token.
        repair: None, or the id of the layout repair applied (``"us-on-fr-azerty"``).
        repair_advice: French advice for the cashier when ``repair`` is set.
    """

    token: str
    ean: str | None
    format: PayloadFormat
    repair: str | None = None
    repair_advice: str | None = None

    def __post_init__(self) -> None:
        if not TOKEN_PATTERN.match(self.token):
            raise ValueError(f"not a token: {self.token!r}")


@dataclass(frozen=True)
class Rejection:
    reason: RejectionReason
    message: str  # French, for the cashier


def _reject(reason: RejectionReason) -> Rejection:
    return Rejection(reason, _MESSAGES[reason])


def read_scan(
    scan: RawScan, *, prefix: str = "", suffix: str = "", host_layout: str | None = None
) -> Contremarque | Rejection:
    """Read a scan: its layout-independent ``physical_text`` first (keyboard sources), then its
    text."""
    physical: Contremarque | Rejection | None = None
    if scan.physical_text is not None:
        physical = read_contremarque(scan.physical_text, prefix=prefix, suffix=suffix)
        if isinstance(physical, Contremarque):
            return physical
    result = read_contremarque(scan.text, prefix=prefix, suffix=suffix, host_layout=host_layout)
    recognised = isinstance(physical, Rejection) and physical.reason in _RECOGNISED_OTHER
    if isinstance(result, Rejection) and recognised and physical is not None:
        return physical  # a book's barcode read right from the physical keys: say what it is
    return result


# Codes that were read perfectly but are something else (the title says so, not "illisible").
_RECOGNISED_OTHER = frozenset({RejectionReason.BOOK_BARCODE, RejectionReason.WEB_LINK})


def read_contremarque(
    text: str, *, prefix: str = "", suffix: str = "", host_layout: str | None = None
) -> Contremarque | Rejection:
    """Turn what was scanned or typed into a token, or say why not.

    Args:
        text: the characters as received.
        prefix, suffix: what the shop configured its scanner to add around each code (as the
            scanner's manual writes it, or as it appears on screen: both are recognised).
        host_layout: the PC's keyboard layout (an id or alias of ``layouts.find_layout``) when
            known: only the repairs for that layout are tried, which removes the rare ambiguous
            cases. Empty or unknown: every repair is tried.
    """
    if len(text) > MAX_INPUT_LENGTH * 4:
        return _reject(RejectionReason.TOO_LONG)
    result = _read_plain(text, (prefix,), (suffix,))
    if isinstance(result, Contremarque):
        if result.format is not PayloadFormat.BARE and _CAPS_LOCK_HEADER in text:
            return replace(result, repair=CAPS_LOCK_ONLY.repair_id, repair_advice=CAPS_LOCK_ONLY.advice)
        return result
    if result.reason in _NOT_REPAIRABLE and not _glued_by_terminators(text, result):
        return result
    return _read_repaired(text, prefix, suffix, host_layout, result)


def _glued_by_terminators(text: str, result: Rejection) -> bool:
    """Terminators inside the text (continuous mode gluing garbled payloads): worth a repair."""
    return result.reason is RejectionReason.CONTROL_CHARACTERS and any(
        char in text.strip(_FRAMING) for char in "\r\n\t"
    )


_NOT_REPAIRABLE = frozenset(
    {RejectionReason.EMPTY, RejectionReason.TOO_LONG, RejectionReason.CONTROL_CHARACTERS}
)


def _read_repaired(
    text: str, prefix: str, suffix: str, host_layout: str | None, plain: Rejection
) -> Contremarque | Rejection:
    """Try every layout repair; accept only complete pass Culture payloads, and only when all the
    repairs that work agree on the token."""
    found: list[tuple[LayoutRepair, Contremarque, int]] = []
    # What each repair reads from its header on, whatever stands before it: a repair that refuses
    # the lead (digits glued to the header) still says which token it sees, so a short prefix
    # another repair accepts can never pick a token this one contradicts.
    from_header: list[Contremarque] = []
    pass_culture_rejection: Rejection | None = None
    host = find_layout(host_layout) if host_layout else None
    for repair in ALL_REPAIRS:
        if host is not None and repair.host.layout_id != host.layout_id:
            continue
        repaired = repair.apply(text)
        if repaired == text or _HEADER_START not in repaired.translate(ASCII_UPPER):
            continue  # cheap test first: only a pass Culture payload is worth a full reading
        result = _read_plain(repaired, (prefix, repair.apply(prefix)), (suffix, repair.apply(suffix)))
        core = _read_plain(repaired[repaired.translate(ASCII_UPPER).index(_HEADER_START) :], (), ())
        if isinstance(core, Contremarque) and core.format is not PayloadFormat.BARE:
            from_header.append(core)
        if isinstance(result, Contremarque):
            if result.format is not PayloadFormat.BARE:
                found.append((repair, result, _oddness(repaired)))
        elif pass_culture_rejection is None and result.reason in _PASS_CULTURE_REJECTIONS:
            pass_culture_rejection = result
    if found:
        # A reading with a version that exists (v2, v3) beats one with an unheard-of version: on the
        # legacy AZERTY "è" is 7, so a new-AZERTY "v3" also reads as a "v7" that was never issued.
        known = [reading for reading in found if reading[1].format is not PayloadFormat.VN]
        found = known or found
        seen = [c for _, c, _ in found]
        seen += [c for c in from_header if c.format is not PayloadFormat.VN or not known]
        if len({c.token for c in seen}) > 1:
            return _reject(RejectionReason.AMBIGUOUS_LAYOUT)
        # The EAN only informs: keep it when the readings agree on one.
        eans = {c.ean for _, c, _ in found if c.ean is not None}
        # Name the repair that explains the text best (layouts that differ only on rare keys
        # read the same token): a valid EAN, then the fewest unexpected symbols.
        repair, contremarque, _ = min(found, key=lambda reading: (reading[1].ean is None, reading[2]))
        return Contremarque(
            token=contremarque.token,
            ean=eans.pop() if len(eans) == 1 else None,
            format=contremarque.format,
            repair=repair.repair_id,
            repair_advice=repair.advice,
        )
    if pass_culture_rejection is not None and plain.reason is RejectionReason.OTHER_QR:
        return pass_culture_rejection
    return plain


def _oddness(text: str) -> int:
    """How many characters a pass Culture payload would not normally contain (and one more
    without the header's usual case, so that a Caps Lock repair is named when it applies)."""
    odd = sum(1 for char in text if not (char.isascii() and (char.isalnum() or char in ":;")))
    return odd + (_USUAL_HEADER not in text)


_PASS_CULTURE_REJECTIONS = frozenset(
    {RejectionReason.TRUNCATED, RejectionReason.MALFORMED_PASS_CULTURE}
)


def _read_plain(text: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> Contremarque | Rejection:
    """Read ``text``, or each payload of a continuous-mode read that glued several together."""
    upper = text.translate(ASCII_UPPER)
    if upper.count(_HEADER) > 1:
        return _read_glued(text, upper, prefixes, suffixes)
    return _read_single(text, prefixes, suffixes)


def _read_glued(
    text: str, upper: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]
) -> Contremarque | Rejection:
    """A scanner in continuous mode sent the same code twice (or more), with or without
    terminators between: one token. Different codes, or any copy that does not read: refused."""
    starts = [match.start() for match in re.finditer(re.escape(_HEADER), upper)]
    if len(starts) > _MAX_GLUED_CODES:
        return _reject(RejectionReason.SEVERAL_CODES)
    readings: list[Contremarque] = []
    for index, start in enumerate(starts):
        is_last = index == len(starts) - 1
        piece = text[0 if index == 0 else start : len(text) if is_last else starts[index + 1]]
        if not is_last:
            piece = _without_next_decorations(piece, prefixes)
        result = _read_single(piece, prefixes, suffixes)
        if isinstance(result, Rejection):
            return result
        readings.append(result)
    if len({(reading.token, reading.ean, reading.format) for reading in readings}) > 1:
        return _reject(RejectionReason.SEVERAL_CODES)
    return readings[0]


def _without_next_decorations(piece: str, prefixes: tuple[str, ...]) -> str:
    """A glued payload without what belongs to the next one: framing, its AIM id, its prefix."""
    piece = piece.rstrip(_FRAMING)
    piece = _TRAILING_AIM_RE.sub("", piece).rstrip(_FRAMING)
    for prefix in prefixes:
        if prefix and piece.endswith(prefix):
            return piece[: -len(prefix)].rstrip(_FRAMING)
    return piece


def _read_single(text: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> Contremarque | Rejection:
    """Read ``text`` without its decorations. The configured prefix/suffix is taken off only when
    what remains reads as a contremarque: a prefix "A" must not eat the first letter of a typed
    "ABCDEF", nor a suffix "4" the last of "352UW4". When no reading works, the rejection is the
    one of the fully stripped text (what the scanner most likely sent)."""
    readings = _stripped_readings(text, prefixes, suffixes)
    first = _read_payload(next(readings))
    if isinstance(first, Contremarque):
        return first
    for payload in readings:
        other = _read_payload(payload)
        if isinstance(other, Contremarque):
            return other
    return first


def _read_payload(payload: str) -> Contremarque | Rejection:
    if not payload:
        return _reject(RejectionReason.EMPTY)
    if len(payload) > MAX_INPUT_LENGTH:
        return _reject(RejectionReason.TOO_LONG)
    # isprintable() is the fast path (C); it is also False for harmless spaces like U+00A0.
    if not payload.isprintable() and any(unicodedata.category(char)[0] == "C" for char in payload):
        return _reject(RejectionReason.CONTROL_CHARACTERS)
    upper = payload.translate(ASCII_UPPER)  # str.upper() would turn "ﬀ" into "FF"
    if upper.startswith(_HEADER + "//"):  # the app's own links: passculture://...
        return _reject(RejectionReason.WEB_LINK)
    if upper.startswith(_HEADER):
        return _read_pass_culture(upper)
    start = upper.find(_HEADER, 1, _MAX_UNCONFIGURED_PREFIX + len(_HEADER))
    if start > 0 and _is_unconfigured_prefix(payload[:start]):
        return _read_pass_culture(upper[start:])
    if len(upper) < len(_HEADER) and _HEADER.startswith(upper) and len(upper) >= _MIN_TRUNCATED_HEADER:
        return _reject(RejectionReason.TRUNCATED)
    return _read_other(payload)


def _stripped_readings(text: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]) -> Iterator[str]:
    """``text`` without its decorations: first with the configured prefix and suffix taken off, then
    (only when one was there) keeping the prefix, the suffix, or both, as they may belong to the
    code itself. Lazy: the usual first reading costs nothing more."""
    payload, (had_prefix, had_suffix) = _strip_decorations(text, prefixes, suffixes)
    yield payload
    seen = {payload}
    for keep_prefix, keep_suffix in ((True, False), (False, True), (True, True)):
        if (keep_prefix and not had_prefix) or (keep_suffix and not had_suffix):
            continue  # keeping a prefix that was not there would read the same text again
        payload, _ = _strip_decorations(
            text, () if keep_prefix else prefixes, () if keep_suffix else suffixes
        )
        if payload not in seen:
            seen.add(payload)
            yield payload


def _strip_decorations(
    text: str, prefixes: tuple[str, ...], suffixes: tuple[str, ...]
) -> tuple[str, tuple[bool, bool]]:
    """Remove framing, then the configured prefix, an AIM identifier, the configured suffix; and
    say whether a prefix and a suffix were removed."""
    payload = text.strip(_FRAMING)
    had_prefix = had_suffix = False
    for prefix in prefixes:
        if prefix and payload.startswith(prefix):
            payload = payload[len(prefix) :].strip(_FRAMING)
            had_prefix = True
            break
    if _AIM_RE.match(payload):
        payload = payload[3:].strip(_FRAMING)
    elif (dead_key := _DEAD_KEY_AIM_RE.match(payload)) and _header_or_digits(payload[dead_key.end() :]):
        payload = payload[dead_key.end() :].strip(_FRAMING)
    for suffix in suffixes:
        if suffix and payload.endswith(suffix):
            payload = payload[: -len(suffix)].strip(_FRAMING)
            had_suffix = True
            break
    return payload, (had_prefix, had_suffix)


def _header_or_digits(rest: str) -> bool:
    return rest.translate(ASCII_UPPER).startswith(_HEADER) or (rest.isascii() and rest.isdigit())


def _is_unconfigured_prefix(lead: str) -> bool:
    """Short and plainly not part of a code (see ``_UNCONFIGURED_PREFIX_RE``)."""
    if not _UNCONFIGURED_PREFIX_RE.fullmatch(lead):
        return False
    folded = lead.translate(ASCII_UPPER)
    return not any(tail.endswith(folded) for tail in _STRUCTURE_TAILS)


def _read_pass_culture(upper: str) -> Contremarque | Rejection:
    segments = upper.split(";")
    if segments[-1] == "":  # a trailing separator
        segments.pop()
    header_match = _HEADER_RE.match(segments[0])
    if header_match is None:
        if segments[0] == _HEADER or (len(segments) == 1 and segments[0] == _HEADER + "V"):
            return _reject(RejectionReason.TRUNCATED)
        return _reject(RejectionReason.MALFORMED_PASS_CULTURE)
    fields: dict[str, str] = {}
    for position, segment in enumerate(segments[1:], start=1):
        field_match = _FIELD_RE.match(segment)
        if field_match is None or field_match.group(1) in fields:
            is_last = position == len(segments) - 1
            if is_last and "TOKEN:".startswith(segment):
                return _reject(RejectionReason.TRUNCATED)
            return _reject(RejectionReason.MALFORMED_PASS_CULTURE)
        fields[field_match.group(1)] = field_match.group(2)
    token = fields.get("TOKEN")
    if token is None:
        # "PASSCULTURE:v3" or "...;EAN13:..." with the token cut off.
        return _reject(RejectionReason.TRUNCATED)
    if not TOKEN_PATTERN.match(token):
        is_last = segments[-1].startswith("TOKEN:")
        if is_last and len(token) < TOKEN_LENGTH and (token.isalnum() or not token) and token.isascii():
            return _reject(RejectionReason.TRUNCATED)
        return _reject(RejectionReason.BAD_TOKEN)
    ean = fields.get("EAN13")
    version = int(header_match.group(1))
    payload_format = {2: PayloadFormat.V2, 3: PayloadFormat.V3}.get(version, PayloadFormat.VN)
    return Contremarque(
        token=token,
        ean=ean if ean is not None and _EAN13_RE.match(ean) else None,
        format=payload_format,
    )


def _read_other(payload: str) -> Contremarque | Rejection:
    """Not a pass Culture payload: a typed token, or something scanned by mistake."""
    if _LOOKS_TYPED_RE.match(payload):
        compact = payload.replace(" ", "").replace("-", "").translate(ASCII_UPPER)
        if TOKEN_PATTERN.match(compact):
            return Contremarque(token=compact, ean=None, format=PayloadFormat.BARE)
        if _RETAIL_BARCODE_RE.match(compact):
            return _reject(RejectionReason.BOOK_BARCODE)
        if len(compact) <= TOKEN_LENGTH + 4:
            return _reject(RejectionReason.BAD_TOKEN)
    if _WEB_RE.search(payload):
        if _PASS_CULTURE_WEB_RE.search(payload):
            return _reject(RejectionReason.WEB_LINK)
        return _reject(RejectionReason.OTHER_QR)
    return _reject(RejectionReason.OTHER_QR)


def token_from_text(text: str) -> str | None:
    """Reduce a typed or pasted code, or a QR payload (``PASSCULTURE:v3;TOKEN:352UW4``), to its token.

    Returns the upper-cased 6-character token, or None when the text holds none.
    """
    result = read_contremarque(text)
    return result.token if isinstance(result, Contremarque) else None
