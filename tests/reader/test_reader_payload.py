"""Plain examples for the contremarque reader: every accepted shape and every rejection."""

from __future__ import annotations

import pytest

from pos_client.domain.scan import RawScan, Transport
from pos_client.scanner.payload import (
    TOKEN_PATTERN,
    Contremarque,
    PayloadFormat,
    Rejection,
    RejectionReason,
    read_contremarque,
    read_scan,
)


def _token(text: str, **options: str) -> Contremarque:
    result = read_contremarque(text, **options)
    assert isinstance(result, Contremarque), result
    assert TOKEN_PATTERN.match(result.token)
    return result


def _rejection(text: str) -> Rejection:
    result = read_contremarque(text)
    assert isinstance(result, Rejection), result
    return result


@pytest.mark.parametrize(
    ("text", "token", "ean", "payload_format"),
    [
        ("PASSCULTURE:v3;TOKEN:352UW4", "352UW4", None, PayloadFormat.V3),
        ("passculture:v3;token:352uw4", "352UW4", None, PayloadFormat.V3),
        ("PassCulture:V3;Token:352uw4", "352UW4", None, PayloadFormat.V3),
        ("PASSCULTURE:v2;EAN13:9782070368228;TOKEN:ABCDEF", "ABCDEF", "9782070368228", PayloadFormat.V2),
        ("PASSCULTURE:v2;TOKEN:ABCDEF", "ABCDEF", None, PayloadFormat.V2),
        ("PASSCULTURE:v4;SEAT:A12;VENUE:x-y z;TOKEN:GHJK23", "GHJK23", None, PayloadFormat.VN),
        ("PASSCULTURE:v1;TOKEN:GHJK23;", "GHJK23", None, PayloadFormat.VN),
        # An EAN13 field that is not 13 digits is ignored, the token still counts.
        ("PASSCULTURE:v2;EAN13:97820;TOKEN:ABCDEF", "ABCDEF", None, PayloadFormat.V2),
        ("352UW4", "352UW4", None, PayloadFormat.BARE),
        ("  352uw4 ", "352UW4", None, PayloadFormat.BARE),
        ("352 UW4", "352UW4", None, PayloadFormat.BARE),
        ("352-uw4", "352UW4", None, PayloadFormat.BARE),
    ],
)
def test_accepted_payloads(text: str, token: str, ean: str | None, payload_format: PayloadFormat) -> None:
    result = _token(text)
    assert (result.token, result.ean, result.format, result.repair) == (token, ean, payload_format, None)
    assert result.repair_advice is None


@pytest.mark.parametrize(
    "text",
    [
        "PASSCULTURE:v3;TOKEN:352UW4\r\n",
        "PASSCULTURE:v3;TOKEN:352UW4\n",
        "PASSCULTURE:v3;TOKEN:352UW4\t",
        "\x02PASSCULTURE:v3;TOKEN:352UW4\x03",
        "\x02PASSCULTURE:v3;TOKEN:352UW4\r\x03\x00\x00",
        "]Q1PASSCULTURE:v3;TOKEN:352UW4\r",
        "\ufeffPASSCULTURE:v3;TOKEN:352UW4",
        "   PASSCULTURE:v3;TOKEN:352UW4   ",
        "\ufeff]Q1PASSCULTURE:v3;TOKEN:352UW4\r\n",
    ],
)
def test_scanner_decorations_are_removed(text: str) -> None:
    assert _token(text).token == "352UW4"


def test_configured_prefix_and_suffix() -> None:
    assert _token("#>PASSCULTURE:v3;TOKEN:352UW4<#\r", prefix="#>", suffix="<#").token == "352UW4"
    assert _token("POS]Q1PASSCULTURE:v3;TOKEN:352UW4END", prefix="POS", suffix="END").token == "352UW4"
    # Without the setting, the same text is not a contremarque.
    assert isinstance(read_contremarque("#>PASSCULTURE:v3;TOKEN:352UW4<#"), Rejection)


