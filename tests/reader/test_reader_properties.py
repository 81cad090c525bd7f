"""Hypothesis properties of the contremarque reader.

* Every token round-trips through every payload format, every scanner decoration and every
  layout garbling (a keyboard-wedge scanner types its prefix, AIM identifier and suffix through
  the wrong layout too; terminators and serial framing are not garbled).
* Arbitrary text and bytes never crash the reader, and a token it returns is always in the input,
  up to ASCII case, spaces and dashes in a typed code, and the layout repair it names.
"""

from __future__ import annotations

import string

from hypothesis import assume, example, given
from hypothesis import strategies as st

from pos_client.domain.token import ascii_upper
from pos_client.scanner.layouts import ALL_REPAIRS, LayoutRepair, repair_by_id
from pos_client.scanner.payload import (
    TOKEN_ALPHABET,
    TOKEN_PATTERN,
    Contremarque,
    PayloadFormat,
    Rejection,
    RejectionReason,
    read_contremarque,
)

tokens = st.text(alphabet=TOKEN_ALPHABET, min_size=6, max_size=6)
any_tokens = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=6, max_size=6)
eans = st.text(alphabet=string.digits, min_size=13, max_size=13)
field_keys = st.text(alphabet=string.ascii_uppercase + "_", min_size=1, max_size=8).filter(
    lambda key: key not in {"TOKEN", "EAN13"}
)
field_values = st.text(alphabet=string.ascii_letters + string.digits, max_size=12)
casings = st.sampled_from(["as-is", "lower", "upper"])
repairs = st.sampled_from(ALL_REPAIRS)
decoration_texts = st.text(alphabet=string.ascii_letters + string.digits + "#*$%+=<>", min_size=1, max_size=4)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, str, str | None, PayloadFormat]:
    """(payload, token, ean, format) in one of the QR formats."""
    token = draw(tokens)
    payload_format = draw(st.sampled_from([PayloadFormat.V3, PayloadFormat.V2, PayloadFormat.VN]))
    ean: str | None = None
    if payload_format is PayloadFormat.V3:
        payload = f"PASSCULTURE:v3;TOKEN:{token}"
    elif payload_format is PayloadFormat.V2:
        ean = draw(st.one_of(st.none(), eans))
        ean_field = f"EAN13:{ean};" if ean is not None else ""
        payload = f"PASSCULTURE:v2;{ean_field}TOKEN:{token}"
    else:
        version = draw(st.integers(min_value=4, max_value=99))
        keys = draw(st.lists(field_keys, max_size=3, unique=True))
        extra = "".join(f"{key}:{draw(field_values)};" for key in keys)
        payload = f"PASSCULTURE:v{version};{extra}TOKEN:{token}"
    casing = draw(casings)
    if casing == "lower":
        payload = payload.lower()
    elif casing == "upper":
        payload = payload.upper()
    return payload, token, ean, payload_format


@st.composite
def decorations(draw: st.DrawFn) -> tuple[str, str, str, str, str, str]:
    """(framing before, prefix, aim, suffix, terminator, framing after); prefix/suffix are the
    shop's configured values, empty when not configured."""
    before = draw(st.sampled_from(["", " ", "\ufeff", "\x02"]))
    prefix = draw(st.one_of(st.just(""), decoration_texts))
    aim = draw(st.sampled_from(["", "]Q1", "]Q3", "]d1"]))
    suffix = draw(st.one_of(st.just(""), decoration_texts))
    terminator = draw(st.sampled_from(["", "\r", "\n", "\r\n", "\t", " "]))
    after = draw(st.sampled_from(["", "\x03", "\x00\x00"]))
    return before, prefix, aim, suffix, terminator, after


def _explains(repair_id: str | None, typed: str, intended: str) -> bool:
    """The repair the reader named turns what was typed back into what was meant (up to case:
    Caps Lock cannot always be told apart from a lower-case payload)."""
    if repair_id is None:
        return False
    return _normalised(repair_by_id(repair_id).apply(typed)) == _normalised(intended)


@given(payloads(), decorations())
def test_clean_payload_round_trips(
    payload: tuple[str, str, str | None, PayloadFormat], deco: tuple[str, ...]
) -> None:
    text, token, ean, payload_format = payload
    before, prefix, aim, suffix, terminator, after = deco
    scanned = before + prefix + aim + text + suffix + terminator + after
    result = read_contremarque(scanned, prefix=prefix, suffix=suffix)
    assert isinstance(result, Contremarque), (scanned, result)
    assert (result.token, result.ean, result.format, result.repair) == (token, ean, payload_format, None)


@given(any_tokens, st.sampled_from(["A", "4", "PASS", "#", "-", "]", "PASSCULTURE:v3;TOKEN:"]), st.booleans())
def test_a_typed_token_is_read_whatever_prefix_or_suffix_is_configured(
    token: str, decoration: str, as_prefix: bool
) -> None:
    """A code typed by hand carries no scanner prefix/suffix: even when its first (last) characters
    are the configured ones, it reads as itself."""
    options = {"prefix": decoration} if as_prefix else {"suffix": decoration}
    result = read_contremarque(token, **options)
    assert isinstance(result, Contremarque), (token, options, result)
    assert result.token == token


@given(any_tokens, st.sampled_from(["", " ", "  ", "\r\n", "\t"]), st.booleans())
def test_typed_token_round_trips(token: str, padding: str, lower: bool) -> None:
    typed = token.lower() if lower else token
    result = read_contremarque(padding + typed + padding)
    assert isinstance(result, Contremarque)
    assert (result.token, result.format, result.repair) == (token, PayloadFormat.BARE, None)


