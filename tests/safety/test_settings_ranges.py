"""Every numeric setting is range-checked (issue 15, defect 8) and the dialog uses the same limits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pos_client.settings import (
    ApiSettings,
    ScannerSettings,
    Settings,
    UiSettings,
    WebcamSettings,
    setting_range,
)

SECTIONS = {"api": ApiSettings, "scanner": ScannerSettings, "webcam": WebcamSettings, "ui": UiSettings}
NUMERIC = [
    (section, fdef.name)
    for section, cls in SECTIONS.items()
    for fdef in dataclasses.fields(cls)
    if fdef.type in ("float", "int", float, int)
]


def _default(cls: type, name: str) -> float:
    value: float = next(f.default for f in dataclasses.fields(cls) if f.name == name)  # type: ignore[assignment]
    return value


def test_every_numeric_setting_has_a_range() -> None:
    assert len(NUMERIC) == 11  # a new numeric setting needs a range too
    for section, name in NUMERIC:
        low, high = setting_range(SECTIONS[section], name)
        assert low < high, f"{section}.{name}"


@pytest.mark.parametrize(("section", "name"), NUMERIC, ids=lambda value: str(value))
@pytest.mark.parametrize("where", ["below", "above", "nan"])
def test_out_of_range_falls_back_to_the_default_with_a_french_warning(
    tmp_path: Path, section: str, name: str, where: str
) -> None:
    cls = SECTIONS[section]
    low, high = setting_range(cls, name)
    default = _default(cls, name)
    is_int = isinstance(default, int)
    if where == "nan" and is_int:
        pytest.skip("TOML integers have no NaN")
    value = low - 1 if where == "below" else high + 1
    text = "nan" if where == "nan" else str(int(value)) if is_int else str(float(value))
    path = tmp_path / "settings.toml"
    path.write_text(f"[{section}]\n{name} = {text}\n", encoding="utf-8")
    settings = Settings.load(path)
    assert getattr(getattr(settings, section), name) == default
    (warning,) = settings.warnings
    assert warning.startswith(f"Réglage {section}.{name} = ")
    assert "hors limites (de " in warning and "Valeur par défaut utilisée" in warning


def test_the_limits_themselves_are_accepted() -> None:
    for section, name in NUMERIC:
        low, high = setting_range(SECTIONS[section], name)
        for value in (low, high):
            kind = type(_default(SECTIONS[section], name))
            settings = Settings().with_values(**{section: {name: kind(value)}})
            assert settings.warnings == (), (section, name, value)


@pytest.mark.gui
def test_the_settings_dialog_takes_its_limits_from_the_checks(qtbot: object) -> None:
    from pos_client.ui.settings_dialog import SettingsDialog

    class NoKeys:
        def get_key(self, environment: object) -> str | None:
            return None

        def set_key(self, environment: object, key: str) -> None:
            raise AssertionError("not called")

    dialog = SettingsDialog(Settings(), NoKeys())
    assert (dialog.guard.minimum(), dialog.guard.maximum()) == setting_range(
        ScannerSettings, "guard_window_s"
    )
    assert (dialog.return_delay.minimum(), dialog.return_delay.maximum()) == setting_range(
        UiSettings, "return_to_ready_s"
    )
    assert (dialog.font_scale.minimum(), dialog.font_scale.maximum()) == setting_range(
        UiSettings, "font_scale"
    )
    assert (dialog.volume.minimum() / 100, dialog.volume.maximum() / 100) == setting_range(
        UiSettings, "sound_volume"
    )
    gap = dialog.scanners.max_gap
    assert (gap.minimum(), gap.maximum()) == setting_range(ScannerSettings, "keyboard_max_gap_ms")
    dialog.deleteLater()
