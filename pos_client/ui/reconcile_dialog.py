"""« Remboursements… »: the window's face of ``pos-client reconcile``.

The shop owner picks the CSV files downloaded from pass Culture's "Gestion financière"; the dialog
imports them and matches them with the journal on a worker thread (never the GUI thread), then
shows, per fortnight, what was expected, reimbursed, the difference and the items to claim, with the
notable items below (reduced rate, amounts that differ and why, to claim, overpaid, validated
elsewhere, collective offers). It says that the file's personal data is not copied, and writes the
accountant's CSV on request. A refused file shows its French message; nothing of it is kept.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_client.app.reconcile import (
    ReconciliationRun,
    reconcile_files,
    run_reconciliation,
    write_atomically,
)
from pos_client.app.reconcile_journal import lines_from_journal, lines_of_other_tills
from pos_client.domain.formats import format_euros
from pos_client.i18n import FrenchText, Translator
from pos_client.journal.migrations import JournalTooNewError, NotAJournalError
from pos_client.journal.store import SqliteJournal
from pos_client.ledger.connection import LedgerLink
from pos_client.reconcile.matcher import Category, LedgerLine, ReconciliationReport
from pos_client.reconcile.output import report_csv_bytes
from pos_client.reconcile.reader import ReimbursementFileError
from pos_client.reconcile.store import NotAReimbursementStoreError, store_path_for
from pos_client.ui.worker import QtTaskRunner

__all__ = [
    "ReconcileDialog",
    "ReconcileResult",
    "Reconciler",
    "reconciler_for",
    "reconciler_for_journal",
    "run_reconcile_job",
]

log = logging.getLogger(__name__)

# (files) -> the run; raises with a French message when a file, the journal or the store is refused.
Reconciler = Callable[[Sequence[Path]], ReconciliationRun]

SUMMARY_COLUMNS = (
    "Quinzaine",
    "Payée",
    "Attendu",
    "Remboursé",
    "Écart",
    "À réclamer",
    "Trop-perçu",
    "Hors caisse",
)
DETAIL_COLUMNS = ("Statut", "Contremarque", "Validée le", "Écart", "Explication")
PRIVACY_TEXT = (
    "Les noms, adresses, SIRET et IBAN du fichier de pass Culture ne sont pas copiés : seuls les "
    "contremarques, montants, barèmes, dates, n° de virement et de justificatif sont gardés."
)


@dataclass(frozen=True)
class ReconcileResult:
    run: ReconciliationRun | None
    error: str = ""  # French (or English) reason, when nothing was done


def reconciler_for(journal_path: Path, till: str) -> Reconciler:
    """The reconciliation of the journal file at ``journal_path`` (opened for each run)."""
    return partial(_reconcile, journal_path=journal_path, till=till)


def reconciler_for_journal(journal: SqliteJournal, ledger: LedgerLink | None = None) -> Reconciler:
    """The reconciliation of the till's open journal (its lines read on the worker thread) and, with a
    shared ``ledger``, of the other tills' lines too."""
    return partial(_reconcile_open, journal=journal, ledger=ledger)


def _reconcile(files: Sequence[Path], *, journal_path: Path, till: str) -> ReconciliationRun:
    return run_reconciliation(files, journal_path, till=till)


def _reconcile_open(
    files: Sequence[Path], *, journal: SqliteJournal, ledger: LedgerLink | None
) -> ReconciliationRun:
    def lines() -> list[LedgerLine]:
        own = lines_from_journal(journal)
        return own if ledger is None else own + lines_of_other_tills(ledger, journal.uid)

    return reconcile_files(files, store_path_for(journal.path), lines)


def run_reconcile_job(reconciler: Reconciler, files: Sequence[Path], tr: Translator) -> ReconcileResult:
    """Run on a worker thread: the reconciliation, or why it could not be done (never an exception)."""
    try:
        return ReconcileResult(reconciler(files))
    except (ReimbursementFileError, JournalTooNewError, NotAJournalError, NotAReimbursementStoreError) as exc:
        return ReconcileResult(None, str(exc))
    except (OSError, sqlite3.Error) as exc:
        return ReconcileResult(None, tr("Le rapprochement n'a pas pu être fait ({detail}).", detail=exc))
    except Exception as exc:  # a bug: logged, and still said, so the dialog is never left waiting
        log.exception("reconciliation failed")
        return ReconcileResult(None, tr("Erreur inattendue ({detail}).", detail=exc))


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


