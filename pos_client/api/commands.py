"""Command-line face of the API for support staff and integrators.

``pos-client booking show|validate|keep|cancel|list`` and ``pos-client api-key set|status|delete``.
They go through the same client, scan guard, payload reader and journal as the window: a change is
written to the journal as an intent before the request and resolved after (the counter workflow's
own ``run_change``), so a sale made here shows in the till's day like any other. ``keep`` reverts a
validation of this till (negative payment line); with ``--not-from-this-till`` (support) it also
sends the keep of a validation made elsewhere and lets the API decide, writing no payment line.
``cancel`` is sent for a booking the API will not show (pending event, closed structure): the
cancel route answers by the booking's own state.

Output is French and human by default, JSON with ``--json`` (no personal data in JSON). Exit codes:

====  ==========================================================================================
0     done: booking found, validated, reverted, cancelled, listed; key stored/deleted
1     unexpected failure (journal or keyring unusable): nothing was sent
2     bad input or usage: unreadable code, ``--id-checked`` missing, bad URL, bad key
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
import getpass
import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pos_client.api.client import BookingsClient
from pos_client.api.environments import InsecureUrlError, base_url_for, check_base_url
from pos_client.api.keys import KeyringKeys, KeyStoreError, check_api_key, key_hint
from pos_client.counter.settle_first import describe_settled, settle_before_command
from pos_client.counter.settlement import Settled
from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import IntentResolution, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    BookingCancelled,
    BookingPage,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    Validated,
    ValidationReverted,
    WrongServerAddress,
)
from pos_client.domain.ports import Journal, JournalError
from pos_client.domain.scan import RawScan, Transport
from pos_client.domain.venues import is_foreign, parse_venue_ids
from pos_client.scanner.guard import ScanGuard
from pos_client.scanner.payload import Contremarque, read_contremarque
from pos_client.settings import ApiEnvironment

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = [
    "EXIT_CREDENTIALS",
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_TROUBLE",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "describe_outcome",
    "exit_code_for",
    "register",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_CREDENTIALS = 4
EXIT_TROUBLE = 5
EXIT_UNKNOWN = 6

_SOURCE_ID = "cli"


# ----------------------------------------------------------------------------- messages
def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d} €"


def describe_outcome(outcome: Outcome) -> str:
    """One French sentence for the outcome (ours; the API's own French messages are kept)."""
    match outcome:
        case Found(booking):
            return (
                f"Contremarque {booking.token} valable : {booking.offer_name}, {_euros(booking.total_cents)}."
            )
        case Validated(token, confirmed_by_reread):
            suffix = " (réponse perdue, confirmée en relisant la réservation)" if confirmed_by_reread else ""
            return f"Contremarque {token} validée{suffix}."
        case ValidationReverted(token, confirmed_by_reread):
            suffix = " (confirmé en relisant la réservation)" if confirmed_by_reread else ""
            return f"Validation de {token} annulée{suffix} : la réservation est de nouveau à retirer."
        case BookingCancelled(token, confirmed_by_reread):
            suffix = " (confirmé en relisant la réservation)" if confirmed_by_reread else ""
            return f"Réservation {token} annulée{suffix}."
        case BookingPage(bookings, next_first_index):
            more = f" ; suite avec --first-index {next_first_index}" if next_first_index else ""
            return f"{len(bookings)} réservation(s){more}."
        case NotFound(token):
            return f"Contremarque {token} introuvable (inconnue, ou réservation d'un autre lieu)."
        case AlreadyValidated(token):
            return (
                f"Contremarque {token} déjà validée, pas par cette caisse (validée ailleurs, ou "
                "automatiquement à la réservation : codes d'activation, cartes musée gratuites, "
                "abonnements de bibliothèque)."
            )
        case Cancelled(token):
            return f"Réservation {token} annulée : elle ne peut plus être utilisée."
        case Reimbursed(token):
            return f"Réservation {token} déjà remboursée au lieu."
        case NotYetConfirmed(token, _, api_message):
            return f"Contremarque {token} pas encore validable. {api_message}"
        case StructureClosed(token, api_message):
            return f"Contremarque {token} refusée : {api_message}"
        case NotUsed(token):
            return f"Contremarque {token} pas validée : il n'y a pas de validation à annuler."
        case HasActivationCodes(token):
            return f"Réservation {token} à code d'activation : sa validation ne peut pas être annulée."
        case CannotCancelAnymore(token):
            return f"Réservation {token} : le délai pour l'annuler est passé."
        case InvalidRequest(detail):
            return f"Demande refusée : {detail}"
        case AuthMissing():
            return "Aucune clé d'API pour ce serveur : pos-client api-key set --env ENV."
        case AuthInvalid():
            return "Clé d'API refusée par le serveur : vérifiez-la (pos-client api-key set)."
        case InactiveProvider():
            return "Le compte logiciel lié à cette clé est désactivé chez pass Culture."
        case RateLimited(retry_after_s):
            wait = f" dans {retry_after_s:.0f} s" if retry_after_s is not None else " dans une minute"
            return f"Trop de demandes : réessayez{wait}."
        case ServerError(status_code):
            return f"Le serveur pass Culture a une panne (erreur {status_code}) : rien n'a changé, réessayez."
        case NetworkUnreachable(detail):
            return f"Serveur injoignable : rien n'a changé, réessayez. ({detail})"
        case TimedOut(detail):
            return f"Le serveur ne répond pas : rien n'a changé, réessayez. ({detail})"
        case MalformedResponse(status_code, detail):
            return f"Réponse incompréhensible du serveur ({status_code}) : {detail}"
        case WrongServerAddress(status_code, detail):
            return (
                f"Adresse du serveur incorrecte ({status_code} sans réponse de l'API pass Culture) : "
                f"rien n'a été validé ni refusé. Vérifiez l'adresse du serveur. ({detail})"
            )
        case OutcomeUnknown(token, operation, detail):
            return (
                f"Résultat inconnu pour {token} ({operation}) : {detail} Le journal garde la demande "
                "ouverte ; elle sera vérifiée au prochain démarrage de la caisse."
            )
    raise AssertionError(f"unhandled outcome {outcome!r}")  # pragma: no cover - the union is closed


def exit_code_for(outcome: Outcome) -> int:
    if isinstance(outcome, Found | Validated | ValidationReverted | BookingCancelled | BookingPage):
        return EXIT_OK
    if isinstance(outcome, InvalidRequest):
        return EXIT_USAGE
    if isinstance(outcome, AuthMissing | AuthInvalid | InactiveProvider):
        return EXIT_CREDENTIALS
    if isinstance(outcome, RateLimited | ServerError | NetworkUnreachable | TimedOut | MalformedResponse):
        return EXIT_TROUBLE
    if isinstance(outcome, WrongServerAddress):
        return EXIT_TROUBLE
    if isinstance(outcome, OutcomeUnknown):
        return EXIT_UNKNOWN
    return EXIT_REFUSED


def _booking_json(booking: Booking) -> dict[str, Any]:
    """The booking without the beneficiary: JSON output may end up in files."""
    return {
        "id": booking.id,
        "token": booking.token or None,
        "status": booking.status.value,
        "quantity": booking.quantity,
        "unitPriceCents": booking.unit_price_cents,
        "totalCents": booking.total_cents,
        "offerId": booking.offer_id,
        "offerName": booking.offer_name,
        "offerEan": booking.offer_ean,
        "stockId": booking.stock_id,
        "priceCategoryLabel": booking.price_category_label,
        "venueId": booking.venue_id,
        "venueName": booking.venue_name,
        "creationDate": booking.creation_date.isoformat() if booking.creation_date else None,
        "confirmationDate": booking.confirmation_date.isoformat() if booking.confirmation_date else None,
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {"outcome": type(outcome).__name__, "exitCode": exit_code_for(outcome)}
    data["message"] = describe_outcome(outcome)
    match outcome:
        case Found(booking):
            data["booking"] = _booking_json(booking)
        case BookingPage(bookings, next_first_index):
            data["bookings"] = [_booking_json(booking) for booking in bookings]
            data["nextFirstIndex"] = next_first_index
        case NotYetConfirmed(_, valid_from, _):
            data["validFrom"] = valid_from.isoformat() if valid_from else None
        case RateLimited(retry_after_s):
            data["retryAfterS"] = retry_after_s
        case _:
            pass
    token = getattr(outcome, "token", None)
    if token:
        data["token"] = token
    return data


def _card(booking: Booking) -> list[str]:
    """The human view of a booking, with what the cashier checks on the ID."""
    price = f"{_euros(booking.unit_price_cents)} x {booking.quantity} = {_euros(booking.total_cents)}"
    lines = [
        f"  Offre        : {booking.offer_name}"
        + (f" (EAN {booking.offer_ean})" if booking.offer_ean else ""),
        f"  Lieu         : {booking.venue_name or '—'}",
        f"  Prix         : {price}" + (" (duo)" if booking.is_duo else ""),
    ]
    if booking.price_category_label:
        lines.append(f"  Catégorie    : {booking.price_category_label}")
    person = booking.beneficiary
    age = person.age_on(date.today())
    who = person.full_name or "(nom non communiqué)"
    lines.append(
        f"  Bénéficiaire : {who}" + (f", {age} ans" if age is not None else "") + " (pièce d'identité)"
    )
    return lines


def _emit(args: argparse.Namespace, outcome: Outcome, extra: dict[str, Any] | None = None) -> int:
    code = exit_code_for(outcome)
    if args.json:
        print(json.dumps({**_outcome_json(outcome), **(extra or {})}, ensure_ascii=False))
        return code
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    print(describe_outcome(outcome), file=stream)
    if isinstance(outcome, Found):
        print("\n".join(_card(outcome.booking)))
    if isinstance(outcome, BookingPage):
        for booking in outcome.bookings:
            print(f"  {booking.id:>10}  {booking.status.value:<10} {_euros(booking.total_cents):>10}  "
                  f"{booking.offer_name}")  # fmt: skip
    for key, value in (extra or {}).items():
        print(f"  {key} : {value}")
    return code


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    if args.json:
        print(json.dumps({"outcome": "Error", "exitCode": code, "message": message}, ensure_ascii=False))
    else:
        print(message, file=sys.stderr)
    return code


# ----------------------------------------------------------------------------- wiring
def _environment(args: argparse.Namespace, context: AppContext) -> ApiEnvironment:
    if args.url:
        return ApiEnvironment.CUSTOM
    if args.env:
        return ApiEnvironment(args.env)
    return context.settings.api.environment


def _base_url(args: argparse.Namespace, context: AppContext) -> str:
    environment = _environment(args, context)
    if args.url:
        return check_base_url(args.url)
    return base_url_for(environment, context.settings.api.custom_url)


@contextmanager
def _client(args: argparse.Namespace, context: AppContext) -> Iterator[BookingsClient]:
    """Raises ``InsecureUrlError`` (bad URL) or ``KeyStoreError`` (keyring unusable)."""
    base_url = _base_url(args, context)
    api_key = KeyringKeys().get_key(_environment(args, context))
    settings = context.settings
    with BookingsClient(
        base_url,
        api_key,
        till_name=settings.till_name,
        connect_timeout_s=settings.api.connect_timeout_s,
        read_timeout_s=settings.api.read_timeout_s,
    ) as client:
        yield client


@contextmanager
def _journal(context: AppContext) -> Iterator[Journal]:
    """The till's journal (the same file as the window's). Raises ImportError/OSError if unusable."""
    module = importlib.import_module("pos_client.journal")
    journal: Journal = module.open_journal(context.paths.journal_file, till=context.settings.till_name)
    try:
        yield journal
    finally:
        close = getattr(journal, "close", None)
        if close is not None:
            close()


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
    return {"paiement": f"{_euros(payment.amount_cents)} (pass Culture, ligne {payment.uid})"}


# ----------------------------------------------------------------------------- booking commands
def _cmd_show(args: argparse.Namespace, context: AppContext) -> int:
    read = _read_token(args, context)
    if isinstance(read, str):
        return _fail(args, EXIT_USAGE, read)
    try:
        with _client(args, context) as client:
            outcome = client.get_booking(read.token)
            return _emit(args, outcome, _settle_first(context, client, read.token, outcome))
    except (InsecureUrlError, KeyStoreError) as exc:
        return _fail(args, EXIT_USAGE if isinstance(exc, InsecureUrlError) else EXIT_FAILURE, str(exc))


def _cmd_list(args: argparse.Namespace, context: AppContext) -> int:
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
                    return _emit(args, outcome)
                bookings.extend(outcome.bookings)
                first_index = outcome.next_first_index if args.all else None
            next_index = outcome.next_first_index if isinstance(outcome, BookingPage) else None
            return _emit(args, BookingPage(tuple(bookings), next_index))
    except (InsecureUrlError, KeyStoreError) as exc:
        return _fail(args, EXIT_USAGE if isinstance(exc, InsecureUrlError) else EXIT_FAILURE, str(exc))


def _journal_booking(
    token: str,
    *,
    status: BookingStatus,
    booking_id: int = 0,
    offer_name: str,
    ean: str | None = None,
    unit_price_cents: int = 0,
    quantity: int = 1,
) -> Booking:
    """A booking the API will not show (403/410 on read), with what the journal records of it: the
    journal keeps the token, id, offer, EAN, price and quantity, nothing else."""
    return Booking(
        id=booking_id, token=token, status=status, quantity=quantity, unit_price_cents=unit_price_cents,
        offer_id=0, offer_name=offer_name, offer_ean=ean, stock_id=0, price_category_id=None,
        price_category_label=None, venue_id=0, venue_name="", offer_address=None, offer_department_code=None,
        creation_date=datetime.now(UTC), confirmation_date=None,
        beneficiary=Beneficiary(None, None, None, "", None, None),
    )  # fmt: skip


def _cmd_change(args: argparse.Namespace, context: AppContext) -> int:
    operation = Operation(args.operation)
    read = _read_token(args, context)
    if isinstance(read, str):
        return _fail(args, EXIT_USAGE, read)
    token = read.token
    if operation is Operation.USE and not args.id_checked:
        return _fail(
            args,
            EXIT_USAGE,
            "Vérifiez la pièce d'identité du bénéficiaire, puis relancez avec --id-checked.",
        )
    if operation is not Operation.USE and not args.yes:
        what = (
            "annuler la validation" if operation is Operation.KEEP else "annuler la réservation (définitif)"
        )
        return _fail(args, EXIT_USAGE, f"Pour {what} de {token}, relancez avec --yes.")
    guard = ScanGuard(context.settings.scanner.guard_window_s)
    if not guard.admit(token):  # pragma: no cover - a fresh guard admits its first read
        return _fail(args, EXIT_REFUSED, f"Contremarque {token} déjà en cours de traitement.")
    guard.hold(token)
    try:
        with _client(args, context) as client, _journal(context) as journal:
            venues = parse_venue_ids(context.settings.api.venue_ids)
            return _change_with_journal(args, operation, token, client, journal, venues)
    except (InsecureUrlError, KeyStoreError) as exc:
        return _fail(args, EXIT_USAGE if isinstance(exc, InsecureUrlError) else EXIT_FAILURE, str(exc))
    except (ImportError, AttributeError, OSError) as exc:
        return _fail(args, EXIT_FAILURE, f"Journal des ventes indisponible, rien n'a été envoyé : {exc}")
    finally:
        guard.release(token)


def _change_with_journal(
    args: argparse.Namespace,
    operation: Operation,
    token: str,
    client: BookingsClient,
    journal: Journal,
    venue_ids: tuple[int, ...] = (),
) -> int:
    # The counter workflow's own intent -> request -> resolution step, so both faces journal alike.
    from pos_client.counter.changes import run_change

    # Read first, and settle what this till left open (a crash, a lost answer) by that read, as the
    # window does; the journal having the booking is no reason to refuse: a moved event's validated
    # bookings go back to "to collect" on the platform, and the API says so.
    lookup = client.get_booking(token)
    settled = settle_before_command(client, journal, token=token, read=lookup)
    found = describe_settled(settled)
    notes = {"résultat retrouvé": " ".join(found)} if found else {}
    if operation is Operation.USE and isinstance(lookup, AlreadyValidated):
        return _already_validated(args, token, journal, settled, notes)
    if isinstance(lookup, Found) and is_foreign(lookup.booking, venue_ids):
        return _fail(args, EXIT_REFUSED, _foreign_text(lookup.booking))
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
        booking = _journal_booking(
            token, status=BookingStatus.CONFIRMED, offer_name=f"{what} (détails non lisibles)"
        )
    if operation is Operation.KEEP:
        if isinstance(lookup, Found):
            return _emit(args, NotUsed(token))
        if isinstance(lookup, AlreadyValidated):
            booking = _validated_booking(journal, token)
            if booking is None and not args.not_from_this_till:
                return _fail(
                    args,
                    EXIT_REFUSED,
                    f"Contremarque {token} validée, mais pas par cette caisse : son journal n'a pas la "
                    "réservation, l'annulation de la validation doit se faire là où elle a été validée. "
                    "Support : --not-from-this-till l'envoie quand même (sans ligne de paiement ici).",
                )
            if booking is None:
                # Support staff reverting a validation made elsewhere: the API decides (204, or 403
                # for an activation code...); this till never paid it, so it records no payment line.
                booking = _journal_booking(
                    token, status=BookingStatus.USED, offer_name="Validée ailleurs (détails non lisibles)"
                )
                extra["paiement"] = (
                    "aucune ligne ici (validée par une autre caisse ou un autre logiciel : corrigez "
                    "l'encaissement là où elle a été validée)"
                )
    if booking is None:
        return _emit(args, lookup)
    if not args.json and operation is Operation.USE:
        print("\n".join(_card(booking)))
    scan = RawScan(text=args.code, transport=Transport.COMMAND_LINE, source_id=_SOURCE_ID)
    id_checked_at = datetime.now(UTC) if operation is Operation.USE else None
    result = run_change(client, journal, operation, booking, scan, id_checked_at)
    if result.outcome is None:
        return _fail(
            args, EXIT_FAILURE, f"Journal impossible à écrire, rien n'a été envoyé : {result.journal_error}"
        )
    if not isinstance(result.outcome, ValidationReverted):
        extra = {}  # the note is about a revert that went through
    return _emit(args, result.outcome, {**_payment_lines(result.payment), **extra})


def _settle_first(context: AppContext, client: BookingsClient, token: str, read: Outcome) -> dict[str, Any]:
    """Before ``show``: settle this till's open intents (the token's by this read, older ones by
    re-reading), as the window does; what was found, as output lines. A journal that cannot be opened
    is no reason not to show the booking."""
    try:
        with _journal(context) as journal:
            settled = settle_before_command(client, journal, token=token, read=read)
    except (ImportError, AttributeError, OSError, JournalError):
        return {}
    return {"résultat retrouvé": " ".join(describe_settled(settled))} if settled else {}


def _already_validated(
    args: argparse.Namespace, token: str, journal: Journal, settled: list[Settled], notes: dict[str, str]
) -> int:
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
        return _emit(args, Validated(token, confirmed_by_reread=True), {**payment, **notes})
    validated_at = journal.validated_by_this_till(token)
    if validated_at is not None:
        when = validated_at.astimezone().strftime("%d/%m/%Y à %H:%M")
        return _fail(args, EXIT_REFUSED, f"Contremarque {token} déjà validée par cette caisse le {when}.")
    return _emit(args, AlreadyValidated(token), notes)


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
            with _client(args, context) as client:
                settled = settle_before_command(client, journal)
            left = len(journal.open_intents())
    except (InsecureUrlError, KeyStoreError, ImportError, AttributeError, OSError, JournalError) as exc:
        return [f"Demandes ouvertes non vérifiées ({exc})."]
    lines = describe_settled(settled)
    if left:
        lines.append(
            f"{left} demande(s) au résultat encore inconnu : elles ne sont pas comptées ; la caisse les "
            "vérifiera dès que le serveur répondra."
        )
    return lines


def _validated_booking(journal: Journal, token: str) -> Booking | None:
    """The booking this till validated, rebuilt from its journal's payment (the API answers 410 to a
    read of a validated booking), or None when this till did not validate it."""
    validated_at = journal.validated_by_this_till(token)
    payments_between = getattr(journal, "payments_between", None)
    if validated_at is None or payments_between is None:
        return None
    day = validated_at.astimezone().date()
    rows = payments_between(day - timedelta(days=1), max(day, date.today()) + timedelta(days=1))
    for row in reversed(rows):
        record: PaymentRecord = row.record
        if record.token == token and record.amount_cents > 0:
            return _journal_booking(
                token,
                status=BookingStatus.USED,
                booking_id=record.booking_id,
                offer_name=record.offer_name,
                ean=record.ean,
                unit_price_cents=record.unit_price_cents,
                quantity=record.quantity,
            )
    return None


# ----------------------------------------------------------------------------- api-key commands
def _read_key_from_stdin() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Clé d'API (rien ne s'affiche) : ")
    return sys.stdin.readline()


def _cmd_key_set(args: argparse.Namespace, context: AppContext) -> int:
    environment = ApiEnvironment(args.env)
    try:
        key = check_api_key(_read_key_from_stdin())
    except KeyStoreError as exc:
        return _fail(args, EXIT_USAGE, str(exc))
    try:
        KeyringKeys().set_key(environment, key)
    except KeyStoreError as exc:
        return _fail(args, EXIT_FAILURE, str(exc))
    print(f"Clé d'API enregistrée pour « {environment.value} » (se termine par {key_hint(key)}).")
    return EXIT_OK


def _cmd_key_status(args: argparse.Namespace, context: AppContext) -> int:
    environments = [ApiEnvironment(args.env)] if args.env else list(ApiEnvironment)
    keys = KeyringKeys()
    states: dict[str, str | None] = {}
    try:
        for environment in environments:
            states[environment.value] = key_hint(keys.get_key(environment))
    except KeyStoreError as exc:
        return _fail(args, EXIT_FAILURE, str(exc))
    if args.json:
        print(
            json.dumps({env: {"present": hint is not None, "endsWith": hint} for env, hint in states.items()})
        )
    else:
        for env, hint in states.items():
            print(f"{env:<12} : " + (f"clé présente (se termine par {hint})" if hint else "aucune clé"))
    current = context.settings.api.environment.value
    return EXIT_OK if args.env or states.get(current) else EXIT_CREDENTIALS


def _cmd_key_delete(args: argparse.Namespace, context: AppContext) -> int:
    environment = ApiEnvironment(args.env)
    try:
        deleted = KeyringKeys().delete_key(environment)
    except KeyStoreError as exc:
        return _fail(args, EXIT_FAILURE, str(exc))
    print(
        f"Clé d'API de « {environment.value} » "
        + ("supprimée." if deleted else "absente : rien à supprimer.")
    )
    return EXIT_OK


# ----------------------------------------------------------------------------- parser
def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", choices=[env.value for env in ApiEnvironment], help="serveur (défaut : celui des réglages)"
    )
    parser.add_argument(
        "--url", help="adresse d'un autre serveur (émulateur local, support) ; clé « custom »"
    )
    parser.add_argument(
        "--json", action="store_true", help="sortie JSON pour les scripts (sans données personnelles)"
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    booking = subparsers.add_parser(
        "booking", help="lire, valider, dé-valider, annuler ou lister des réservations"
    )
    actions = booking.add_subparsers(dest="booking_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="lire une contremarque")
    show.add_argument("code", help="code à 6 caractères ou contenu du QR code")
    _server_options(show)
    show.set_defaults(handler=_cmd_show)
    for name, operation, help_text in (
        ("validate", Operation.USE, "valider (encaisser) une contremarque, après contrôle d'identité"),
        (
            "keep",
            Operation.KEEP,
            "annuler la validation d'une contremarque validée par cette caisse (ou ailleurs, pour le "
            "support, avec --not-from-this-till)",
        ),
        ("cancel", Operation.CANCEL, "annuler une réservation (définitif)"),
    ):
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
        _server_options(change)
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
    _server_options(listing)
    listing.set_defaults(handler=_cmd_list)

    api_key = subparsers.add_parser("api-key", help="clé d'API pass Culture dans le trousseau du système")
    key_actions = api_key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    envs = [env.value for env in ApiEnvironment]
    key_set = key_actions.add_parser("set", help="enregistrer la clé lue sur l'entrée standard (sans écho)")
    key_set.add_argument("--env", choices=envs, required=True)
    key_set.set_defaults(handler=_cmd_key_set, json=False)
    key_status = key_actions.add_parser(
        "status", help="dire quelles clés sont enregistrées (4 derniers caractères)"
    )
    key_status.add_argument("--env", choices=envs)
    key_status.add_argument("--json", action="store_true")
    key_status.set_defaults(handler=_cmd_key_status)
    key_delete = key_actions.add_parser("delete", help="supprimer la clé d'un environnement")
    key_delete.add_argument("--env", choices=envs, required=True)
    key_delete.set_defaults(handler=_cmd_key_delete, json=False)
