"""From HTTP answers to typed outcomes: the booking JSON parser and the status/body mapping.

Pure functions, no I/O, so every cell of the contract's status matrix is checked without a
network. Error bodies map a field to a message that is a string or a list of strings depending on
how the server raised it; both shapes are accepted everywhere. Messages are matched on their stable
English (or French) wording, and an answer we cannot place becomes ``MalformedResponse`` rather
than a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    VALID_FROM_IN_MESSAGE,
    AlreadyValidated,
    AuthInvalid,
    BookingCancelled,
    BookingPage,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    Validated,
    ValidationReverted,
    WrongServerAddress,
)
from pos_client.domain.venues import ReachableVenue, VenueList

__all__ = [
    "MalformedBooking",
    "error_messages",
    "map_change_answer",
    "map_list_answer",
    "map_read_answer",
    "map_venues_answer",
    "parse_booking",
    "parse_retry_after",
    "parse_valid_from",
]


class MalformedBooking(ValueError):
    """The booking JSON does not follow the contract (missing key, wrong type, bad date)."""


# ----------------------------------------------------------------------------- booking JSON
_MISSING = object()
# Keys renamed by the platform before (June 2025): the old name is read when the new one is absent.
_FORMER_NAMES = {"offerAddress": "venueAddress", "offerDepartmentCode": "venueDepartmentCode"}


def _field(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], *, nullable: bool = False
) -> Any:
    """A key the counter needs (``nullable=False``) must be there; any other may be absent or null
    (the OpenAPI gives 11 of the 22 keys ``default: null``): it reads as None, shown "—"."""
    value = data.get(key, _MISSING)
    if value is _MISSING and key in _FORMER_NAMES:
        value = data.get(_FORMER_NAMES[key], _MISSING)
    if value is _MISSING:
        if nullable:
            return None
        raise MalformedBooking(f"missing key {key!r}")
    if value is None and nullable:
        return None
    # bool is an int in Python; a JSON true is never a valid id or price.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedBooking(f"{key!r} has type {type(value).__name__}")
    return value


def _datetime(data: Mapping[str, Any], key: str, *, nullable: bool = False) -> datetime | None:
    text = _field(data, key, str, nullable=nullable)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedBooking(f"{key!r} is not a datetime") from exc
    # The API writes UTC with a Z; a value without an offset is UTC too (format_into_utc_date).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _date(data: Mapping[str, Any], key: str) -> date | None:
    text = _field(data, key, str, nullable=True)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise MalformedBooking(f"{key!r} is not a date") from exc


def parse_booking(data: Any, token: str) -> Booking:
    """A ``GetBookingResponse`` object as a ``Booking``; raises ``MalformedBooking``.

    Only what the counter cannot do without is required: the booking id, status, quantity, unit
    price, offer name and venue id (the till checks the venue is its own). Every other key may be
    missing or null (the schema requires some of them, but a till that refused a whole answer for
    a missing e-mail would block every validation): it reads as None / 0 / "" and shows as "—".
    ``token`` is the contremarque the booking was fetched with (the JSON does not carry it; list
    entries get an empty token).
    """
    if not isinstance(data, dict):
        raise MalformedBooking("booking is not a JSON object")
    try:
        status = BookingStatus(_field(data, "status", str))
    except ValueError as exc:
        raise MalformedBooking(f"unknown status {data.get('status')!r}") from exc
    quantity = _field(data, "quantity", int)
    price = _field(data, "price", int)
    if quantity < 1 or price < 0:
        raise MalformedBooking("quantity or price out of range")
    beneficiary = Beneficiary(
        first_name=_field(data, "userFirstName", str, nullable=True),
        last_name=_field(data, "userLastName", str, nullable=True),
        birth_date=_date(data, "userBirthDate"),
        email=_field(data, "userEmail", str, nullable=True) or "",
        phone_number=_field(data, "userPhoneNumber", str, nullable=True),
        postal_code=_field(data, "userPostalCode", str, nullable=True),
    )
    return Booking(
        id=_field(data, "id", int),
        token=token,
        status=status,
        quantity=quantity,
        unit_price_cents=price,
        offer_id=_field(data, "offerId", int, nullable=True) or 0,
        offer_name=_field(data, "offerName", str),
        offer_ean=_field(data, "offerEan", str, nullable=True),
        stock_id=_field(data, "stockId", int, nullable=True) or 0,
        price_category_id=_field(data, "priceCategoryId", int, nullable=True),
        price_category_label=_field(data, "priceCategoryLabel", str, nullable=True),
        venue_id=_field(data, "venueId", int),
        venue_name=_field(data, "venueName", str, nullable=True) or "",
        offer_address=_field(data, "offerAddress", str, nullable=True),
        offer_department_code=_field(data, "offerDepartmentCode", str, nullable=True),
        creation_date=_datetime(data, "creationDate", nullable=True),
        confirmation_date=_datetime(data, "confirmationDate", nullable=True),
        beneficiary=beneficiary,
    )


# ----------------------------------------------------------------------------- error bodies
def error_messages(body: Any) -> dict[str, list[str]]:
    """``{"booking": "x"}`` and ``{"booking": ["x"]}`` both as ``{"booking": ["x"]}``."""
    if not isinstance(body, dict):
        return {}
    messages: dict[str, list[str]] = {}
    for key, value in body.items():
        if isinstance(value, str):
            messages[str(key)] = [value]
        elif isinstance(value, list):
            messages[str(key)] = [str(item) for item in value]
    return messages


def _first(messages: Mapping[str, list[str]], key: str) -> str | None:
    values = messages.get(key)
    return values[0] if values else None


def _summary(messages: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{key}: {' '.join(values)}" for key, values in messages.items()) or "(no body)"


def parse_valid_from(message: str) -> datetime | None:
    """The date in "Vous pourrez valider cette contremarque à partir du 24/07/2025 à 14:00, ...", as
    written: a naive datetime in the venue's local time.

    The server writes it in the time zone of the offer's department (Europe/Paris, or an overseas
    zone like Indian/Reunion), and a 403 answer does not say which: reading it as Paris time would
    put a Réunion venue's date 2 or 3 hours off. So it is never converted; the till shows the API's
    sentence itself.
    """
    match = VALID_FROM_IN_MESSAGE.search(message)
    if match is None:
        return None
    day, month, year, hour, minute = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


# ----------------------------------------------------------------------------- status mapping
def _common(status: int, messages: Mapping[str, list[str]], retry_after_s: float | None) -> Outcome | None:
    """Answers that mean the same on every endpoint (credentials, rate limit, server trouble)."""
    if status == 401:
        return AuthInvalid()
    if status == 403 and "auth" in messages:
        return InactiveProvider()
    if status == 429:
        return RateLimited(retry_after_s)
    if status >= 500:
        return ServerError(status)
    if status == 400:
        return InvalidRequest(_summary(messages))
    return None


# The booking route's own 404 body; a routing 404 is ``{}`` and a proxy's is a web page.
_NOT_FOUND_TEXT = "countermark cannot be found"


def _not_found(token: str, messages: Mapping[str, list[str]]) -> Outcome:
    """404 is "unknown code" only with the booking route's body; else the address is wrong."""
    text = _first(messages, "global") or ""
    if _NOT_FOUND_TEXT in text.lower():
        return NotFound(token)
    return WrongServerAddress(404, f"404 sans réponse de l'API : {_summary(messages)}"[:300])


