"""``pos-client booking show|validate|keep|cancel|list``: the bookings API for support and integrators.

They go through the same client (``pos_client.app.backend.open_client``), payload reader, journal
and change function as the window: a change is written to the journal as an intent before the
request and resolved after (``run_change``), so a sale made here shows in the till's day like any
other. ``keep`` reverts a validation of this till (negative payment line), on the booking the journal
rebuilds (``Journal.validated_booking``, the same one the window reverts); with
``--not-from-this-till`` (support) it also sends the keep of a validation made elsewhere and lets the
API decide, writing no payment line. ``cancel`` is sent for a booking the API will not show (pending
event, closed structure): the cancel route answers by the booking's own state.

Output is French and human by default, JSON with ``--json`` (no personal data in JSON). Exit
statuses (``pos_client.app.exits.Exit``):

====  ==========================================================================================
0     done: booking found, validated, reverted, cancelled, listed
1     unexpected failure (journal or keyring unusable): nothing was sent
2     bad input or usage: unreadable code, ``--id-checked`` missing, bad URL
3     refused by the booking's state: unknown, already validated, cancelled, reimbursed, pending
      event, closed structure, not validated, activation codes, too late to cancel
4     credentials: no key for this environment, key refused, provider inactive
5     trouble (network, timeout, server error, rate limit, malformed answer): nothing changed,
      trying again is safe
6     unknown: a change was sent and its answer lost; the journal keeps it open until a re-read
====  ==========================================================================================
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from pos_client.api.client import BookingsClient
from pos_client.api.environments import InsecureUrlError, base_url_for, check_base_url
from pos_client.api.key_file import key_store_for
from pos_client.api.keys import KeyStoreError
from pos_client.app.backend import open_client
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.app.ledger_join import LedgerParts, join_ledger, shared_budget
from pos_client.cli.output import booking_card, emit, fail
from pos_client.counter.changes import run_change
from pos_client.counter.evidence import ALONE, ClaimsEvidence, OtherTills
from pos_client.counter.settle_first import describe_settled, settle_before_command
from pos_client.counter.settlement import Settled
from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.formats import format_euros, format_when
from pos_client.domain.ledger import IntentResolution, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    AlreadyValidated,
    BookingPage,
    Found,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    StructureClosed,
    Validated,
    ValidationReverted,
)
from pos_client.domain.ports import BookingClaims, Journal, JournalError
from pos_client.domain.scan import RawScan, Transport
from pos_client.domain.venues import is_foreign, parse_venue_ids
from pos_client.journal import SqliteJournal, open_journal
from pos_client.scanner.payload import Contremarque, read_contremarque
from pos_client.settings import ApiEnvironment

__all__ = ["register"]

_SOURCE_ID = "cli"


# ----------------------------------------------------------------------------- wiring
def _environment(args: argparse.Namespace, context: AppContext) -> ApiEnvironment:
    if args.url is not None:  # even empty: an empty --url is an error, never the production server
        return ApiEnvironment.CUSTOM
    if args.env:
        return ApiEnvironment(args.env)
    return context.settings.api.environment


def _base_url(args: argparse.Namespace, context: AppContext) -> str:
    environment = _environment(args, context)
    if args.url is not None:
        return check_base_url(args.url)
    return base_url_for(environment, context.settings.api.custom_url)


@contextmanager
def _client(
    args: argparse.Namespace, context: AppContext, ledger: LedgerParts | None = None
) -> Iterator[BookingsClient]:
    """Raises ``InsecureUrlError`` (bad URL) or ``KeyStoreError`` (keyring unusable). ``ledger``: the
    shared ledger's, whose bucket is the key's one budget across the tills."""
    base_url = _base_url(args, context)
    keys = key_store_for(context.settings.api, context.paths.config_dir)
    api_key = keys.get_key(_environment(args, context))
    budget = None
    if ledger is not None and api_key:
        budget = shared_budget(ledger.link, base_url, api_key, context.settings)
    with open_client(base_url, api_key, context.settings, limiter=budget) as client:
        yield client


@contextmanager
def _journal(context: AppContext) -> Iterator[SqliteJournal]:
    """The till's journal (the same file as the window's). Raises OSError, ``JournalError``,
    ``JournalTooNewError`` or ``NotAJournalError`` when it cannot be used."""
    with open_journal(context.paths.journal_file, till=context.settings.till_name) as journal:
        yield journal


@contextmanager
def _other_tills(context: AppContext, journal: SqliteJournal) -> Iterator[OtherTills]:
    """The shared ledger's word for settling open intents (``counter.settlement``), as the window has
    it: with a ``[ledger]``, "already validated" is settled by the claims, never by a guess."""
    with ExitStack() as stack:
        ledger = join_ledger(journal.uid, context.settings, stack)
        yield ALONE if ledger is None else ClaimsEvidence(ledger.claims)


def _client_trouble(args: argparse.Namespace, exc: InsecureUrlError | KeyStoreError) -> Exit:
    return fail(args, Exit.USAGE if isinstance(exc, InsecureUrlError) else Exit.FAILURE, str(exc))


def _read_token(args: argparse.Namespace, context: AppContext) -> Contremarque | str:
    """The token in what was typed or pasted (bare code or QR payload), or a French refusal."""
    scanner = context.settings.scanner
    result = read_contremarque(args.code, prefix=scanner.prefix, suffix=scanner.suffix)
    if isinstance(result, Contremarque):
        return result
    return result.message


def _payment_lines(payment: PaymentRecord | None) -> dict[str, Any]:
    if payment is None:
        return {}
    return {"paiement": f"{format_euros(payment.amount_cents)} (pass Culture, ligne {payment.uid})"}


# ----------------------------------------------------------------------------- booking commands
def _cmd_show(args: argparse.Namespace, context: AppContext) -> Exit:
    read = _read_token(args, context)
    if isinstance(read, str):
        return fail(args, Exit.USAGE, read)
    try:
        with _client(args, context) as client:
            outcome = client.get_booking(read.token)
            return emit(args, outcome, _settle_first(context, client, read.token, outcome))
    except (InsecureUrlError, KeyStoreError) as exc:
        return _client_trouble(args, exc)


def _cmd_list(args: argparse.Namespace, context: AppContext) -> Exit:
    try:
        with _client(args, context) as client:
            first_index: int | None = args.first_index
            bookings: list[Booking] = []
            outcome: Outcome = BookingPage((), None)
            while first_index is not None:
                outcome = client.list_bookings(
                    offer_id=args.offer, venue_id=args.venue, status=args.status,
                    first_index=first_index, limit=args.limit,
                )  # fmt: skip
                if not isinstance(outcome, BookingPage):
                    return emit(args, outcome)
                bookings.extend(outcome.bookings)
                first_index = outcome.next_first_index if args.all else None
            next_index = outcome.next_first_index if isinstance(outcome, BookingPage) else None
            return emit(args, BookingPage(tuple(bookings), next_index))
    except (InsecureUrlError, KeyStoreError) as exc:
        return _client_trouble(args, exc)


def _unreadable_booking(token: str, *, status: BookingStatus, offer_name: str) -> Booking:
    """A booking the API will not show (403/410 on read) and this till never paid: the token and a
    label only, no price, so its change writes no payment line."""
    return Booking(
        id=0, token=token, status=status, quantity=1, unit_price_cents=0,
        offer_id=0, offer_name=offer_name, offer_ean=None, stock_id=0, price_category_id=None,
        price_category_label=None, venue_id=0, venue_name="", offer_address=None, offer_department_code=None,
        creation_date=datetime.now(UTC), confirmation_date=None,
        beneficiary=Beneficiary(None, None, None, "", None, None),
    )  # fmt: skip


def _confirmation_missing(args: argparse.Namespace, operation: Operation, token: str) -> str | None:
    """The French refusal when the operation's confirmation flag is missing, else None."""
    if operation is Operation.USE and not args.id_checked:
        return "Vérifiez la pièce d'identité du bénéficiaire, puis relancez avec --id-checked."
    if operation is not Operation.USE and not args.yes:
        what = (
            "annuler la validation" if operation is Operation.KEEP else "annuler la réservation (définitif)"
        )
        return f"Pour {what} de {token}, relancez avec --yes."
    return None


