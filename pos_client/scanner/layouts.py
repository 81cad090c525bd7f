"""Keyboard layouts as physical key-position tables, and the layout repairs they imply.

A keyboard-wedge scanner does not send characters: it sends key *positions* (plus Shift) chosen
with its own "keyboard country" table, and the PC turns positions back into characters with its
own layout. When the two differ, the text is garbled: a US scanner on a French AZERTY PC types
``PASSCULTURE:v3;TOKEN:352UW4`` as ``PQSSCULTUREMv"mTOKENM"(éUZ'``.

Each layout below is written as what its keys produce, by ISO/XKB position name (``AE01`` is the
"1" key, ``AD01`` the top-left letter, ``AC10`` the key right of L, ``LSGT`` the extra ISO key
left of the bottom row). The tables were taken from Debian 12 ``xkb-data`` (levels 1 and 2:
without and with Shift; AltGr levels are not used by scanners for our payload):

* ``us``: US QWERTY (``us``), the factory setting of nearly every scanner;
* ``fr-azerty``: French legacy AZERTY (Windows "Français (hérité)", Linux ``fr``);
* ``fr-azerty-afnor``: French NF Z71-300 AZERTY (Windows 11 24H2 "Français (standard)", Linux
  ``fr(afnor)``);
* ``be-azerty``: Belgian AZERTY (``be``);
* ``ch-fr-qwertz`` / ``ch-de-qwertz``: Swiss French / Swiss German QWERTZ (``ch(fr)``, ``ch``);
* ``de-qwertz``: German QWERTZ (``de``).

Garbling a text = for each character, find the key (and Shift) that types it on the scanner's
layout, then read what that key gives on the PC's layout; Caps Lock on the PC inverts Shift on
letter keys, and on the Windows legacy AZERTY layouts also on the number row (digits without
Shift). A *repair* is the inverse of one such garbling, restricted to the characters that matter
(letters, digits, ``:`` and ``;``, then other ASCII symbols when unambiguous). The reader tries a
repair only on text that does not parse as it is, and accepts it only when the repaired text is a
complete pass Culture payload (the garbled ``PASSCULTURE:`` header identifies the layout).

Also here, for keyboard sources: the evdev / PS/2 set-1 scan code of each position (the same
numbers for the main block) and :func:`text_from_key_positions`, which decodes physical keys with
the scanner's layout (layout-independent text, ``RawScan.physical_text``).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pos_client.i18n import FrenchText

__all__ = [
    "ALL_REPAIRS",
    "CAPS_LOCK_ONLY",
    "LAYOUTS",
    "LAYOUT_ALIASES",
    "NUMBER_ROW",
    "POSITIONS",
    "SCAN_CODE_POSITIONS",
    "KeyboardLayout",
    "LayoutRepair",
    "find_layout",
    "garble",
    "repair_by_id",
    "text_from_key_positions",
]

DEAD = "◌"  # a dead key or a position the layout does not have: types nothing by itself

_ROW_POSITIONS: tuple[tuple[str, ...], ...] = (
    ("TLDE", *(f"AE{i:02d}" for i in range(1, 13))),
    tuple(f"AD{i:02d}" for i in range(1, 13)),
    (*(f"AC{i:02d}" for i in range(1, 12)), "BKSL"),
    ("LSGT", *(f"AB{i:02d}" for i in range(1, 11))),
)
POSITIONS: tuple[str, ...] = tuple(position for row in _ROW_POSITIONS for position in row)
NUMBER_ROW: frozenset[str] = frozenset(f"AE{i:02d}" for i in range(1, 13))

# evdev key code of each position; PS/2 set-1 scan codes are the same numbers for this block, and
# an X11 keycode (Qt's nativeScanCode on X11) is the evdev code + 8.
SCAN_CODE_POSITIONS: Mapping[int, str] = MappingProxyType(
    {
        41: "TLDE",
        **{code: f"AE{i:02d}" for i, code in enumerate(range(2, 14), start=1)},
        **{code: f"AD{i:02d}" for i, code in enumerate(range(16, 28), start=1)},
        **{code: f"AC{i:02d}" for i, code in enumerate(range(30, 41), start=1)},
        43: "BKSL",
        86: "LSGT",
        **{code: f"AB{i:02d}" for i, code in enumerate(range(44, 54), start=1)},
    }
)


@dataclass(frozen=True)
class KeyboardLayout:
    """What each key position types, without and with Shift.

    Attributes:
        layout_id: a stable id used in repair ids ("us", "fr-azerty", ...).
        label: the layout's name for the cashier, in French.
        keys: position -> (character without Shift, character with Shift); ``DEAD`` for nothing.
        caps_lock_number_row: Caps Lock also shifts the number row (Windows legacy AZERTY).
        caps_lock_uppercases: Caps Lock also upper-cases what other keys type (Linux xkb: "é" of
            the French number row gives "É", where Windows gives "2").
    """

    layout_id: str
    label: str
    keys: Mapping[str, tuple[str, str]]
    caps_lock_number_row: bool = False
    caps_lock_uppercases: bool = False
    _typing: Mapping[str, tuple[str, bool]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        typing: dict[str, tuple[str, bool]] = {}
        # Unshifted first: a scanner types a character with the fewest modifiers.
        for shift in (False, True):
            for position in POSITIONS:
                char = self.keys[position][int(shift)]
                if char != DEAD:
                    typing.setdefault(char, (position, shift))
        object.__setattr__(self, "_typing", MappingProxyType(typing))

    def key_for(self, char: str) -> tuple[str, bool] | None:
        """The (position, shift) this layout uses to type ``char``, or None if it needs AltGr."""
        return self._typing.get(char)

    def produce(self, position: str, shift: bool, *, caps_lock: bool = False) -> str:
        """The character a key gives on this layout (``DEAD`` when it gives nothing)."""
        without, with_shift = self.keys[position]
        letter_key = _is_letter_key(without, with_shift)
        if caps_lock and (letter_key or (self.caps_lock_number_row and position in NUMBER_ROW)):
            shift = not shift
        char = with_shift if shift else without
        if caps_lock and self.caps_lock_uppercases and not letter_key and len(char.upper()) == 1:
            # xkb's Caps Lock transformation: the lock, not consumed by the key, upper-cases it.
            return char.upper()
        return char


def _is_letter_key(without: str, with_shift: str) -> bool:
    return without.islower() and with_shift == without.upper()


def _layout(layout_id: str, label: str, rows: tuple[str, str, str, str], **options: bool) -> KeyboardLayout:
    """Build a layout from four rows of space-separated two-character keys, as drawn below."""
    keys: dict[str, tuple[str, str]] = {}
    for positions, row in zip(_ROW_POSITIONS, rows, strict=True):
        for position, pair in zip(positions, row.split(" "), strict=True):
            keys[position] = (pair[0], pair[1])
    return KeyboardLayout(layout_id, label, MappingProxyType(keys), **options)


# Rows: TLDE AE01..AE12 / AD01..AD12 / AC01..AC11 BKSL / LSGT AB01..AB10.
US = _layout(
    "us",
    "QWERTY américain",
    (
        "`~ 1! 2@ 3# 4$ 5% 6^ 7& 8* 9( 0) -_ =+",
        "qQ wW eE rR tT yY uU iI oO pP [{ ]}",
        "aA sS dD fF gG hH jJ kK lL ;: '\" \\|",
        "◌◌ zZ xX cC vV bB nN mM ,< .> /?",  # ANSI keyboards have no LSGT key
    ),
)
FR_AZERTY = _layout(
    "fr-azerty",
    "AZERTY français (hérité)",
    (
        "²~ &1 é2 \"3 '4 (5 -6 è7 _8 ç9 à0 )° =+",
        "aA zZ eE rR tT yY uU iI oO pP ◌◌ $£",
        "qQ sS dD fF gG hH jJ kK lL mM ù% *µ",
        "<> wW xX cC vV bB nN ,? ;. :/ !§",
    ),
    caps_lock_number_row=True,
)
FR_AZERTY_AFNOR = _layout(
    "fr-azerty-afnor",
    "AZERTY français NF Z71-300 (nouvel AZERTY de Windows 11)",
    (
        "@# à1 é2 è3 ê4 (5 )6 ‘7 ’8 «9 »0 '\" ◌◌",
        "aA zZ eE rR tT yY uU iI oO pP -– +±",
        "qQ sS dD fF gG hH jJ kK lL mM /\\ *½",
        "<> wW xX cC vV bB nN .? ,! :… ;=",
    ),
)
BE_AZERTY = _layout(
    "be-azerty",
    "AZERTY belge",
    (
        "²³ &1 é2 \"3 '4 (5 §6 è7 !8 ç9 à0 )° -_",
        "aA zZ eE rR tT yY uU iI oO pP ◌◌ $*",
        "qQ sS dD fF gG hH jJ kK lL mM ù% µ£",
        "<> wW xX cC vV bB nN ,? ;. :/ =+",
    ),
    caps_lock_number_row=True,
)
CH_FR_QWERTZ = _layout(
    "ch-fr-qwertz",
    "QWERTZ suisse romand",
    (
        "§° 1+ 2\" 3* 4ç 5% 6& 7/ 8( 9) 0= '? ◌◌",
        "qQ wW eE rR tT zZ uU iI oO pP èü ◌!",
        "aA sS dD fF gG hH jJ kK lL éö àä $£",
        "<> yY xX cC vV bB nN mM ,; .: -_",
    ),
)
CH_DE_QWERTZ = _layout(
    "ch-de-qwertz",
    "QWERTZ suisse alémanique",
    (
        "§° 1+ 2\" 3* 4ç 5% 6& 7/ 8( 9) 0= '? ◌◌",
        "qQ wW eE rR tT zZ uU iI oO pP üè ◌!",
        "aA sS dD fF gG hH jJ kK lL öé äà $£",
        "<> yY xX cC vV bB nN mM ,; .: -_",
    ),
)
DE_QWERTZ = _layout(
    "de-qwertz",
    "QWERTZ allemand",
    (
        "◌° 1! 2\" 3§ 4$ 5% 6& 7/ 8( 9) 0= ß? ◌◌",
        "qQ wW eE rR tT zZ uU iI oO pP üÜ +*",
        "aA sS dD fF gG hH jJ kK lL öÖ äÄ #'",
        "<> yY xX cC vV bB nN mM ,; .: -_",
    ),
)

LAYOUTS: Mapping[str, KeyboardLayout] = MappingProxyType(
    {
        layout.layout_id: layout
        for layout in (US, FR_AZERTY, FR_AZERTY_AFNOR, BE_AZERTY, CH_FR_QWERTZ, CH_DE_QWERTZ, DE_QWERTZ)
    }
)

# Other names a setting may use for a layout: XKB names, short forms.
LAYOUT_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "us": "us",
        "qwerty": "us",
        "fr": "fr-azerty",
        "azerty": "fr-azerty",
        "fr-afnor": "fr-azerty-afnor",
        "fr(afnor)": "fr-azerty-afnor",
        "afnor": "fr-azerty-afnor",
        "be": "be-azerty",
        "ch-fr": "ch-fr-qwertz",
        "ch(fr)": "ch-fr-qwertz",
        "ch": "ch-de-qwertz",
        "ch-de": "ch-de-qwertz",
        "de": "de-qwertz",
    }
)


def find_layout(name: str) -> KeyboardLayout | None:
    """The layout with this id or alias (case-insensitive), None if unknown."""
    key = name.strip().lower()
    return LAYOUTS.get(LAYOUT_ALIASES.get(key, key))


# The characters a repair must restore exactly, then the other printable ASCII it restores when
# that stays unambiguous.
_ESSENTIAL_CHARACTERS = string.ascii_letters + string.digits + ":;"
_OTHER_CHARACTERS = "".join(c for c in string.printable[:95] if c not in _ESSENTIAL_CHARACTERS)


def garble(
    text: str, scanner: KeyboardLayout, host: KeyboardLayout, *, caps_lock: bool = False
) -> str | None:
    """What ``text`` becomes when a scanner set to ``scanner`` types it on a PC set to ``host``.

    None when a character cannot be typed that way (it needs AltGr on the scanner's layout, or
    lands on a dead key of the PC's layout).
    """
    produced: list[str] = []
    for char in text:
        key = scanner.key_for(char)
        if key is None:
            return None
        result = host.produce(*key, caps_lock=caps_lock)
        if result == DEAD:
            return None
        produced.append(result)
    return "".join(produced)


@dataclass(frozen=True)
class LayoutRepair:
    """The inverse of one scanner/PC layout mismatch.

    Attributes:
        repair_id: e.g. ``"us-on-fr-azerty"``, ``"us-on-fr-azerty+capslock"``.
        scanner: the layout the scanner is set to.
        host: the PC's layout.
        caps_lock: Caps Lock was on at the PC.
        advice: what the cashier (or the shop's IT) should change, in French.
        table: a ``str.translate`` table from garbled character to the intended one.
    """

    repair_id: str
    scanner: KeyboardLayout
    host: KeyboardLayout
    caps_lock: bool
    advice: str
    table: Mapping[int, str] = field(repr=False, compare=False)

    def apply(self, text: str) -> str:
        """Undo the garbling; characters outside the table are kept as they are."""
        return text.translate(self.table)

    def garble(self, text: str) -> str | None:
        """The garbling this repair undoes (see :func:`garble`)."""
        return garble(text, self.scanner, self.host, caps_lock=self.caps_lock)


def _inverse_table(scanner: KeyboardLayout, host: KeyboardLayout, caps_lock: bool) -> dict[int, str]:
    inverse: dict[str, str] = {}
    for char in _ESSENTIAL_CHARACTERS:
        produced = garble(char, scanner, host, caps_lock=caps_lock)
        if produced is None or produced in inverse:
            raise ValueError(f"{scanner.layout_id} on {host.layout_id}: {char!r} cannot be repaired")
        inverse[produced] = char
    for char in _OTHER_CHARACTERS:
        produced = garble(char, scanner, host, caps_lock=caps_lock)
        if produced is not None and produced not in inverse:
            inverse[produced] = char
    return {ord(garbled): char for garbled, char in inverse.items() if garbled != char}


ADVICE_CAPS_LOCK = (
    "Le verrouillage des majuscules (Caps Lock) est activé : le code a été corrigé "
    "automatiquement, mais désactivez-le."
)
ADVICE_LAYOUT = (
    "La douchette est réglée en clavier « {scanner} » alors que l'ordinateur est en « {host} » : le "
    "code a été corrigé automatiquement. Pour éviter toute erreur, réglez la douchette sur « {host} » "
    "(codes de réglage dans son manuel) ou passez-la en mode série USB (port COM)."
)
ADVICE_LAYOUT_AND_CAPS_LOCK = ADVICE_LAYOUT + " Désactivez aussi le verrouillage des majuscules (Caps Lock)."


def _advice(scanner: KeyboardLayout, host: KeyboardLayout, caps_lock: bool) -> FrenchText:
    # A FrenchText: the French advice itself, and its template for the window's language.
    if scanner.layout_id == host.layout_id:
        return FrenchText(ADVICE_CAPS_LOCK)
    template = ADVICE_LAYOUT_AND_CAPS_LOCK if caps_lock else ADVICE_LAYOUT
    return FrenchText(template, scanner=FrenchText(scanner.label), host=FrenchText(host.label))


def _build_repairs() -> tuple[LayoutRepair, ...]:
    pairs = [(US, host) for host in LAYOUTS.values() if host is not US]
    pairs += [(FR_AZERTY, US), (DE_QWERTZ, US)]
    repairs: list[LayoutRepair] = []
    for scanner, host in pairs:
        for caps_lock in (False, True):
            repairs.extend(_variants(scanner, host, caps_lock))
    return tuple(repairs)


def _variants(scanner: KeyboardLayout, host: KeyboardLayout, caps_lock: bool) -> list[LayoutRepair]:
    """The repair for one mismatch; with Caps Lock, also the Linux (xkb) variant of the PC's layout
    when it types differently: Caps Lock leaves the number row alone and upper-cases what other
    keys give (``é`` -> ``É``, ``ö`` -> ``Ö``), where Windows legacy AZERTY shifts the number row."""
    suffix = "+capslock" if caps_lock else ""
    hosts = [(host, "")]
    if caps_lock:
        linux_host = KeyboardLayout(
            host.layout_id, host.label, host.keys, caps_lock_number_row=False, caps_lock_uppercases=True
        )
        hosts.append((linux_host, "-linux"))
    repairs: list[LayoutRepair] = []
    for variant, tag in hosts:
        table = _inverse_table(scanner, variant, caps_lock)
        if any(repair.table == table for repair in repairs):
            continue  # the same garbling as the Windows variant (no character Caps Lock upper-cases)
        repairs.append(
            LayoutRepair(
                repair_id=f"{scanner.layout_id}-on-{variant.layout_id}{suffix}{tag}",
                scanner=scanner,
                host=variant,
                caps_lock=caps_lock,
                advice=_advice(scanner, variant, caps_lock),
                table=MappingProxyType(table),
            )
        )
    return repairs


ALL_REPAIRS: tuple[LayoutRepair, ...] = _build_repairs()
# Caps Lock alone (scanner and PC agree): payloads are case-insensitive, so nothing needs undoing,
# but the reader names it when it sees the inverted case, so the till can say "Caps Lock is on".
CAPS_LOCK_ONLY = LayoutRepair(
    repair_id="capslock",
    scanner=US,
    host=US,
    caps_lock=True,
    advice=_advice(US, US, caps_lock=True),
    table=MappingProxyType(_inverse_table(US, US, caps_lock=True)),
)
_REPAIRS_BY_ID: Mapping[str, LayoutRepair] = MappingProxyType(
    {r.repair_id: r for r in (*ALL_REPAIRS, CAPS_LOCK_ONLY)}
)


def repair_by_id(repair_id: str) -> LayoutRepair:
    """The repair with this id (KeyError if unknown)."""
    return _REPAIRS_BY_ID[repair_id]


def text_from_key_positions(keys: Iterable[tuple[str, bool]], layout: KeyboardLayout = US) -> str | None:
    """Decode physical keys, as (position, shift) pairs, with the scanner's layout.

    This gives the scanner's text whatever the PC's layout is. None if a key is unknown or dead.
    """
    chars: list[str] = []
    for position, shift in keys:
        pair = layout.keys.get(position)
        if pair is None or pair[int(shift)] == DEAD:
            return None
        chars.append(pair[int(shift)])
    return "".join(chars)
