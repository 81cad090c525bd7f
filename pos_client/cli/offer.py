"""``pos-client offer create|close|status``: the offer made at the till, for support and scripts.

``create --ean EAN --price 12,99 [--quantity N] [--credit 30]`` creates (or updates) the venue's
offer for the EAN and waits for pass Culture's job, then prints the offer's link for the young
person; ``close [--offer ID]`` puts the stock of an offer made here to 0; ``status`` shows what is
pending and the offers made, and resumes a wait left by a restart. Same desk, state file and venue
as the window (``pos_client.app.offer``). Exit statuses (``pos_client.app.exits.Exit``):

====  ==========================================================================================
0     the offer is there (created, updated or closed), or status shown
2     bad input: EAN, price, quantity, URL; no venue set (``offer.venue_id``)
3     refused: EAN unknown to pass Culture, product not allowed or not compliant, venue not linked to
      the key, virtual venue, price over the young person's credit, an offer already in progress
4     credentials: no key for this environment, key refused, provider inactive
5     trouble: network, server, rate limit, or the job never showed the offer (timeout)
====  ==========================================================================================
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pos_client.api.environments import InsecureUrlError
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.app.offer import open_offer_desk
from pos_client.cli.booking import _base_url, _environment, server_options
from pos_client.cli.output import fail
from pos_client.domain.formats import format_euros
from pos_client.domain.offers import OfferQueued, parse_euros
from pos_client.domain.outcomes import Credentials, InvalidRequest, Refusal, Trouble
from pos_client.offers import OfferDesk, OfferReady, StillWaiting
from pos_client.offers.desk import DeskOutcome
from pos_client.offers.messages import describe

__all__ = ["register"]


def _exit_for(outcome: DeskOutcome) -> Exit:
    if isinstance(outcome, OfferReady | OfferQueued | StillWaiting):
        return Exit.OK
    if isinstance(outcome, InvalidRequest):
        return Exit.USAGE
    if isinstance(outcome, Credentials):
        return Exit.CREDENTIALS
    if isinstance(outcome, Trouble):
        return Exit.TROUBLE
    if isinstance(outcome, Refusal):
        return Exit.REFUSED
    return Exit.FAILURE


def _report(args: argparse.Namespace, outcome: DeskOutcome) -> Exit:
    code = _exit_for(outcome)
    message = describe(outcome)
    if args.json:
        data: dict[str, Any] = {
            "outcome": type(outcome).__name__,
            "exitCode": int(code),
            "title": message.title,
            "message": message.detail,
        }
        if isinstance(outcome, OfferReady):
            offer = outcome.offer
            data.update(
                offerId=offer.offer_id,
                ean=offer.ean,
                name=offer.name,
                link=outcome.link,
                priceCents=offer.price_cents,
                remaining=offer.remaining,
                status=offer.status,
            )
        print(json.dumps(data, ensure_ascii=False))
        return code
    stream = sys.stdout if code is Exit.OK else sys.stderr
    print(f"{message.title} : {message.detail}", file=stream)
    if isinstance(outcome, OfferReady):
        print(f"  offre : {outcome.offer.offer_id}\n  lien : {outcome.link}")
    return code


def _progress(args: argparse.Namespace) -> Any:
    def show(outcome: DeskOutcome) -> None:
        if not args.json:
            message = describe(outcome)
            print(f"… {message.title} {message.detail}", file=sys.stderr)

    return show


def _open(args: argparse.Namespace, context: AppContext) -> OfferDesk | Exit:
    try:
        base_url = _base_url(args, context)
        api_key = KeyringKeys().get_key(_environment(args, context))
    except InsecureUrlError as exc:
        return fail(args, Exit.USAGE, str(exc))
    except KeyStoreError as exc:
        return fail(args, Exit.FAILURE, str(exc))
    desk = open_offer_desk(base_url, api_key, context.settings, context.paths)
    if args.venue:
        desk.venue_id = args.venue
    if desk.venue_id <= 0:
        desk.api.close()
        return fail(args, Exit.USAGE, "Aucun lieu réglé : indiquez --venue ID ou réglez offer.venue_id.")
    return desk


def _run(args: argparse.Namespace, context: AppContext, step: str) -> Exit:
    desk = _open(args, context)
    if isinstance(desk, Exit):
        return desk
    try:
        if step == "create":
            price = parse_euros(args.price)
            credit = None if args.credit is None else parse_euros(args.credit)
            if price is None or (args.credit is not None and credit is None):
                return fail(args, Exit.USAGE, "Prix illisible : en euros, par exemple 12,99.")
            pending = desk.pending
            if pending is not None and pending.ean == args.ean.strip():
                outcome: DeskOutcome = OfferQueued(pending.ean)  # a wait left by a restart: resume it
            else:
                outcome = desk.submit(args.ean, price, args.quantity, credit_cents=credit)
        elif step == "close":
            outcome = desk.close(args.offer)
        else:
            return _status(args, desk)
        if isinstance(outcome, OfferQueued) and not args.no_wait:
            outcome = desk.wait(_progress(args))
        return _report(args, outcome)
    finally:
        desk.api.close()


def _status(args: argparse.Namespace, desk: OfferDesk) -> Exit:
    pending = desk.pending
    made = desk.made()
    if args.json:
        pending_json = None
        if pending is not None:
            pending_json = {
                "ean": pending.ean,
                "priceCents": pending.price_cents,
                "quantity": pending.quantity,
            }
        made_json = [
            {
                "offerId": m.offer_id,
                "ean": m.ean,
                "name": m.name,
                "priceCents": m.price_cents,
                "closed": m.closed,
            }
            for m in made
        ]
        print(json.dumps({"pending": pending_json, "made": made_json}, ensure_ascii=False))
    else:
        for entry in made:
            state = "fermée" if entry.closed else "ouverte"
            print(
                f"  {entry.offer_id}  {entry.ean}  {format_euros(entry.price_cents):>10}"
                f"  {state:<8} {entry.name}"
            )
        if pending is None:
            print("Aucune offre en attente.")
        else:
            print(
                f"En attente : EAN {pending.ean}, {format_euros(pending.price_cents)} ; reprise de l'attente…"
            )
    if pending is not None and not args.no_wait:
        return _report(args, desk.wait(_progress(args)))
    return Exit.OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    offer = subparsers.add_parser(
        "offer", help="offre sur-mesure : mettre un livre, un CD ou un vinyle sur pass Culture"
    )
    actions = offer.add_subparsers(dest="offer_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="créer ou mettre à jour l'offre d'un EAN et attendre qu'elle existe"
    )
    create.add_argument("--ean", required=True, help="EAN-13 (ISBN) de l'article")
    create.add_argument("--price", required=True, help="prix en euros (12,99)")
    create.add_argument("--quantity", type=int, default=1, help="quantité réservable (1 par défaut)")
    create.add_argument("--credit", help="crédit restant du jeune en euros (vérifié avant l'envoi)")
    close = actions.add_parser("close", help="fermer une offre faite ici (stock à 0)")
    close.add_argument("--offer", type=int, help="identifiant de l'offre (défaut : la dernière faite ici)")
    status = actions.add_parser("status", help="offres faites ici, et reprise d'une attente interrompue")
    for parser, step in ((create, "create"), (close, "close"), (status, "status")):
        parser.add_argument("--venue", type=int, help="identifiant du lieu (défaut : réglage offer.venue_id)")
        parser.add_argument("--no-wait", action="store_true", help="ne pas attendre que l'offre apparaisse")
        server_options(parser)
        parser.set_defaults(handler=lambda args, context, step=step: _run(args, context, step))
