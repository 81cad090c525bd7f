"""``pos-client reconcile`` and ``pos-client demo-reimbursement-file``: reconciliation's command line.

``reconcile FILE... [--format table|csv|json] [--out F]`` imports pass Culture's reimbursement
details (every header version; a file already imported changes nothing), then reports what was
reimbursed, at which rate, what differs, what to claim, what was validated elsewhere and what was
overpaid, per fortnight and per transfer. Without FILE it reports on the files imported before.
With ``--demo`` (before the command) it works on the demo journal. With a shared ledger configured
(``[ledger]``), the other tills' payment lines are matched too (this till's come from its journal).

``demo-reimbursement-file OUT [--header-version V] [--incidents]`` writes a realistic reimbursement
file for the demo journal's validations (and bookings the emulator's demo data shows as validated
elsewhere), so the feature can be tried in demo mode; with ``--incidents``, the next transfer's
« Incident » lines taking back what was reimbursed for validations reverted since.

Exit codes: 0 done; 2 a file refused (message names the file, line and column; nothing kept) or bad
usage; 3 the journal or the reimbursement store cannot be opened (left untouched); 5 the shared ledger
is configured but cannot be read (no report that would silently lack tills).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pos_client.journal.migrations import JournalTooNewError, NotAJournalError
from pos_client.ledger.connection import LedgerConfig, LedgerLink, LedgerPasswords
from pos_client.ledger.errors import LedgerError
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.output import ReportFormat, render
from pos_client.reconcile.reader import ReimbursementFileError
from pos_client.reconcile.store import NotAReimbursementStoreError

if TYPE_CHECKING:
    from pos_client.app.context import AppContext

__all__ = ["EXIT_BAD_STORE", "register"]

EXIT_BAD_STORE = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = subparsers.add_parser(
        "reconcile",
        help="rapprocher le détail des remboursements pass Culture avec le journal de caisse",
        description=(
            "Importe les fichiers CSV « détail des remboursements » de l'espace partenaire pass Culture "
            "et dit, par quinzaine et par virement, ce qui a été remboursé, à quel barème, ce qui diffère, "
            "ce qu'il faut réclamer et les trop-perçus. "
            "Les données personnelles du fichier ne sont pas copiées."
        ),
    )
    command.add_argument(
        "files", nargs="*", type=Path, metavar="FICHIER", help="fichiers CSV de pass Culture"
    )
    command.add_argument(
        "--format", choices=[f.value for f in ReportFormat], default=ReportFormat.TABLE.value
    )
    command.add_argument("--out", type=Path, help="fichier à écrire (défaut : la sortie standard)")
    command.add_argument(
        "--journal", type=Path, help="journal de caisse à rapprocher (défaut : celui de la caisse)"
    )
    command.set_defaults(handler=_cmd_reconcile)

    demo = subparsers.add_parser(
        "demo-reimbursement-file",
        help="écrire un fichier de remboursements de démonstration pour le journal de démo",
    )
    demo.add_argument("output", type=Path, help="fichier CSV à écrire")
    demo.add_argument(
        "--header-version",
        choices=[v.value for v in HeaderVersion if v is not HeaderVersion.UNKNOWN],
        default=HeaderVersion.STRUCTURE.value,
        help="version d'en-tête de pass Culture (défaut : la plus récente)",
    )
    demo.add_argument("--journal", type=Path, help="journal de caisse (défaut : le journal de démo)")
    demo.add_argument(
        "--incidents",
        action="store_true",
        help="écrire plutôt le virement suivant : les lignes « Incident » qui reprennent les trop-perçus",
    )
    demo.set_defaults(handler=_cmd_demo_file)


def _journal_path(args: argparse.Namespace, context: AppContext, *, demo: bool) -> Path:
    if args.journal is not None:
        return Path(args.journal)
    if demo:
        return context.paths.data_dir / "demo-journal.sqlite3"
    return context.paths.journal_file


EXIT_LEDGER = 5  # the shared ledger is configured but cannot be read


@contextmanager
def _shared_ledger(context: AppContext, *, demo: bool) -> Iterator[LedgerLink | None]:
    """The shared ledger when ``[ledger]`` is configured (its other tills' lines are matched too)."""
    ledger = context.settings.ledger
    if demo or not ledger.enabled or not ledger.host or not ledger.user:
        yield None
        return
    config = LedgerConfig.from_settings(context.settings)
    with LedgerLink(config, LedgerPasswords().source(config)) as link:
        yield link


def _cmd_reconcile(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.app.reconcile import (
        PRIVACY_NOTE,
        import_message,
        run_reconciliation,
        write_atomically,
    )

    journal_path = _journal_path(args, context, demo=bool(getattr(args, "demo", False)))
    if not journal_path.exists():
        print(f"Aucun journal de caisse à {journal_path} : aucune vente à rapprocher.", file=sys.stderr)
    try:
        with _shared_ledger(context, demo=bool(getattr(args, "demo", False))) as ledger:
            till = context.settings.till_name
            run = run_reconciliation(args.files, journal_path, till=till, ledger=ledger)
    except ReimbursementFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (JournalTooNewError, NotAJournalError, NotAReimbursementStoreError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_STORE
    except LedgerError as exc:  # configured but unreadable: never a report that silently lacks tills
        print(f"Registre partagé illisible, rapprochement non fait : {exc}", file=sys.stderr)
        return EXIT_LEDGER
    for outcome in run.imports:
        print(import_message(outcome), file=sys.stderr)
    if args.files:
        print(PRIVACY_NOTE, file=sys.stderr)
    data = render(run.report, ReportFormat(args.format))
    if args.out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        write_atomically(args.out, data)
    except OSError as exc:
        print(f"Impossible d'écrire {args.out} : {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Rapport écrit dans {args.out}", file=sys.stderr)
    return 0


def _cmd_demo_file(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.app.demo_reimbursements import (
        demo_scenario,
        elsewhere_lines_from_emulator,
        incident_scenario,
        write_reimbursement_file,
    )
    from pos_client.app.reconcile_journal import lines_from_journal
    from pos_client.journal.store import open_journal

    journal_path = _journal_path(args, context, demo=True)
    if not journal_path.exists():
        print(
            f"Aucun journal de démo ({journal_path}) : validez d'abord quelques contremarques avec "
            "« pos-client --demo ».",
            file=sys.stderr,
        )
        return 2
    try:
        with open_journal(journal_path, till=context.settings.till_name) as journal:
            lines = lines_from_journal(journal)
    except (JournalTooNewError, NotAJournalError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_STORE
    if not lines:
        print(
            "Le journal de démo n'a aucune validation : validez d'abord quelques contremarques.",
            file=sys.stderr,
        )
        return 2
    if args.incidents:
        generated = incident_scenario(lines)
        if not generated:
            print(
                "Aucune validation annulée après coup dans ce journal : aucun incident à écrire.",
                file=sys.stderr,
            )
            return 2
    else:
        generated = demo_scenario(lines, elsewhere_lines_from_emulator())
    try:
        write_reimbursement_file(args.output, generated, HeaderVersion(args.header_version))
    except OSError as exc:
        print(f"Impossible d'écrire {args.output} : {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"{args.output} écrit : {len(generated)} ligne(s) de remboursement (version {args.header_version})."
    )
    return 0
