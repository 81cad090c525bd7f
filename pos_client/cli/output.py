"""How the booking and API-key commands speak: one French sentence per outcome, its exit status, and
the JSON shape for scripts (no personal data in JSON: it may end up in files).

``describe_outcome`` is the command line's own catalogue for now; the counter's message catalogue
replaces it when the counter is split.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from pos_client.app.exits import Exit
from pos_client.domain.booking import Booking
from pos_client.domain.formats import format_euros
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
)

__all__ = ["booking_card", "describe_outcome", "emit", "exit_code_for", "fail"]


def describe_outcome(outcome: Outcome) -> str:
    """One French sentence for the outcome (ours; the API's own French messages are kept)."""
    match outcome:
        case Found(booking):
            return (
                f"Contremarque {booking.token} valable : {booking.offer_name}, "
                f"{format_euros(booking.total_cents)}."
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
            return f"Contremarque {token} déjà validée."
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
        case OutcomeUnknown(token, operation, detail):
            return (
                f"Résultat inconnu pour {token} ({operation}) : {detail} Le journal garde la demande "
                "ouverte ; elle sera vérifiée au prochain démarrage de la caisse."
            )
    raise AssertionError(f"unhandled outcome {outcome!r}")  # pragma: no cover - the union is closed


def exit_code_for(outcome: Outcome) -> Exit:
    if isinstance(outcome, Found | Validated | ValidationReverted | BookingCancelled | BookingPage):
        return Exit.OK
    if isinstance(outcome, InvalidRequest):
        return Exit.USAGE
    if isinstance(outcome, AuthMissing | AuthInvalid | InactiveProvider):
        return Exit.CREDENTIALS
    if isinstance(outcome, RateLimited | ServerError | NetworkUnreachable | TimedOut | MalformedResponse):
        return Exit.TROUBLE
    if isinstance(outcome, OutcomeUnknown):
        return Exit.UNKNOWN
    return Exit.REFUSED


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
        "creationDate": booking.creation_date.isoformat(),
        "confirmationDate": booking.confirmation_date.isoformat() if booking.confirmation_date else None,
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {"outcome": type(outcome).__name__, "exitCode": int(exit_code_for(outcome))}
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


def booking_card(booking: Booking) -> list[str]:
    """The human view of a booking, with what the cashier checks on the ID."""
    unit, total = format_euros(booking.unit_price_cents), format_euros(booking.total_cents)
    lines = [
        f"  Offre        : {booking.offer_name}"
        + (f" (EAN {booking.offer_ean})" if booking.offer_ean else ""),
        f"  Lieu         : {booking.venue_name}",
        f"  Prix         : {unit} x {booking.quantity} = {total}" + (" (duo)" if booking.is_duo else ""),
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


def emit(args: argparse.Namespace, outcome: Outcome, extra: dict[str, Any] | None = None) -> Exit:
    """Print the outcome (French on stdout/stderr, or one JSON object) and return its exit status."""
    code = exit_code_for(outcome)
    if args.json:
        print(json.dumps({**_outcome_json(outcome), **(extra or {})}, ensure_ascii=False))
        return code
    stream = sys.stdout if code is Exit.OK else sys.stderr
    print(describe_outcome(outcome), file=stream)
    if isinstance(outcome, Found):
        print("\n".join(booking_card(outcome.booking)))
    if isinstance(outcome, BookingPage):
        for booking in outcome.bookings:
            print(f"  {booking.id:>10}  {booking.status.value:<10} {format_euros(booking.total_cents):>10}  "
                  f"{booking.offer_name}")  # fmt: skip
    for key, value in (extra or {}).items():
        print(f"  {key} : {value}")
    return code


def fail(args: argparse.Namespace, code: Exit, message: str) -> Exit:
    """Say why nothing was done (French on stderr, or one JSON object) and return ``code``."""
    if args.json:
        print(json.dumps({"outcome": "Error", "exitCode": int(code), "message": message}, ensure_ascii=False))
    else:
        print(message, file=sys.stderr)
    return code
