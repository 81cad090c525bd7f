"""The interfaces the counter depends on, so each side can be built and tested alone.

``BookingsApi`` is implemented by ``pos_client.api.client.BookingsClient`` (real HTTP) and by fakes
in tests. ``Journal`` is implemented by ``pos_client.journal`` (SQLite). Both are called from worker
threads, never from the GUI thread; implementations must be thread-safe. ``TaskRunner`` is how the
counter sends slow work away from its owner thread.

A journal raises only ``JournalError``: ``JournalUnavailable`` for what the shop can act on (disk
full or read-only, the file locked, damaged or closed at exit), ``JournalBug`` for a fault of the
program itself (a SQL error): the cashier is told differently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from pos_client.domain.booking import Booking
from pos_client.domain.feed import FeedBatch, FeedPosition
from pos_client.domain.ledger import Intent, JournalLine, Operation, PaymentRecord
from pos_client.domain.outcomes import ClaimedElsewhere, Outcome
from pos_client.domain.scan import Transport

__all__ = [
    "BookingClaims",
    "BookingsApi",
    "ClaimTicket",
    "InlineRunner",
    "Journal",
    "JournalBug",
    "JournalError",
    "JournalFeed",
    "JournalUnavailable",
    "LedgerWord",
    "RequestBudget",
    "TaskRunner",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


class JournalError(Exception):
    """The journal could not do what was asked; ``str()`` is a French sentence for the cashier."""


class JournalUnavailable(JournalError):
    """A trouble the shop can act on: disk full or read-only, file locked or damaged, journal closed."""


class JournalBug(JournalError):
    """A fault of the program itself (a SQL error): nothing the cashier can fix; logged with details."""


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
        beginning_datetime: datetime | None = None,
        price_category_id: int | None = None,
    ) -> Outcome: ...


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

    def resolve_to_check(self, intent: Intent, detail: str) -> None:
        """Done on the API, but not proven this till's: no payment line, listed "à vérifier"."""
        ...

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


class JournalFeed(Protocol):
    """A journal's records in writing order, for the shared ledger's replication (``SqliteJournal``)."""

    @property
    def uid(self) -> str:
        """The journal's own random id (records are keyed by it and their position in the ledger)."""
        ...

    def feed_after(self, position: int, limit: int) -> FeedBatch: ...

    def feed_position(self, position: int) -> FeedPosition: ...


@dataclass(frozen=True)
class ClaimTicket:
    """This till holds a booking's change in the shared ledger until it says how the change ended.
    ``taken_over_from``: the till whose claim had lapsed (it died while sending): its change may
    have gone through, so the booking is re-read before anything is sent."""

    claim_id: int
    token: str
    taken_over_from: str | None = None


@dataclass(frozen=True)
class LedgerWord:
    """What the shared ledger says of a booking before anything is read or settled. ``reachable``
    False: it could not be asked (the till works alone). ``elsewhere``: another till holds a change
    of it now (``done`` False) or made its validation (``done`` True). ``validated_here_at``: this
    till's own validation went through then (its claim said so), and nothing reverted it since."""

    reachable: bool
    elsewhere: ClaimedElsewhere | None = None
    validated_here_at: datetime | None = None


class BookingClaims(Protocol):
    """Claims across the tills sharing one ledger (``pos_client.ledger``): a till claims a booking
    before sending a change, so two tills never send one at once (the real server answers 500) and
    "who validated" is known. Implementations never raise: an unreachable ledger answers None (the
    till then works as a single till and says so)."""

    def claim(self, token: str, operation: Operation) -> ClaimTicket | ClaimedElsewhere | None: ...

    def finish(self, ticket: ClaimTicket, *, went_through: bool | None) -> None:
        """The change went through (True), was not applied (False) or is unknown (None: the claim is
        kept until its lease ends or a re-read settles it)."""
        ...

    def elsewhere(self, token: str, *, validated: bool) -> ClaimedElsewhere | None:
        """Another till holds a change of ``token`` now, or (``validated``) made its validation."""
        ...

    def held(self, ticket: ClaimTicket) -> AbstractContextManager[object]:
        """While ``ticket``'s change is in flight: its lease is renewed, so a long exchange (a wait
        for the request budget, a slow answer, the client's re-read) never lets another till take
        the booking over and send the change a second time."""
        ...

    def word(self, token: str) -> LedgerWord:
        """Who holds or validated ``token`` in the ledger: asked before reading a booking (another
        till's claim or validation is told without a request) and before settling an open
        validation ("already validated" is then this till's sale or another's, never a guess)."""
        ...

    def mark_done(self, token: str, operation: Operation) -> None:
        """A change of this till whose answer was lost was found done by a re-read: the ledger is
        told (its claim done), so the other tills are told at once and never send it again."""
        ...


class RequestBudget(Protocol):
    """The API key's request budget (200 a minute, the contract): this till's own
    (``api.limiter.RequestLimiter``) or one shared by the tills of a ledger (``ledger.budget``)."""

    def acquire(self) -> float | None:
        """Take a request start, waiting a little if needed; None when granted, else how long it
        would still take (nothing taken: the caller reports rate limiting)."""
        ...


class TaskRunner(Protocol):
    """Runs ``work`` away from the owner thread, then calls ``done(result)`` on the owner thread. When
    ``work`` raises, ``failed(exception)`` is called on the owner thread instead (without ``failed``,
    the exception is only logged): a job never ends without an answer."""

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None: ...


class InlineRunner:
    """Runs the work at once on the calling thread (tests, and callers with no owner thread)."""

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        try:
            result = work()
        except Exception as exc:
            if failed is None:
                raise
            log.exception("job failed")
            failed(exc)
            return
        done(result)
