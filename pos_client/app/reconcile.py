"""One reconciliation run, as the command line and the window do it: read the files (all of them, or
none is kept), keep their lines beside the journal, match everything kept with the journal's lines.

Runs on a worker thread (the window) or in the command; never on the GUI thread.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pos_client.app.reconcile_journal import lines_from_journal, lines_of_other_tills
from pos_client.domain.formats import format_when
from pos_client.durable import durable_replace
from pos_client.journal.store import open_journal
from pos_client.ledger.connection import LedgerLink
from pos_client.reconcile.matcher import LedgerLine, ReconciliationReport, reconcile
from pos_client.reconcile.reader import read_reimbursement_file
from pos_client.reconcile.store import ImportOutcome, ReimbursementStore, store_path_for

__all__ = [
    "PRIVACY_NOTE",
    "ReconciliationRun",
    "import_message",
    "reconcile_files",
    "run_reconciliation",
    "write_atomically",
]

PRIVACY_NOTE = (
    "Les noms, adresses, SIRET et IBAN du fichier de pass Culture ne sont pas copiés : seuls les "
    "contremarques, montants, barèmes, dates, n° de virement et de justificatif sont gardés."
)


@dataclass(frozen=True)
class ReconciliationRun:
    imports: tuple[ImportOutcome, ...]
    report: ReconciliationReport
    store_path: Path


def run_reconciliation(
    files: Sequence[Path], journal_path: Path, *, till: str, ledger: LedgerLink | None = None
) -> ReconciliationRun:
    """With the journal file at ``journal_path`` (opened for the run; none there: no sales) and, with
    a shared ``ledger``, the other tills' payment lines too. Raises ``ReimbursementFileError``
    (nothing kept), ``JournalTooNewError``/``NotAJournalError``, ``NotAReimbursementStoreError`` or
    ``LedgerError`` with French messages."""

    def journal_lines() -> list[LedgerLine]:
        if not journal_path.exists():
            return [] if ledger is None else lines_of_other_tills(ledger, "")
        with open_journal(journal_path, till=till) as journal:
            own = lines_from_journal(journal)
            return own if ledger is None else own + lines_of_other_tills(ledger, journal.uid)

    return reconcile_files(files, store_path_for(journal_path), journal_lines)


def reconcile_files(
    files: Sequence[Path], store_path: Path, ledger_lines: Callable[[], Sequence[LedgerLine]]
) -> ReconciliationRun:
    """Read ``files`` (all, before anything is kept), keep their lines in the store at
    ``store_path``, and match everything kept with ``ledger_lines()``: a journal's lines, or a
    shared ledger's of several tills."""
    parsed = [read_reimbursement_file(path) for path in files]
    lines = ledger_lines()
    with ReimbursementStore(store_path) as store:
        outcomes = store.import_files(parsed)
        rows = store.rows()
    return ReconciliationRun(tuple(outcomes), reconcile(lines, rows), store_path)


def import_message(outcome: ImportOutcome) -> str:
    if outcome.already_imported_at is not None:
        when = format_when(outcome.already_imported_at)  # the one French moment (WHEN_TEMPLATE)
        return f"{outcome.file_name} : déjà importé le {when}, rien de changé."
    return (
        f"{outcome.file_name} : {outcome.new_lines} ligne(s) nouvelle(s), "
        f"{outcome.updated_lines} mise(s) à jour, "
        f"{outcome.unchanged_lines} déjà connue(s)."
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file flushed to disk, then renamed: nobody sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        durable_replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
