"""The first-run welcome: three choices, Enter picks the settings, Escape and closing quit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.settings import ApiEnvironment
from pos_client.ui.welcome import WelcomeChoice, WelcomeDialog, ask_first_run_choice, first_run_choice

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot: QtBot) -> WelcomeDialog:
    widget = WelcomeDialog()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_says_welcome_in_french_and_offers_three_choices(dialog: WelcomeDialog) -> None:
    heading = dialog.findChild(QLabel, "welcome_heading")
    assert heading is not None and heading.text() == "Bienvenue"
    text = dialog.findChild(QLabel, "welcome_text")
    assert text is not None and "clé d'API" in text.text() and "mode démo" in text.text()
    labels = {b.objectName(): b.text() for b in dialog.findChildren(QPushButton)}
    assert labels == {
        "welcome_settings": "Ouvrir les réglages",
        "welcome_demo": "Essayer en mode démo",
        "welcome_quit": "Quitter",
    }
    assert dialog.choice is WelcomeChoice.QUIT  # nothing chosen yet


@pytest.mark.parametrize(
    ("button", "choice", "accepted"),
    [
        ("welcome_settings", WelcomeChoice.SETTINGS, True),
        ("welcome_demo", WelcomeChoice.DEMO, True),
        ("welcome_quit", WelcomeChoice.QUIT, False),
    ],
)
def test_each_button_closes_with_its_choice(
    qtbot: QtBot, dialog: WelcomeDialog, button: str, choice: WelcomeChoice, accepted: bool
) -> None:
    widget = dialog.findChild(QPushButton, button)
    assert widget is not None
    with qtbot.waitSignal(dialog.finished, timeout=2000) as finished:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    assert dialog.choice is choice
    assert finished.args == [1 if accepted else 0]
    assert not dialog.isVisible()


def test_enter_opens_the_settings(qtbot: QtBot, dialog: WelcomeDialog) -> None:
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.choice is WelcomeChoice.SETTINGS


def test_escape_quits(qtbot: QtBot, dialog: WelcomeDialog) -> None:
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.choice is WelcomeChoice.QUIT


def test_ask_first_run_choice_runs_modally_and_returns_the_choice(qtbot: QtBot) -> None:
    def open_welcomes() -> list[WelcomeDialog]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, WelcomeDialog) and w.isVisible()]

    def click_demo() -> None:
        for welcome in open_welcomes():
            welcome.demo_button.click()

    def close_leftovers() -> None:  # bounds the test if the click never lands
        for welcome in open_welcomes():
            welcome.reject()

    # The modal loop is running when the timers fire; the click ends it.
    QTimer.singleShot(0, click_demo)
    QTimer.singleShot(5000, close_leftovers)
    assert ask_first_run_choice() is WelcomeChoice.DEMO



def _never_asked() -> WelcomeChoice:
    raise AssertionError("the welcome must not show")


def _unreadable_keyring() -> str | None:
    raise KeyStoreError("Trousseau du système inaccessible : pas de D-Bus")


@pytest.mark.parametrize("api_key", ["pk_live_0123456789abcdef", " key-with-spaces-around "])
def test_no_welcome_when_a_key_is_stored(api_key: str) -> None:
    assert first_run_choice(demo=False, read_key=lambda: api_key, ask=_never_asked) is None


def test_no_welcome_when_started_in_demo_mode() -> None:
    assert first_run_choice(demo=True, read_key=_unreadable_keyring, ask=_never_asked) is None


@pytest.mark.parametrize("api_key", [None, "", "   "])
@pytest.mark.parametrize("answer", list(WelcomeChoice))
def test_without_a_key_the_welcome_answers(api_key: str | None, answer: WelcomeChoice) -> None:
    assert first_run_choice(demo=False, read_key=lambda: api_key, ask=lambda: answer) is answer


def test_an_unreadable_keyring_shows_the_welcome_too() -> None:
    answer = first_run_choice(demo=False, read_key=_unreadable_keyring, ask=lambda: WelcomeChoice.DEMO)
    assert answer is WelcomeChoice.DEMO


def test_first_run_with_the_real_keyring_and_the_real_welcome(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The keyring of a fresh till: the "fail" backend keyring uses when no secure one is usable.
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    monkeypatch.setattr(keyring.core, "_keyring_backend", NoKeyring())
    keys = KeyringKeys(service="pos-client-test-welcome")

    def press_escape() -> None:
        for welcome in QApplication.topLevelWidgets():
            if isinstance(welcome, WelcomeDialog) and welcome.isVisible():
                welcome.reject()

    QTimer.singleShot(0, press_escape)
    QTimer.singleShot(5000, press_escape)  # bounds the test if the first one finds no dialog
    choice = first_run_choice(demo=False, read_key=lambda: keys.get_key(ApiEnvironment.PRODUCTION))
    assert choice is WelcomeChoice.QUIT