def _cmd_change(args: argparse.Namespace, context: AppContext) -> Exit:
    operation = Operation(args.operation)
    read = _read_token(args, context)
    if isinstance(read, str):
        return fail(args, Exit.USAGE, read)
    refusal = _confirmation_missing(args, operation, read.token)
    if refusal is not None:
        return fail(args, Exit.USAGE, refusal)
    try:
        with _journal(context) as journal, ExitStack() as stack:
            # With a shared ledger, the change is claimed and counted like the window's.
            ledger = join_ledger(journal.uid, context.settings, stack)
            with _client(args, context, ledger) as client:
                venues = parse_venue_ids(context.settings.api.venue_ids)
                claims = None if ledger is None else ledger.claims
                return _change_with_journal(args, operation, read.token, client, journal, venues, claims)
    except (InsecureUrlError, KeyStoreError) as exc:
        return _client_trouble(args, exc)
    except JournalError as exc:  # damaged, foreign, newer, locked: the code ``journal`` and ``export`` give
        return fail(args, Exit.BAD_JOURNAL, f"Journal des ventes inutilisable, rien n'a été envoyé : {exc}")


_NOT_FROM_THIS_TILL = (
    "Contremarque {token} validée, mais pas par cette caisse : son journal n'a pas la réservation, "
    "l'annulation de la validation doit se faire là où elle a été validée. Support : "
    "--not-from-this-till l'envoie quand même (sans ligne de paiement ici)."
)


