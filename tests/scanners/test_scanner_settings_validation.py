"""The scanner settings are checked (ranges, layout names, vid:pid, types) wherever they come from:
a hand-edited file, ``with_values``, the constructor. A refused value falls back to its default
with a French warning naming the key; it never keeps the till from starting."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pos_client.scanner.discovery import build_hardware_sources
from pos_client.settings import ScannerSettings, Settings, SettingsError


@pytest.mark.parametrize(
    ("key", "bad", "default"),
    [
        ("keyboard_max_gap_ms", 400, 50),
        ("keyboard_max_gap_ms", 0, 50),
        ("keyboard_max_gap_ms", 9, 50),
        ("keyboard_min_length", 0, 6),
        ("keyboard_min_length", 500, 6),
        ("serial_silence_ms", 5, 100),
        ("serial_silence_ms", 60_000, 100),
        ("guard_window_s", -1.0, 3.0),
        ("scanner_layout", "klingon", "us"),
        ("host_layout", "dvorak-klingon", ""),
        ("hid_device", "honeywell", ""),
        ("serial_terminator", "END OF SCAN", "\r"),
        ("keyboard_max_gap_ms", "50", 50),  # wrong type
        ("keyboard_capture", "yes", True),  # wrong type
    ],
)
def test_a_refused_value_falls_back_to_its_default_with_a_warning(
    key: str, bad: object, default: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pos_client.settings"):
        settings = Settings().with_values(scanner={key: bad})
    assert getattr(settings.scanner, key) == default
    (warning,) = settings.warnings
    assert warning.startswith(f"Réglage scanner.{key} = ")
    assert "refusé" in warning and "Valeur par défaut utilisée" in warning
    assert warning in caplog.text


@pytest.mark.parametrize(
    ("key", "good"),
    [
        ("keyboard_max_gap_ms", 10),
        ("keyboard_max_gap_ms", 150),  # Bluetooth scanners
        ("keyboard_min_length", 4),
        ("scanner_layout", "fr"),
        ("scanner_layout", "FR-AZERTY"),
        ("scanner_layout", "be"),
        ("host_layout", "de"),
        ("hid_device", "0c2e:0B8F"),
        ("serial_terminator", "\r\n"),
        ("guard_window_s", 0),  # an int for a float: accepted as 0.0
    ],
)
def test_values_in_range_are_kept(key: str, good: object) -> None:
    settings = Settings().with_values(scanner={key: good})
    assert getattr(settings.scanner, key) == good
    assert settings.warnings == ()


def test_defaults_have_no_warning_and_an_edit_clears_none_of_the_checks() -> None:
    assert Settings().warnings == ()
    assert ScannerSettings().fallbacks == ()
    refused = ScannerSettings(keyboard_max_gap_ms=400)
    assert refused.keyboard_max_gap_ms == 50 and len(refused.fallbacks) == 1
    assert refused == ScannerSettings()  # the warning is not part of the value


def test_a_hand_edited_file_with_bad_scanner_values_loads(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[scanner]\nkeyboard_max_gap_ms = 400\nkeyboard_min_length = "six"\nscanner_layout = "qwertz-mars"\n'
        "serial_silence_ms = 250\n",
        encoding="utf-8",
    )
    settings = Settings.load(path)
    scanner = settings.scanner
    assert (scanner.keyboard_max_gap_ms, scanner.keyboard_min_length, scanner.scanner_layout) == (50, 6, "us")
    assert scanner.serial_silence_ms == 250  # the good value next to the bad ones is kept
    keys = [warning.split(" = ")[0] for warning in settings.warnings]
    assert keys == [
        "Réglage scanner.keyboard_max_gap_ms",
        "Réglage scanner.keyboard_min_length",
        "Réglage scanner.scanner_layout",
    ]
    # Saved again, the file holds the defaults in use and loads without a warning.
    settings.save(path)
    assert Settings.load(path).warnings == ()
    assert Settings.load(path).scanner.serial_silence_ms == 250


def test_other_sections_fall_back_on_a_wrong_type_by_name(tmp_path: Path) -> None:
    # Issue 15: every section is checked like [scanner]; only the server stays a hard error.
    path = tmp_path / "settings.toml"
    path.write_text('[ui]\nsound_volume = "fort"\n', encoding="utf-8")
    settings = Settings.load(path)
    assert settings.ui.sound_volume == 0.7
    assert [note.split(" =")[0] for note in settings.warnings] == ["Réglage ui.sound_volume"]
    path.write_text('[api]\nenvironment = "prod"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"api\.environment"):
        Settings.load(path)


def test_the_sources_use_the_checked_values() -> None:
    scanner = Settings().with_values(scanner={"serial_port": "COM3", "serial_silence_ms": 5}).scanner
    (serial, *_) = build_hardware_sources(scanner)
    assert serial.source_id == "serial:COM3"
    assert serial._silence_s == pytest.approx(0.1)  # type: ignore[attr-defined]