class ReconcileDialog(QDialog):
    """Pick files, reconcile on a worker thread, show the fortnights and the notable items."""

    def __init__(
        self,
        tr: Translator,
        reconciler: Reconciler,
        *,
        folder: Path,
        runner: QtTaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reconcile_dialog")
        self.setWindowTitle(tr("Remboursements pass Culture"))
        self._tr = tr
        self._reconciler = reconciler
        self._folder = folder
        self._runner = runner or QtTaskRunner(self, max_threads=1)
        self._files: list[Path] = []
        self.report: ReconciliationReport | None = None

        intro = QLabel(
            tr(
                "Choisissez le ou les fichiers « détail des remboursements » (CSV) téléchargés depuis "
                "l'espace partenaire pass Culture, « Gestion financière »."
            )
        )
        intro.setWordWrap(True)
        self.privacy = QLabel(tr(PRIVACY_TEXT))
        self.privacy.setObjectName("reconcile_privacy")
        self.privacy.setWordWrap(True)
        self.files_label = QLabel(
            tr("Aucun fichier choisi : le rapprochement reprend les fichiers déjà importés.")
        )
        self.files_label.setObjectName("reconcile_files")
        self.files_label.setWordWrap(True)
        self.choose = QPushButton(tr("Choisir les fichiers…"))
        self.choose.setObjectName("reconcile_choose")
        self.choose.clicked.connect(self.choose_files)
        self.start_button = QPushButton(tr("Rapprocher"))
        self.start_button.setObjectName("reconcile_start")
        self.start_button.clicked.connect(self.start)
        self.status = QLabel()
        self.status.setObjectName("reconcile_status")
        self.status.setWordWrap(True)
        self.summary = self._table("reconcile_summary", SUMMARY_COLUMNS)
        self.details = self._table("reconcile_details", DETAIL_COLUMNS)
        self.details.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.export_button = QPushButton(tr("Exporter pour le comptable…"))
        self.export_button.setObjectName("reconcile_export")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)

        picking = QHBoxLayout()
        picking.addWidget(self.choose)
        picking.addWidget(self.start_button)
        picking.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.privacy)
        layout.addWidget(self.files_label)
        layout.addLayout(picking)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(tr("Par quinzaine de validation")))
        layout.addWidget(self.summary, 1)
        layout.addWidget(QLabel(tr("À regarder")))
        layout.addWidget(self.details, 2)
        layout.addWidget(buttons)
        self.resize(900, 620)

    def _table(self, name: str, columns: Sequence[str]) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels([self._tr(column) for column in columns])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        return table

    # ------------------------------------------------------------------ files and the job
    def choose_files(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileNames(
            self, self._tr("Fichiers de remboursements"), str(self._folder), self._tr("Fichiers CSV (*.csv)")
        )
        if chosen:
            self.set_files([Path(name) for name in chosen])

    def set_files(self, files: Sequence[Path]) -> None:
        self._files = list(files)
        names = ", ".join(path.name for path in self._files)
        self.files_label.setText(self._tr("Fichiers : {names}", names=names))

    def start(self) -> None:
        """Import the chosen files and reconcile, on the worker thread."""
        self.start_button.setEnabled(False)
        self.choose.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(self._tr("Rapprochement en cours…"))
        files = tuple(self._files)
        self._runner.submit(partial(run_reconcile_job, self._reconciler, files, self._tr), self.show_result)

    def show_result(self, result: ReconcileResult) -> None:
        self.start_button.setEnabled(True)
        self.choose.setEnabled(True)
        if result.run is None:
            self.status.setStyleSheet("color: #b00020;")
            self.status.setText(result.error)
            return
        self.report = result.run.report
        imported = [outcome for outcome in result.run.imports if outcome.already_imported_at is None]
        again = len(result.run.imports) - len(imported)
        text = self._tr("{n} fichier(s) importé(s), {lines} ligne(s) nouvelle(s).", n=len(imported),
                        lines=sum(outcome.new_lines for outcome in imported))  # fmt: skip
        if again:
            text += " " + self._tr("{n} fichier(s) déjà importé(s) : rien de changé.", n=again)
        self.status.setText(text)
        self._fill(self.report)
        self.export_button.setEnabled(True)

    def _fill(self, report: ReconciliationReport) -> None:
        tr = self._tr
        self.summary.setRowCount(len(report.fortnights))
        for row, summary in enumerate(report.fortnights):
            claimed = format_euros(summary.to_claim_cents)
            claim = f"{summary.to_claim} ({claimed})" if summary.to_claim else "0"
            cells = (
                tr(
                    "du {first} au {last}",
                    first=f"{summary.first_day:%d/%m/%Y}",
                    last=f"{summary.last_day:%d/%m/%Y}",
                ),
                tr("oui") if summary.covered else tr("non"),
                f"{format_euros(summary.expected_cents)}",
                f"{format_euros(summary.reimbursed_cents)}",
                f"{format_euros(summary.difference_cents)}",
                claim,
                f"{format_euros(summary.overpaid_cents)}",
                f"{format_euros(summary.elsewhere_cents + summary.collective_cents)}",
            )
            for column, text in enumerate(cells):
                self.summary.setItem(row, column, _cell(text))
        notable = [item for item in report.items if item.category is not Category.FULL]
        self.details.setRowCount(len(notable))
        for row, item in enumerate(notable):
            moment = "" if item.validated_at is None else item.validated_at.strftime("%d/%m/%Y %H:%M")
            explanation = item.explanation  # French; its template and values in the window's language
            details = (
                tr(item.category.value),
                item.token or "-",
                moment,
                f"{format_euros(item.difference_cents)}" if item.compared else "",
                explanation.render(tr) if isinstance(explanation, FrenchText) else explanation,
            )
            for column, text in enumerate(details):
                self.details.setItem(row, column, _cell(text))

    # ------------------------------------------------------------------ the accountant's CSV
    def choose_export(self) -> None:
        suggested = self._folder / "rapprochement-pass-culture.csv"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self._tr("Exporter pour le comptable"), str(suggested), self._tr("Tableur CSV (*.csv)")
        )
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, path: Path) -> bool:
        if self.report is None:
            return False
        try:
            write_atomically(path, report_csv_bytes(self.report))
        except OSError as exc:
            self.status.setStyleSheet("color: #b00020;")
            self.status.setText(
                self._tr(
                    "Le fichier {path} n'a pas pu être écrit ({detail}).",
                    path=path,
                    detail=exc.strerror or exc,
                )
            )
            return False
        self.status.setStyleSheet("")
        self.status.setText(self._tr("Rapprochement exporté dans {path}", path=path))
        return True

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        return self._runner.wait_idle(timeout_ms)
