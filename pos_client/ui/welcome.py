"""First run: with no API key yet, a short welcome offers the settings or the demo mode.

Self-contained: ``first_run_choice`` shows it before the main window when the keyring holds no API
key for the chosen environment (and the till was not started with ``--demo``); the application
then acts on the choice (quit, start in demo mode, or open the window with its settings on top).
See ``docs/packaging.md`` ("First run") for the call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos_client import APP_TITLE
from pos_client.api.keys import KeyStoreError

__all__ = ["WelcomeChoice", "WelcomeDialog", "ask_first_run_choice", "first_run_choice"]

log = logging.getLogger(__name__)


class WelcomeChoice(Enum):
    SETTINGS = "settings"  # open the settings to enter the API key
    DEMO = "demo"  # try the till against the local emulator
    QUIT = "quit"  # close (also Escape and the window's close button)


WELCOME_TITLE = "Bienvenue"
WELCOME_TEXT = (
    "Pour valider les contremarques du pass Culture, la caisse a besoin de la clé d'API "
    "de votre structure (une clé pour la production, une autre pour l'intégration).\n\n"
    "Saisissez-la dans les réglages, ou essayez d'abord la caisse en mode démo : "
    "des réservations fictives, sans connexion au pass Culture."
)


class WelcomeDialog(QDialog):
    """The first-run welcome. ``choice`` says which button closed it.

    Enter picks the settings (the default button), Escape quits.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWindowTitle(APP_TITLE)
        self.setModal(True)
        self._choice = WelcomeChoice.QUIT

        heading = QLabel(WELCOME_TITLE)
        heading.setObjectName("welcome_heading")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        heading.setFont(font)

        body = QLabel(WELCOME_TEXT)
        body.setObjectName("welcome_text")
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.PlainText)
        body.setMinimumWidth(440)

        self.settings_button = self._button("Ouvrir les réglages", "welcome_settings", WelcomeChoice.SETTINGS)
        self.demo_button = self._button("Essayer en mode démo", "welcome_demo", WelcomeChoice.DEMO)
        self.quit_button = self._button("Quitter", "welcome_quit", WelcomeChoice.QUIT)
        self.settings_button.setDefault(True)
        self.settings_button.setFocus()

        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.settings_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(16)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addLayout(buttons)

    @property
    def choice(self) -> WelcomeChoice:
        return self._choice

    def _button(self, text: str, name: str, choice: WelcomeChoice) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setMinimumHeight(40)
        button.clicked.connect(lambda: self._on_choice_clicked(choice))
        return button

    def _on_choice_clicked(self, choice: WelcomeChoice) -> None:
        self._choice = choice
        if choice is WelcomeChoice.QUIT:
            self.reject()
        else:
            self.accept()

    def reject(self) -> None:
        # Escape and the close button land here too: they mean "quit".
        self._choice = WelcomeChoice.QUIT
        super().reject()


def ask_first_run_choice(parent: QWidget | None = None) -> WelcomeChoice:
    """Show the welcome (modal) and return what the person chose."""
    dialog = WelcomeDialog(parent)
    try:
        dialog.exec()
        return dialog.choice
    finally:
        dialog.deleteLater()


def first_run_choice(
    *,
    demo: bool,
    read_key: Callable[[], str | None],
    ask: Callable[[], WelcomeChoice] = ask_first_run_choice,
) -> WelcomeChoice | None:
    """What to do before the window opens: None (``--demo`` was asked, or a key is stored: open
    the till as asked), else the welcome's answer.

    ``read_key`` reads the API key of the chosen environment (``KeyringKeys.get_key``). A blank key
    counts as none, and so does a keyring that cannot be read: the welcome's demo mode still
    works there, and the settings say why the key cannot be saved.
    """
    if demo:
        return None
    try:
        api_key = read_key()
    except KeyStoreError as exc:
        log.warning("first run: no readable API key (%s)", exc)
        api_key = None
    if api_key is not None and api_key.strip():
        return None
    return ask()
