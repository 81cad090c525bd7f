"""Fakes for the counter workflow tests: a scripted bookings API, an in-memory journal, a runner
that holds tasks until the test lets them run, and a settable clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pos_client.api.models import (
    Beneficiary,
    Booking,
    BookingCancelled,
    BookingStatus,
    Found,
    NotFound,
    Outcome,
    Validated,
    ValidationReverted,
)
from pos_client.ports import Intent, IntentResolution, JournalLine, Operation, PaymentRecord
from pos_client.scanner.source import RawScan, Transport

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def make_booking(token: str = "352UW4", *, quantity: int = 1, unit_price_cents: int = 1250) -> Booking:
    return Booking(
        id=abs(hash(token)) % 100000,
        token=token,
        status=BookingStatus.CONFIRMED,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        offer_id=7,
        offer_name="Le Petit Prince",
        offer_ean="9782070612758",
        stock_id=3,
        price_category_id=None,
        price_category_label=None,
        venue_id=1,
        venue_name="Librairie du Centre",
        offer_address=None,
        offer_department_code="75",
        creation_date=T0 - timedelta(days=3),
        confirmation_date=None,
        beneficiary=Beneficiary("Camille", "Martin", date(2007, 5, 2), "c@example.org", None, None),
    )


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.t - 1000.0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class FakeApi:
    """Answers from a script; by default a token is a found 12,50 € booking that validates."""

    events: list[str]
    lookups: dict[str, Outcome] = field(default_factory=dict)
    changes: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def _answer(self, op: str, token: str, default: Outcome) -> Outcome:
        self.calls.append((op, token))
        self.events.append(f"api.{op}:{token}")
        return self.changes.get((op, token), default)

    def get_booking(self, token: str) -> Outcome:
        self.calls.append(("get", token))
        self.events.append(f"api.get:{token}")
        return self.lookups.get(token, Found(make_booking(token)))

    def validate(self, token: str) -> Outcome:
        return self._answer("use", token, Validated(token))

    def keep(self, token: str) -> Outcome:
        return self._answer("keep", token, ValidationReverted(token))

    def cancel(self, token: str) -> Outcome:
        return self._answer("cancel", token, BookingCancelled(token))

    def list_bookings(self, **_: Any) -> Outcome:
        return NotFound("")

    def count(self, op: str) -> int:
        return sum(1 for name, _ in self.calls if name == op)


@dataclass
class MemoryJournal:
    events: list[str]
    clock: FakeClock
    intents: list[Intent] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    fail_begin: Exception | None = None
    bookings: dict[int, Booking] = field(default_factory=dict)

    def begin(
        self,
        operation: Operation,
        booking: Booking,
        *,
        transport: Transport,
        source_id: str,
        id_checked_at: datetime | None,
    ) -> Intent:
        if self.fail_begin is not None:
            raise self.fail_begin
        self.events.append(f"journal.begin:{operation.value}:{booking.token}")
        intent = Intent(
            len(self.intents) + 1,
            operation,
            booking.token,
            booking.id,
            self.clock.now(),
            IntentResolution.PENDING,
        )
        self.intents.append(intent)
        self.bookings[intent.id] = booking
        return intent

    def _set(self, intent: Intent, resolution: IntentResolution) -> None:
        self.intents[intent.id - 1] = Intent(
            intent.id, intent.operation, intent.token, intent.booking_id, intent.created_at, resolution
        )
        self.events.append(f"journal.{resolution.value}:{intent.token}")

    def resolve_done(self, intent: Intent, *, confirmed_by_reread: bool = False) -> PaymentRecord | None:
        self._set(intent, IntentResolution.DONE)
        if intent.operation is Operation.CANCEL:
            return None
        booking = self.bookings[intent.id]
        sign = -1 if intent.operation is Operation.KEEP else 1
        record = PaymentRecord(
            len(self.payments) + 1,
            f"uid-{intent.id}",
            intent.id,
            intent.token,
            booking.id,
            booking.offer_name,
            booking.offer_ean,
            booking.unit_price_cents,
            booking.quantity,
            sign * booking.total_cents,
            "caisse-1",
            Transport.TYPED,
            self.clock.now(),
        )
        self.payments.append(record)
        return record

    def resolve_refused(self, intent: Intent, reason: str) -> None:
        self._set(intent, IntentResolution.REFUSED)

    def resolve_unknown(self, intent: Intent, detail: str) -> None:
        self._set(intent, IntentResolution.UNKNOWN)

    def open_intents(self) -> list[Intent]:
        return [
            i for i in self.intents if i.resolution in (IntentResolution.PENDING, IntentResolution.UNKNOWN)
        ]

    def validated_by_this_till(self, token: str) -> datetime | None:
        done = [p for p in self.payments if p.token == token]
        if done and sum(p.amount_cents for p in done) > 0:
            return done[-1].recorded_at
        return None

    def validated_booking(self, token: str) -> Booking | None:
        if self.validated_by_this_till(token) is None:
            return None
        last_use = [i for i in self.intents if i.token == token and i.operation is Operation.USE][-1]
        return self.bookings[last_use.id]

    def lines_for_day(self, day: date) -> list[JournalLine]:
        operations = {i.id: i.operation for i in self.intents}
        return [
            JournalLine(
                p.recorded_at,
                p.token,
                p.offer_name,
                p.amount_cents,
                operations[p.intent_id],
                IntentResolution.DONE,
            )
            for p in self.payments
        ]

    def total_for_day_cents(self, day: date) -> int:
        return sum(p.amount_cents for p in self.payments)


class HeldRunner:
    """Holds submitted work until the test runs it, so in-flight states can be observed."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.pending.append(lambda: done(work()))

    def run_all(self) -> None:
        while self.pending:
            self.pending.pop(0)()


def scan(text: str, transport: Transport = Transport.SERIAL, at: float = 0.0) -> RawScan:
    return RawScan(text=text, transport=transport, source_id=f"{transport.value}:test", received_at=at)
