"""The settings file as a shop edits it: saving keeps its comments, its order and unknown keys."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from pos_client.settings import ApiEnvironment, Settings


def test_saving_keeps_the_shops_comments_and_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "# Caisse 2 du rayon BD : ne pas changer sans Lucie\n"
        "[api]\n"
        'environment = "integration"  # bac à sable jusqu\'au 15\n'
        "read_timeout_s = 8.0\n"
        "option_future = 3\n",
        encoding="utf-8",
    )
    settings = Settings.load(path)
    changed = replace(settings, api=replace(settings.api, read_timeout_s=9.5))
    changed.save(path)

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Caisse 2 du rayon BD : ne pas changer sans Lucie\n")
    assert 'environment = "integration"  # bac à sable jusqu\'au 15' in text
    assert "read_timeout_s = 9.5" in text and "read_timeout_s = 8.0" not in text
    assert "option_future = 3" in text
    assert Settings.load(path) == changed


def test_a_new_file_carries_each_settings_description(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    Settings().save(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Réglages de pos-client")
    assert "# Serveur pass Culture : production, integration ou custom.\nenvironment = \"production\"" in text
    assert Settings.load(path) == Settings()
    assert tomllib.loads(text)["api"]["environment"] == ApiEnvironment.PRODUCTION.value


def test_a_file_that_is_not_toml_is_replaced_by_a_fresh_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[api\nnot toml at all", encoding="utf-8")
    Settings().save(path)
    assert Settings.load(path) == Settings()
