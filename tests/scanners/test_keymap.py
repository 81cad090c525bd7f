"""Physical key positions decoded with the scanner's layout, from every native code origin."""

from __future__ import annotations

import pytest
from us_scanner_keys import KEY_ENTER, KEY_LEFTSHIFT, ON_FRENCH_AZERTY, PAYLOAD, US_PAYLOAD_KEYS

from pos_client.scanner.keymap import (
    NativeKeyOrigin,
    character_for,
    evdev_code_from_native,
    is_modifier,
    known_layouts,
    layout_for,
)


def test_us_scanner_keys_decode_to_the_payload() -> None:
    text = "".join(character_for(code, shift=shift) or "?" for code, shift in US_PAYLOAD_KEYS)
    assert text == PAYLOAD


def test_same_keys_read_with_the_french_table_give_the_garbled_text() -> None:
    text = "".join(character_for(code, shift=shift, layout="fr") or "?" for code, shift in US_PAYLOAD_KEYS)
    assert text == ON_FRENCH_AZERTY


@pytest.mark.parametrize(
    ("native", "origin", "expected"),
    [
        (38, NativeKeyOrigin.XKB, 30),  # X11 keycode of A = evdev 30 + 8
        (36, NativeKeyOrigin.XKB, KEY_ENTER),
        (0, NativeKeyOrigin.XKB, None),  # offscreen / synthetic events carry no scan code
        (5, NativeKeyOrigin.XKB, None),
        (0x1E, NativeKeyOrigin.WINDOWS, 30),  # set-1 make code of A
        (0x11C, NativeKeyOrigin.WINDOWS, 96),  # keypad Enter (extended)
        (0x148, NativeKeyOrigin.WINDOWS, None),  # extended arrow up: not a character
        (30, NativeKeyOrigin.EVDEV, 30),
    ],
)
def test_native_codes(native: int, origin: NativeKeyOrigin, expected: int | None) -> None:
    assert evdev_code_from_native(native, origin) == expected


def test_terminators_modifiers_keypad_and_unknown_keys() -> None:
    assert character_for(KEY_ENTER, shift=False) == "\r"
    assert character_for(96, shift=False) == "\r"
    assert character_for(15, shift=True) == "\t"
    assert character_for(79, shift=False) == "1"  # keypad 1 with Num Lock
    assert character_for(1, shift=False) is None  # Escape
    assert character_for(26, shift=False, layout="fr") is None  # dead circumflex
    assert is_modifier(KEY_LEFTSHIFT) and not is_modifier(30)


def test_layout_names_and_aliases() -> None:
    assert "us" in known_layouts()
    assert layout_for("FR").layout_id == "fr-azerty"
    assert layout_for("de-qwertz").layout_id == "de-qwertz"
    with pytest.raises(ValueError, match="inconnue"):
        layout_for("klingon")
