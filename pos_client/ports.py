"""The interfaces the counter workflow depends on, so each side can be built and tested alone.

``BookingsApi`` is implemented by ``pos_client.api.client.BookingsClient`` (real HTTP) and by fakes
in tests. ``Journal`` is implemented by ``pos_client.journal`` (SQLite). Both are called from worker
threads, never from the GUI thread; implementations must be thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from pos_client.api.models import Booking, Outcome
from pos_client.scanner.source import Transport

__all__ = [
    "BookingsApi",
    "Intent",
    "IntentResolution",
    "Journal",
    "JournalLine",
    "Operation",
    "PaymentRecord",
]


class BookingsApi(Protocol):
    """The pass Culture bookings API v1, one outcome per call, never an exception.

    The three changes (``validate``, ``keep``, ``cancel``) are never resent blindly: after an
    ambiguous failure the implementation re-reads the booking and answers ``Validated`` /
    ``ValidationReverted`` / ``BookingCancelled`` with ``confirmed_by_reread=True``, a refusal, or
    ``OutcomeUnknown``.
    """

    def get_booking(self, token: str) -> Outcome: ...

    def validate(self, token: str) -> Outcome: ...

    def keep(self, token: str) -> Outcome: ...

    def cancel(self, token: str) -> Outcome: ...

    def list_bookings(
        self,
        *,
        offer_id: int | None = None,
        venue_id: int | None = None,
        status: str | None = None,
        first_index: int = 1,
        limit: int = 50,
    ) -> Outcome: ...


class Operation(StrEnum):
    USE = "use"  # validate
    KEEP = "keep"  # revert a validation
    CANCEL = "cancel"


class IntentResolution(StrEnum):
    PENDING = "pending"  # written before the request; not answered yet
    DONE = "done"  # the API did it (validated / reverted / cancelled)
    REFUSED = "refused"  # the API answered no, with a reason
    UNKNOWN = "unknown"  # the answer was lost; resolved later by re-reading the booking


@dataclass(frozen=True)
class Intent:
    """A change about to be sent to the API, written durably *before* the request."""

    id: int
    operation: Operation
    token: str
    booking_id: int
    created_at: datetime
    resolution: IntentResolution


@dataclass(frozen=True)
class PaymentRecord:
    """One line under the "pass Culture" payment mode. A revert adds a negative record."""

    id: int
    uid: str  # unique id, given to the cash register so it can drop repeats
    intent_id: int
    token: str
    booking_id: int
    offer_name: str
    ean: str | None
    unit_price_cents: int
    quantity: int
    amount_cents: int  # unit price x quantity; negative for a revert
    till: str
    transport: Transport
    recorded_at: datetime


@dataclass(frozen=True)
class JournalLine:
    """A line of today's history as the window shows it (no personal data)."""

    recorded_at: datetime
    token: str
    offer_name: str
    amount_cents: int
    operation: Operation
    resolution: IntentResolution


class Journal(Protocol):
    """The durable record of validations and payments (no personal data, ever)."""

    def begin(
        self,
        operation: Operation,
        booking: Booking,
        *,
        transport: Transport,
        source_id: str,
        id_checked_at: datetime | None,
    ) -> Intent:
        """Write the intent durably before the request is sent."""
        ...

    def resolve_done(self, intent: Intent, *, confirmed_by_reread: bool = False) -> PaymentRecord | None:
        """The API did it. For USE and KEEP this writes exactly one payment record (negative for
        KEEP) and returns it; for CANCEL there is no payment and it returns None."""
        ...

    def resolve_refused(self, intent: Intent, reason: str) -> None: ...

    def resolve_unknown(self, intent: Intent, detail: str) -> None: ...

    def open_intents(self) -> list[Intent]:
        """Intents still PENDING or UNKNOWN (resolved at start-up by re-reading the booking)."""
        ...

    def validated_by_this_till(self, token: str) -> datetime | None:
        """When this till validated ``token`` (and has not reverted it since), else None."""
        ...

    def validated_booking(self, token: str) -> Booking | None:
        """The booking this till validated as ``token`` (and has not reverted since), rebuilt from its
        latest validation intent (offer, EAN, unit price, quantity, booking id; no beneficiary data),
        so the validation can be reverted after a restart; else None."""
        ...

    def lines_for_day(self, day: date) -> list[JournalLine]: ...

    def total_for_day_cents(self, day: date) -> int: ...
