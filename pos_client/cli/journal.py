"""``pos-client export`` and ``pos-client journal``: the journal's command-line face.

``export --from DATE --to DATE --format csv|jsonl [--out FILE]`` writes the payment records of those
days (CSV for a French spreadsheet, or JSON lines); without ``--out`` it writes the very same bytes
to the standard output (through its binary buffer: neither the console's encoding, e.g. cp1252, nor
Windows' text mode, which would turn CRLF into CR CR LF, gets in the way). ``journal`` prints the
day's summary and the current reimbursement fortnight's. Dates are the till's local days.

Exit statuses: 0 done, 2 bad dates, 3 a journal this program must not touch (written by a newer
pos-client, or not a journal).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.cli.output import iso_day
from pos_client.domain.formats import format_euros
from pos_client.domain.fortnight import previous_fortnight
from pos_client.domain.ports import JournalError
from pos_client.journal.export import ExportFormat, PaymentSource, export_to_binary, write_export
from pos_client.journal.store import SqliteJournal, open_journal
from pos_client.journal.summaries import PeriodSummary, day_summary, fortnight_summary, period_summary

__all__ = ["export_to_stdout", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = subparsers.add_parser(
        "export",
        help="exporter les paiements pass Culture (CSV pour tableur, ou JSON lines)",
        description="Exporte les paiements « pass Culture » du journal de caisse entre deux dates incluses.",
    )
    export.add_argument("--from", dest="first_day", type=iso_day, required=True, metavar="AAAA-MM-JJ")
    export.add_argument("--to", dest="last_day", type=iso_day, required=True, metavar="AAAA-MM-JJ")
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value)
    export.add_argument("--out", type=Path, help="fichier à écrire (défaut : la sortie standard)")
    export.add_argument(
        "--ledger", action="store_true", help="les paiements de toutes les caisses (registre partagé)"
    )
    export.set_defaults(handler=_cmd_export)

    journal = subparsers.add_parser(
        "journal",
        help="totaux du jour et de la quinzaine de remboursement",
        description="Affiche les ventes pass Culture d'un jour et de sa quinzaine de remboursement.",
    )
    journal.add_argument(
        "--day", type=iso_day, default=None, metavar="AAAA-MM-JJ", help="défaut : aujourd'hui"
    )
    journal.add_argument("--ledger", action="store_true", help="toutes les caisses (registre partagé)")
    journal.set_defaults(handler=_cmd_journal)


DEMO_JOURNAL_NAME = "demo-journal.sqlite3"  # as pos_client.app.backend names it


def _open(context: AppContext, *, demo: bool = False) -> SqliteJournal | None:
    """The till's journal; with ``--demo``, the demo till's own (its fictitious sales). Open intents
    (a crash, a lost answer) are settled first by re-reading their bookings, as the window does, so
    the day's lines and the export have the sale."""
    path = context.paths.data_dir / DEMO_JOURNAL_NAME if demo else context.paths.journal_file
    if not demo:
        from pos_client.cli.booking import settle_with_settings

        for line in settle_with_settings(context):
            print(line, file=sys.stderr)
    try:
        return open_journal(path, till=context.settings.till_name)
    except JournalError as exc:  # newer, foreign, damaged, a folder, locked: the same for every command
        print(f"Journal des ventes inutilisable : {exc}", file=sys.stderr)
        return None


def _cmd_export(args: argparse.Namespace, context: AppContext) -> Exit:
    if args.last_day < args.first_day:
        print("La date de fin (--to) est avant la date de début (--from).", file=sys.stderr)
        return Exit.USAGE
    problem = None if args.out is None else _output_problem(args.out)
    if problem is not None:
        print(problem, file=sys.stderr)
        return Exit.USAGE
    if args.ledger:
        fmt = ExportFormat(args.format)
        return Exit(export_across_tills(context, args.first_day, args.last_day, fmt, args.out))
    journal = _open(context, demo=bool(getattr(args, "demo", False)))
    if journal is None:
        return Exit.BAD_JOURNAL
    with journal:
        fmt = ExportFormat(args.format)
        if args.out is None:
            try:
                export_to_stdout(journal, args.first_day, args.last_day, fmt)
            except JournalError as exc:
                print(f"Journal des ventes inutilisable : {exc}", file=sys.stderr)
                return Exit.BAD_JOURNAL
            return Exit.OK
        try:
            count = write_export(journal, args.first_day, args.last_day, fmt, args.out)
        except (JournalError, OSError) as exc:  # the temporary file is already deleted
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"Export impossible dans {args.out} : {reason}. Aucun fichier écrit.", file=sys.stderr)
            return Exit.USAGE if isinstance(exc, OSError) else Exit.BAD_JOURNAL
        print(f"{count} paiement(s) exporté(s) dans {args.out}", file=sys.stderr)
    return Exit.OK


