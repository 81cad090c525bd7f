"""Settings dialog, English texts, sounds, 1024x768."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from counter_fakes import FakeApi, RecordingJournal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Sound, State
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.main_window import MainWindow
from pos_client.ui.settings_dialog import SettingsDialog
from pos_client.ui.sounds import _NOTES, write_tone

WindowFactory = Callable[..., MainWindow]


class DictKeys:
    def __init__(self) -> None:
        self.keys: dict[ApiEnvironment, str] = {ApiEnvironment.PRODUCTION: "prod-secret-key-9f3a"}

    def get_key(self, environment: ApiEnvironment) -> str | None:
        return self.keys.get(environment)

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        self.keys[environment] = key


def test_settings_dialog_shows_only_the_last_4_characters_and_saves(qtbot: QtBot) -> None:
    keys = DictKeys()
    dialog = SettingsDialog(Settings(till_name="caisse-1"), keys)
    qtbot.addWidget(dialog)
    assert dialog.key_state.text() == "••••9f3a"
    assert "prod-secret" not in dialog.key_state.text()
    dialog.environment.setCurrentIndex(list(ApiEnvironment).index(ApiEnvironment.INTEGRATION))
    assert dialog.key_state.text() == "—"
    qtbot.keyClicks(dialog.new_key, "integ-key-1234")
    dialog.guard.setValue(5.0)
    dialog.language.setCurrentIndex(1)
    dialog.sound.setChecked(False)
    dialog.scanners.hid.setChecked(False)
    dialog.accept()
    assert keys.keys[ApiEnvironment.INTEGRATION] == "integ-key-1234"
    new = dialog.result_settings()
    assert new.api.environment is ApiEnvironment.INTEGRATION
    assert new.scanner.guard_window_s == 5.0 and new.ui.language == "en" and not new.ui.sound_enabled
    assert not new.scanner.hid_enabled


def test_the_window_speaks_english_when_asked(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    settings = Settings(till_name="t").with_values(ui={"language": "en", "sound_enabled": False})
    window = make_window(*fake_backend, settings=settings)
    assert window.status_area.title.text() == "Ready: scan a countermark"
    assert window.code_field.hint.text() == "Characters left: 6/6"
    window.code_field.submitted.emit("352UW4")
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    window.counter.confirm_id_check("352UW4")
    window.counter.validate("352UW4")
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)
    assert window.status_area.title.text() == "Countermark validated"
    assert "12,50" in window.status_area.detail.text()


def test_sounds_follow_the_results_and_fit_1024x768(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.resize(1024, 768)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 768
    qtbot.keyClicks(window.code_field.edit, "352UW4")
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    window.counter.confirm_id_check("352UW4")
    window.counter.validate("352UW4")
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)
    assert window.sounds.played == [Sound.ATTENTION, Sound.SUCCESS]


def test_sound_files_are_short_valid_wavs(tmp_path: Path) -> None:
    for sound, notes in _NOTES.items():
        path = tmp_path / f"{sound.value}.wav"
        write_tone(path, notes)
        with wave.open(str(path)) as wav:
            duration = wav.getnframes() / wav.getframerate()
        assert 0.1 < duration < 0.6
        assert path.stat().st_size < 100_000


def test_every_english_workflow_template_keeps_its_placeholders() -> None:
    import string

    from pos_client.counter.messages import OUTCOME_RULES
    from pos_client.i18n import catalogue

    english = catalogue("en")

    rules = OUTCOME_RULES.values()
    templates = {r.detail.template for r in rules} | {r.title.template for r in rules}
    translated = [t for t in templates if t in english]
    assert len(translated) >= 20
    for french in translated:
        names = {name for _, name, _, _ in string.Formatter().parse(french) if name}
        assert names == {name for _, name, _, _ in string.Formatter().parse(english[french]) if name}, french


def test_sources_follow_the_settings(qtbot: QtBot) -> None:
    from pos_client.ui.app import build_sources

    no_hardware = {"serial_enabled": False, "hid_enabled": False}
    ids = [s.source_id for s in build_sources(Settings().with_values(scanner=no_hardware))]
    assert ids == ["keyboard"]
    # The webcam is the camera panel's (test_till_integration), never a second source here.
    off = Settings().with_values(scanner={**no_hardware, "keyboard_capture": False}, webcam={"enabled": True})
    assert build_sources(off) == []


class BrokenKeys:
    def get_key(self, environment: ApiEnvironment) -> str | None:
        from pos_client.api.keys import KeyStoreError

        raise KeyStoreError("Trousseau du système inaccessible")

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        self.get_key(environment)


def test_settings_dialog_says_when_the_keyring_is_unusable(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(str(args[2])))
    dialog = SettingsDialog(Settings(till_name="c"), BrokenKeys())
    qtbot.addWidget(dialog)
    assert dialog.key_state.text() == "Trousseau du système inaccessible"
    qtbot.keyClicks(dialog.new_key, "abc")
    dialog.accept()
    assert warnings == ["Trousseau du système inaccessible"]
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_run_app_restarts_with_new_settings_then_exits(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos_client.app.context import AppContext
    from pos_client.paths import AppPaths
    from pos_client.ui import app as app_module

    context = AppContext(
        paths=AppPaths.under(tmp_path),
        settings=Settings(till_name="t").with_values(ui={"sound_enabled": False}),
    )
    context.paths.ensure()
    seen: list[MainWindow] = []

    def act() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or windows[0] in seen:
            QTimer.singleShot(20, act)
            return
        window = windows[0]
        seen.append(window)
        if len(seen) == 1:  # change a setting: the till restarts with it
            QTimer.singleShot(
                0,
                lambda: [d.accept() for d in QApplication.topLevelWidgets() if isinstance(d, SettingsDialog)],
            )
            window.settings_requested.emit()
            QTimer.singleShot(20, act)
        else:
            window.close()

    QTimer.singleShot(20, act)
    assert app_module.run_app(context, demo=True, sources=()) == 0
    assert len(seen) == 2 and context.paths.settings_file.exists()
