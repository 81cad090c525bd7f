"""Helpers for the counter tests: a scripted bookings API, the real SQLite journal with event recording
and fault injection, a runner that holds tasks until the test lets them run, and a settable clock."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pos_client.counter.config import CounterConfig
from pos_client.counter.machine import Counter
from pos_client.counter.repeats import RepeatWindows
from pos_client.counter.view import CounterView, State
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
from pos_client.domain.ports import BookingClaims
from pos_client.domain.scan import RawScan, Transport
from pos_client.journal import PaymentRow, SqliteJournal

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


class LiveClock(FakeClock):
    """The real time, for a window whose day's total is read for today."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)


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


class RecordingJournal:
    """The real SQLite journal (a file in a temporary folder, the fake clock's time), recording each
    change in ``events`` as the counter tests check their order, and failing on demand:
    ``fail_begin`` / ``fail_resolve`` are raised instead of writing (fault injection, e.g. a full disk).
    """

    def __init__(self, events: list[str], clock: FakeClock, path: Path | None = None) -> None:
        self.events = events
        self.clock = clock
        self.path = path or Path(tempfile.mkdtemp(prefix="counter-journal-")) / "journal.sqlite3"
        zone = None if isinstance(clock, LiveClock) else UTC  # a live clock's days are the OS zone's
        self.store = SqliteJournal(self.path, till="caisse-1", clock=clock.now, local_zone=zone)
        self.fail_begin: Exception | None = None
        self.fail_resolve: Exception | None = None

    def reopened(self) -> RecordingJournal:
        """The same journal file, opened again as after a restart of the till (this one stays open for
        the test to read)."""
        return RecordingJournal(self.events, self.clock, self.path)

    def close(self) -> None:
        self.store.close()

    # ----------------------------------------------------------------- what tests read
    @property
    def intents(self) -> list[Intent]:
        """Every intent, oldest first (read from the file)."""
        with closing(sqlite3.connect(self.path)) as db:
            rows = db.execute(
                "SELECT i.id, i.operation, i.token, i.booking_id, i.created_at, r.resolution,"
                " EXISTS (SELECT 1 FROM unknown_marks u WHERE u.intent_id = i.id)"
                " FROM intents i LEFT JOIN resolutions r ON r.intent_id = i.id ORDER BY i.id"
            ).fetchall()
        return [
            Intent(
                row[0],
                Operation(row[1]),
                row[2],
                row[3],
                datetime.fromisoformat(row[4]),
                IntentResolution(row[5] or ("unknown" if row[6] else "pending")),
            )
            for row in rows
        ]

    @property
    def payments(self) -> list[PaymentRecord]:
        return [row.record for row in self.store.payments_between(date(2000, 1, 1), date(2100, 1, 1))]

    def _resolved(self, resolution: str, column: str) -> dict[int, Any]:
        with closing(sqlite3.connect(self.path)) as db:
            rows = db.execute(
                f"SELECT intent_id, {column} FROM resolutions WHERE resolution = ?", (resolution,)
            ).fetchall()
        return dict(rows)

    @property
    def confirmed_by_reread(self) -> dict[int, bool]:
        """Intent id -> whether its DONE resolution was confirmed by re-reading the booking."""
        return {key: bool(value) for key, value in self._resolved("done", "confirmed_by_reread").items()}

    @property
    def reasons(self) -> dict[int, str]:
        """Intent id -> why it was REFUSED."""
        return self._resolved("refused", "detail")

    def _resolution(self, intent: Intent) -> IntentResolution:
        return next(i.resolution for i in self.intents if i.id == intent.id)

    # ----------------------------------------------------------------- the Journal port
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
        intent = self.store.begin(
            operation, booking, transport=transport, source_id=source_id, id_checked_at=id_checked_at
        )
        self.events.append(f"journal.begin:{operation.value}:{booking.token}")
        return intent

    def _resolve(self, intent: Intent, resolution: IntentResolution, write: Callable[[], Any]) -> Any:
        if self.fail_resolve is not None:
            raise self.fail_resolve
        before = self._resolution(intent)
        result = write()
        if self._resolution(intent) is not before:
            self.events.append(f"journal.{resolution.value}:{intent.token}")
        return result

    def resolve_done(self, intent: Intent, *, confirmed_by_reread: bool = False) -> PaymentRecord | None:
        done = lambda: self.store.resolve_done(intent, confirmed_by_reread=confirmed_by_reread)  # noqa: E731
        result: PaymentRecord | None = self._resolve(intent, IntentResolution.DONE, done)
        return result

    def resolve_refused(self, intent: Intent, reason: str) -> None:
        self._resolve(intent, IntentResolution.REFUSED, lambda: self.store.resolve_refused(intent, reason))

    def resolve_unknown(self, intent: Intent, detail: str) -> None:
        self._resolve(intent, IntentResolution.UNKNOWN, lambda: self.store.resolve_unknown(intent, detail))

    def resolve_to_check(self, intent: Intent, detail: str) -> None:
        if self.fail_resolve is not None:
            raise self.fail_resolve
        self.store.resolve_to_check(intent, detail)
        self.events.append(f"journal.to_check:{intent.token}")

    def open_intents(self) -> list[Intent]:
        return self.store.open_intents()

    def validated_by_this_till(self, token: str) -> datetime | None:
        return self.store.validated_by_this_till(token)

    def validated_booking(self, token: str) -> Booking | None:
        return self.store.validated_booking(token)

    def lines_for_day(self, day: date) -> list[JournalLine]:
        return self.store.lines_for_day(day)

    def total_for_day_cents(self, day: date) -> int:
        return self.store.total_for_day_cents(day)

    def payments_between(self, first_day: date, last_day: date) -> list[PaymentRow]:
        return self.store.payments_between(first_day, last_day)


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

    def __init__(
        self,
        journal: RecordingJournal | None = None,
        *,
        translate: Callable[[str], str] = str,
        claims: BookingClaims | None = None,
    ) -> None:
        """A counter; given ``journal`` (and its clock), a till restarted on that journal."""
        self.events: list[str] = []
        self.settled: list[tuple[Intent, IntentResolution]] = []
        self.clock = journal.clock if journal else FakeClock()
        self.api = FakeApi(self.events)
        self.journal = journal.reopened() if journal else RecordingJournal(self.events, self.clock)
        self.runner = HeldRunner()
        self.views: list[CounterView] = []
        self.counter = Counter(
            self.api,
            self.journal,
            self.runner,
            on_view=self.views.append,
            monotonic=self.clock.monotonic,
            now=self.clock.now,
            config=CounterConfig(RepeatWindows(scanner_s=3.0), burst_quiet_s=0.4, return_to_ready_s=6.0),
            on_settled=self.settled.extend,
            translate=translate,
            claims=claims,
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