@given(payloads(), decorations(), repairs)
@example(
    ("PASSCULTURE:v3;TOKEN:352UW4", "352UW4", None, PayloadFormat.V3),
    ("", "", "", "", "\r\n", ""),
    repair_by_id("us-on-fr-azerty"),
)
def test_garbled_payload_round_trips(
    payload: tuple[str, str, str | None, PayloadFormat], deco: tuple[str, ...], repair: LayoutRepair
) -> None:
    text, token, ean, payload_format = payload
    before, prefix, aim, suffix, terminator, after = deco
    assert repair.garble(text) is not None  # every character of a payload can be typed and repaired
    typed = repair.garble(prefix + aim + text + suffix)
    assume(typed is not None)  # some prefix characters need AltGr on the scanner's layout
    scanned = before + typed + terminator + after
    # The shop may have written its prefix/suffix as in the scanner's manual or as seen on screen.
    seen_prefix, seen_suffix = repair.garble(prefix) or "", repair.garble(suffix) or ""
    for configured_prefix, configured_suffix in ((prefix, suffix), (seen_prefix, seen_suffix)):
        # Knowing the PC's layout, the reading is exact.
        known = read_contremarque(
            scanned, prefix=configured_prefix, suffix=configured_suffix, host_layout=repair.host.layout_id
        )
        assert isinstance(known, Contremarque), (scanned, repair.repair_id, known)
        assert (known.token, known.ean, known.format) == (token, ean, payload_format)
        assert _explains(known.repair, typed, prefix + aim + text + suffix)
        assert known.repair_advice
    # Not knowing it, the reading is exact, or an honest refusal, or (documented rule) a known
    # version preferred over an unheard-of one.
    result = read_contremarque(scanned, prefix=prefix, suffix=suffix)
    if isinstance(result, Rejection):
        assert result.reason is RejectionReason.AMBIGUOUS_LAYOUT, (scanned, result)
        readings = {
            other.token
            for candidate in ALL_REPAIRS
            if isinstance(other := read_contremarque(scanned, prefix=prefix, suffix=suffix,
                                                     host_layout=candidate.host.layout_id), Contremarque)
        }
        # Or, whatever a decoration before it does to each reading, the header onwards reads as two
        # tokens under two layouts (a short prefix one repair would accept is never trusted then).
        readings |= _tokens_from_the_header_on(scanned)
        assert len(readings) > 1
    elif result.token != token:
        assert payload_format is PayloadFormat.VN and result.format is not PayloadFormat.VN


def _tokens_from_the_header_on(scanned: str) -> set[str]:
    tokens = set()
    for candidate in ALL_REPAIRS:
        repaired = candidate.apply(scanned)
        start = ascii_upper(repaired).find("PASSCULT")
        if start >= 0 and isinstance(reading := read_contremarque(repaired[start:]), Contremarque):
            tokens.add(reading.token)
    return tokens


def _normalised(text: str) -> str:
    return text.translate(str.maketrans(string.ascii_lowercase, string.ascii_uppercase, " -"))


def _assert_token_from_input(text: str, result: Contremarque | Rejection) -> None:
    if isinstance(result, Rejection):
        assert result.message
        return
    assert TOKEN_PATTERN.match(result.token)
    source = text if result.repair is None else repair_by_id(result.repair).apply(text)
    assert result.token in _normalised(source)


payload_alphabet = st.sampled_from(
    list("PASCULTREOKN:;vV0123456789é\"'(-èQMZWmöÖ.,#%@$<> \r\n\t\x02\x03]")
)


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_nor_invents_a_token(text: str) -> None:
    _assert_token_from_input(text, read_contremarque(text))


@given(st.text(alphabet="ABC4UW35-# \r", max_size=12), st.text(alphabet="ABC4#", max_size=2),
       st.text(alphabet="ABC4#", max_size=2))  # fmt: skip
def test_a_configured_prefix_or_suffix_never_invents_a_token(text: str, prefix: str, suffix: str) -> None:
    _assert_token_from_input(text, read_contremarque(text, prefix=prefix, suffix=suffix))


@given(st.lists(payload_alphabet, max_size=40).map("".join))
def test_payload_like_text_never_invents_a_token(text: str) -> None:
    _assert_token_from_input(text, read_contremarque(text))


@given(payloads(), st.integers(min_value=0, max_value=60), st.text(max_size=3))
def test_mutilated_payloads_never_invent_a_token(
    payload: tuple[str, str, str | None, PayloadFormat], cut: int, noise: str
) -> None:
    text = payload[0][:cut] + noise
    _assert_token_from_input(text, read_contremarque(text))


@given(st.binary(max_size=120), st.sampled_from(["utf-8", "latin-1", "cp1252"]))
def test_arbitrary_bytes_never_crash(raw: bytes, encoding: str) -> None:
    text = raw.decode(encoding, errors="replace")
    _assert_token_from_input(text, read_contremarque(text))


@given(payloads(), repairs)
def test_truncated_garbled_payload_is_never_a_token(
    payload: tuple[str, str, str | None, PayloadFormat], repair: LayoutRepair
) -> None:
    text = payload[0]
    garbled = repair.garble(text)
    assert garbled is not None
    cut = garbled[: len(garbled) - 1]
    assume(not TOKEN_PATTERN.match(_normalised(cut)))
    assert isinstance(read_contremarque(cut), Rejection)