@pytest.mark.parametrize(
    ("text", "prefix", "suffix", "token"),
    [
        # The configured prefix/suffix is also the code's own first or last character.
        ("ABCDEF", "A", "", "ABCDEF"),
        ("352UW4", "", "4", "352UW4"),
        ("ABCDE4", "A", "4", "ABCDE4"),
        ("PASSCULTURE:v3;TOKEN:352UW4", "P", "4", "352UW4"),
        # And when the scanner did add it, it is still taken off.
        ("AABCDEF", "A", "", "ABCDEF"),
        ("352UW44\r", "", "4", "352UW4"),
        ("A]Q1352UW4", "A", "", "352UW4"),
        ("PPASSCULTURE:v3;TOKEN:352UW44", "P", "4", "352UW4"),
    ],
)
def test_prefix_and_suffix_are_kept_when_they_belong_to_the_code(
    text: str, prefix: str, suffix: str, token: str
) -> None:
    assert _token(text, prefix=prefix, suffix=suffix).token == token


def test_a_code_that_reads_neither_way_gets_the_stripped_reading_rejection() -> None:
    result = read_contremarque("A", prefix="A")
    assert isinstance(result, Rejection) and result.reason is RejectionReason.EMPTY
    result = read_contremarque("#>PASSCULTURE:v3;TOKEN:352U<#", prefix="#>", suffix="<#")
    assert isinstance(result, Rejection) and result.reason is RejectionReason.TRUNCATED


@pytest.mark.parametrize("text", ["ßUW4A", "ﬀ35UW", "352uwı", "ＰＥＴＰＲ２", "PASSCULTURE:v3;TOKEN:ßUW4A"])
def test_non_ascii_letters_are_never_upper_cased_into_a_token(text: str) -> None:
    assert isinstance(read_contremarque(text), Rejection)


def test_issue_example_us_scanner_on_french_azerty() -> None:
    result = _token("PQSSCULTUREMv\"mTOKENM\"(éUZ'")
    assert result.token == "352UW4"
    assert result.repair == "us-on-fr-azerty"
    assert result.repair_advice is not None and "douchette" in result.repair_advice


