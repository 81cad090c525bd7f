"""The v1 API's rules and exact bodies: which answer a booking gets from each endpoint.

Pure functions of a ``BookingRow`` and the emulator's clock; the checks run in the order of the real
server (``check_is_usable``, ``check_can_be_mark_as_unused``, ``check_booking_can_be_cancelled``),
and every body is byte-for-byte the contract's, including the string-versus-list quirks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pos_client.emulator.store import BookingRow

__all__ = [
    "AUTH_REQUIRED",
    "INACTIVE_PROVIDER",
    "NOT_FOUND",
    "RATE_LIMITED",
    "SERVER_ERROR",
    "Answer",
    "booking_json",
    "cancel_refusal",
    "format_utc",
    "keep_refusal",
    "usable_refusal",
]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


AUTH_REQUIRED = Answer(401, {"auth": "API key required"})
INACTIVE_PROVIDER = Answer(403, {"auth": ["Inactive provider"]})
NOT_FOUND = Answer(404, {"global": "This countermark cannot be found"})
RATE_LIMITED = Answer(
    429, {"global": ["Nombre de tentatives de connexion dépassé, veuillez réessayer dans une minute"]}
)
SERVER_ERROR = Answer(
    500, {"global": ["Il semble que nous ayons des problèmes techniques :( On répare ça au plus vite."]}
)
_STRUCTURE_CLOSED = Answer(
    403, {"booking": ["Vous ne pouvez plus valider de contremarque sur une structure fermée"]}
)

# pcapi.utils.date.CUSTOM_TIMEZONES (overseas departments); everything else is Europe/Paris.
_DEPARTMENT_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
# Fixed offsets when the OS has no time zone database (Windows without tzdata); none of these
# overseas zones has summer time.
_FALLBACK_OFFSETS_H = {
    "America/Guadeloupe": -4,
    "America/Martinique": -4,
    "America/Cayenne": -3,
    "Indian/Reunion": 4,
    "America/Miquelon": -3,
    "Indian/Mayotte": 3,
    "America/St_Barthelemy": -4,
    "America/Marigot": -4,
    "Pacific/Wallis": 12,
    "Pacific/Tahiti": -10,
    "Pacific/Noumea": 11,
}


def format_utc(moment: datetime | None) -> str | None:
    """``format_into_utc_date``: naive UTC isoformat plus ``Z`` (microseconds only when non-zero)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _local_time(moment: datetime, department_code: str | None) -> datetime:
    name = _DEPARTMENT_ZONES.get(department_code or "", "Europe/Paris")
    zone: tzinfo
    try:
        zone = ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name != "Europe/Paris":
            zone = timezone(timedelta(hours=_FALLBACK_OFFSETS_H[name]))
        else:
            # EU rule: summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC.
            summer = _last_sunday(moment.year, 3) <= moment < _last_sunday(moment.year, 10)
            zone = timezone(timedelta(hours=2 if summer else 1))
    return moment.astimezone(zone)


def _not_yet_confirmed(booking: BookingRow) -> Answer:
    assert booking.cancellation_limit_date is not None
    local = _local_time(booking.cancellation_limit_date, booking.department_code)
    when = local.strftime("%d/%m/%Y à %H:%M")
    return Answer(
        403,
        {
            "booking": f"Vous pourrez valider cette contremarque à partir du {when}, "
            "une fois le délai d’annulation passé."
        },
    )


def is_pending(booking: BookingRow, now: datetime) -> bool:
    """An event booking whose beneficiary cancellation window is still open."""
    if booking.beginning_datetime is None:
        return False
    return booking.cancellation_limit_date is None or booking.cancellation_limit_date > now


def usable_refusal(booking: BookingRow, now: datetime) -> Answer | None:
    """GET by token and PATCH use share this check (``check_is_usable``)."""
    if booking.is_reimbursed:
        return Answer(403, {"payment": "This booking has already been reimbursed"})
    if booking.status == "USED":
        return Answer(410, {"booking": "This booking has already been validated"})
    if booking.status == "CANCELLED":
        return Answer(410, {"booking": "This booking has been cancelled"})
    if booking.offerer_closed:
        return _STRUCTURE_CLOSED
    if booking.beginning_datetime is not None:
        if booking.cancellation_limit_date is None:
            return SERVER_ERROR  # the real server raises a ValueError here
        if booking.cancellation_limit_date > now:
            return _not_yet_confirmed(booking)
    return None


def keep_refusal(booking: BookingRow) -> Answer | None:
    """PATCH keep (``check_can_be_mark_as_unused``)."""
    if booking.activation_code is not None:
        return Answer(403, {"booking": "This booking has validation codes, and cannot be marked as unused"})
    if booking.status == "CANCELLED":
        return Answer(410, {"booking": "This booking has been cancelled"})
    if booking.is_reimbursed:
        return Answer(403, {"payment": "This booking has been reimbursed"})
    if booking.status != "USED":
        return Answer(403, {"booking": "This booking has not been used"})
    return None


def cancel_refusal(booking: BookingRow, now: datetime) -> Answer | None:
    """PATCH cancel (``check_booking_can_be_cancelled`` then the event deadline)."""
    if booking.status == "CANCELLED":
        return Answer(410, {"booking": "This booking has already been cancelled"})
    if booking.status == "REIMBURSED":
        return Answer(403, {"payment": "This booking has been reimbursed"})
    if booking.status == "USED":
        return Answer(410, {"booking": "This booking has been validated"})
    if booking.is_event and not is_pending(booking, now):
        return Answer(403, {"booking": "This booking cannot be cancelled anymore"})
    return None


def booking_json(booking: BookingRow) -> dict[str, Any]:
    """``GetBookingResponse``: every key present, nulls included, camelCase."""
    return {
        "id": booking.id,
        "quantity": booking.quantity,
        "creationDate": format_utc(booking.date_created),
        "confirmationDate": format_utc(booking.cancellation_limit_date),
        "price": booking.amount_cents,
        "status": booking.status,
        "offerId": booking.offer_id,
        "stockId": booking.stock_id,
        "priceCategoryId": booking.price_category_id,
        "priceCategoryLabel": booking.price_category_label,
        "offerName": booking.offer_name,
        "offerEan": booking.offer_ean,
        "offerAddress": booking.venue_street,
        "offerDepartmentCode": booking.department_code,
        "venueId": booking.venue_id,
        "venueName": booking.venue_name,
        "userEmail": booking.user_email,
        "userPhoneNumber": booking.user_phone,
        "userFirstName": booking.user_first_name,
        "userLastName": booking.user_last_name,
        "userBirthDate": booking.user_birth_date,
        "userPostalCode": booking.user_postal_code,
    }
