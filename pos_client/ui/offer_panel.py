"""« Offre sur-mesure » (F7): the offer made at the till, in the window.

The cashier scans (or types) the item's EAN, confirms the price and the quantity (1 by default), and
the panel creates or updates the venue's offer through the ``OfferDesk`` (off the GUI thread), waits
for pass Culture's job on a timer (a progress bar, spaced polls inside the key's rate budget), then
shows a large QR code of the offer's link and its title for the young person's phone. Every refusal
is explained in French (``pos_client.offers.messages``). A wait left by a restart resumes when the
window opens. « Fermer l'offre » puts its stock to 0.

``OfferController`` ties the desk to the window: the button and F7, a bare EAN-13 scanned on the ready
screen (or while the panel is open) goes to the panel instead of the counter, the booking card says
when a contremarque is for an offer made here, and with ``offer.close_after_booking`` the offer is
closed once its contremarque is validated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pos_client.app.backend import Backend
from pos_client.app.context import AppContext
from pos_client.app.offer import open_offer_desk
from pos_client.counter.view import CounterView, State
from pos_client.domain.formats import euros_with_comma, format_euros
from pos_client.domain.offers import OfferInProgress, OfferQueued, OverCredit, normalised_ean, parse_euros
from pos_client.domain.outcomes import Trouble
from pos_client.domain.scan import RawScan
from pos_client.emulator.codes_sheet import qr_matrix
from pos_client.i18n import Translator
from pos_client.offers import OfferDesk, OfferReady, StillWaiting
from pos_client.offers.desk import DeskOutcome
from pos_client.offers.messages import Tone, describe
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import QtTaskRunner

__all__ = ["OfferController", "OfferPanel", "attach_offer_desk", "qr_pixmap"]

log = logging.getLogger(__name__)

_TONE_COLOURS = {Tone.GOOD: "#1b5e20", Tone.WAIT: "#0d47a1", Tone.REFUSED: "#b00020", Tone.TROUBLE: "#b35900"}
QR_SIDE_PX = 320


def qr_pixmap(text: str, side_px: int = QR_SIDE_PX) -> QPixmap:
    """A QR code of ``text`` drawn module by module (sharp at any size, no Pillow needed)."""
    matrix = qr_matrix(text)
    count = len(matrix)
    module = max(1, -(-side_px // count))  # at least side_px: rounded up to whole modules
    image = QImage(count * module, count * module, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                painter.fillRect(column * module, row * module, module, module, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


class OfferPanel(QDialog):
    """The « offre sur-mesure » screen. Signals: outcome_shown(object) after each outcome is painted
    (tests wait on it)."""

    outcome_shown = Signal(object)

    def __init__(
        self,
        desk: OfferDesk,
        runner: QtTaskRunner,
        tr: Translator,
        parent: QWidget | None = None,
        *,
        demo_booker: Callable[[int], str] | None = None,
    ) -> None:
        """``demo_booker`` (demo mode: the emulator's young person) books an offer and answers the
        contremarque, so the demo runs without a phone."""
        super().__init__(parent)
        self._demo_booker = demo_booker
        self._shown_offer_id: int | None = None
        self.setObjectName("offer_panel")
        self.setWindowTitle(tr("Offre sur-mesure"))
        self.desk = desk
        self._runner = runner
        self._tr = tr
        self._busy = False
        self._suggested_credit: int | None = None
        self.ean = QLineEdit()
        self.ean.setObjectName("offer_ean")
        self.ean.setPlaceholderText(tr("Scannez ou tapez l'EAN (13 chiffres)"))
        self.price = QLineEdit()
        self.price.setObjectName("offer_price")
        self.price.setPlaceholderText("12,99")
        self.quantity = QSpinBox()
        self.quantity.setObjectName("offer_quantity")
        self.quantity.setRange(1, 1000)
        self.quantity.setValue(1)
        self.credit = QLineEdit()
        self.credit.setObjectName("offer_credit")
        self.credit.setPlaceholderText(tr("facultatif : crédit restant affiché dans l'app du jeune"))
        form = QFormLayout()
        form.addRow(tr("EAN / ISBN"), self.ean)
        form.addRow(tr("Prix (€)"), self.price)
        form.addRow(tr("Quantité"), self.quantity)
        form.addRow(tr("Crédit du jeune (€)"), self.credit)
        self.title = QLabel()
        self.title.setObjectName("offer_title")
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel(tr("Scannez le code-barres du livre, du CD ou du vinyle."))
        self.detail.setObjectName("offer_detail")
        self.detail.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("offer_progress")
        self.progress.setVisible(False)
        self.progress.setFormat(tr("%v s sur %m s"))
        self.qr = QLabel()
        self.qr.setObjectName("offer_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setVisible(False)
        self.link = QLabel()
        self.link.setObjectName("offer_link")
        self.link.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.create_button = QPushButton(tr("Créer l'offre (Entrée)"))
        self.create_button.setObjectName("offer_create")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_offer)
        self.complete_button = QPushButton()
        self.complete_button.setObjectName("offer_complete")
        self.complete_button.setVisible(False)
        self.complete_button.clicked.connect(self._create_at_credit)
        self.close_offer_button = QPushButton(tr("Fermer l'offre (stock à 0)"))
        self.close_offer_button.setObjectName("offer_close")
        self.close_offer_button.clicked.connect(self.close_offer)
        self.abandon_button = QPushButton(tr("Ne plus attendre"))
        self.abandon_button.setObjectName("offer_abandon")
        self.abandon_button.setVisible(False)
        self.abandon_button.clicked.connect(self._abandon)
        self.demo_book_button = QPushButton(tr("Démo : le jeune réserve"))
        self.demo_book_button.setObjectName("offer_demo_book")
        self.demo_book_button.setVisible(False)
        self.demo_book_button.clicked.connect(self._demo_book)
        buttons = QHBoxLayout()
        for button in (
            self.create_button,
            self.complete_button,
            self.close_offer_button,
            self.abandon_button,
        ):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.progress)
        layout.addWidget(self.qr)
        layout.addWidget(self.link)
        layout.addWidget(self.demo_book_button)
        layout.addStretch(1)  # the texts stay under the fields when there is no QR code
        self.ean.returnPressed.connect(self.price.setFocus)
        self.price.returnPressed.connect(self.create_offer)
        self._poll_timer = QTimer(self)
        self._poll_timer.setObjectName("offer_poll_timer")
        self._poll_timer.setInterval(int(desk.poll_every_s * 1000))
        self._poll_timer.timeout.connect(self._poll)
        self._refresh_close_button()
        self.resize(560, 720)

    # ------------------------------------------------------------------ inputs
    def take_ean(self, text: str) -> None:
        """A scanned EAN: fill it (a second scan of the same EAN changes nothing) and ask the price."""
        ean = normalised_ean(text) or text.strip()
        pending = self.desk.pending
        same = ean == self.ean.text().strip()
        if self._busy or pending is not None or (same and self.qr.isVisible()):
            # The double-scan guard: nothing is sent again; the QR code of the offer stays.
            self._show(OfferInProgress(pending.ean if pending is not None else ean))
            return
        if not same:
            self.ean.setText(ean)
            self.qr.setVisible(False)
            self.link.clear()
            self.title.clear()
            self.detail.setText(self._tr("Indiquez le prix, vérifiez la quantité, puis Entrée."))
        self.price.setFocus()

    def create_offer(self) -> None:
        price = parse_euros(self.price.text())
        credit_text = self.credit.text().strip()
        credit = parse_euros(credit_text) if credit_text else None
        if price is None or (credit_text and credit is None):
            self.title.setText(self._tr("Prix illisible"))
            self.detail.setText(self._tr("Tapez un montant en euros, par exemple 12,99."))
            self.price.setFocus()
            return
        self._submit(
            lambda: self.desk.submit(self.ean.text(), price, self.quantity.value(), credit_cents=credit)
        )

    def _create_at_credit(self) -> None:
        if self._suggested_credit is None:
            return
        self.price.setText(euros_with_comma(self._suggested_credit))
        self.credit.clear()
        self.create_offer()

    def close_offer(self) -> None:
        self._submit(self.desk.close)

    def close_made_offer(self, offer_id: int) -> None:
        """Close an offer made here (its contremarque was just validated)."""
        self._submit(lambda: self.desk.close(offer_id))

    def _stop_waiting(self) -> None:
        self._poll_timer.stop()
        self.progress.setVisible(False)
        self.abandon_button.setVisible(False)
        self.create_button.setEnabled(True)

    def _abandon(self) -> None:
        self.desk.abandon()
        self._stop_waiting()
        self.detail.setText(self._tr("Attente abandonnée : vérifiez l'offre plus tard dans l'espace pro."))

    def resume(self) -> None:
        """A wait left by a restart: show it and poll at once."""
        pending = self.desk.pending
        if pending is None:
            return
        self.ean.setText(pending.ean)
        self.price.setText(euros_with_comma(pending.price_cents))
        self.quantity.setValue(max(1, pending.quantity))
        self.title.setText(self._tr("Reprise de l'attente"))
        self.detail.setText(self._tr("Une demande envoyée avant le redémarrage est toujours attendue."))
        self._start_waiting()
        self._poll()

    # ------------------------------------------------------------------ work
    def _submit(self, work: Callable[[], DeskOutcome]) -> None:
        if self._busy:
            return
        self._busy = True
        self.create_button.setEnabled(False)
        self.complete_button.setVisible(False)
        self._runner.submit(work, self._on_submitted, self._on_failed)

    def _on_submitted(self, outcome: DeskOutcome) -> None:
        self._busy = False
        self.create_button.setEnabled(self.desk.pending is None)
        self._show(outcome)
        if isinstance(outcome, OfferQueued):
            self._start_waiting()

    def _on_failed(self, exc: Exception) -> None:
        self._busy = False
        self.create_button.setEnabled(True)
        self.title.setText(self._tr("Erreur inattendue"))
        self.detail.setText(
            self._tr("Réessayez ; si cela dure, prévenez le support ({name}).", name=type(exc).__name__)
        )

    def _start_waiting(self) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(1, int(self.desk.wait_s)))
        self.progress.setValue(0)
        self.abandon_button.setVisible(True)
        self.create_button.setEnabled(False)
        self.qr.setVisible(False)
        self._poll_timer.start()

    def _poll(self) -> None:
        if self._busy or self.desk.pending is None:
            return
        self._busy = True
        self._runner.submit(self.desk.poll, self._on_polled, self._on_failed)

    def _on_polled(self, outcome: DeskOutcome) -> None:
        self._busy = False
        if isinstance(outcome, StillWaiting):
            self.progress.setValue(min(self.progress.maximum(), int(outcome.elapsed_s)))
        if not isinstance(outcome, StillWaiting) and not (isinstance(outcome, Trouble) and self.desk.pending):
            self._stop_waiting()
        self._show(outcome)

    # ------------------------------------------------------------------ output
    def _show(self, outcome: DeskOutcome) -> None:
        message = describe(outcome)
        title, detail = message.render(self._tr)
        self.title.setText(title)
        self.detail.setText(detail)
        self.title.setStyleSheet(f"color: {_TONE_COLOURS[message.tone]};")
        if isinstance(outcome, OverCredit):
            self._suggested_credit = outcome.credit_cents
            self.complete_button.setText(
                self._tr("Créer à {amount} (le jeune complète)", amount=format_euros(outcome.credit_cents))
            )
            self.complete_button.setVisible(True)
        if isinstance(outcome, OfferReady) and outcome.purpose == "create":
            self.qr.setPixmap(qr_pixmap(outcome.link))
            self.qr.setVisible(True)
            self.link.setText(outcome.link)
            self._shown_offer_id = outcome.offer.offer_id
        elif isinstance(outcome, OfferReady):
            self.qr.setVisible(False)
            self.link.clear()
            self._shown_offer_id = None
        self.demo_book_button.setVisible(self._demo_booker is not None and self._shown_offer_id is not None)
        self._refresh_close_button()
        self.outcome_shown.emit(outcome)

    def _demo_book(self) -> None:
        """Demo mode: the emulator's young person books the offer shown; its contremarque replaces the
        QR code, to scan (webcam, phone photo) or type on the ready screen."""
        booker, offer_id = self._demo_booker, self._shown_offer_id
        if booker is None or offer_id is None:
            return
        self._runner.submit(lambda: booker(offer_id), self._show_demo_token, self._demo_refused)

    def _show_demo_token(self, token: str) -> None:
        self._shown_offer_id = None
        self.demo_book_button.setVisible(False)
        self.qr.setPixmap(qr_pixmap(f"PASSCULTURE:v3;TOKEN:{token}"))
        self.link.setText(token)
        self.title.setText(self._tr("Contremarque du jeune (démo) : {token}", token=token))
        self.detail.setText(
            self._tr(
                "Fermez ce panneau, puis scannez ou tapez cette contremarque : la validation normale suit."
            )
        )

    def _demo_refused(self, exc: Exception) -> None:
        self.title.setText(self._tr("Réservation refusée (démo)"))
        self.detail.setText(str(exc))

    def _refresh_close_button(self) -> None:
        last = self.desk.last_made()
        self.close_offer_button.setEnabled(last is not None and not last.closed)


class OfferController(QObject):
    """The offer desk in the window: button, F7, EAN scans, the card's note, closing after a sale."""

    def __init__(
        self,
        window: MainWindow,
        desk: OfferDesk,
        *,
        close_after_booking: bool,
        demo_booker: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__(window)
        self.setObjectName("offer_controller")
        self.window = window
        self.desk = desk
        self.close_after_booking = close_after_booking
        self.runner = QtTaskRunner(self)
        tr = window.tr_
        self.panel = OfferPanel(desk, self.runner, tr, window, demo_booker=demo_booker)
        self.button = QPushButton(tr("Offre sur-mesure (F7)"))
        self.button.setObjectName("offer_button")
        self.button.clicked.connect(self.open_panel)
        window.tools.add(self.button)  # « Outils »: a touch-sized tool, F7 at hand
        QShortcut(QKeySequence(Qt.Key.Key_F7), window, self.open_panel)
        self.note = QLabel()
        self.note.setObjectName("card_offer_made_here")
        self.note.setStyleSheet("background: #1b5e20; color: white; font-weight: bold; padding: 4px;")
        self.note.setVisible(False)
        card_layout = window.card.layout()
        if isinstance(card_layout, QVBoxLayout):
            card_layout.insertWidget(0, self.note)
        window.scan_interceptors.append(self.intercept)
        window.view_shown.connect(self._on_view)
        self._closed_for: set[str] = set()
        if desk.pending is not None:
            QTimer.singleShot(0, self._resume)

    def open_panel(self) -> None:
        self.panel.show()
        self.panel.raise_()
        self.panel.ean.setFocus()

    def _resume(self) -> None:
        self.open_panel()
        self.panel.resume()

    def intercept(self, scan: RawScan) -> bool:
        """A bare EAN-13 goes to the panel when it is open, or from the ready screen; anything else
        (a contremarque) goes on to the counter."""
        ean = normalised_ean(scan.text)
        if ean is None:
            return False
        if not self.panel.isVisible() and self.window.counter.view.state is not State.READY:
            return False
        self.open_panel()
        self.panel.take_ean(ean)
        return True

    def _on_view(self, view: CounterView) -> None:
        booking = view.booking
        made = None if booking is None else self.desk.made_here(booking.offer_id)
        self.note.setVisible(made is not None)
        if made is None or booking is None:
            return
        self.note.setText(
            self.window.tr_("Offre sur-mesure créée à cette caisse : « {name} »", name=made.name)
        )
        if (
            view.state is State.VALIDATED
            and self.close_after_booking
            and booking.token not in self._closed_for
        ):
            self._closed_for.add(booking.token)
            self.panel.close_made_offer(made.offer_id)


def attach_offer_desk(
    window: MainWindow, backend: Backend, context: AppContext, *, demo: bool, stack: ExitStack
) -> OfferController | None:
    """Give the window its « offre sur-mesure » (None when the till has no server to talk to)."""
    base_url = (
        backend.emulator.base_url if backend.emulator is not None else getattr(backend.api, "base_url", None)
    )
    if not isinstance(base_url, str):
        return None
    desk = open_offer_desk(base_url, backend.api_key, context.settings, context.paths, demo=demo)
    stack.callback(desk.api.close)
    booker = backend.emulator.products.book_offer if demo and backend.emulator is not None else None
    controller = OfferController(
        window, desk, close_after_booking=context.settings.offer.close_after_booking, demo_booker=booker
    )
    stack.callback(lambda: controller.runner.wait_idle(5_000))
    return controller
