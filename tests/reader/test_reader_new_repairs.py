"""The reader's repairs for issue 17, as examples and as hypothesis properties over every layout pair:
Caps Lock on a Linux PC (xkb upper-cases ``é``), an AIM identifier on a dead key, a short prefix
nobody configured, and continuous mode gluing the same code twice. Each one reads the token the
payload carries, or refuses: never another token."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pos_client.scanner.layouts import ALL_REPAIRS, LAYOUTS, LayoutRepair, repair_by_id
from pos_client.scanner.payload import (
    TOKEN_ALPHABET,
    Contremarque,
    PayloadFormat,
    Rejection,
    RejectionReason,
    read_contremarque,
)

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"
tokens = st.text(alphabet=TOKEN_ALPHABET, min_size=6, max_size=6)
repairs = st.sampled_from(ALL_REPAIRS)
caps_lock_repairs = st.sampled_from([repair for repair in ALL_REPAIRS if repair.caps_lock])
separators = st.sampled_from(["", "\r", "\n", "\r\n", "\t", " "])
# The character a dead "]" gives on its own (Windows types it before a key it cannot compose with).
DEAD_BRACKET = {"ch-fr-qwertz": "¨", "ch-de-qwertz": "¨"}
COMPOSED_DIAERESIS = {"A": "Ä", "E": "Ë", "I": "Ï", "O": "Ö", "U": "Ü"}


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, str]:
    token = draw(tokens)
    if draw(st.booleans()):
        return f"PASSCULTURE:v3;TOKEN:{token}", token
    ean = draw(st.text(alphabet=string.digits, min_size=13, max_size=13))
    return f"PASSCULTURE:v2;EAN13:{ean};TOKEN:{token}", token


def _token(result: Contremarque | Rejection) -> str | None:
    return result.token if isinstance(result, Contremarque) else None


def _assert_right_or_refused(text: str, token: str, **options: str) -> Contremarque | Rejection:
    result = read_contremarque(text, **options)
    assert _token(result) in (None, token), (text, options, result)
    return result


# ------------------------------------------------------------------------------------ Caps Lock
def test_caps_lock_on_a_linux_french_pc_and_on_windows() -> None:
    linux = 'pqssculturemV"Mtokenm"(Éuz\''
    windows = "pqssculturemV3Mtokenm352uz4"
    assert repair_by_id("us-on-fr-azerty+capslock-linux").garble(PAYLOAD) == linux
    assert repair_by_id("us-on-fr-azerty+capslock").garble(PAYLOAD) == windows
    for text in (linux, windows):
        result = read_contremarque(text + "\r")
        assert isinstance(result, Contremarque) and result.token == "352UW4", text
        assert result.repair is not None and "+capslock" in result.repair
        assert result.repair_advice is not None and "majuscules" in result.repair_advice


def test_linux_caps_lock_upper_cases_what_is_not_a_letter_key() -> None:
    fr = repair_by_id("us-on-fr-azerty+capslock-linux")
    assert fr.garble("2357") == 'É"(È'
    swiss = repair_by_id("us-on-ch-fr-qwertz+capslock-linux")
    assert swiss.garble(":;") == "ÖÉ"  # the é/ö key is not a letter pair: the lock upper-cases both
    # A German PC's ö/ä/ü are letter keys: Caps Lock inverts them the same on both systems.
    assert not any(repair.repair_id == "us-on-de-qwertz+capslock-linux" for repair in ALL_REPAIRS)


@given(payloads(), caps_lock_repairs, separators)
def test_caps_lock_payload_reads_on_every_layout_pair(
    payload: tuple[str, str], repair: LayoutRepair, end: str
) -> None:
    text, token = payload
    garbled = repair.garble(text)
    assert garbled is not None
    known = read_contremarque(garbled + end, host_layout=repair.host.layout_id)
    assert _token(known) == token, (garbled, repair.repair_id, known)
    result = _assert_right_or_refused(garbled + end, token)
    if isinstance(result, Rejection):
        assert result.reason is RejectionReason.AMBIGUOUS_LAYOUT


# ------------------------------------------------------------------------- AIM on a dead key
def _dead_bracket_forms(repair: LayoutRepair, aim: str, rest: str) -> list[str]:
    """What a PC whose "]" is a dead key makes of ``aim`` + ``rest`` typed by the scanner: libX11
    swallows "]" and the next key; Windows types "¨" and the key, or composes them."""
    spacing = DEAD_BRACKET[repair.host.layout_id]
    letter, modifier = repair.garble(aim[1]), repair.garble(aim[2])
    garbled_rest = repair.garble(rest)
    assert letter is not None and modifier is not None and garbled_rest is not None
    windows = COMPOSED_DIAERESIS.get(letter, spacing + letter)
    return [modifier + garbled_rest, windows + modifier + garbled_rest]


def test_dead_key_aim_examples() -> None:
    swiss = repair_by_id("us-on-ch-fr-qwertz")
    assert swiss.garble("]") is None  # a dead key on the Swiss layouts
    for text in (
        "1PASSCULTUREöv3éTOKENö352UW4",
        "¨Q1PASSCULTUREöv3éTOKENö352UW4",
        "1" + PAYLOAD,
        "¨Q1" + PAYLOAD,
    ):
        result = read_contremarque(text + "\r\n")
        assert isinstance(result, Contremarque) and result.token == "352UW4", text
    book = read_contremarque("Ë09782070368228")
    assert isinstance(book, Rejection) and book.reason is RejectionReason.BOOK_BARCODE
    # Only before a header or a barcode's digits: "Ë0" before a typed code is not taken off.
    assert isinstance(read_contremarque("Ë0ABCDEF"), Rejection)


def test_only_the_swiss_layouts_have_a_dead_bracket() -> None:
    # (A French or German scanner cannot type "]" without AltGr at all: not a dead key.)
    dead = {r.host.layout_id for r in ALL_REPAIRS if r.scanner.layout_id == "us" and r.garble("]") is None}
    assert dead == set(DEAD_BRACKET)


@given(payloads(), st.sampled_from([r for r in ALL_REPAIRS if r.host.layout_id in DEAD_BRACKET]),
       st.sampled_from(["]Q1", "]Q3", "]Q0", "]E0"]), separators)  # fmt: skip
def test_dead_key_aim_reads_on_swiss_pcs(
    payload: tuple[str, str], repair: LayoutRepair, aim: str, end: str
) -> None:
    text, token = payload
    for typed in _dead_bracket_forms(repair, aim, text):
        known = read_contremarque(typed + end, host_layout=repair.host.layout_id)
        assert _token(known) == token, (typed, repair.repair_id, known)
        _assert_right_or_refused(typed + end, token)


@given(st.text(alphabet=string.digits, min_size=13, max_size=13), st.sampled_from(["Ë0", "¨E0", "0"]))
def test_a_book_barcode_behind_a_dead_key_aim_is_never_a_token(ean: str, aim: str) -> None:
    assert isinstance(read_contremarque(aim + ean), Rejection)


# ----------------------------------------------------------------------- unconfigured prefix
UNCONFIGURED = [">>", "<", ">", "#", "*", "QR:", "DATA=", "ID:", "qr:", "@"]
AMBIGUOUS = [
    "x",
    "AB",
    "ABCDE",
    "EN:",
    "TOKEN:",
    "N:",
    ";",
    ":",
    "X1",
    "352UW4",
    "PASSCULTURE:v3;TOKEN:ABCDEF",
]


@pytest.mark.parametrize("prefix", UNCONFIGURED)
def test_a_short_unconfigured_prefix_is_read_past(prefix: str) -> None:
    result = read_contremarque(prefix + PAYLOAD + "\r")
    assert isinstance(result, Contremarque) and result.token == "352UW4"


@pytest.mark.parametrize("prefix", AMBIGUOUS)
def test_an_ambiguous_prefix_is_still_refused(prefix: str) -> None:
    assert isinstance(read_contremarque(prefix + "PASSCULTURE:v3;TOKEN:GHJK23"), Rejection)


@given(payloads(), st.sampled_from(UNCONFIGURED), repairs)
def test_unconfigured_prefix_over_every_layout_pair(
    payload: tuple[str, str], prefix: str, repair: LayoutRepair
) -> None:
    text, token = payload
    typed = repair.garble(prefix + text)
    assume(typed is not None)  # some symbols need AltGr or a dead key on the scanner's layout
    known = _assert_right_or_refused(typed, token, host_layout=repair.host.layout_id)
    repaired_prefix = repair.apply(typed[: len(typed) - len(repair.garble(text) or "")])
    if repaired_prefix == prefix:  # the repair restores the prefix exactly: it must read
        assert _token(known) == token, (typed, repair.repair_id, known)
    _assert_right_or_refused(typed, token)


@given(payloads(), st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=5), repairs)
def test_letters_and_digits_glued_before_a_header_never_give_another_token(
    payload: tuple[str, str], lead: str, repair: LayoutRepair
) -> None:
    text, token = payload
    typed = repair.garble(lead + text)
    assert typed is not None
    _assert_right_or_refused(typed, token, host_layout=repair.host.layout_id)
    _assert_right_or_refused(typed, token)
    if len(lead) > 1:  # more than a lone digit (a dead-key AIM's remnant): refused
        assert isinstance(read_contremarque(lead + text), Rejection)


# -------------------------------------------------------------------------- continuous mode
@given(payloads(), separators, st.integers(min_value=2, max_value=3), st.sampled_from(["", "]Q1"]), repairs)
def test_the_same_code_glued_reads_once_on_every_layout_pair(
    payload: tuple[str, str], separator: str, copies: int, aim: str, repair: LayoutRepair
) -> None:
    text, token = payload
    one = repair.garble(aim + text)
    assume(one is not None)  # "]" is a dead key on the Swiss layouts
    glued = separator.join([one] * copies) + separator
    known = read_contremarque(glued, host_layout=repair.host.layout_id)
    assert _token(known) == token, (glued, repair.repair_id, known)
    _assert_right_or_refused(glued, token)
    plain = read_contremarque(separator.join([aim + text] * copies))
    assert _token(plain) == token


@given(payloads(), payloads(), separators, st.sampled_from([None, *ALL_REPAIRS]))
def test_two_different_codes_glued_stay_refused(
    first: tuple[str, str], second: tuple[str, str], separator: str, repair: LayoutRepair | None
) -> None:
    assume(first[1] != second[1])
    texts = [first[0], second[0]]
    if repair is not None:
        texts = [repair.garble(text) or "" for text in texts]
    glued = texts[0] + separator + texts[1]
    result = read_contremarque(glued, host_layout=repair.host.layout_id if repair else "")
    assert isinstance(result, Rejection), (glued, result)
    if repair is None:
        assert result.reason is RejectionReason.SEVERAL_CODES


def test_a_cut_copy_glued_to_a_whole_one_is_refused() -> None:
    result = read_contremarque("PASSCULTURE:v3;TOKEN:35" + PAYLOAD)
    assert isinstance(result, Rejection)
    result = read_contremarque(PAYLOAD + "\r\n" + PAYLOAD + "\r\n")
    assert isinstance(result, Contremarque) and result.format is PayloadFormat.V3


def test_layouts_cover_every_pc_layout_with_a_linux_caps_lock_variant_when_it_differs() -> None:
    variants = {repair.host.layout_id for repair in ALL_REPAIRS if repair.repair_id.endswith("-linux")}
    assert variants == {"fr-azerty", "fr-azerty-afnor", "be-azerty", "ch-fr-qwertz", "ch-de-qwertz"}
    assert set(LAYOUTS) - variants == {"us", "de-qwertz"}
