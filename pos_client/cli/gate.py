"""``pos-client gate load|scan|status|demo``: gate mode from the command line.

``load`` reads the pro portal's bookings export (« Télécharger les réservations », CSV) and the API's
bookings list for the chosen dates, and keeps the roster without personal data in the gate's file
beside the journal. ``scan`` gives a code's verdict from that file, with no network (``--enter`` lets
in and records the entry, claimed in ``--claims`` when gates share a file, or in the shared ledger when
``[ledger]`` is configured). ``status`` prints entered / expected per date and per gate (every gate's,
read from the shared ledger when configured), what was loaded and when, validations and late
re-entries. ``demo`` runs the festival emulator and shows a few verdicts.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from pos_client.api.environments import InsecureUrlError
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.api.null import UnconfiguredServer
from pos_client.app.backend import open_client
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.app.gate import GateSession, GateSetup, gate_store_path, join_ledger, open_gate, saved_setup
from pos_client.cli.booking import _base_url, _environment, server_options
from pos_client.cli.output import iso_day
from pos_client.gate.service import Counters
from pos_client.gate.verdict import Verdict, VerdictKind

__all__ = ["register"]


def _days(values: list[date] | None) -> frozenset[date]:
    return frozenset(values or [])


def _setup(args: argparse.Namespace, context: AppContext, export_text: str | None) -> GateSetup:
    return GateSetup(
        name=args.gate, venue_id=args.venue or 0, store_path=gate_store_path(context.paths.journal_file),
        days=_days(args.date), price_labels=frozenset(args.price or []), export_text=export_text,
        claims_path=Path(args.claims) if args.claims else None,
        validate_on_entry=bool(getattr(args, "validate_on_entry", False)),
    )  # fmt: skip


def _format_counters(counters: Counters) -> list[str]:
    lines = []
    for day in sorted(counters.expected_by_day, key=lambda d: d or date.min):
        label = day.strftime("%d/%m/%Y") if day else "date inconnue"
        lines.append(
            f"{label} : {counters.entered_by_day.get(day, 0)} entrée(s)"
            f" / {counters.expected_by_day[day]} attendue(s)"
        )
    for gate, count in sorted(counters.entered_by_gate.items()):
        lines.append(f"porte {gate} : {count} entrée(s)")
    if counters.other_gates == "unavailable":
        lines.append("Registre partagé injoignable : entrées des autres portes à leur dernière lecture.")
    return lines


def _print_verdict(verdict: Verdict) -> None:
    print(verdict.headline)
    if verdict.detail:
        print(verdict.detail)
    if verdict.kind is VerdictKind.ADMIT:
        print(
            f"Nom : {verdict.name}"
            if verdict.name
            else "Nom indisponible (redémarrage hors ligne) : vérifier le billet"
        )


def _cmd_load(args: argparse.Namespace, context: AppContext) -> int:
    try:
        export_text = Path(args.export).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Export illisible : {exc}")
        return Exit.USAGE
    setup = _setup(args, context, export_text)
    try:
        api_key = KeyringKeys().get_key(_environment(args, context))
        base_url = _base_url(args, context)
        if not setup.claims_path:  # the shared ledger: claims, counts, and the key's shared budget
            join_ledger(setup, context.settings, api=(base_url, api_key) if api_key else None)
        client = open_client(base_url, api_key, context.settings, limiter=setup.client_budget)
    except (InsecureUrlError, KeyStoreError) as exc:
        print(str(exc))
        return Exit.USAGE if isinstance(exc, InsecureUrlError) else Exit.FAILURE
    with client:
        session = open_gate(setup, client, start_worker=False)
        complete = session.refresher.load_all()
        _report_load(session, setup, complete)
        session.close()
    return Exit.OK if complete else Exit.TROUBLE


def _report_load(session: GateSession, setup: GateSetup, complete: bool) -> None:
    status = session.refresher.status
    print(f"Liste chargée : {len(session.gate.roster.by_token)} contremarques de l'export, "
          f"{status.bookings_seen} réservations lues sur l'API en {status.pages} pages.")  # fmt: skip
    for problem in setup.problems[:10]:
        print(problem)
    if not complete:
        print("Chargement incomplet (réseau) : la porte fonctionne sur ce qui est chargé.")
    print("\n".join(_format_counters(session.gate.counters())))


def _offline_session(args: argparse.Namespace, context: AppContext) -> GateSession:
    setup = saved_setup(gate_store_path(context.paths.journal_file), args.gate)
    setup.claims_path = Path(args.claims) if args.claims else None
    if not setup.claims_path:
        join_ledger(setup, context.settings)  # no API here: claims and counts only
    if args.date:
        setup.days = _days(args.date)
    return open_gate(setup, UnconfiguredServer("hors ligne"), start_worker=False)


def _cmd_scan(args: argparse.Namespace, context: AppContext) -> int:
    session = _offline_session(args, context)
    try:
        verdict = session.gate.scan(args.code)
        if args.enter:
            verdict = session.gate.confirm(verdict)
        _print_verdict(verdict)
        return Exit.OK if verdict.kind is VerdictKind.ADMIT else Exit.REFUSED
    finally:
        session.close()


def _cmd_status(args: argparse.Namespace, context: AppContext) -> int:
    session = _offline_session(args, context)
    try:
        gate, store = session.gate, session.gate.store
        gate.refresh_shared_counts()
        counters = gate.counters()
        late = store.late_reentries()
        if args.json:
            print(json.dumps({
                "loaded_at": store.meta("loaded_at"),
                "expected_by_day": {str(k): v for k, v in counters.expected_by_day.items()},
                "entered_by_day": {str(k): v for k, v in counters.entered_by_day.items()},
                "entered_by_gate": counters.entered_by_gate,
                "other_gates": counters.other_gates,
                "validations": store.validation_counts(),
                "late_reentries": [
                    {"token": r.token, "gate": r.our_gate, "first_gate": r.first_gate} for r in late
                ],
            }, ensure_ascii=False))  # fmt: skip
            return Exit.OK
        print(f"Liste chargée le : {store.meta('loaded_at') or 'jamais'}")
        print("\n".join(_format_counters(counters)) or "Aucune liste chargée.")
        validations = store.validation_counts()
        if validations:
            print(
                f"Validations : {validations.get('done', 0)} faites,"
                f" {validations.get('pending', 0)} en attente"
            )
        for reentry in late:
            print(f"Ré-entrée trouvée après coup : {reentry.token} (porte {reentry.our_gate}, "
                  f"déjà entrée porte {reentry.first_gate})")  # fmt: skip
        return Exit.OK
    finally:
        session.close()


def _cmd_demo(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.app.gate_demo import open_demo_gate

    path = context.paths.journal_file.with_name("gate-demo.sqlite3")
    path.unlink(missing_ok=True)  # a new festival each time
    demo = open_demo_gate(path, start_worker=False)
    try:
        gate = demo.session.gate
        tonight = sorted(e.token for e in gate.roster.by_token.values() if gate.scope.admits(e))
        others = sorted(e.token for e in gate.roster.by_token.values() if not gate.scope.admits(e))
        for code in (tonight[0], tonight[0], others[0], "ZZZZZZ"):
            print(f"> {code}")
            _print_verdict(gate.confirm(gate.scan(code)))
        print("\n".join(_format_counters(gate.counters())))
    finally:
        demo.close()
    return Exit.OK


def _gate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gate", default="A", help="nom de cette porte (défaut : A)")
    parser.add_argument(
        "--date", action="append", type=iso_day, metavar="AAAA-MM-JJ", help="date contrôlée (répétable)"
    )
    parser.add_argument(
        "--price", action="append", metavar="TARIF", help="catégorie de prix contrôlée (répétable)"
    )
    parser.add_argument("--claims", metavar="FICHIER", help="registre des entrées partagé entre portes")
    parser.add_argument("--venue", type=int, help="identifiant du lieu sur pass Culture")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gate = subparsers.add_parser("gate", help="contrôle d'entrée (festivals, concerts, musées)")
    actions = gate.add_subparsers(dest="gate_command", required=True, metavar="ACTION")
    load = actions.add_parser("load", help="charger la liste avant l'ouverture des portes")
    load.add_argument("--export", required=True, metavar="CSV", help="export des réservations du portail pro")
    _gate_options(load)
    server_options(load)
    load.set_defaults(handler=_cmd_load)
    scan = actions.add_parser("scan", help="verdict d'une contremarque, sans réseau")
    scan.add_argument("code", help="code à 6 caractères ou contenu du QR code")
    scan.add_argument("--enter", action="store_true", help="laisser entrer (pièce d'identité vérifiée)")
    _gate_options(scan)
    scan.set_defaults(handler=_cmd_scan)
    status = actions.add_parser("status", help="entrées / attendues par date et par porte")
    _gate_options(status)
    status.add_argument("--json", action="store_true", help="sortie JSON (sans données personnelles)")
    status.set_defaults(handler=_cmd_status)
    demo = actions.add_parser("demo", help="démonstration sur le festival de l'émulateur")
    demo.set_defaults(handler=_cmd_demo)