def test_garbled_payload_keeps_decorations_and_prefix() -> None:
    # The scanner also types its AIM identifier and prefix through the wrong layout.
    result = _token("$A&PQSSCULTUREMv\"mTOKENM\"(éUZ'\r\n")
    assert (result.token, result.repair) == ("352UW4", "us-on-fr-azerty")
    # Prefix configured as written in the scanner's manual ("AB"), seen as "QB" on screen.
    assert _token("QBPQSSCULTUREMv\"mTOKENM\"(éUZ'", prefix="AB").token == "352UW4"
    assert _token("QBPQSSCULTUREMv\"mTOKENM\"(éUZ'", prefix="QB").token == "352UW4"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", RejectionReason.EMPTY),
        ("  \r\n", RejectionReason.EMPTY),
        ("\x02\x03", RejectionReason.EMPTY),
        ("9782070368228", RejectionReason.BOOK_BARCODE),
        ("]E09782070368228", RejectionReason.BOOK_BARCODE),
        ("3017620422003", RejectionReason.BOOK_BARCODE),
        ("978207036822X", RejectionReason.OTHER_QR),
        ("207036822X", RejectionReason.BOOK_BARCODE),
        ("https://passculture.app/reservation/123", RejectionReason.WEB_LINK),
        ("https://pass.culture.fr/", RejectionReason.WEB_LINK),
        ("www.passculture.app", RejectionReason.WEB_LINK),
        ("passculture://offre/1234", RejectionReason.WEB_LINK),
        ("https://example.com/menu", RejectionReason.OTHER_QR),
        ("WIFI:S:musee;T:WPA;P:secret;;", RejectionReason.OTHER_QR),
        ("BEGIN:VCARD\nVERSION:3.0\nEND:VCARD", RejectionReason.CONTROL_CHARACTERS),
        ("Bonjour, ceci est un texte", RejectionReason.OTHER_QR),
        ("PASSCULTURE:v3;TOKEN:352UW", RejectionReason.TRUNCATED),
        ("PASSCULTURE:v3;TOKEN:", RejectionReason.TRUNCATED),
        ("PASSCULTURE:v3;TOK", RejectionReason.TRUNCATED),
        ("PASSCULTURE:v3", RejectionReason.TRUNCATED),
        ("PASSCULTURE:v2;EAN13:9782070368228", RejectionReason.TRUNCATED),
        ("PASSCULTURE:", RejectionReason.TRUNCATED),
        ("PASSCULT", RejectionReason.TRUNCATED),
        ("PQSSCULTUREMv\"mTOKENM\"(", RejectionReason.TRUNCATED),
        ("PASSCULTURE:v3;TOKEN:352UW44", RejectionReason.BAD_TOKEN),
        ("PASSCULTURE:v3;TOKEN:352U-4", RejectionReason.BAD_TOKEN),
        ("PASSCULTURE:v3;TOKEN:352UW4;TOKEN:ABCDEF", RejectionReason.MALFORMED_PASS_CULTURE),
        ("PASSCULTURE:vX;TOKEN:352UW4", RejectionReason.MALFORMED_PASS_CULTURE),
        ("PASSCULTURE:v3;garbage;TOKEN:352UW4", RejectionReason.MALFORMED_PASS_CULTURE),
        ("PASSCULTURE;v3;TOKEN:352UW4", RejectionReason.OTHER_QR),
        ("PASSCULTURE:v3;TOKEN:352UW4" + "x" * 300, RejectionReason.TOO_LONG),
        ("A" * 5000, RejectionReason.TOO_LONG),
        ("PASSCULTURE:v3;\x07TOKEN:352UW4", RejectionReason.CONTROL_CHARACTERS),
        ("352\u200bUW4", RejectionReason.CONTROL_CHARACTERS),
        ("352UW", RejectionReason.BAD_TOKEN),
        ("352UW4X", RejectionReason.BAD_TOKEN),
        ("352UW#", RejectionReason.OTHER_QR),
        # "ﬀ".upper() is "FF": a ligature must not become a token.
        ("PASSCULTURE:v3;TOKEN:\ufb00ABCD", RejectionReason.BAD_TOKEN),
    ],
)
def test_rejections(text: str, reason: RejectionReason) -> None:
    assert _rejection(text).reason is reason


def test_each_rejection_has_its_own_french_message() -> None:
    samples = {
        RejectionReason.EMPTY: "",
        RejectionReason.BOOK_BARCODE: "9782070368228",
        RejectionReason.WEB_LINK: "https://passculture.app/",
        RejectionReason.OTHER_QR: "https://example.com/",
        RejectionReason.MALFORMED_PASS_CULTURE: "PASSCULTURE:v3;x;TOKEN:352UW4",
        RejectionReason.TRUNCATED: "PASSCULTURE:v3;TOKEN:35",
        RejectionReason.TOO_LONG: "x" * 400,
        RejectionReason.CONTROL_CHARACTERS: "352\x1bUW4",
        RejectionReason.BAD_TOKEN: "352U",
        RejectionReason.AMBIGUOUS_LAYOUT: "PQSSCULTUREMvémTOKENMè(éUZQ",
        RejectionReason.SEVERAL_CODES: "PASSCULTURE:v3;TOKEN:352UW4\rPASSCULTURE:v3;TOKEN:ABCDEF",
    }
    assert set(samples) == set(RejectionReason)
    messages = set()
    for reason, text in samples.items():
        rejection = _rejection(text)
        assert rejection.reason is reason
        assert len(rejection.message) > 30 and rejection.message[0].isupper()
        messages.add(rejection.message)
    assert len(messages) == len(RejectionReason)


