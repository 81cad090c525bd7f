"""Typed results of the pass Culture bookings API v1, one class per answer, grouped by category.

Every answer the contract lists has its own outcome type, so callers switch on types
(``match outcome: case NotFound(): ...``) or on a category base class instead of status codes:

- ``Success``: ``Found``, ``BookingPage``; ``ChangeDone`` (a success of a change): ``Validated``,
  ``ValidationReverted``, ``BookingCancelled``
- ``Refusal`` (the booking's state says no): ``NotFound``, ``AlreadyValidated``, ``Cancelled``,
  ``Reimbursed``, ``NotYetConfirmed``, ``StructureClosed``, ``NotUsed``, ``HasActivationCodes``,
  ``CannotCancelAnymore``, ``InvalidRequest``; ``ClaimedElsewhere`` (another till of the shared
  ledger holds or made the change)
- ``Credentials``: ``AuthMissing``, ``AuthInvalid``, ``InactiveProvider``
- ``Trouble``: ``RateLimited``, ``ServerError``, ``NetworkUnreachable``, ``TimedOut``,
  ``MalformedResponse``, ``WrongServerAddress`` (a 404 that is not the API's: a wrong base path or
  a proxy's page; nothing reached a booking), ``ImplausibleAmount``, ``OutcomeUnknown`` (a change may
  or may not have gone through, and re-reading could not tell: the counter keeps the intent open and
  never says "validée").

The one table of what a re-read of a booking proves about a change whose answer was lost
(``reread_verdict``) and which success each change expects (``done_outcome``) live here too, so the API
client and the counter's settlement decide the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from pos_client.domain.booking import Booking
from pos_client.domain.ledger import Operation

__all__ = [
    "VALID_FROM_IN_MESSAGE",
    "AlreadyValidated",
    "AuthInvalid",
    "AuthMissing",
    "BookingCancelled",
    "BookingPage",
    "Cancelled",
    "CannotCancelAnymore",
    "ChangeDone",
    "ClaimedElsewhere",
    "Credentials",
    "Found",
    "HasActivationCodes",
    "ImplausibleAmount",
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
    "Refusal",
    "Reimbursed",
    "RereadVerdict",
    "ServerError",
    "StructureClosed",
    "Success",
    "TimedOut",
    "Trouble",
    "Validated",
    "ValidationReverted",
    "WrongServerAddress",
    "done_outcome",
    "is_done",
    "reread_verdict",
]


# ----------------------------------------------------------------------------- categories
class Success:
    """The API did what was asked (a read, or a change: see ``ChangeDone``)."""

    __slots__ = ()


class ChangeDone(Success):
    """A change went through; ``confirmed_by_reread``: its answer was lost and a re-read proved it."""

    __slots__ = ()
    token: str
    confirmed_by_reread: bool


class Refusal:
    """The booking's state (or the request) says no; nothing was changed."""

    __slots__ = ()


class Credentials:
    """The API key is missing, refused or deactivated; nothing was changed."""

    __slots__ = ()


class Trouble:
    """The server or the network failed; for a change, ``OutcomeUnknown`` says it may have gone through."""

    __slots__ = ()


# ----------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Found(Success):
    booking: Booking


@dataclass(frozen=True)
class Validated(ChangeDone):
    token: str
    # True when the answer was lost and a re-read proved our validation went through.
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class ValidationReverted(ChangeDone):
    token: str
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class BookingCancelled(ChangeDone):
    token: str
    confirmed_by_reread: bool = False


@dataclass(frozen=True)
class BookingPage(Success):
    bookings: tuple[Booking, ...]
    # ``firstIndex`` of the next page, or None when this page was the last one.
    next_first_index: int | None


@dataclass(frozen=True)
class NotFound(Refusal):
    token: str


@dataclass(frozen=True)
class AlreadyValidated(Refusal):
    token: str


@dataclass(frozen=True)
class Cancelled(Refusal):
    """The booking was cancelled (by the beneficiary, by expiry or by a venue)."""

    token: str


@dataclass(frozen=True)
class Reimbursed(Refusal):
    token: str


# The date in the API's "Vous pourrez valider cette contremarque à partir du 24/07/2025 à 14:00, ..."
VALID_FROM_IN_MESSAGE = re.compile(r"(\d{2})/(\d{2})/(\d{4}) à (\d{2}):(\d{2})")


@dataclass(frozen=True)
class NotYetConfirmed(Refusal):
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
class StructureClosed(Refusal):
    token: str
    api_message: str


