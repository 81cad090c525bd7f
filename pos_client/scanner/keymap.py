"""Physical key position -> character, for the keyboard layout configured *in the scanner*.

A keyboard-wedge scanner sends key positions, not characters: its firmware picks the position
(and Shift) that would type each character on the layout it is set to (US out of the box), and
the PC turns positions back into characters with *its own* layout. When the two differ the text
arrives garbled (``PQSSCULTUREMv"mTOKENM"(éUZ'`` on a French PC). Decoding the positions with the
scanner's layout instead gives back exactly what the scanner meant, whatever the PC's layout.

Positions are Linux evdev key codes (``KEY_A`` = 30), the common currency here:

* X11/XCB (Qt ``nativeScanCode()`` on Linux): XKB keycode = evdev code + 8;
* Windows (Qt ``nativeScanCode()``): the PS/2 set-1 make code, which equals the evdev code for the
  whole main block and keypad (set 1 is where evdev's numbering came from); the extended bit
  (0xE0 prefix, reported by Qt as 0x100 + code) marks keypad Enter and keypad slash;
* evdev itself (``evdev_source``): the code as is.

The layout tables themselves live in ``layouts`` (shared with the reader's text repair); this
module adds the native-code side. Only Shift is modelled (levels 1 and 2): scanners type a pass
Culture payload and other printable ASCII with Shift at most. AltGr characters are not decoded
(None), so the caller falls back to the reader's text-based layout repair.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from pos_client.scanner.layouts import DEAD, LAYOUTS, SCAN_CODE_POSITIONS, KeyboardLayout

__all__ = [
    "KeyPosition",
    "NativeKeyOrigin",
    "character_for",
    "evdev_code_from_native",
    "is_modifier",
    "known_layouts",
    "layout_for",
]

# evdev codes of keys that matter outside the character table.
KEY_ENTER = 28
KEY_TAB = 15
KEY_KPENTER = 96
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_LEFTCTRL = 29
KEY_RIGHTCTRL = 97
KEY_LEFTALT = 56
KEY_RIGHTALT = 100
KEY_CAPSLOCK = 58
KEY_NUMLOCK = 69
KEY_LEFTMETA = 125
KEY_RIGHTMETA = 126

MODIFIER_CODES = frozenset(
    {
        KEY_LEFTSHIFT,
        KEY_RIGHTSHIFT,
        KEY_LEFTCTRL,
        KEY_RIGHTCTRL,
        KEY_LEFTALT,
        KEY_RIGHTALT,
        KEY_CAPSLOCK,
        KEY_NUMLOCK,
        KEY_LEFTMETA,
        KEY_RIGHTMETA,
    }
)


class NativeKeyOrigin(Enum):
    """Where a native scan code came from, which fixes how to read it."""

    XKB = "xkb"  # X11 / XCB / Wayland keycode: evdev + 8
    WINDOWS = "windows"  # PS/2 set-1 make code, 0x100 flag for extended keys
    EVDEV = "evdev"


KeyPosition = int  # an evdev key code

# Keys that type the same on every layout (space; keypad with Num Lock on, as scanners expect).
_COMMON: Mapping[int, tuple[str, str]] = {
    57: (" ", " "),
    71: ("7", "7"),
    72: ("8", "8"),
    73: ("9", "9"),
    74: ("-", "-"),
    75: ("4", "4"),
    76: ("5", "5"),
    77: ("6", "6"),
    78: ("+", "+"),
    79: ("1", "1"),
    80: ("2", "2"),
    81: ("3", "3"),
    82: ("0", "0"),
    55: ("*", "*"),
    98: ("/", "/"),
}

# Setting values people write, to the layout ids of ``layouts`` (which holds the tables).
_ALIASES = {
    "fr": "fr-azerty",
    "azerty": "fr-azerty",
    "fr-afnor": "fr-azerty-afnor",
    "fr(afnor)": "fr-azerty-afnor",
    "be": "be-azerty",
    "de": "de-qwertz",
    "ch": "ch-de-qwertz",  # xkb "ch" is Swiss German, as in layouts.py
    "ch-fr": "ch-fr-qwertz",
    "ch(fr)": "ch-fr-qwertz",
    "ch-de": "ch-de-qwertz",
    "qwerty": "us",
}


def known_layouts() -> tuple[str, ...]:
    return tuple(LAYOUTS)


def layout_for(name: str) -> KeyboardLayout:
    """The layout a setting names ("us", "fr", "fr-azerty"...); ValueError with a French message."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return LAYOUTS[key]
    except KeyError:
        raise ValueError(
            f"Disposition de douchette inconnue : « {name} » (connues : {', '.join(LAYOUTS)})."
        ) from None


def evdev_code_from_native(native: int, origin: NativeKeyOrigin) -> KeyPosition | None:
    """The evdev code of a native scan code, or None when there is none (0 = unknown)."""
    if native <= 0:
        return None
    if origin is NativeKeyOrigin.XKB:
        return native - 8 if native > 8 else None
    if origin is NativeKeyOrigin.WINDOWS:
        extended = bool(native & 0x100) or bool(native & 0xE000)
        code = native & 0xFF
        if extended:
            # Only the two extended keys a scanner may send matter here.
            return {28: KEY_KPENTER, 53: 98}.get(code)
        return code
    return native


def is_modifier(position: KeyPosition) -> bool:
    return position in MODIFIER_CODES


def character_for(position: KeyPosition, *, shift: bool, layout: str = "us") -> str | None:
    """The character the scanner meant by this key, or None (not a character key we decode).

    Enter/keypad Enter give "\\r" and Tab gives "\\t": the burst classifier treats them as
    terminators.
    """
    if position in (KEY_ENTER, KEY_KPENTER):
        return "\r"
    if position == KEY_TAB:
        return "\t"
    common = _COMMON.get(position)
    if common is not None:
        return common[int(shift)]
    name = SCAN_CODE_POSITIONS.get(position)
    if name is None:
        return None
    char = layout_for(layout).keys[name][int(shift)]
    return None if char == DEAD else char
