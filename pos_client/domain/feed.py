"""The journal's records in writing order, as the shared ledger receives them (no personal data):
intents, their outcomes (or lost-answer marks) and payment lines, each numbered by ``seq``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["FeedBatch", "FeedIntent", "FeedOutcome", "FeedPayment", "FeedPosition"]


@dataclass(frozen=True)
class FeedIntent:
    seq: int
    intent_id: int
    till: str
    operation: str
    token: str
    booking_id: int
    offer_name: str
    ean: str | None
    unit_price_cents: int
    quantity: int
    venue_id: int | None
    venue_name: str | None
    transport: str
    created_at: datetime
    local_day: date


@dataclass(frozen=True)
class FeedOutcome:
    """A settled intent (``done`` / ``refused``) or a lost answer (``unknown``)."""

    seq: int
    intent_id: int
    resolution: str
    detail: str
    confirmed_by_reread: bool
    resolved_at: datetime


@dataclass(frozen=True)
class FeedPayment:
    seq: int
    uid: str
    intent_id: int
    till: str
    operation: str
    token: str
    booking_id: int
    offer_name: str
    ean: str | None
    unit_price_cents: int
    quantity: int
    amount_cents: int
    venue_id: int | None
    venue_name: str | None
    transport: str
    recorded_at: datetime
    local_day: date
    resolved_at: datetime


@dataclass(frozen=True)
class FeedBatch:
    """The records after ``after``, up to ``last_seq`` (== ``after`` when there is nothing new)."""

    after: int
    last_seq: int
    intents: list[FeedIntent]
    outcomes: list[FeedOutcome]
    payments: list[FeedPayment]

    @property
    def size(self) -> int:
        return len(self.intents) + len(self.outcomes) + len(self.payments)


@dataclass(frozen=True)
class FeedPosition:
    """How far a reader at ``after`` is behind: records still to read, and when the oldest of them
    was written (None when there are none)."""

    last_seq: int
    behind: int
    oldest_written_at: datetime | None