def _gone(token: str, messages: Mapping[str, list[str]]) -> Outcome | None:
    """410: the routes' English strings, and the French lists of the global handlers that answer a
    cancel racing another change (``booking_cancelled``, or ``booking`` "déjà validée")."""
    if "booking_cancelled" in messages:
        return Cancelled(token)
    text = (_first(messages, "booking") or "").lower()
    if "validated" in text or "validée" in text:
        return AlreadyValidated(token)
    if "cancelled" in text or "annulée" in text:
        return Cancelled(token)
    return None


def _refusal(token: str, status: int, messages: Mapping[str, list[str]]) -> Outcome | None:
    """A booking-state refusal, recognised by its key and wording (they differ per endpoint)."""
    if status == 404:
        return _not_found(token, messages)
    if status == 403 and "payment" in messages:
        return Reimbursed(token)
    if status == 410:
        return _gone(token, messages)
    text = _first(messages, "booking")
    if text is None or status != 403:
        return None
    lowered = text.lower()
    if "vous pourrez valider" in lowered:
        return NotYetConfirmed(token, parse_valid_from(text), text)
    if "structure fermée" in lowered:
        return StructureClosed(token, text)
    if "validation codes" in lowered:
        return HasActivationCodes(token)
    if "not been used" in lowered:
        return NotUsed(token)
    if "cannot be cancelled" in lowered:
        return CannotCancelAnymore(token)
    return None


