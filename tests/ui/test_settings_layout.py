"""The settings dialog at the counter (issue 16): it fits a 1024x600 screen whatever it shows (M4: a
long keyring error used to make it 1840 px wide), says it is the demo (m13), and takes fast typing in
its fields as typing, not as a scan (m14)."""

from __future__ import annotations

import pytest
from counter_fakes import NoKeys
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from pos_client.api.keys import KeyStoreError
from pos_client.domain.scan import RawScan
from pos_client.settings import ApiEnvironment, ScannerSettings, Settings
from pos_client.ui.keyboard_capture import KeyboardCapture
from pos_client.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui
KEYRING_ERROR = (
    "No recommended backend was available. Install a recommended 3rd party backend package; or, install "
    "the keyrings.alt package if you want to use the non-recommended backends. See "
    "https://pypi.org/project/keyring for details."
)


class BrokenKeyring:
    def get_key(self, environment: ApiEnvironment) -> str | None:
        raise KeyStoreError(KEYRING_ERROR)

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        raise KeyStoreError(KEYRING_ERROR)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_settings_fit_1024x600_with_a_long_keyring_error(qtbot: QtBot, language: str) -> None:
    settings = Settings(till_name="t").with_values(ui={"language": language})
    dialog = SettingsDialog(settings, BrokenKeyring())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert KEYRING_ERROR in dialog.key_state.text()
    assert dialog.width() <= 1024 and dialog.height() <= 600
    assert dialog.minimumSizeHint().width() <= 1024 and dialog.minimumSizeHint().height() <= 600
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    bottom_right = ok.mapTo(dialog, ok.rect().bottomRight())
    assert dialog.rect().contains(bottom_right)  # OK and Annuler in sight
    for index in range(dialog.tabs.count()):  # every page fits too (it scrolls)
        dialog.tabs.setCurrentIndex(index)
        assert dialog.width() <= 1024 and dialog.height() <= 600


def test_the_settings_say_it_is_the_demo(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(till_name="t"), NoKeys(), demo=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.demo_note.isVisible() and "démo" in dialog.demo_note.text()
    plain = SettingsDialog(Settings(till_name="t"), NoKeys())
    qtbot.addWidget(plain)
    plain.show()
    assert not plain.demo_note.isVisible()


def test_fast_typing_in_the_api_key_field_is_typing_not_a_scan(qtbot: QtBot) -> None:
    scans: list[RawScan] = []
    capture = KeyboardCapture(ScannerSettings())
    capture.start(scans.append, lambda _status: None)
    try:
        dialog = SettingsDialog(Settings(till_name="t"), NoKeys())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        dialog.new_key.setFocus()
        qtbot.waitUntil(dialog.new_key.hasFocus, timeout=2000)
        handle = dialog.windowHandle()
        now = 1000
        key = "demo_poscaisse_5f1c2a7e9b3d"
        for char in key:  # a password manager's auto-type: 10 ms per character
            now += 10
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, char)
                event.setTimestamp(now)
                QCoreApplication.sendEvent(handle, event)
        qtbot.wait(200)  # longer than the capture's silence
        assert dialog.new_key.text() == key and scans == []
    finally:
        capture.stop()
