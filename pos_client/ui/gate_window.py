"""The gate window: a huge full-screen verdict readable from two metres, one key or touch to let in.

A scanner typing like a keyboard (or a typed code) ends with Entrée: the verdict fills the screen
(green, red or amber) with the number of persons and the name to compare with the ID. Espace, Entrée
on an empty field, or a touch on « Laisser entrer » lets in; Échap clears; F2 (or the button) chooses
the evenings and price categories this gate admits. An « Inconnue » code is
looked up on the API in the background when the network allows, and the screen updates. The bottom
line shows entered / expected tonight and per gate, what was loaded and when, and the validations.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QPushButton, QVBoxLayout, QWidget

from pos_client.app.gate import GateSession
from pos_client.gate.verdict import Colour, GateScope, Verdict, VerdictKind
from pos_client.gate.worker import Lookup
from pos_client.i18n import Translator
from pos_client.ui.gate_scope_dialog import GateScopeDialog
from pos_client.ui.gate_sounds import GateSounds

__all__ = ["CodeField", "GateWindow", "LookupBridge"]

_BACKGROUNDS = {Colour.GREEN: "#0a7d32", Colour.RED: "#b3121f", Colour.AMBER: "#c77700"}
_IDLE = "#20242a"


class LookupBridge(QObject):
    """Carries a live lookup's answer from the gate's worker thread to the window's thread."""

    answered = Signal(object)

    def deliver(self, lookup: Lookup) -> None:
        self.answered.emit(lookup)


class CodeField(QLineEdit):
    """The scan field: Espace on an empty field lets in, Échap clears (the field keeps the focus)."""

    let_in = Signal()
    cleared = Signal()
    choose = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not self.text():
            self.let_in.emit()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.cleared.emit()
        elif event.key() == Qt.Key.Key_F2:
            self.choose.emit()
        else:
            super().keyPressEvent(event)


