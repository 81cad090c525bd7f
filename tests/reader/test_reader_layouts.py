"""Keyboard layout tables and repairs: checked against the published garblings and, when the
machine has them, against the real XKB layout files compiled by ``xkbcomp``."""

from __future__ import annotations

import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from pos_client.scanner.layouts import (
    ALL_REPAIRS,
    DEAD,
    LAYOUTS,
    POSITIONS,
    SCAN_CODE_POSITIONS,
    find_layout,
    garble,
    repair_by_id,
    text_from_key_positions,
)
from pos_client.scanner.payload import Contremarque, read_contremarque

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"

# The table of scanners.md section 1.2 (computed there from Debian's xkb-data, and consistent
# with the public bug reports it cites).
PUBLISHED_GARBLINGS = [
    ("us-on-fr-azerty", "PQSSCULTUREMv\"mTOKENM\"(éUZ'"),
    ("us-on-be-azerty", "PQSSCULTUREMv\"mTOKENM\"(éUZ'"),
    ("us-on-fr-azerty-afnor", "PQSSCULTUREMvèmTOKENMè(éUZê"),
    ("us-on-ch-fr-qwertz", "PASSCULTUREöv3éTOKENö352UW4"),
    ("us-on-ch-de-qwertz", "PASSCULTUREév3öTOKENé352UW4"),
    ("us-on-de-qwertz", "PASSCULTUREÖv3öTOKENÖ352UW4"),
    ("de-qwertz-on-us", "PASSCULTURE>v3<TOKEN>352UW4"),
    ("fr-azerty-on-us", "PQSSCULTURE.v#,TOKEN.#%@UZ$"),
    # Caps Lock on the Windows legacy layout: letters inverted, number row gives digits.
    ("us-on-fr-azerty+capslock", "pqssculturemV3Mtokenm352uz4"),
]


@pytest.mark.parametrize(("repair_id", "garbled"), PUBLISHED_GARBLINGS)
def test_published_garblings_are_reproduced_and_repaired(repair_id: str, garbled: str) -> None:
    repair = repair_by_id(repair_id)
    assert repair.garble(PAYLOAD) == garbled
    assert repair.apply(garbled) == PAYLOAD
    result = read_contremarque(garbled + "\r\n")
    assert isinstance(result, Contremarque)
    assert result.token == "352UW4"
    assert result.repair is not None and repair_by_id(result.repair).apply(garbled) == PAYLOAD


def test_published_digit_and_word_garblings() -> None:
    us, fr, be = LAYOUTS["us"], LAYOUTS["fr-azerty"], LAYOUTS["be-azerty"]
    assert garble("0123456789", us, fr) == "à&é\"'(-è_ç"
    assert garble("HA112", us, fr) == "HQ&&é"  # fttx/barcode-to-pc-server#166
    assert garble("0013748911", us, be) == "àà&\"è'!ç&&"  # odoo/odoo#214407
    # QWERTZ: only Y and Z swap inside a token, so the header decides.
    assert garble("ZY2345", us, LAYOUTS["de-qwertz"]) == "YZ2345"


def test_every_repair_restores_every_payload_character() -> None:
    essentials = string.ascii_letters + string.digits + ":;"
    for repair in ALL_REPAIRS:
        typed = repair.garble(essentials)
        assert typed is not None, repair.repair_id
        assert repair.apply(typed) == essentials, repair.repair_id


def test_repair_ids_are_unique_and_advice_is_french() -> None:
    ids = [repair.repair_id for repair in ALL_REPAIRS]
    assert len(ids) == len(set(ids))
    for repair in ALL_REPAIRS:
        assert "douchette" in repair.advice or "majuscules" in repair.advice
    with pytest.raises(KeyError):
        repair_by_id("nope")


def test_scan_codes_decode_with_the_scanner_layout() -> None:
    position_of = {position: code for code, position in SCAN_CODE_POSITIONS.items()}
    assert set(position_of) == set(POSITIONS)
    us = LAYOUTS["us"]
    keys: list[tuple[str, bool]] = []
    for char in PAYLOAD:
        key = us.key_for(char)
        assert key is not None
        keys.append(key)
    codes = [(position_of[position], shift) for position, shift in keys]
    assert codes[:2] == [(25, True), (30, True)]  # evdev KEY_P, KEY_A
    decoded = text_from_key_positions((SCAN_CODE_POSITIONS[code], shift) for code, shift in codes)
    assert decoded == PAYLOAD
    assert text_from_key_positions([("AD11", False)], LAYOUTS["fr-azerty"]) is None  # dead key
    assert text_from_key_positions([("SPCE", False)]) is None


