"""The till window's parts: status area, code field, booking card with ID-check panel, history.

Each part only displays what it is given (a ``CounterView``, journal lines); the main window wires
them to the workflow.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_client.counter.view import CounterView, Tone
from pos_client.domain.booking import Booking
from pos_client.domain.formats import WHEN_TEMPLATE, format_euros, when_parts
from pos_client.domain.ledger import JournalLine, Operation
from pos_client.domain.token import TOKEN_LENGTH, TYPED_ALPHABET
from pos_client.i18n import Translator
from pos_client.scanner.payload import token_from_text
from pos_client.ui.look import TONE_LOOK, glyph_pixmap

__all__ = ["BookingCard", "CodeField", "HistoryPanel", "ReadySteps", "StatusArea"]

SAY_FOR_MS = 4000  # how long a refused shortcut's explanation stays under the code field


def _scaled(widget: QWidget, factor: float, *, bold: bool = False) -> None:
    font = QFont(widget.font())
    font.setPointSizeF(max(6.0, font.pointSizeF() * factor))
    font.setBold(bold)
    widget.setFont(font)


class StatusArea(QFrame):
    """The big status: icon + title + detail, coloured by tone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_area")
        self.icon = QLabel()
        self.icon.setObjectName("status_icon")
        self.title = QLabel()
        self.title.setObjectName("status_title")
        self.title.setWordWrap(True)
        _scaled(self.title, 2.2, bold=True)  # read at arm's length
        self.detail = QLabel()
        self.detail.setObjectName("status_detail")
        self.detail.setWordWrap(True)
        _scaled(self.detail, 1.3)
        self.notice = QLabel()
        self.notice.setObjectName("status_notice")
        self.notice.setWordWrap(True)
        _scaled(self.notice, 1.2, bold=True)
        texts = QVBoxLayout()
        texts.addWidget(self.title)
        texts.addWidget(self.detail)
        texts.addWidget(self.notice)
        row = QHBoxLayout(self)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(texts, 1)
        self.setMinimumHeight(self.title.fontMetrics().height() * 3)
        self._tone: Tone | None = None
        self._background = QColor(TONE_LOOK[Tone.NEUTRAL].background)
        self._icons: dict[tuple[Tone, int, float], QPixmap] = {}

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._background)
        painter.drawRoundedRect(QRectF(self.rect()), 8, 8)
        painter.end()

    def icon_size(self) -> int:
        """The icon follows the title's size (and so the « Taille des textes » setting)."""
        return round(self.title.fontMetrics().height() * 1.6)

    def show_view(self, view: CounterView) -> None:
        look = TONE_LOOK[view.tone]
        if view.tone is not self._tone:
            # A palette and a painted rounded rectangle, not a style sheet: re-polishing the area on
            # each tone change (twice per scan) cost a millisecond on the scan-to-card path.
            self._tone = view.tone
            self._background = QColor(look.background)
            palette = self.palette()
            palette.setColor(QPalette.ColorRole.WindowText, QColor(look.text))
            self.setPalette(palette)
            self.update()
            # Drawn, not a font glyph: the same icon on a bare Debian and on Windows (drawn once per
            # tone: the scan-to-card path repaints it twice per scan).
            key = (view.tone, self.icon_size(), self.devicePixelRatioF())
            pixmap = self._icons.get(key)
            if pixmap is None:
                pixmap = glyph_pixmap(look.glyph, key[1], look.text, key[2])
                self._icons[key] = pixmap
            self.icon.setPixmap(pixmap)
        self.title.setText(view.title)
        self.detail.setText(view.detail)
        self.notice.setText(view.notice)
        self.notice.setVisible(bool(view.notice))
        self.setAccessibleName(f"{view.title}. {view.detail}")


class ReadySteps(QLabel):
    """The three steps, shown in « Prêt » where the card will be (the left column is empty otherwise)."""

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ready_steps")
        self.setText(
            "\n".join(
                (
                    tr(
                        "1. Scannez le QR code de la réservation dans l'application pass Culture "
                        "du bénéficiaire."
                    ),
                    tr("2. Vérifiez sa pièce d'identité (pièce physique)."),
                    tr("3. Validez, puis remettez le produit."),
                )
            )
        )
        self.setWordWrap(True)
        self.setStyleSheet("color: #3c4654; padding: 12px 0;")
        _scaled(self, 1.3)