@dataclass(frozen=True)
class NotUsed(Refusal):
    """Revert asked for a booking that is not validated."""

    token: str


@dataclass(frozen=True)
class HasActivationCodes(Refusal):
    token: str


@dataclass(frozen=True)
class CannotCancelAnymore(Refusal):
    token: str


@dataclass(frozen=True)
class ClaimedElsewhere(Refusal):
    """Another till sharing the ledger is changing this booking now (``done`` False, since ``at``) or
    made that change (``done`` True, at ``at``): this till sends nothing."""

    token: str
    operation: str  # "use", "keep" or "cancel"
    till: str
    at: datetime
    done: bool


@dataclass(frozen=True)
class InvalidRequest(Refusal):
    """400: the request was refused as malformed (list filters, bad parameters)."""

    detail: str


@dataclass(frozen=True)
class AuthMissing(Credentials):
    """No API key is configured for this environment."""


@dataclass(frozen=True)
class AuthInvalid(Credentials):
    """The server refused the key (401)."""


@dataclass(frozen=True)
class InactiveProvider(Credentials):
    """The provider behind the key is deactivated."""


@dataclass(frozen=True)
class RateLimited(Trouble):
    retry_after_s: float | None


@dataclass(frozen=True)
class ServerError(Trouble):
    status_code: int


@dataclass(frozen=True)
class NetworkUnreachable(Trouble):
    detail: str


@dataclass(frozen=True)
class TimedOut(Trouble):
    detail: str


@dataclass(frozen=True)
class MalformedResponse(Trouble):
    status_code: int
    detail: str


@dataclass(frozen=True)
class WrongServerAddress(Trouble):
    """A 404 without the API's "countermark cannot be found": the request never reached the bookings
    routes (a wrong base path, a moved route, a proxy's page). Nothing was changed or refused."""

    status_code: int
    detail: str


@dataclass(frozen=True)
class ImplausibleAmount(Trouble):
    """The booking's amount cannot be a real sale (a server's error or a hostile answer): refused
    before anything is claimed, written or sent. ``detail`` is French."""

    token: str
    detail: str


@dataclass(frozen=True)
class OutcomeUnknown(Trouble):
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
    | ClaimedElsewhere
    | AuthMissing
    | AuthInvalid
    | InactiveProvider
    | RateLimited
    | ServerError
    | NetworkUnreachable
    | TimedOut
    | MalformedResponse
    | ImplausibleAmount
    | WrongServerAddress
    | OutcomeUnknown
)


# ----------------------------------------------------------------------------- decisions
class RereadVerdict(Enum):
    """What a read of the booking proves about a change whose answer was lost."""

    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    UNCLEAR = "unclear"  # the read failed or shows neither: the intent stays open


# What a re-read shows when a change went through, and when it surely did not.
_WENT_THROUGH: dict[Operation, tuple[type, ...]] = {
    Operation.USE: (AlreadyValidated,),
    # After a revert the booking reads as to be collected (or pending / closed: CONFIRMED states too).
    Operation.KEEP: (Found, NotYetConfirmed, StructureClosed),
    Operation.CANCEL: (Cancelled,),
}
_NOT_APPLIED: dict[Operation, tuple[type, ...]] = {
    Operation.USE: (Found,),
    Operation.KEEP: (AlreadyValidated,),
    Operation.CANCEL: (Found, NotYetConfirmed, StructureClosed),
}


def reread_verdict(operation: Operation, outcome: Outcome) -> RereadVerdict:
    """The one table: what ``outcome`` (a read of the booking) proves about ``operation``."""
    if isinstance(outcome, _WENT_THROUGH[operation]):
        return RereadVerdict.APPLIED
    if isinstance(outcome, _NOT_APPLIED[operation]):
        return RereadVerdict.NOT_APPLIED
    return RereadVerdict.UNCLEAR


_DONE_TYPES: dict[Operation, type[Validated | ValidationReverted | BookingCancelled]] = {
    Operation.USE: Validated,
    Operation.KEEP: ValidationReverted,
    Operation.CANCEL: BookingCancelled,
}


def done_outcome(
    operation: Operation, token: str, *, confirmed_by_reread: bool = False
) -> Validated | ValidationReverted | BookingCancelled:
    """The success ``operation`` expects (``Validated`` for USE, and so on)."""
    return _DONE_TYPES[operation](token, confirmed_by_reread=confirmed_by_reread)


def is_done(operation: Operation, outcome: Outcome) -> bool:
    """``outcome`` is the success of ``operation`` (not of another change)."""
    return isinstance(outcome, _DONE_TYPES[operation])