# --- Cross-check with the real XKB files --------------------------------------------------------

XKB_SOURCES = {
    "us": "us",
    "fr-azerty": "fr",
    "fr-azerty-afnor": "fr(afnor)",
    "be-azerty": "be",
    "ch-fr-qwertz": "ch(fr)",
    "ch-de-qwertz": "ch",
    "de-qwertz": "de",
}
KEYSYMDEF = Path("/usr/include/X11/keysymdef.h")
XKB_ROOT = Path("/usr/share/X11/xkb/symbols")
needs_xkb = pytest.mark.skipif(
    shutil.which("xkbcomp") is None or not KEYSYMDEF.exists() or not XKB_ROOT.exists(),
    reason="xkbcomp, xkb-data or keysymdef.h not installed",
)


def _keysym_characters() -> dict[str, str]:
    characters: dict[str, str] = {}
    pattern = re.compile(r"#define XK_(\w+)\s+0x[0-9a-fA-F]+\s*/\*\s*U\+([0-9A-F]{4,6})")
    for line in KEYSYMDEF.read_text(encoding="latin-1").splitlines():
        match = pattern.match(line)
        if match:
            characters[match.group(1)] = chr(int(match.group(2), 16))
    return characters


def _compile(xkb_layout: str, tmp_path: Path) -> dict[str, list[str]]:
    source = tmp_path / "keymap.xkb"
    source.write_text(
        'xkb_keymap { xkb_keycodes {include "evdev"}; xkb_types {include "complete"}; '
        f'xkb_compat {{include "complete"}}; xkb_symbols {{include "pc+{xkb_layout}"}}; }};\n',
        encoding="ascii",
    )
    compiled = tmp_path / "compiled.xkb"
    subprocess.run(["xkbcomp", "-w0", "-xkb", str(source), str(compiled)], check=True, timeout=30)
    text = compiled.read_text(encoding="latin-1")
    symbols = text[text.index("xkb_symbols") :]
    keys: dict[str, list[str]] = {}
    for match in re.finditer(r"key <(\w+)>\s*\{(.*?)\};", symbols, re.DOTALL):
        levels = re.search(r"(?:^|=)\s*\[([^\]]*)\]", match.group(2).strip())
        if levels:
            keys[match.group(1)] = [name.strip() for name in levels.group(1).split(",")]
    return keys


@needs_xkb
@pytest.mark.parametrize("layout_id", sorted(XKB_SOURCES))
def test_layout_tables_match_xkb(layout_id: str, tmp_path: Path) -> None:
    characters = _keysym_characters()
    compiled = _compile(XKB_SOURCES[layout_id], tmp_path)
    layout = LAYOUTS[layout_id]
    for position in POSITIONS:
        if layout_id == "us" and position == "LSGT":
            continue  # ANSI keyboards have no such key; xkb's "pc" adds one
        names = compiled.get(position, [])
        for level, ours in enumerate(layout.keys[position]):
            name = names[level] if level < len(names) else "NoSymbol"
            expected = name if len(name) == 1 else characters.get(name, DEAD)
            assert ours == expected, (layout_id, position, level, name)


def test_layout_names_from_settings_are_understood() -> None:
    assert find_layout("fr") is LAYOUTS["fr-azerty"]
    assert find_layout(" FR(afnor) ") is LAYOUTS["fr-azerty-afnor"]
    assert find_layout("ch") is LAYOUTS["ch-de-qwertz"]
    assert find_layout("de-qwertz") is LAYOUTS["de-qwertz"]
    assert find_layout("dvorak") is None
    # An unknown or empty setting means "try every repair".
    for host_layout in ("", "dvorak"):
        result = read_contremarque("PQSSCULTUREMv\"mTOKENM\"(éUZ'", host_layout=host_layout)
        assert isinstance(result, Contremarque) and result.token == "352UW4"