def _change_with_journal(
    args: argparse.Namespace,
    operation: Operation,
    token: str,
    client: BookingsClient,
    journal: Journal,
    venue_ids: tuple[int, ...] = (),
    claims: BookingClaims | None = None,
) -> Exit:
    # Read first, and settle what this till left open (a crash, a lost answer) by that read, as the
    # window does; the journal having the booking is no reason to refuse: a moved event's validated
    # bookings go back to "to collect" on the platform, and the API says so.
    others = ALONE if claims is None else ClaimsEvidence(claims)
    lookup = client.get_booking(token)
    settled = settle_before_command(client, journal, token=token, read=lookup, others=others)
    found = describe_settled(settled)
    notes = {"résultat retrouvé": " ".join(found)} if found else {}
    if operation is Operation.USE and isinstance(lookup, AlreadyValidated):
        return _already_validated(args, token, journal, settled, notes)
    if isinstance(lookup, Found) and is_foreign(lookup.booking, venue_ids):
        return fail(args, Exit.REFUSED, _foreign_text(lookup.booking))
    booking: Booking | None = lookup.booking if isinstance(lookup, Found) else None
    extra: dict[str, Any] = dict(notes)
    if operation is Operation.CANCEL and isinstance(lookup, NotYetConfirmed | StructureClosed):
        # A pending event booking, or any booking of a closed structure, cannot be read (403), but
        # the cancel route answers by the booking's own state (contract section 10: 204 for a
        # confirmed product): send it. No price known: no payment line either.
        what = (
            "Événement en attente"
            if isinstance(lookup, NotYetConfirmed)
            else "Réservation d'une structure fermée"
        )
        booking = _unreadable_booking(
            token, status=BookingStatus.CONFIRMED, offer_name=f"{what} (détails non lisibles)"
        )
    if operation is Operation.KEEP:
        if isinstance(lookup, Found):
            return emit(args, NotUsed(token))
        if isinstance(lookup, AlreadyValidated):
            # The API answers 410 to a read of a validated booking: the journal rebuilds the one this
            # till validated, as the window does after a restart.
            booking = journal.validated_booking(token)
            if booking is None and not args.not_from_this_till:
                return fail(args, Exit.REFUSED, _NOT_FROM_THIS_TILL.format(token=token))
            if booking is None:
                # Support staff reverting a validation made elsewhere: the API decides (204, or 403
                # for an activation code...); this till never paid it, so it records no payment line.
                booking = _unreadable_booking(
                    token, status=BookingStatus.USED, offer_name="Validée ailleurs (détails non lisibles)"
                )
                extra["paiement"] = (
                    "aucune ligne ici (validée par une autre caisse ou un autre logiciel : corrigez "
                    "l'encaissement là où elle a été validée)"
                )
    if booking is None:
        return emit(args, lookup)
    if not args.json and operation is Operation.USE:
        print("\n".join(booking_card(booking)))
    scan = RawScan(text=args.code, transport=Transport.COMMAND_LINE, source_id=_SOURCE_ID)
    id_checked_at = datetime.now(UTC) if operation is Operation.USE else None
    result = run_change(client, journal, operation, booking, scan, id_checked_at, claims)
    if result.outcome is None:
        return fail(
            args, Exit.FAILURE, f"Journal impossible à écrire, rien n'a été envoyé : {result.journal_error}"
        )
    if not isinstance(result.outcome, ValidationReverted):
        extra = {}  # the note is about a revert that went through
    return emit(args, result.outcome, {**_payment_lines(result.payment), **extra})


def _settle_first(context: AppContext, client: BookingsClient, token: str, read: Outcome) -> dict[str, Any]:
    """Before ``show``: settle this till's open intents (the token's by this read, older ones by
    re-reading), as the window does; what was found, as output lines. A journal that cannot be opened
    is no reason not to show the booking."""
    try:
        with _journal(context) as journal, _other_tills(context, journal) as others:
            settled = settle_before_command(client, journal, token=token, read=read, others=others)
    except JournalError:
        return {}
    return {"résultat retrouvé": " ".join(describe_settled(settled))} if settled else {}


