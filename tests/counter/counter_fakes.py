"""Fakes for the counter workflow tests: a scripted bookings API, an in-memory journal, a runner
that holds tasks until the test lets them run, and a settable clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Intent, IntentResolution, JournalLine, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    BookingCancelled,
    Found,
    NotFound,
    Outcome,
    Validated,
    ValidationReverted,
)
from pos_client.domain.scan import RawScan, Transport
from pos_client.workflow import Counter, CounterView, State

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
    # (operation, token) -> an exception the call raises (a bug in the client), "get" for lookups
    errors: dict[tuple[str, str], Exception] = field(default_factory=dict)
    # Called while a change request is "in flight" (after the intent, before the answer).
    on_change: Callable[[], None] | None = None

    def _answer(self, op: str, token: str, default: Outcome) -> Outcome:
        self.calls.append((op, token))
        self.events.append(f"api.{op}:{token}")
        if self.on_change is not None:
            self.on_change()
        if (op, token) in self.errors:
            raise self.errors[(op, token)]
        return self.changes.get((op, token), default)

    def get_booking(self, token: str) -> Outcome:
        self.calls.append(("get", token))
        self.events.append(f"api.get:{token}")
        if ("get", token) in self.errors:
            raise self.errors[("get", token)]
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
    fail_resolve: Exception | None = None
    bookings: dict[int, Booking] = field(default_factory=dict)
    confirmed_by_reread: dict[int, bool] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)

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
        if self.fail_resolve is not None:
            raise self.fail_resolve
        if self.intents[intent.id - 1].resolution in (IntentResolution.DONE, IntentResolution.REFUSED):
            # Settled already (like the SQLite store): its payment, never a second one.
            return next((p for p in self.payments if p.intent_id == intent.id), None)
        self.confirmed_by_reread[intent.id] = confirmed_by_reread
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
        if self.fail_resolve is not None:
            raise self.fail_resolve
        if self.intents[intent.id - 1].resolution in (IntentResolution.DONE, IntentResolution.REFUSED):
            return
        self.reasons[intent.id] = reason
        self._set(intent, IntentResolution.REFUSED)

    def resolve_unknown(self, intent: Intent, detail: str) -> None:
        if self.fail_resolve is not None:
            raise self.fail_resolve
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
    """Holds submitted work until the test runs it, so in-flight states can be observed. Like the Qt
    runner, a job that raises calls ``failed`` (or, without one, is dropped)."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.failures: list[Exception] = []

    def submit(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        def run() -> None:
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - handed to ``failed``, like the Qt runner
                self.failures.append(exc)
                if failed is not None:
                    failed(exc)
                return
            done(result)

        self.pending.append(run)

    def run_all(self) -> None:
        while self.pending:
            self.pending.pop(0)()


def scan(text: str, transport: Transport = Transport.SERIAL, at: float = 0.0) -> RawScan:
    return RawScan(text=text, transport=transport, source_id=f"{transport.value}:test", received_at=at)


class Rig:
    """A counter on the fakes, with every view it showed and every settlement it reported."""

    def __init__(self, journal: MemoryJournal | None = None) -> None:
        """A counter; given ``journal`` (and its clock), a till restarted on that journal."""
        self.events: list[str] = []
        self.settled: list[tuple[Intent, IntentResolution]] = []
        self.clock = journal.clock if journal else FakeClock()
        self.api = FakeApi(self.events)
        self.journal = journal or MemoryJournal(self.events, self.clock)
        self.runner = HeldRunner()
        self.views: list[CounterView] = []
        self.counter = Counter(
            self.api,
            self.journal,
            self.runner,
            on_view=self.views.append,
            monotonic=self.clock.monotonic,
            now=self.clock.now,
            guard_window_s=3.0,
            burst_quiet_s=0.4,
            return_to_ready_s=6.0,
            on_settled=self.settled.extend,
        )

    def card(self, token: str = "352UW4") -> None:
        self.counter.scan(scan(token))
        self.runner.run_all()
        assert self.counter.state is State.ID_CHECK

    def validated(self, token: str = "352UW4") -> None:
        self.card(token)
        assert self.counter.confirm_id_check(token)
        assert self.counter.validate(token)
        self.runner.run_all()
        assert self.counter.state is State.VALIDATED


class StoredKey:
    """A key store holding one key (or none) for every environment, as the OS keyring would."""

    def __init__(self, key: str | None) -> None:
        self.key = key

    def get_key(self, environment: object) -> str | None:
        return self.key

    def set_key(self, environment: object, key: str) -> None:
        self.key = key


class NoKeys:
    """A key store with no key, for windows whose tests never save one."""

    def get_key(self, environment: object) -> str | None:
        return None

    def set_key(self, environment: object, key: str) -> None:
        raise AssertionError("no key is saved in these tests")
