"""What the journal (and the shared ledger) records: intents written before a change is sent, their
resolutions, and the lines of the "pass Culture" payment mode. No personal data, ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pos_client.domain.scan import Transport

__all__ = ["Intent", "IntentResolution", "JournalLine", "Operation", "PaymentRecord"]


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