def _already_validated(
    args: argparse.Namespace, token: str, journal: Journal, settled: list[Settled], notes: dict[str, str]
) -> Exit:
    """``validate`` of a booking the API says is validated: this till's own lost validation (settled
    just now by the read), an earlier validation of this till, or someone else's."""
    ours = [
        decided
        for decided in settled
        if decided.intent.token == token
        and decided.intent.operation is Operation.USE
        and decided.resolution is IntentResolution.DONE
    ]
    if ours and not ours[-1].to_check:
        payment = _payment_lines(ours[-1].payment)
        return emit(args, Validated(token, confirmed_by_reread=True), {**payment, **notes})
    validated_at = journal.validated_by_this_till(token)
    if validated_at is not None:
        when = format_when(validated_at)
        return fail(args, Exit.REFUSED, f"Contremarque {token} déjà validée par cette caisse le {when}.")
    return emit(args, AlreadyValidated(token), notes)


def _foreign_text(booking: Booking) -> str:
    return (
        f"Contremarque {booking.token} : réservation de « {booking.venue_name or '—'} » (lieu n° "
        f"{booking.venue_id}), pas d'un lieu de cette caisse (réglage api.venue_ids). Rien n'a été validé."
    )


def settle_with_settings(context: AppContext) -> list[str]:
    """For the journal's own commands (``journal``, ``export``): settle the open intents old enough,
    with the till's configured server and key; what was found, or why it could not be checked.
    Nothing open: no request, no keyring."""
    args = argparse.Namespace(url=None, env=None)
    try:
        with _journal(context) as journal:
            if not journal.open_intents():
                return []
            with _client(args, context) as client, _other_tills(context, journal) as others:
                settled = settle_before_command(client, journal, others=others)
            left = len(journal.open_intents())
    except (InsecureUrlError, KeyStoreError, JournalError) as exc:
        return [f"Demandes ouvertes non vérifiées ({exc})."]
    lines = describe_settled(settled)
    if left:
        lines.append(
            f"{left} demande(s) au résultat encore inconnu : elles ne sont pas comptées ; la caisse les "
            "vérifiera dès que le serveur répondra."
        )
    return lines


# ----------------------------------------------------------------------------- parser
def server_options(parser: argparse.ArgumentParser) -> None:
    """``--env``, ``--url`` and ``--json``, shared by every booking action."""
    parser.add_argument(
        "--env", choices=[env.value for env in ApiEnvironment], help="serveur (défaut : celui des réglages)"
    )
    parser.add_argument(
        "--url", help="adresse d'un autre serveur (émulateur local, support) ; clé « custom »"
    )
    parser.add_argument(
        "--json", action="store_true", help="sortie JSON pour les scripts (sans données personnelles)"
    )


_CHANGES = (
    ("validate", Operation.USE, "valider (encaisser) une contremarque, après contrôle d'identité"),
    (
        "keep",
        Operation.KEEP,
        "annuler la validation d'une contremarque validée par cette caisse (ou ailleurs, pour le "
        "support, avec --not-from-this-till)",
    ),
    ("cancel", Operation.CANCEL, "annuler une réservation (définitif)"),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    booking = subparsers.add_parser(
        "booking", help="lire, valider, dé-valider, annuler ou lister des réservations"
    )
    actions = booking.add_subparsers(dest="booking_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="lire une contremarque")
    show.add_argument("code", help="code à 6 caractères ou contenu du QR code")
    server_options(show)
    show.set_defaults(handler=_cmd_show)
    for name, operation, help_text in _CHANGES:
        change = actions.add_parser(name, help=help_text)
        change.add_argument("code", help="code à 6 caractères ou contenu du QR code")
        if operation is Operation.USE:
            change.add_argument(
                "--id-checked", action="store_true", help="la pièce d'identité a été vérifiée"
            )
        else:
            change.add_argument("--yes", action="store_true", help="confirmer l'opération")
        if operation is Operation.KEEP:
            change.add_argument(
                "--not-from-this-till",
                action="store_true",
                help="support : envoyer aussi pour une validation faite ailleurs (l'API décide ; aucune "
                "ligne de paiement n'est écrite ici)",
            )
        server_options(change)
        change.set_defaults(
            handler=_cmd_change,
            operation=operation.value,
            id_checked=False,
            yes=False,
            not_from_this_till=False,
        )
    listing = actions.add_parser("list", help="lister les réservations d'une offre ou d'un lieu")
    target = listing.add_mutually_exclusive_group(required=True)
    target.add_argument("--offer", type=int, help="identifiant de l'offre")
    target.add_argument("--venue", type=int, help="identifiant du lieu")
    listing.add_argument("--status", choices=[status.value for status in BookingStatus])
    listing.add_argument("--limit", type=int, default=50, help="taille d'une page (1 à 50)")
    listing.add_argument("--first-index", type=int, default=1, help="reprendre à cet identifiant")
    listing.add_argument("--all", action="store_true", help="parcourir toutes les pages")
    server_options(listing)
    listing.set_defaults(handler=_cmd_list)
