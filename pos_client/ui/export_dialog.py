"""« Exporter… » (F4): the window's face of ``pos-client export``.

A small dialog picks the days (by default the current reimbursement fortnight, 1st-15th or
16th-end of month), the format (CSV for a French spreadsheet, or JSON lines) and the file (a file
chooser, with a name made of the dates). The window then runs ``write_export`` on its worker
threads and says how many payments were written where, or why nothing was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QDate, QStandardPaths
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from pos_client.domain.fortnight import fortnight_of
from pos_client.domain.ledger import Operation
from pos_client.domain.ports import Journal, JournalError
from pos_client.i18n import Translator
from pos_client.journal import SqliteJournal
from pos_client.journal.export import ExportFormat, write_export
from pos_client.journal.store import PaymentRow

__all__ = [
    "ExportDialog",
    "ExportRequest",
    "ExportResult",
    "Exporter",
    "default_export_folder",
    "default_file_name",
    "export_message",
    "exporter_for",
    "run_export",
]

log = logging.getLogger(__name__)

# (first day, last day, format, file) -> number of payment records written.
Exporter = Callable[[date, date, ExportFormat, Path], int]

FORMAT_LABELS = {
    ExportFormat.CSV: "CSV pour tableur (Excel, LibreOffice)",
    ExportFormat.JSONL: "JSON lines (pour un logiciel)",
}
_DATE_FORMAT = "dd/MM/yyyy"


@dataclass(frozen=True)
class ExportRequest:
    first_day: date
    last_day: date
    fmt: ExportFormat
    path: Path


@dataclass(frozen=True)
class ExportResult:
    request: ExportRequest
    count: int | None  # None: the export failed
    error: str = ""  # French (or English) reason, when it failed
    undone: int = 0  # of ``count``, the lines that undo a validation (not payments)


def exporter_for(journal: Journal) -> Exporter | None:
    """The export of this journal, or None when it cannot export (a test's in-memory journal)."""
    if isinstance(journal, SqliteJournal):
        return partial(write_export, journal)
    return None


@runtime_checkable
class PaymentRows(Protocol):
    """A journal that lists its payment lines (the SQLite journal; the tests' recording one)."""

    def payments_between(self, first_day: date, last_day: date) -> list[PaymentRow]: ...


def undone_lines(journal: PaymentRows, first_day: date, last_day: date) -> int:
    """How many of the period's lines undo a validation (the export message counts them apart)."""
    rows = journal.payments_between(first_day, last_day)
    return len([row for row in rows if row.operation is Operation.KEEP])


def default_export_folder() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents else Path.home()


def default_file_name(first_day: date, last_day: date, fmt: ExportFormat) -> str:
    if first_day == last_day:
        return f"paiements-pass-culture_{first_day.isoformat()}.{fmt.value}"
    return f"paiements-pass-culture_{first_day.isoformat()}_{last_day.isoformat()}.{fmt.value}"


def run_export(
    exporter: Exporter, request: ExportRequest, tr: Translator, journal: object = None
) -> ExportResult:
    """Run on a worker thread: the export, or why it failed (never an exception). With ``journal``, the
    lines that undo a validation are counted apart for the message."""
    try:
        count = exporter(request.first_day, request.last_day, request.fmt, request.path)
        undone = (
            undone_lines(journal, request.first_day, request.last_day)
            if isinstance(journal, PaymentRows)
            else 0
        )
    except PermissionError:
        reason = tr("Le dossier {folder} n'est pas accessible en écriture.", folder=request.path.parent)
    except OSError as exc:
        reason = tr(
            "Le fichier {path} n'a pas pu être écrit ({detail}).",
            path=request.path,
            detail=exc.strerror or exc,
        )
    except JournalError as exc:
        reason = tr("Le journal de caisse n'a pas pu être lu ({detail}).", detail=exc)
    except Exception as exc:  # a bug: logged, and still said, so the cashier is never left waiting
        log.exception("export failed")
        reason = tr("Erreur inattendue ({detail}).", detail=exc)
    else:
        return ExportResult(request, count, undone=undone)
    log.warning("export to %s failed: %s", request.path, reason)
    return ExportResult(request, None, reason)


def export_message(result: ExportResult, tr: Translator) -> str:
    request = result.request
    period = tr(
        "du {first} au {last}",
        first=request.first_day.strftime("%d/%m/%Y"),
        last=request.last_day.strftime("%d/%m/%Y"),
    )
    if result.count is None:
        return tr("Rien n'a été exporté. {reason}", reason=result.error)
    if result.count == 0:
        return tr(
            "Aucun paiement pass Culture {period}. Fichier écrit : {path}", period=period, path=request.path
        )
    if result.undone:
        return tr(
            "{n} lignes pass Culture {period} ({sales} paiements, {undone} annulations de validation) "
            "exportées dans {path}",
            n=result.count,
            sales=result.count - result.undone,
            undone=result.undone,
            period=period,
            path=request.path,
        )
    if result.count == 1:
        return tr("1 paiement pass Culture {period} exporté dans {path}", period=period, path=request.path)
    return tr(
        "{n} paiements pass Culture {period} exportés dans {path}",
        n=result.count,
        period=period,
        path=request.path,
    )


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ExportDialog(QDialog):
    """Choose the days, the format and the file; ``request()`` gives them after ``accept``."""

    def __init__(self, tr: Translator, *, today: date, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self._tr = tr
        self.setWindowTitle(tr("Exporter les paiements pass Culture"))
        first, last = fortnight_of(today)
        self.first_day = QDateEdit(_qdate(first))
        self.first_day.setObjectName("export_first_day")
        self.last_day = QDateEdit(_qdate(last))
        self.last_day.setObjectName("export_last_day")
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(_DATE_FORMAT)
        self.period_hint = QLabel(tr("Par défaut : la quinzaine de remboursement en cours."))
        self.format = QComboBox()
        self.format.setObjectName("export_format")
        for fmt in ExportFormat:
            self.format.addItem(tr(FORMAT_LABELS[fmt]), fmt)
        self.path = QLineEdit()
        self.path.setObjectName("export_path")
        self.browse = QPushButton(tr("Parcourir…"))
        self.browse.setObjectName("export_browse")
        self.browse.clicked.connect(self.choose_file)
        self.error = QLabel()
        self.error.setObjectName("export_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)

        form = QFormLayout(self)
        form.addRow(tr("Du"), self.first_day)
        form.addRow(tr("Au"), self.last_day)
        form.addRow("", self.period_hint)
        form.addRow(tr("Format"), self.format)
        form.addRow(tr("Fichier"), file_row)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr("Exporter"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        self._folder = folder
        self._auto_path = ""
        self._name_file()
        for signal in (
            self.first_day.dateChanged,
            self.last_day.dateChanged,
            self.format.currentIndexChanged,
        ):
            signal.connect(self._name_file)
        self.resize(max(self.sizeHint().width(), 560), self.sizeHint().height())

    def _format(self) -> ExportFormat:
        return ExportFormat(self.format.currentData())

    def _name_file(self) -> None:
        """Follow the dates and format in the file name, unless the cashier chose a file."""
        if self.path.text() not in ("", self._auto_path):
            current = Path(self.path.text())
            if current.suffix.lstrip(".") in {f.value for f in ExportFormat}:
                self.path.setText(str(current.with_suffix(f".{self._format().value}")))
            return
        folder = Path(self.path.text()).parent if self.path.text() else self._folder
        name = default_file_name(_day(self.first_day.date()), _day(self.last_day.date()), self._format())
        self._auto_path = str(folder / name)
        self.path.setText(self._auto_path)

    def choose_file(self) -> None:
        fmt = self._format()
        filters = {
            ExportFormat.CSV: self._tr("Tableur CSV (*.csv)"),
            ExportFormat.JSONL: self._tr("JSON lines (*.jsonl)"),
        }
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self._tr("Exporter vers…"), self.path.text(), filters[fmt]
        )
        if chosen:
            path = Path(chosen)
            if not path.suffix:
                path = path.with_suffix(f".{fmt.value}")
            self.path.setText(str(path))

    def request(self) -> ExportRequest:
        path = Path(self.path.text().strip()).expanduser()
        if not path.is_absolute():  # a bare name goes to the default folder, not the program's own
            path = self._folder / path
        return ExportRequest(_day(self.first_day.date()), _day(self.last_day.date()), self._format(), path)

    def accept(self) -> None:
        problem = ""
        if self.last_day.date() < self.first_day.date():
            problem = self._tr("La date de fin est avant la date de début.")
        elif not self.path.text().strip():
            problem = self._tr("Choisissez le fichier à écrire.")
        if problem:
            self.error.setText(problem)
            self.error.setVisible(True)
            return
        super().accept()
