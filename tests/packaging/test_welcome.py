"""The first-run welcome: three choices, Enter picks the settings, Escape and closing quit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from pos_client.ui.welcome import WelcomeChoice, WelcomeDialog, ask_first_run_choice

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