class CodeField(QWidget):
    """The typed-code field, like the official desk: upper case, 6 characters, live hints.

    A QR payload pasted or typed (``PASSCULTURE:v3;TOKEN:352UW4``) is reduced to its token.

    Signals:
        submitted(str): Enter pressed on a complete, valid code.
    """

    submitted = Signal(str)

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self.edit = QLineEdit()
        self.edit.setObjectName("code_field")
        # Not a real-looking token: grey "352UW4" read as the current code beside another booking's card.
        # The short form is used when the long one would be cut (camera panel open).
        self._placeholders = (tr("Scannez ou tapez le code (6 caractères)"), tr("Scannez ou tapez le code"))
        self.edit.setPlaceholderText(self._placeholders[0])
        self.edit.setAccessibleName(tr("Contremarque"))
        _scaled(self.edit, 1.8, bold=True)
        self.hint = QLabel()
        self.hint.setObjectName("code_hint")
        self.error = QLabel()
        self.error.setObjectName("code_error")
        self.error.setStyleSheet("color: #b3261e; font-weight: bold;")
        label = QLabel(tr("Contremarque"))
        label.setBuddy(self.edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(self._on_text_edited)
        self.edit.returnPressed.connect(self._on_return)
        self._said = QTimer(self)
        self._said.setSingleShot(True)
        self._said.timeout.connect(self._refresh_hints)
        self._refresh_hints()

    def clear(self) -> None:
        """Forget what was typed (Échap)."""
        self.edit.clear()
        self._said.stop()
        self._refresh_hints()

    def say(self, text: str) -> None:
        """Explain, for a few seconds under the field, why a key did nothing (never silent)."""
        self.error.setText(text)
        self._said.start(SAY_FOR_MS)

    def unsay(self) -> None:
        """The screen moved on: an explanation said for the previous one goes (it would be wrong)."""
        if self._said.isActive():
            self._refresh_hints()

    def _on_text_edited(self, text: str) -> None:
        if "PASSCULTURE" in text.upper():
            token = token_from_text(text)
            if token is not None:
                self.edit.setText(token)
                self._refresh_hints()
                return
        upper = text.upper()
        if upper != text:
            position = self.edit.cursorPosition()
            self.edit.setText(upper)
            self.edit.setCursorPosition(position)
        self._refresh_hints()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        room = self.edit.width() - 16  # the line edit's frame and text margins
        full, short = self._placeholders
        fits = self.edit.fontMetrics().horizontalAdvance(full) <= room
        self.edit.setPlaceholderText(full if fits else short)

    def _refresh_hints(self) -> None:
        if self._said.isActive():
            self._said.stop()
        text = self.edit.text()
        self.hint.setText(self._tr("Caractères restants : {left}/6", left=max(0, TOKEN_LENGTH - len(text))))
        if len(text) > TOKEN_LENGTH:
            self.error.setText(self._tr("La contremarque ne peut pas faire plus de 6 caractères"))
        elif any(c not in TYPED_ALPHABET for c in text):
            self.error.setText(self._tr("Caractères valides : de A à Z et de 0 à 9"))
        else:
            self.error.setText("")

    def _on_return(self) -> None:
        text = self.edit.text().strip()
        if token_from_text(text) is None:
            self._refresh_hints()
            return
        self.edit.clear()
        self._refresh_hints()
        self.submitted.emit(text)


class BookingCard(QGroupBox):
    """What was booked, and the ID-check panel with the beneficiary's identity (never stored).

    The amount and, during the ID check, the name are the largest lines (read at arm's length); the
    scanned code is shown; rows a product does not have (price category, EAN) are hidden, not "—".
    """

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(tr("Réservation"), parent)
        self.setObjectName("booking_card")
        self._tr = tr
        self.offer = QLabel()
        self.offer.setObjectName("card_offer")
        self.offer.setWordWrap(True)
        _scaled(self.offer, 1.5, bold=True)
        self.duo = QLabel("DUO")
        self.duo.setObjectName("card_duo")
        self.duo.setStyleSheet("background: #5b2a86; color: white; padding: 2px 8px; border-radius: 4px;")
        _scaled(self.duo, 1.2, bold=True)
        self.total = QLabel()
        self.total.setObjectName("card_total")
        self.total.setWordWrap(True)
        _scaled(self.total, 2.0, bold=True)
        self.token = QLabel()
        self.token.setObjectName("card_token")
        self.unit_price = QLabel()
        self.unit_price.setObjectName("card_unit_price")
        self.category = QLabel()
        self.category.setObjectName("card_category")
        self.ean = QLabel()
        self.ean.setObjectName("card_ean")
        self.venue = QLabel()
        self.venue.setObjectName("card_venue")
        self.booked_on = QLabel()
        self.booked_on.setObjectName("card_booked_on")
        head = QHBoxLayout()
        head.addWidget(self.offer, 1)
        head.addWidget(self.duo, 0, Qt.AlignmentFlag.AlignTop)
        self.details = QFormLayout()
        self.details.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.details.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, field in (
            (tr("Contremarque"), self.token),
            (tr("Prix unitaire"), self.unit_price),
            (tr("Catégorie de prix"), self.category),
            (tr("EAN / ISBN"), self.ean),
            (tr("Lieu"), self.venue),
            (tr("Réservée le"), self.booked_on),
        ):
            field.setWordWrap(True)
            _scaled(field, 1.15)
            self.details.addRow(label, field)
            _scaled(self.details.labelForField(field), 1.15)

        self.id_panel = QGroupBox(tr("Vérification d'identité"))
        self.id_panel.setObjectName("id_panel")
        self.id_panel.setStyleSheet(
            "QGroupBox#id_panel { border: 2px solid #1f5fbf; border-radius: 6px; margin-top: 1.2em;"
            " padding-top: 0.3em; font-weight: bold; }"
            "QGroupBox#id_panel::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }"
        )
        self.name = QLabel()
        self.name.setObjectName("id_name")
        self.name.setWordWrap(True)  # a long name wraps at 800 px, it is never cut
        _scaled(self.name, 2.0, bold=True)
        self.birth = QLabel()
        self.birth.setObjectName("id_birth")
        self.birth.setWordWrap(True)
        _scaled(self.birth, 1.5)
        reminder = QLabel(tr("Seule une pièce d'identité physique est acceptée (pas de photo ni de copie)."))
        reminder.setWordWrap(True)
        reminder.setObjectName("id_reminder")
        _scaled(reminder, 1.1)
        self.checked = QLabel()
        self.checked.setObjectName("id_checked")
        _scaled(self.checked, 1.2, bold=True)
        id_layout = QVBoxLayout(self.id_panel)
        id_layout.addWidget(self.name)
        id_layout.addWidget(self.birth)
        id_layout.addWidget(reminder)
        id_layout.addWidget(self.checked)

        total_caption = QLabel(tr("Total"))
        _scaled(total_caption, 1.3)
        total_row = QHBoxLayout()
        total_row.addWidget(total_caption, 0, Qt.AlignmentFlag.AlignBaseline)
        total_row.addWidget(self.total, 1, Qt.AlignmentFlag.AlignBaseline)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(total_row)
        layout.addWidget(self.id_panel)  # what the cashier must read now, before the details
        layout.addLayout(self.details)

    def show_booking(
        self, booking: Booking | None, *, id_checked: bool, show_identity: bool, token: str | None = None
    ) -> None:
        self.setVisible(booking is not None)
        if booking is None:
            self._clear_identity()
            return
        self.offer.setText(booking.offer_name)
        self.duo.setVisible(booking.is_duo)
        quantity = (
            f" ({booking.quantity} × {format_euros(booking.unit_price_cents)})" if booking.is_duo else ""
        )
        self.total.setText(format_euros(booking.total_cents) + quantity)
        self._row(self.token, token or "")
        self._row(self.unit_price, format_euros(booking.unit_price_cents) if booking.is_duo else "")
        self._row(self.category, booking.price_category_label or "")
        self._row(self.ean, booking.offer_ean or "")
        self._row(self.venue, booking.venue_name or "")
        booked_on = booking.creation_date
        self._row(self.booked_on, self._tr(WHEN_TEMPLATE, **when_parts(booked_on)) if booked_on else "")
        self.id_panel.setVisible(show_identity)
        if not show_identity:
            self._clear_identity()
            return
        person = booking.beneficiary
        self.name.setText(person.full_name or "—")
        if person.birth_date is not None:
            age = person.age_on(date.today())
            self.birth.setText(
                self._tr("Né(e) le {date} — {age} ans", date=person.birth_date.strftime("%d/%m/%Y"), age=age)
            )
        else:
            self.birth.setText("—")
        self.checked.setText(
            "✔ " + self._tr("Pièce d'identité vérifiée (Alt+I)").split(" (")[0] if id_checked else ""
        )
        self.checked.setVisible(id_checked)

    def _row(self, field: QLabel, text: str) -> None:
        """A detail row, hidden when the booking has nothing to say there."""
        field.setText(text)
        self.details.setRowVisible(field, bool(text))

    def _clear_identity(self) -> None:
        # Personal data leaves the screen as soon as the card does.
        self.name.clear()
        self.birth.clear()
        self.checked.clear()


class HistoryPanel(QGroupBox):
    """Today's pass Culture lines (no personal data) and the day's total."""

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(tr("Aujourd'hui"), parent)
        self.setObjectName("history")
        self._tr = tr
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("history_table")
        self.table.setHorizontalHeaderLabels([tr("Heure"), tr("Contremarque"), tr("Offre"), tr("Montant")])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.total = QLabel()
        self.total.setObjectName("history_total")
        self._compact = self._narrow = False
        _scaled(self.total, 1.3, bold=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.total)
        self.show_lines([], 0)

    def set_compact(self, compact: bool) -> None:
        """Only the day's total (the camera panel needs the room at 1024x768)."""
        self._compact = compact
        self.table.setVisible(not compact)
        self.total.setWordWrap(compact or self._narrow)

    def set_narrow(self, narrow: bool) -> None:
        """A narrow window (800 px): the contremarque and the amount of each line, the total on two
        lines, so the card gets the width (walk-through 2026-12)."""
        self._narrow = narrow
        for column in (0, 2):  # the time and the offer's name: the card shows them
            self.table.setColumnHidden(column, narrow)
        self.total.setWordWrap(narrow or self._compact)

    def show_lines(self, lines: list[JournalLine], total_cents: int) -> None:
        self.table.setRowCount(len(lines))
        for row, line in enumerate(reversed(lines)):  # newest first
            cells = [
                line.recorded_at.astimezone().strftime("%H:%M"),
                line.token,
                line.offer_name
                if line.operation is Operation.USE
                else f"{line.offer_name} ({self._tr('annulation')})",
                format_euros(line.amount_cents),
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.total.setText(self._tr("Total pass Culture du jour : {total}", total=format_euros(total_cents)))