def test_ambiguous_layout_is_resolved_by_the_known_host_layout() -> None:
    # v2 without EAN on an AZERTY PC: "è" is 7 on the legacy layout and 3 on the new one.
    garbled = "PQSSCULTUREMvémTOKENMè(éUZQ"
    assert _rejection(garbled).reason is RejectionReason.AMBIGUOUS_LAYOUT
    legacy = read_contremarque(garbled, host_layout="fr-azerty")
    new = read_contremarque(garbled, host_layout="fr-azerty-afnor")
    assert isinstance(legacy, Contremarque) and isinstance(new, Contremarque)
    assert (legacy.token, new.token) == ("752UWA", "352UWA")


def test_new_azerty_v3_is_not_read_as_a_never_issued_v7() -> None:
    result = _token("PQSSCULTUREMvèmTOKENMè(éUZQ")
    assert (result.token, result.format) == ("352UWA", PayloadFormat.V3)
    assert result.repair == "us-on-fr-azerty-afnor"


def test_contremarque_refuses_a_non_token() -> None:
    with pytest.raises(ValueError, match="not a token"):
        Contremarque(token="../x", ean=None, format=PayloadFormat.BARE)


def test_read_scan_prefers_physical_text() -> None:
    scan = RawScan(
        text="PQSSCULTUREMv\"mTOKENM\"(éUZ'",
        transport=Transport.KEYBOARD,
        source_id="keyboard",
        physical_text="PASSCULTURE:v3;TOKEN:352UW4",
    )
    result = read_scan(scan)
    assert isinstance(result, Contremarque)
    assert (result.token, result.repair) == ("352UW4", None)


def test_read_scan_falls_back_to_text() -> None:
    scan = RawScan(text="PASSCULTURE:v3;TOKEN:352UW4\r", transport=Transport.SERIAL, source_id="serial:x")
    assert isinstance(read_scan(scan), Contremarque)
    bad_physical = RawScan(
        text="PQSSCULTUREMv\"mTOKENM\"(éUZ'", transport=Transport.KEYBOARD, source_id="k", physical_text="?"
    )
    result = read_scan(bad_physical)
    assert isinstance(result, Contremarque) and result.repair == "us-on-fr-azerty"


@pytest.mark.parametrize("token", ["352UW4\n", "352uw4", "352UW", "٣52UW4", ""])
def test_token_pattern_is_strict(token: str) -> None:
    assert TOKEN_PATTERN.match(token) is None
    with pytest.raises(ValueError, match="not a token"):
        Contremarque(token=token, ean=None, format=PayloadFormat.BARE)


def test_non_ascii_digits_are_not_digits() -> None:
    assert _rejection("PASSCULTURE:v٣;TOKEN:352UW4").reason is RejectionReason.MALFORMED_PASS_CULTURE
    result = _token("PASSCULTURE:v2;EAN13:978207036822٨;TOKEN:352UW4")
    assert result.ean is None


def test_caps_lock_alone_is_named() -> None:
    result = _token("passculture:V3;token:352uw4\r")
    assert (result.token, result.repair) == ("352UW4", "capslock")
    assert result.repair_advice is not None and "majuscules" in result.repair_advice
    # A payload merely written in lower or upper case is not Caps Lock.
    assert _token("passculture:v3;token:352uw4").repair is None
    assert _token("PASSCULTURE:V3;TOKEN:352UW4").repair is None


@pytest.mark.parametrize(
    ("garbled", "repair"),
    [
        ("pqssculturemV3Mtokenm352uz4", "us-on-fr-azerty+capslock"),
        ("passcultureöV3étokenö352uw4", "us-on-ch-fr-qwertz+capslock"),
        ("passculture>V3<token>352uw4", "de-qwertz-on-us+capslock"),
    ],
)
def test_caps_lock_with_a_layout_mismatch_is_named(garbled: str, repair: str) -> None:
    result = _token(garbled)
    assert (result.token, result.repair) == ("352UW4", repair)