def _error(token: str, status: int, body: Any, retry_after_s: float | None) -> Outcome:
    messages = error_messages(body)
    outcome = _common(status, messages, retry_after_s) or _refusal(token, status, messages)
    if outcome is None:
        return MalformedResponse(status, f"unexpected answer: {_summary(messages)}"[:300])
    return outcome


def map_read_answer(token: str, status: int, body: Any, retry_after_s: float | None = None) -> Outcome:
    """``GET /public/bookings/v1/token/{token}``: ``Found`` or the reason it cannot be used."""
    if status == 200:
        try:
            return Found(parse_booking(body, token))
        except MalformedBooking as exc:
            return MalformedResponse(200, str(exc))
    return _error(token, status, body, retry_after_s)


def map_change_answer(
    operation: Operation, token: str, status: int, body: Any, retry_after_s: float | None = None
) -> Outcome:
    """``PATCH .../{use,keep,cancel}/token/{token}``: 204 is done; anything else says why not."""
    if status == 204:
        if operation is Operation.USE:
            return Validated(token)
        if operation is Operation.KEEP:
            return ValidationReverted(token)
        return BookingCancelled(token)
    if 200 <= status < 300:
        return MalformedResponse(status, "expected 204 No Content")
    return _error(token, status, body, retry_after_s)


def map_list_answer(status: int, body: Any, limit: int, retry_after_s: float | None = None) -> Outcome:
    """``GET /public/bookings/v1/bookings``: a page, with the cursor of the next one."""
    if status == 200:
        entries = body.get("bookings") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            return MalformedResponse(200, "missing 'bookings' list")
        try:
            bookings = tuple(parse_booking(entry, "") for entry in entries)
        except MalformedBooking as exc:
            return MalformedResponse(200, str(exc))
        # A full page may have a successor; a short one is the last (an empty page always is).
        next_index = bookings[-1].id + 1 if bookings and len(bookings) >= limit else None
        return BookingPage(bookings, next_index)
    messages = error_messages(body)
    if status == 404 and ("venueId" in messages or "offerId" in messages):
        return InvalidRequest(_summary(messages))  # unknown offer or venue for this provider
    if status == 404:
        return WrongServerAddress(404, f"404 sans réponse de l'API : {_summary(messages)}"[:300])
    outcome = _common(status, messages, retry_after_s)
    return outcome or MalformedResponse(status, f"unexpected answer: {_summary(messages)}"[:300])


def _venue(entry: Any, offerer_name: str) -> ReachableVenue:
    if not isinstance(entry, dict):
        raise MalformedBooking("venue is not a JSON object")
    venue_id = _field(entry, "id", int)
    name = _field(entry, "publicName", str, nullable=True) or _field(entry, "legalName", str, nullable=True)
    location = entry.get("location")
    address = location.get("address") if isinstance(location, dict) else None
    return ReachableVenue(
        venue_id, name or f"Lieu {venue_id}", offerer_name, address if isinstance(address, str) else None
    )


def map_venues_answer(status: int, body: Any, retry_after_s: float | None = None) -> Outcome | VenueList:
    """``GET /public/offers/v1/offerer_venues``: a list of ``{"offerer": {...}, "venues": [...]}``."""
    if status == 200:
        if not isinstance(body, list):
            return MalformedResponse(200, "offerer_venues is not a list")
        venues: list[ReachableVenue] = []
        try:
            for entry in body:
                offerer = entry.get("offerer") if isinstance(entry, dict) else None
                listed = entry.get("venues") if isinstance(entry, dict) else None
                if not isinstance(offerer, dict) or not isinstance(listed, list):
                    raise MalformedBooking("offerer entry without offerer or venues")
                offerer_name = _field(offerer, "name", str, nullable=True) or ""
                venues.extend(_venue(venue, offerer_name) for venue in listed)
        except MalformedBooking as exc:
            return MalformedResponse(200, str(exc))
        return VenueList(tuple(venues))
    messages = error_messages(body)
    if status == 404:
        return WrongServerAddress(404, f"404 sans réponse de l'API : {_summary(messages)}"[:300])
    outcome = _common(status, messages, retry_after_s)
    return outcome or MalformedResponse(status, f"unexpected answer: {_summary(messages)}"[:300])
