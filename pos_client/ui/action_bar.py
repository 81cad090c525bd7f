"""The till's row of action buttons and their keys.

The step forward of each state (*Pièce d'identité vérifiée*, *Valider*, *Réessayer*, the confirmed
undo or cancel) comes first, always at the same place, biggest and coloured; *Fermer* next; the
destructive actions (*Annuler la validation*, *Annuler la réservation*) far right, apart, red. Every
button is a touch target of at least 44x44 px (``look``).

Keys (Alt+I/V/R/A/O/N/D) are window-wide shortcuts, always on: an action not offered now is reported
(``key_pressed``) and never types its letter into the code field. A click on another button less than
the double-click interval after a click is the second half of a double-click (the next step's button
took the first one's place under the pointer): it is dropped.

Signals:
    clicked(object): an ``Action`` clicked by the cashier (double-click halves dropped).
    key_pressed(object, str): an ``Action``'s shortcut and its name ("Alt+V").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QBoxLayout, QHBoxLayout, QPushButton, QWidget

from pos_client.counter.view import Action
from pos_client.ui.look import button_role, style_button

__all__ = ["ACTION_BUTTONS", "CLICK_GUARD_MIN_S", "ActionBar"]

log = logging.getLogger(__name__)

ACTION_BUTTONS = (
    (Action.CONFIRM_ID, "Pièce d'identité vérifiée (Alt+I)", "Alt+I"),
    (Action.VALIDATE, "Valider la contremarque (Alt+V)", "Alt+V"),
    (Action.RETRY, "Réessayer (Alt+R)", "Alt+R"),
    (Action.CONFIRM_REVERT, "Oui, annuler la validation (Alt+O)", "Alt+O"),
    (Action.CONFIRM_CANCEL, "Annuler définitivement (Alt+D)", "Alt+D"),
    (Action.OPEN_SETTINGS, "Réglages (F2)", ""),
    (Action.STOP_WAITING, "Ne plus attendre (résultat inconnu)", ""),
    (Action.DISMISS, "Fermer (Échap)", ""),
    (Action.REVERT, "Annuler la validation (Alt+A)", "Alt+A"),
    (Action.CANCEL_BOOKING, "Annuler la réservation (Alt+N)", "Alt+N"),
)
CLICK_GUARD_MIN_S = 0.5


class ActionBar(QObject):
    """The buttons (``buttons``, in ``layout``) and the shortcuts, installed on ``window``."""

    clicked = Signal(object)
    key_pressed = Signal(object, str)

    def __init__(self, window: QWidget, tr: Callable[[str], str]) -> None:
        super().__init__(window)
        self.buttons: dict[Action, QPushButton] = {}
        self._last_click: tuple[Action, float] | None = None
        # Two rows side by side on a wide screen, one above the other on a narrow one (``set_narrow``):
        # the steps forward and *Fermer*, then the destructive actions apart.
        self.layout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.layout.setSpacing(8)
        forward, apart = QHBoxLayout(), QHBoxLayout()
        forward.setSpacing(8)
        apart.setSpacing(8)
        self.layout.addLayout(forward, 1)
        self.layout.addLayout(apart)
        row = forward
        for action, label, key in ACTION_BUTTONS:
            button = QPushButton(tr(label))
            button.setObjectName(f"action_{action.value}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays where a code lands
            style_button(button, button_role(action))
            button.clicked.connect(lambda _checked=False, a=action: self._on_click(a))
            self.buttons[action] = button
            if action is Action.REVERT:
                forward.addStretch(1)  # destructive actions apart, far right
                apart.addStretch(1)
                row = apart
            row.addWidget(button)
            if key:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.activated.connect(lambda a=action, k=key: self.key_pressed.emit(a, k))

    def set_narrow(self, narrow: bool) -> None:
        """An 800 px window: the destructive actions go to a row of their own, below, so that no
        label is cut."""
        self.layout.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )

    def show_only(self, offered: frozenset[Action]) -> None:
        for action, button in self.buttons.items():
            button.setVisible(action in offered)

    @staticmethod
    def click_guard_s() -> float:
        """How long after a click another button ignores clicks (a double-click's second half)."""
        return max(CLICK_GUARD_MIN_S, QApplication.doubleClickInterval() / 1000)

    def _on_click(self, action: Action) -> None:
        now = time.monotonic()
        last = self._last_click
        self._last_click = (action, now)
        if last is not None and last[0] is not action and now - last[1] < self.click_guard_s():
            log.info("click on %s ignored: the second half of a double-click", action.value)
            self._last_click = last
            return
        self.clicked.emit(action)
