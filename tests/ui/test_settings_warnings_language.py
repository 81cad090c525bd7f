"""A setting refused at load is said in the window's language (walk-through 2026-12: the English
window's status bar showed *Réglage ui.return_to_ready_s = … refusé* in French). The warning stays
French in the log and on the command line; the window renders it through the one catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from pos_client.i18n import FrenchText, Translator
from pos_client.settings import Settings
from pos_client.ui.app import demo_till

FRENCH = re.compile(r"[éèêàùç]|\b(?:réglage|refusé|valeur|défaut|vide|attendu|permises|connues)\b", re.I)

BAD_VALUES = [
    {"ui": {"return_to_ready_s": 9999}},
    {"ui": {"sound_volume": "fort"}},
    {"ui": {"language": "xx"}},
    {"scanner": {"serial_terminator": "abcd"}},
    {"scanner": {"hid_device": "zz"}},
    {"scanner": {"scanner_layout": "klingon"}},
]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda bad: str(bad))
def test_every_settings_warning_renders_in_english_and_stays_french(
    bad: dict[str, dict[str, object]],
) -> None:
    (warning,) = Settings().with_values(**bad).warnings
    assert isinstance(warning, FrenchText) and warning.startswith("Réglage ")  # the log's French
    english = warning.render(Translator("en"))
    assert english.startswith("Setting ") and "refused" in english
    assert not FRENCH.search(english.replace("«", "").replace("»", "")), english
    assert warning.render(Translator("fr")) == warning


def test_the_english_windows_status_bar_says_a_refused_setting_in_english(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False, "language": "en", "return_to_ready_s": 9999}
    )
    with demo_till(tmp_path, settings) as (window, _backend):
        qtbot.addWidget(window)
        shown = window.problem_label.text()
        assert "Setting ui.return_to_ready_s = 9999.0 refused: out of range (1 to 120 s)" in shown, shown
        assert "Default value used: 6.0." in shown and "Réglage" not in shown and "refusé" not in shown
        window.close()