def _output_problem(out: Path) -> str | None:
    """Why ``--out`` cannot be written (French), before anything is read or created."""
    if out.is_dir():
        return f"{out} est un dossier : indiquez un nom de fichier (--out {out / 'export.csv'})."
    if not out.parent.is_dir():
        return f"Le dossier {out.parent} n'existe pas : créez-le ou choisissez-en un autre."
    return None


def export_to_stdout(journal: PaymentSource, first_day: date, last_day: date, fmt: ExportFormat) -> int:
    """Write the export to the standard output as bytes, the same as ``write_export`` puts in a file."""
    sys.stdout.flush()  # whatever was printed before comes first
    count = export_to_binary(journal, first_day, last_day, fmt, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return count


def _describe(title: str, summary: PeriodSummary) -> str:
    return (
        f"{title} : {summary.sales} vente(s) {format_euros(summary.sales_cents)}, "
        f"{summary.reverts} annulation(s) {format_euros(summary.reverts_cents)}, "
        f"total {format_euros(summary.total_cents)}"
    )


def _cmd_journal(args: argparse.Namespace, context: AppContext) -> Exit:
    day = args.day or date.today()
    if args.ledger:
        from pos_client.cli.ledger import print_ledger_summary

        return Exit(print_ledger_summary(context, day))
    journal = _open(context, demo=bool(getattr(args, "demo", False)))
    if journal is None:
        return Exit.BAD_JOURNAL
    try:
        with journal:
            _print_summaries(journal, day)
    except JournalError as exc:  # opened, then unreadable (damaged further in, locked): the same answer
        print(f"Journal des ventes inutilisable : {exc}", file=sys.stderr)
        return Exit.BAD_JOURNAL
    return Exit.OK


def _print_summaries(journal: SqliteJournal, day: date) -> None:
    fortnight = fortnight_summary(journal, day)
    previous = period_summary(journal, *previous_fortnight(day))
    print(_describe(f"Jour {day.isoformat()}", day_summary(journal, day)))
    print(_describe(f"Quinzaine du {fortnight.first_day:%d/%m} au {fortnight.last_day:%d/%m/%Y}", fortnight))
    before = f"Quinzaine précédente ({previous.first_day:%d/%m} au {previous.last_day:%d/%m})"
    print(_describe(before, previous))
    # Validations done on the API but not proven this till's (no payment line): to be checked.
    for line in journal.to_check_lines():
        print(
            f"À vérifier : {line.token} {line.offer_name} {format_euros(line.amount_cents)} "
            f"({line.recorded_at.astimezone():%d/%m %H:%M}) — {line.detail}"
        )


def export_across_tills(
    context: AppContext, first_day: date, last_day: date, fmt: ExportFormat, out: Path | None
) -> int:
    """``export --ledger``: every till's payment lines from the ledger, as ``export`` writes them."""
    from pos_client.app.ledger_payments import LedgerPayments
    from pos_client.cli.ledger import _config, _fail, _link
    from pos_client.ledger.errors import LedgerError

    config = _config(context)
    if config is None:
        return Exit.USAGE
    try:
        with _link(config) as link:
            source = LedgerPayments(link)
            if out is None:
                export_to_stdout(source, first_day, last_day, fmt)
                return 0
            count = write_export(source, first_day, last_day, fmt, out)
    except LedgerError as exc:
        return _fail(exc)
    except OSError as exc:
        print(f"Export impossible dans {out} : {exc.strerror or exc}. Aucun fichier écrit.", file=sys.stderr)
        return 2
    print(f"{count} paiement(s) de toutes les caisses exporté(s) dans {out}", file=sys.stderr)
    return 0
