"""Typed results of the pass Culture bookings API v1.

``Booking`` is what a ``GET /public/bookings/v1/token/{token}`` returns, with prices in cents and
aware datetimes. Every other answer the contract lists has its own outcome type, so callers switch on
types (``match outcome: case NotFound(): ...``) instead of status codes.

Outcome tree (``Outcome`` is the union of all of them):

- success: ``Found``, ``Validated``, ``ValidationReverted``, ``BookingCancelled``, ``BookingPage``
- booking state refusals: ``NotFound``, ``AlreadyValidated``, ``Cancelled``, ``Reimbursed``,
  ``NotYetConfirmed``, ``StructureClosed``, ``NotUsed``, ``HasActivationCodes``,
  ``CannotCancelAnymore``, ``InvalidRequest``
- credentials: ``AuthMissing``, ``AuthInvalid``, ``InactiveProvider``
- trouble: ``RateLimited``, ``ServerError``, ``NetworkUnreachable``, ``TimedOut``,
  ``MalformedResponse``, ``OutcomeUnknown`` (a change may or may not have gone through, and
  re-reading could not tell: the workflow keeps the intent open and never says "validée").

Personal data (name, e-mail, phone, birth date, postal code) is kept in ``Beneficiary``, whose
``repr`` shows nothing, so a ``Booking`` can never leak it into a log by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "VALID_FROM_IN_MESSAGE",
    "AlreadyValidated",
    "AuthInvalid",
    "AuthMissing",
    "Beneficiary",
    "Booking",
    "BookingCancelled",
    "BookingPage",
    "BookingStatus",
    "Cancelled",
    "CannotCancelAnymore",
    "Found",
    "HasActivationCodes",
    "InactiveProvider",
    "InvalidRequest",
    "MalformedResponse",
    "NetworkUnreachable",
    "NotFound",
    "NotUsed",
    "NotYetConfirmed",
    "Outcome",
    "OutcomeUnknown",
    "RateLimited",
    "Reimbursed",
    "ServerError",
    "StructureClosed",
    "TimedOut",
    "Validated",
    "ValidationReverted",
]


class BookingStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    USED = "USED"
    CANCELLED = "CANCELLED"
    REIMBURSED = "REIMBURSED"


@dataclass(frozen=True, repr=False)
class Beneficiary:
    """The young person's identity, shown for the ID check and never stored or logged."""

    first_name: str | None
    last_name: str | None
    birth_date: date | None
    email: str
    phone_number: str | None
    postal_code: str | None

    def __repr__(self) -> str:
        return "Beneficiary(<hidden>)"

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class Booking:
    """One booking as the API shows it. ``token`` is the contremarque used to fetch it."""

    id: int
    token: str
    status: BookingStatus
    quantity: int
    unit_price_cents: int
    offer_id: int
    offer_name: str
    offer_ean: str | None
    stock_id: int
    price_category_id: int | None
    price_category_label: str | None
    venue_id: int
    venue_name: str
    offer_address: str | None
    offer_department_code: str | None
    creation_date: datetime
    confirmation_date: datetime | None
    beneficiary: Beneficiary = field(compare=False)

    @property
    def total_cents(self) -> int:
        """What the shop cashes in: unit price times quantity (a duo counts twice)."""
        return self.unit_price_cents * self.quantity

    @property
    def is_duo(self) -> bool:
        return self.quantity == 2


# ----------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Found:
    booking: Booking


@dataclass(frozen=True)
class Validated:
    token: str
    # True when the answer was lost and a re-read proved our validation went through.
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class ValidationReverted:
    token: str
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class BookingCancelled:
    token: str
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class BookingPage:
    bookings: tuple[Booking, ...]
    # ``firstIndex`` of the next page, or None when this page was the last one.
    next_first_index: int | None


@dataclass(frozen=True)
class NotFound:
    token: str


@dataclass(frozen=True)
class AlreadyValidated:
    token: str


@dataclass(frozen=True)
class Cancelled:
    """The booking was cancelled (by the beneficiary, by expiry or by a venue)."""

    token: str


@dataclass(frozen=True)
class Reimbursed:
    token: str


# The date in the API's "Vous pourrez valider cette contremarque à partir du 24/07/2025 à 14:00, ..."
VALID_FROM_IN_MESSAGE = re.compile(r"(\d{2})/(\d{2})/(\d{4}) à (\d{2}):(\d{2})")


@dataclass(frozen=True)
class NotYetConfirmed:
    """An event booking still inside the beneficiary's cancellation window.

    ``api_message`` is the API's own French sentence, kept verbatim: it is what the till shows. Its
    date is in the time zone of the venue's department (Paris, or an overseas zone such as
    Indian/Reunion), which a 403 answer does not tell; so ``valid_from`` is that date as written,
    a *naive* wall-clock time of the venue, never converted to the till's zone or to Paris time.
    """

    token: str
    valid_from: datetime | None  # naive, the venue's local time; None when the message has no date
    api_message: str  # the API's own French sentence, kept verbatim

    @property
    def message_has_date(self) -> bool:
        """The API sentence carries its date: show it as is."""
        return VALID_FROM_IN_MESSAGE.search(self.api_message) is not None


@dataclass(frozen=True)
class StructureClosed:
    token: str
    api_message: str


@dataclass(frozen=True)
class NotUsed:
    """Revert asked for a booking that is not validated."""

    token: str


@dataclass(frozen=True)
class HasActivationCodes:
    token: str


@dataclass(frozen=True)
class CannotCancelAnymore:
    token: str


@dataclass(frozen=True)
class InvalidRequest:
    """400: the request was refused as malformed (list filters, bad parameters)."""

    detail: str


@dataclass(frozen=True)
class AuthMissing:
    """No API key is configured for this environment."""


@dataclass(frozen=True)
class AuthInvalid:
    """The server refused the key (401)."""


@dataclass(frozen=True)
class InactiveProvider:
    pass


@dataclass(frozen=True)
class RateLimited:
    retry_after_s: float | None


@dataclass(frozen=True)
class ServerError:
    status_code: int


@dataclass(frozen=True)
class NetworkUnreachable:
    detail: str


@dataclass(frozen=True)
class TimedOut:
    detail: str


@dataclass(frozen=True)
class MalformedResponse:
    status_code: int
    detail: str


@dataclass(frozen=True)
class OutcomeUnknown:
    """A change was sent, the answer was lost, and re-reading the booking could not settle it."""

    token: str
    operation: str  # "use", "keep" or "cancel"
    detail: str


Outcome = (
    Found
    | Validated
    | ValidationReverted
    | BookingCancelled
    | BookingPage
    | NotFound
    | AlreadyValidated
    | Cancelled
    | Reimbursed
    | NotYetConfirmed
    | StructureClosed
    | NotUsed
    | HasActivationCodes
    | CannotCancelAnymore
    | InvalidRequest
    | AuthMissing
    | AuthInvalid
    | InactiveProvider
    | RateLimited
    | ServerError
    | NetworkUnreachable
    | TimedOut
    | MalformedResponse
    | OutcomeUnknown
)