class GateWindow(QMainWindow):
    def __init__(
        self, session: GateSession, bridge: LookupBridge, *, sounds_enabled: bool = True,
        translate: Translator | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self._t = translate or Translator("fr")
        t = self._t
        self.session = session
        self.gate = session.gate
        self.sounds = GateSounds(self, enabled=sounds_enabled)
        self.current: Verdict | None = None
        self.setWindowTitle(t("pos-client — contrôle d'entrée, porte {gate}", gate=session.gate.name))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(24, 16, 24, 16)
        self.scope_label = self._label(18)
        self.headline = self._label(64, bold=True)
        self.detail = self._label(24)
        self.name_label = self._label(40, bold=True)
        self.code_field = CodeField()
        self.code_field.let_in.connect(self.let_in)
        self.code_field.cleared.connect(self.clear_verdict)
        self.code_field.choose.connect(self.choose_scope)
        self.scope_button = QPushButton(t("Choisir quoi contrôler (F2)"))
        self.scope_button.clicked.connect(self.choose_scope)
        self.code_field.setPlaceholderText(t("Scanner le QR code ou taper la contremarque, puis Entrée"))
        self.code_field.setFont(QFont("", 16))
        self.code_field.returnPressed.connect(self._on_return)
        self.enter_button = QPushButton(t("Laisser entrer (Espace)"))
        self.enter_button.setMinimumHeight(72)
        self.enter_button.setFont(QFont("", 24, QFont.Weight.Bold))
        self.enter_button.clicked.connect(self.let_in)
        self.status_label = self._label(14)
        self.status_label.setStyleSheet("color: #e8e8e8;")
        for widget in (self.scope_label, self.headline, self.detail, self.name_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.enter_button)
        layout.addWidget(self.code_field)
        layout.addWidget(self.scope_button)
        layout.addWidget(self.status_label)
        self.setCentralWidget(central)
        self._central = central
        self._paint(_IDLE)
        self._show_idle()
        self.bridge = bridge
        bridge.answered.connect(self._on_lookup)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh_status)
        self._timer.start(1000)
        self.refresh_status()
        self.code_field.setFocus()

    @staticmethod
    def _label(points: int, *, bold: bool = False) -> QLabel:
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setFont(QFont("", points, QFont.Weight.Bold if bold else QFont.Weight.Normal))
        label.setStyleSheet("color: white;")
        return label

    def _paint(self, background: str) -> None:
        self._central.setStyleSheet(f"background-color: {background};")
        self.code_field.setStyleSheet("background-color: white; color: black;")
        self.enter_button.setStyleSheet("background-color: white; color: black;")
        self.scope_button.setStyleSheet("background-color: #dddddd; color: black;")

    def _show_idle(self) -> None:
        scope, t = self.gate.scope, self._t
        days = ", ".join(day.strftime("%d/%m") for day in sorted(scope.days)) or t("toutes dates")
        offers = ", ".join(sorted(scope.offers)) or t("toutes les offres")
        prices = f" — {', '.join(sorted(scope.price_labels))}" if scope.price_labels else ""
        self.scope_label.setText(
            t("Porte {gate} : {offers}, {days}", gate=self.gate.name, offers=offers, days=days) + prices
        )
        self.headline.setText(t("Prêt : scanner un billet"))
        self.detail.setText("")
        self.name_label.setText("")
        self.enter_button.setVisible(False)

    # -- scanning ------------------------------------------------------------------------------
    def _on_return(self) -> None:
        text = self.code_field.text().strip()
        self.code_field.clear()
        if text:
            self.show_verdict(self.gate.scan(text))
        else:
            self.let_in()

    def show_verdict(self, verdict: Verdict) -> None:
        self.current = verdict
        self._paint(_BACKGROUNDS[verdict.colour])
        headline, detail = verdict.render(self._t)
        self.headline.setText(headline)
        self.detail.setText(detail)
        if verdict.kind is VerdictKind.ADMIT:
            self.name_label.setText(
                verdict.name
                or self._t("Nom indisponible (redémarrage hors ligne) : vérifier le billet et la pièce")
            )
        else:
            self.name_label.setText("")
        self.enter_button.setVisible(verdict.kind is VerdictKind.ADMIT)
        self.sounds.play("duo" if verdict.persons == 2 else verdict.kind.value)
        if verdict.kind is VerdictKind.UNKNOWN and verdict.entry is None and verdict.token:
            self.session.worker.look_up(verdict.token)
            self.detail.setText(detail + " " + self._t("Vérification en ligne demandée…"))

    def let_in(self) -> None:
        if self.current is None or self.current.kind is not VerdictKind.ADMIT:
            return
        final = self.gate.confirm(self.current)
        if final.kind is not VerdictKind.ADMIT:
            self.show_verdict(final)  # another gate let it in a moment ago
            return
        self.current = None
        self._paint(_IDLE)
        self._show_idle()
        self.headline.setText(
            self._t(
                "Entrés : 2 — scanner le suivant" if final.persons == 2 else "Entré : 1 — scanner le suivant"
            )
        )
        self.refresh_status()

    def _on_lookup(self, lookup: Lookup) -> None:
        if self.current is not None and self.current.token == lookup.token and lookup.verdict is not None:
            self.show_verdict(lookup.verdict)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()  # the session closes after the window: no refresh on a closed file
        super().closeEvent(event)

    def choose_scope(self) -> None:
        starts, labels = self.session.choices()
        dialog = GateScopeDialog(starts, labels, self.gate.scope, self, translate=self._t)
        if dialog.exec() == GateScopeDialog.DialogCode.Accepted:
            self.apply_scope(dialog.scope())

    def apply_scope(self, scope: GateScope) -> None:
        self.session.change_scope(scope)
        self.clear_verdict()
        self.refresh_status()

    def clear_verdict(self) -> None:
        self.current = None
        self._paint(_IDLE)
        self._show_idle()

    # -- status line ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        counters, t = self.gate.counters(), self._t
        parts = []
        for day in sorted(self.gate.scope.days) or sorted(d for d in counters.expected_by_day if d):
            parts.append(t(
                "{day} : {entered} entrée(s) / {expected} attendue(s)", day=day.strftime("%d/%m"),
                entered=counters.entered_by_day.get(day, 0), expected=counters.expected_by_day.get(day, 0),
            ))  # fmt: skip
        parts.extend(
            t("porte {gate} : {count}", gate=g, count=n) for g, n in sorted(counters.entered_by_gate.items())
        )
        if counters.other_gates == "unavailable":  # the other gates' entries are from the last read
            parts.append(t("autres portes : registre injoignable"))
        status = self.session.refresher.status
        loaded = self.session.loaded_at
        parts.append(
            t("liste du {when}", when=loaded.astimezone().strftime("%d/%m %H:%M"))
            if loaded
            else t("liste du fichier local")
        )
        if status.last_success is not None:
            parts.append(t("mise à jour {when}", when=status.last_success.astimezone().strftime("%H:%M:%S")))
        if status.last_failure is not None and (status.last_success is None or status.failures):
            parts.append(t("réseau : {count} échecs", count=status.failures))
        if self.gate.names_lost:
            parts.append(t("noms indisponibles (redémarrage hors ligne)"))
        validations = self.gate.store.validation_counts()
        if validations:
            parts.append(t(
                "validations {done} / en attente {pending}", done=validations.get("done", 0),
                pending=validations.get("pending", 0),
            ))  # fmt: skip
        self.status_label.setText("  ·  ".join(parts) + f"  ·  {datetime.now().strftime('%H:%M')}")
