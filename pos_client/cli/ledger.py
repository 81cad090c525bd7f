"""``pos-client ledger init|status|push|report|password``: the shared ledger's command-line face.

- ``init [--user ROLE]``: create or migrate the ledger's schema, as its owner role (the password is
  the keyring's for that role, else libpq's own: ``PGPASSWORD``, ``~/.pgpass``);
- ``status``: reachable or not, schema, TLS, this till's replication lag;
- ``push``: send this till's journal records the ledger lacks, now;
- ``report [--day D]``: the day and its reimbursement fortnight, per till, per venue and in total
  (also ``pos-client journal --ledger``);
- ``password set|delete``: the till role's password in the OS keyring (read from the terminal
  without echo, or from the standard input).

Exit codes: 0 done; 2 usage, or the ledger is off in the settings; 3 the ledger's schema or the
journal is newer than this version, or the ledger is not initialised; 4 refused (password, TLS,
rights); 5 the ledger cannot be reached.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys
from datetime import date
from typing import TYPE_CHECKING

from pos_client.app.exits import Exit
from pos_client.cli.output import iso_day
from pos_client.domain.formats import format_euros
from pos_client.ledger.connection import (
    LedgerConfig,
    LedgerError,
    LedgerLink,
    LedgerNotReady,
    LedgerPasswords,
    LedgerRefused,
    LedgerTooNewError,
)

if TYPE_CHECKING:
    from pos_client.app.context import AppContext
    from pos_client.ledger.reports import LedgerReport, ReportLine

__all__ = ["print_ledger_summary", "register"]

# The one table of exit statuses (``app.exits``), by what they mean here.
EXIT_OFF = Exit.USAGE  # the ledger is off in the settings
EXIT_SCHEMA = Exit.BAD_JOURNAL  # a newer schema or journal, or a ledger not initialised: untouched
EXIT_REFUSED = Exit.CREDENTIALS  # password, TLS or rights refused
EXIT_UNREACHABLE = Exit.TROUBLE


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = subparsers.add_parser(
        "ledger",
        help="registre partagé entre caisses (PostgreSQL)",
        description="Registre partagé PostgreSQL : ventes de toutes les caisses, réservations en cours, "
        "débit d'API commun. Réglages : section [ledger].",
    )
    actions = ledger.add_subparsers(dest="ledger_action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="créer ou mettre à jour le schéma du registre (rôle propriétaire)")
    init.add_argument("--user", help="rôle propriétaire du registre (défaut : ledger.user)")
    init.set_defaults(handler=_cmd_init)
    actions.add_parser("status", help="état du registre et retard de cette caisse").set_defaults(
        handler=_cmd_status
    )
    actions.add_parser("push", help="envoyer maintenant au registre ce qui lui manque").set_defaults(
        handler=_cmd_push
    )
    report = actions.add_parser("report", help="totaux de toutes les caisses : jour et quinzaine")
    report.add_argument(
        "--day", type=iso_day, default=None, metavar="AAAA-MM-JJ", help="défaut : aujourd'hui"
    )
    report.set_defaults(handler=_cmd_report)
    password = actions.add_parser("password", help="mot de passe du rôle de cette caisse (trousseau)")
    password.add_argument("what", choices=["set", "delete"])
    password.set_defaults(handler=_cmd_password)


def _config(context: AppContext) -> LedgerConfig | None:
    settings = context.settings.ledger
    if not settings.enabled or not settings.host or not settings.user:
        print(
            "Registre partagé non configuré : réglez [ledger] enabled = true, host et user dans "
            f"{context.paths.settings_file} (cette caisse travaille seule).",
            file=sys.stderr,
        )
        return None
    return LedgerConfig.from_settings(context.settings)


def _exit_code(error: LedgerError) -> int:
    if isinstance(error, LedgerTooNewError | LedgerNotReady):
        return EXIT_SCHEMA
    if isinstance(error, LedgerRefused):
        return EXIT_REFUSED
    return EXIT_UNREACHABLE


def _fail(error: LedgerError) -> int:
    print(str(error), file=sys.stderr)
    return _exit_code(error)


def _link(config: LedgerConfig, *, check_schema: bool = True) -> LedgerLink:
    return LedgerLink(config, LedgerPasswords().source(config), check_schema=check_schema)


def _cmd_init(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.ledger.schema import migrate

    config = _config(context)
    if config is None:
        return EXIT_OFF
    if args.user:
        config = dataclasses.replace(config, user=args.user)
    try:
        with _link(config, check_schema=False) as link, link.connection() as connection:
            version = migrate(connection)
    except LedgerError as exc:
        return _fail(exc)
    print(f"Registre partagé prêt (schéma {version}) : {config.describe()}")
    return 0


def _open_journal(context: AppContext) -> object:
    from pos_client.journal import JournalTooNewError, NotAJournalError, open_journal

    try:
        return open_journal(context.paths.journal_file, till=context.settings.till_name)
    except (JournalTooNewError, NotAJournalError) as exc:
        print(str(exc), file=sys.stderr)
        return None


def _replicate(context: AppContext, *, send: bool) -> int:
    from pos_client.journal import SqliteJournal
    from pos_client.ledger.replication import Replicator

    config = _config(context)
    if config is None:
        return EXIT_OFF
    journal = _open_journal(context)
    if not isinstance(journal, SqliteJournal):
        return EXIT_SCHEMA
    with journal, _link(config) as link:
        replicator = Replicator(journal, link)
        status = replicator.push(max_batches=None if send else 0)
        tls = "?"
        if status.reachable:
            try:
                with link.transaction() as cursor:
                    cursor.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    row = cursor.fetchone()
                tls = f"oui ({row[1]})" if row is not None and row[0] else "non"
            except LedgerError as exc:
                return _fail(exc)
    print(f"Registre partagé : {config.describe()} ; caisse « {config.till} »")
    print(f"Journal de cette caisse : {replicator.journal_uid}")
    if status.reachable:
        print(f"Connexion chiffrée (TLS) : {tls}")
    print(status.describe())
    if status.error is not None:
        print(status.error, file=sys.stderr)
        return EXIT_UNREACHABLE if "injoignable" in status.error else EXIT_REFUSED
    return 0


def _cmd_status(args: argparse.Namespace, context: AppContext) -> int:
    return _replicate(context, send=False)


def _cmd_push(args: argparse.Namespace, context: AppContext) -> int:
    return _replicate(context, send=True)


def _line(line: ReportLine) -> str:
    return (
        f"  {line.label} : {line.sales} vente(s) {format_euros(line.sales_cents)}, "
        f"{line.reverts} annulation(s) {format_euros(line.reverts_cents)}, "
        f"total {format_euros(line.total_cents)}"
    )


def _print_report(title: str, report: LedgerReport) -> None:
    print(title)
    print(" Par caisse :")
    for line in report.tills or []:
        print(" " + _line(line))
    if not report.tills:
        print("   aucune vente")
    print(" Par lieu :")
    for line in report.venues:
        print(" " + _line(line))
    print(_line(report.total))


def print_ledger_summary(context: AppContext, day: date) -> int:
    """The day and its fortnight across all tills (``ledger report``, ``journal --ledger``)."""
    from pos_client.ledger.reports import fortnight_report, period_report

    config = _config(context)
    if config is None:
        return EXIT_OFF
    try:
        with _link(config) as link:
            daily = period_report(link, day, day)
            fortnight = fortnight_report(link, day)
    except LedgerError as exc:
        return _fail(exc)
    _print_report(f"Toutes caisses, jour {day.isoformat()}", daily)
    _print_report(
        f"Toutes caisses, quinzaine du {fortnight.first_day:%d/%m} au {fortnight.last_day:%d/%m/%Y}",
        fortnight,
    )
    return 0


def _cmd_report(args: argparse.Namespace, context: AppContext) -> int:
    return print_ledger_summary(context, args.day or date.today())


def _cmd_password(args: argparse.Namespace, context: AppContext) -> int:
    config = _config(context)
    if config is None:
        return EXIT_OFF
    passwords = LedgerPasswords()
    try:
        if args.what == "delete":
            found = passwords.delete(config)
            print("Mot de passe supprimé du trousseau." if found else "Aucun mot de passe dans le trousseau.")
            return 0
        if sys.stdin.isatty():
            text = getpass.getpass(f"Mot de passe du rôle {config.user} (rien ne s'affiche) : ")
        else:
            text = sys.stdin.readline().rstrip("\r\n")
        passwords.set(config, text)
    except LedgerError as exc:
        return _fail(exc)
    print(f"Mot de passe du rôle {config.user} enregistré dans le trousseau du système.")
    return 0
