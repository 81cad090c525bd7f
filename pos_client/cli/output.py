"""How the booking and API-key commands speak: each outcome in the counter's words (the one message
catalogue, ``counter.messages``), its exit status, and the JSON shape for scripts (no personal data in
JSON: it may end up in files).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from pos_client.app.exits import Exit
from pos_client.counter import messages as msg
from pos_client.counter.messages import outcome_text
from pos_client.domain.booking import Booking
from pos_client.domain.formats import format_euros
from pos_client.domain.outcomes import (
    AuthInvalid,
    AuthMissing,
    BookingCancelled,
    BookingPage,
    Found,
    ImplausibleAmount,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    TimedOut,
    Validated,
    ValidationReverted,
    WrongServerAddress,
)

__all__ = ["booking_card", "describe_outcome", "emit", "exit_code_for", "fail", "iso_day"]


def describe_outcome(outcome: Outcome) -> str:
    """The outcome in the counter's words (the one catalogue, ``counter.messages``), on one line, with
    what to type where the window would point to its settings."""
    match outcome:
        case Found(booking):
            text = msg.FOUND_LINE(
                token=booking.token, offer=booking.offer_name, amount=format_euros(booking.total_cents)
            )
            return text.render()
        case BookingPage(bookings, next_first_index):
            more = msg.PAGE_MORE(first_index=next_first_index) if next_first_index else msg.EMPTY
            return msg.PAGE_LINE(count=len(bookings), more=more).render()
    title, detail = outcome_text(outcome, token=getattr(outcome, "token", ""), amount_cents=None)
    line = f"{title.render()} : {detail.render()}"
    if isinstance(outcome, AuthMissing | AuthInvalid):
        line += " " + msg.CLI_SET_KEY.render()
    return line


def exit_code_for(outcome: Outcome) -> Exit:
    if isinstance(outcome, Found | Validated | ValidationReverted | BookingCancelled | BookingPage):
        return Exit.OK
    if isinstance(outcome, InvalidRequest):
        return Exit.USAGE
    if isinstance(outcome, AuthMissing | AuthInvalid | InactiveProvider):
        return Exit.CREDENTIALS
    if isinstance(outcome, RateLimited | ServerError | NetworkUnreachable | TimedOut | WrongServerAddress):
        return Exit.TROUBLE
    if isinstance(outcome, MalformedResponse | ImplausibleAmount):
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
        "creationDate": booking.creation_date.isoformat() if booking.creation_date else None,
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


def iso_day(text: str) -> date:
    """An argparse ``type`` for a day written ``AAAA-MM-JJ``: a bad one is a French usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"date invalide : {text!r} (attendu AAAA-MM-JJ)") from exc

