"""``SqliteJournal``: the durable, append-only record of validations and "pass Culture" payments.

One writer connection behind a lock (WAL, ``synchronous=FULL``: a commit that returned survives a
power cut); each reading thread gets its own connection, so readers never wait for the writer. Every
change is one transaction. Called from worker threads, never from the GUI thread.

A payment's time (``recorded_at``) and local day are those of its validation: when its intent was
written, just before the request was sent. An answer settled later (a lost answer re-read at the next
start, possibly the next day) still counts in the day and reimbursement fortnight of the validation;
the settling time is kept apart (``resolved_at``).

Just over 600 lines on purpose: every rule about money (one payment per validation, a keep without
a payment line, a late validation refused) lives in this one class, next to the SQL that enforces it.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.feed import FeedBatch, FeedPosition
from pos_client.domain.ledger import Intent, IntentResolution, JournalLine, Operation, PaymentRecord
from pos_client.domain.scan import Transport
from pos_client.durable import immediate_transaction
from pos_client.journal.errors import JournalClosedError, translated, translated_error
from pos_client.journal.feed import feed_position, read_feed
from pos_client.journal.migrations import NotAJournalError, migrate

__all__ = [
    "PAYMENT_MODE",
    "JournalClosedError",
    "PaymentRow",
    "SqliteJournal",
    "ToCheckLine",
    "open_journal",
    "utc_now",
]

PAYMENT_MODE = "pass Culture"
_BUSY_TIMEOUT_S = 10.0


def utc_now() -> datetime:
    return datetime.now(UTC)


# A keep applied on the API for a validation that has no payment line in this journal.
_DONE_ELSEWHERE = "sans ligne de paiement : validation faite hors de cette caisse"


@dataclass(frozen=True)
class ToCheckLine:
    """A validation recorded "à vérifier": done on the API, not proven this till's; no payment line."""

    recorded_at: datetime
    token: str
    offer_name: str
    amount_cents: int
    detail: str


@dataclass(frozen=True)
class PaymentRow:
    """A payment record with the columns exports and the outbox need besides the port's fields.

    ``record.recorded_at`` and ``local_day`` are the validation's (the intent's) time and day;
    ``resolved_at`` is when its answer was settled (the same moment, give or take the round trip,
    unless the answer was lost and settled by a later re-read)."""

    record: PaymentRecord
    operation: Operation
    payment_mode: str
    local_day: date
    resolved_at: datetime


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the journal stores aware times only")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SqliteJournal:
    """Implements ``pos_client.ports.Journal`` on SQLite. Thread-safe."""

    def __init__(
        self,
        path: Path,
        *,
        till: str,
        clock: Callable[[], datetime] = utc_now,
        local_zone: tzinfo | None = None,
    ) -> None:
        self.path = path
        self.till = till
        self._clock = clock
        # The till's own days (totals, fortnights) follow local time; None = the OS zone.
        self._local_zone = local_zone
        self._write_lock = threading.Lock()
        self._readers_lock = threading.Lock()
        self._readers: dict[int, sqlite3.Connection] = {}
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = self._connect()
        except sqlite3.DatabaseError as exc:
            raise NotAJournalError(str(exc)) from exc
        try:
            # Migrate (which refuses a newer or foreign file untouched) before anything is written.
            migrate(self._writer)
            self._writer.execute("PRAGMA journal_mode = WAL")
        except BaseException:
            self._writer.close()
            raise

    # ------------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise JournalClosedError()
        key = threading.get_ident()
        with self._readers_lock:
            connection = self._readers.get(key)
            if connection is None:
                connection = self._connect()
                connection.execute("PRAGMA query_only = ON")
                self._readers[key] = connection
            return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            if self._closed:
                raise JournalClosedError()
            with immediate_transaction(self._writer) as db:
                yield db

    def close(self) -> None:
        with self._write_lock, self._readers_lock:
            if self._closed:
                return
            self._closed = True
            for connection in self._readers.values():
                connection.close()
            self._readers.clear()
            self._writer.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def local_zone(self) -> tzinfo | None:
        """The zone of the till's days and times (None: the operating system's)."""
        return self._local_zone

    def _local_day(self, moment: datetime) -> str:
        return moment.astimezone(self._local_zone).date().isoformat()

    # ------------------------------------------------------------------ the Journal port
    @translated
    def begin(
        self,
        operation: Operation,
        booking: Booking,
        *,
        transport: Transport,
        source_id: str,
        id_checked_at: datetime | None,
    ) -> Intent:
        now = self._clock()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO intents (operation, token, booking_id, offer_name, ean, unit_price_cents,"
                " quantity, till, transport, source_id, id_checked_at, created_at, local_day, venue_id,"
                " venue_name, price_category_label, booking_created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    operation.value,
                    booking.token,
                    booking.id,
                    booking.offer_name,
                    booking.offer_ean,
                    booking.unit_price_cents,
                    booking.quantity,
                    self.till,
                    transport.value,
                    source_id,
                    None if id_checked_at is None else _iso(id_checked_at),
                    _iso(now),
                    self._local_day(now),
                    booking.venue_id,
                    booking.venue_name,
                    booking.price_category_label,
                    _iso(booking.creation_date) if booking.creation_date else None,
                ),
            )
            intent_id = cursor.lastrowid
        assert intent_id is not None
        return Intent(intent_id, operation, booking.token, booking.id, now, IntentResolution.PENDING)

    @translated
    def resolve_done(self, intent: Intent, *, confirmed_by_reread: bool = False) -> PaymentRecord | None:
        now = self._clock()
        with self._transaction() as db:
            if self._resolution_of(db, intent.id) is not None:
                # Already settled (e.g. by a start-up re-read racing a late answer): never twice.
                existing = db.execute("SELECT id FROM payments WHERE intent_id = ?", (intent.id,)).fetchone()
                return None if existing is None else self._payment_by_id(db, int(existing[0]))
            if intent.operation is not Operation.CANCEL:
                # One payment per validation: a USE follows nothing or a revert, a KEEP follows a USE.
                # An older intent settled late (its re-read sees the booking used by a later intent)
                # must not pay the same validation twice.
                latest = db.execute(
                    "SELECT operation, intent_id FROM payments WHERE token = ? ORDER BY id DESC LIMIT 1",
                    (intent.token,),
                ).fetchone()
                use = intent.operation is Operation.USE
                expected_before = Operation.KEEP.value if use else Operation.USE.value
                if latest is None and intent.operation is Operation.KEEP:
                    # A revert of a validation this till never paid (support's keep of a booking
                    # validated elsewhere): applied on the API, nothing to reverse here.
                    db.execute(
                        "INSERT INTO resolutions VALUES (?, 'done', ?, ?, ?)",
                        (intent.id, _DONE_ELSEWHERE, int(confirmed_by_reread), _iso(now)),
                    )
                    return None
                if latest is not None and latest[0] != expected_before:
                    detail = "déjà enregistré" + ("" if latest is None else f" (intention {latest[1]})")
                    db.execute(
                        "INSERT INTO resolutions VALUES (?, 'refused', ?, ?, ?)",
                        (intent.id, detail, int(confirmed_by_reread), _iso(now)),
                    )
                    return None
            db.execute(
                "INSERT INTO resolutions VALUES (?, 'done', '', ?, ?)",
                (intent.id, int(confirmed_by_reread), _iso(now)),
            )
            if intent.operation is Operation.CANCEL:
                return None
            row = db.execute(
                "SELECT token, booking_id, offer_name, ean, unit_price_cents, quantity, till, transport,"
                " created_at, local_day FROM intents WHERE id = ?",
                (intent.id,),
            ).fetchone()
            (
                token, booking_id, offer_name, ean, unit_price, quantity, till, transport,
                validated_at, validation_day,
            ) = row
            sign = 1 if intent.operation is Operation.USE else -1
            # The payment belongs to the validation's time and day (the intent's), not to this
            # settling's: a lost answer settled after midnight stays in the day it was sent.
            cursor = db.execute(
                "INSERT INTO payments (uid, intent_id, operation, payment_mode, token, booking_id,"
                " offer_name, ean, unit_price_cents, quantity, amount_cents, till, transport, recorded_at,"
                " local_day, resolved_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    intent.id,
                    intent.operation.value,
                    PAYMENT_MODE,
                    token,
                    booking_id,
                    offer_name,
                    ean,
                    unit_price,
                    quantity,
                    sign * unit_price * quantity,
                    till,
                    transport,
                    validated_at,
                    validation_day,
                    _iso(now),
                ),
            )
            assert cursor.lastrowid is not None
            return self._payment_by_id(db, cursor.lastrowid)

    @translated
    def resolve_refused(self, intent: Intent, reason: str) -> None:
        with self._transaction() as db:
            if self._resolution_of(db, intent.id) is None:
                db.execute(
                    "INSERT INTO resolutions VALUES (?, 'refused', ?, 0, ?)",
                    (intent.id, reason, _iso(self._clock())),
                )

    @translated
    def resolve_unknown(self, intent: Intent, detail: str) -> None:
        with self._transaction() as db:
            if self._resolution_of(db, intent.id) is None:
                db.execute(
                    "INSERT INTO unknown_marks (intent_id, detail, marked_at) VALUES (?, ?, ?)",
                    (intent.id, detail, _iso(self._clock())),
                )

    @translated
    def resolve_to_check(self, intent: Intent, detail: str) -> None:
        """The change is done on the API but this till cannot prove it did it (a lost answer, then
        "already validated", and another till's claim or none to compare with): resolved without a
        payment line and listed "à vérifier" (``to_check_lines``)."""
        now = _iso(self._clock())
        with self._transaction() as db:
            if self._resolution_of(db, intent.id) is None:
                db.execute(
                    "INSERT INTO resolutions VALUES (?, 'done', ?, 1, ?)",
                    (intent.id, f"à vérifier : {detail}", now),
                )
                db.execute(
                    "INSERT INTO to_check (intent_id, detail, marked_at) VALUES (?, ?, ?)",
                    (intent.id, detail, now),
                )

    @translated
    def to_check_lines(self) -> list[ToCheckLine]:
        """Validations to be checked, oldest first: token, offer, amount, why, when (no payment line)."""
        rows = (
            self._reader()
            .execute(
                "SELECT i.created_at, i.token, i.offer_name, i.unit_price_cents * i.quantity, c.detail"
                " FROM to_check c JOIN intents i ON i.id = c.intent_id ORDER BY i.id"
            )
            .fetchall()
        )
        return [
            ToCheckLine(_parse(at), token, name, int(amount), detail)
            for at, token, name, amount, detail in rows
        ]

    @translated
    def open_intents(self) -> list[Intent]:
        rows = (
            self._reader()
            .execute(
                "SELECT i.id, i.operation, i.token, i.booking_id, i.created_at,"
                " EXISTS (SELECT 1 FROM unknown_marks u WHERE u.intent_id = i.id)"
                " FROM intents i LEFT JOIN resolutions r ON r.intent_id = i.id"
                " WHERE r.intent_id IS NULL ORDER BY i.id"
            )
            .fetchall()
        )
        return [
            Intent(
                int(intent_id),
                Operation(operation),
                token,
                int(booking_id),
                _parse(created_at),
                IntentResolution.UNKNOWN if unknown else IntentResolution.PENDING,
            )
            for intent_id, operation, token, booking_id, created_at, unknown in rows
        ]

    def _this_till_validation(self, token: str) -> Any:
        """This till's latest payment row for ``token`` with its intent's booking columns, when it is
        a validation (not a revert), else None."""
        row = (
            self._reader()
            .execute(
                "SELECT p.operation, p.recorded_at, i.booking_id, i.offer_name, i.ean, i.unit_price_cents,"
                " i.quantity, i.created_at, i.venue_id, i.venue_name, i.price_category_label,"
                " i.booking_created_at"
                " FROM payments p JOIN intents i ON i.id = p.intent_id"
                " WHERE p.token = ? AND p.till = ? ORDER BY p.id DESC LIMIT 1",
                (token, self.till),
            )
            .fetchone()
        )
        return None if row is None or row[0] != Operation.USE.value else row

    @translated
    def validated_by_this_till(self, token: str) -> datetime | None:
        row = self._this_till_validation(token)
        return None if row is None else _parse(row[1])

    @translated
    def validated_booking(self, token: str) -> Booking | None:
        row = self._this_till_validation(token)
        if row is None:
            return None
        (
            _, _, booking_id, offer_name, ean, unit_price, quantity, created_at,
            venue_id, venue_name, price_category_label, booking_created_at,
        ) = row
        # The journal keeps no personal data: the beneficiary stays empty on the rebuilt booking. Rows
        # from schema 1 have no venue nor booking date (the intent's time stands in for the latter).
        return Booking(
            id=int(booking_id),
            token=token,
            status=BookingStatus.USED,
            quantity=int(quantity),
            unit_price_cents=int(unit_price),
            offer_id=0,
            offer_name=offer_name,
            offer_ean=ean,
            stock_id=0,
            price_category_id=None,
            price_category_label=price_category_label,
            venue_id=0 if venue_id is None else int(venue_id),
            venue_name=venue_name or "",
            offer_address=None,
            offer_department_code=None,
            creation_date=_parse(booking_created_at or created_at),
            confirmation_date=None,
            beneficiary=Beneficiary(None, None, None, "", None, None),
        )

    @translated
    def lines_for_day(self, day: date) -> list[JournalLine]:
        """The day's payment lines (sales and reverts), oldest validation first."""
        rows = (
            self._reader()
            .execute(
                "SELECT recorded_at, token, offer_name, amount_cents, operation FROM payments"
                " WHERE local_day = ? ORDER BY recorded_at, id",
                (day.isoformat(),),
            )
            .fetchall()
        )
        return [
            JournalLine(_parse(at), token, name, int(amount), Operation(operation), IntentResolution.DONE)
            for at, token, name, amount, operation in rows
        ]

    @translated
    def total_for_day_cents(self, day: date) -> int:
        row = (
            self._reader()
            .execute(
                "SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE local_day = ?", (day.isoformat(),)
            )
            .fetchone()
        )
        return int(row[0])

    # ------------------------------------------------------------------ beyond the port
    @translated
    def payments_between(self, first_day: date, last_day: date) -> list[PaymentRow]:
        """Payment records whose local day is in ``[first_day, last_day]``, oldest validation first."""
        rows = (
            self._reader()
            .execute(
                f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE local_day BETWEEN ? AND ?"
                " ORDER BY recorded_at, id",
                (first_day.isoformat(), last_day.isoformat()),
            )
            .fetchall()
        )
        return [_row(values) for values in rows]

    @translated
    def undelivered(self, channel: str, *, limit: int = 100) -> list[PaymentRow]:
        rows = (
            self._reader()
            .execute(
                f"SELECT {_PAYMENT_COLUMNS} FROM payments p WHERE NOT EXISTS"
                " (SELECT 1 FROM deliveries d WHERE d.payment_id = p.id AND d.channel = ?)"
                " ORDER BY p.id LIMIT ?",
                (channel, limit),
            )
            .fetchall()
        )
        return [_row(values) for values in rows]

    @translated
    def undelivered_count(self, channel: str) -> int:
        row = (
            self._reader()
            .execute(
                "SELECT count(*) FROM payments p WHERE NOT EXISTS"
                " (SELECT 1 FROM deliveries d WHERE d.payment_id = p.id AND d.channel = ?)",
                (channel,),
            )
            .fetchone()
        )
        return int(row[0])

    @translated
    def mark_delivered(self, payment: PaymentRecord, channel: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)",
                (payment.id, channel, _iso(self._clock())),
            )

    @translated
    def resolution_counts(self) -> dict[IntentResolution, int]:
        """How many intents are in each state (for the status bar and diagnostics)."""
        db = self._reader()
        done, refused = db.execute(
            "SELECT coalesce(sum(resolution = 'done'), 0), coalesce(sum(resolution = 'refused'), 0)"
            " FROM resolutions"
        ).fetchone()
        open_intents = self.open_intents()
        unknown = sum(1 for intent in open_intents if intent.resolution is IntentResolution.UNKNOWN)
        return {
            IntentResolution.DONE: int(done),
            IntentResolution.REFUSED: int(refused),
            IntentResolution.UNKNOWN: unknown,
            IntentResolution.PENDING: len(open_intents) - unknown,
        }

    # ------------------------------------------------------------------ replication feed (schema 4)
    @property
    def uid(self) -> str:
        """This journal file's random id (kept with the file): names its records in the ledger."""
        row = self._reader().execute("SELECT uid FROM journal_identity").fetchone()
        return str(row[0])

    def feed_after(self, position: int, limit: int = 500) -> FeedBatch:
        """At most ``limit`` records written after feed position ``position`` (``journal.feed``)."""
        return read_feed(self._reader(), position, limit)

    def feed_position(self, position: int) -> FeedPosition:
        """How many records were written after ``position``, and when the oldest of them was."""
        return feed_position(self._reader(), position)

    @staticmethod
    def _resolution_of(db: sqlite3.Connection, intent_id: int) -> str | None:
        row = db.execute("SELECT resolution FROM resolutions WHERE intent_id = ?", (intent_id,)).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def _payment_by_id(db: sqlite3.Connection, payment_id: int) -> PaymentRecord:
        values = db.execute(f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return _row(values).record


_PAYMENT_COLUMNS = (
    "id, uid, intent_id, token, booking_id, offer_name, ean, unit_price_cents, quantity, amount_cents, till,"
    " transport, recorded_at, operation, payment_mode, local_day, coalesce(resolved_at, recorded_at)"
)


def _row(values: Any) -> PaymentRow:
    (
        payment_id,
        uid,
        intent_id,
        token,
        booking_id,
        offer_name,
        ean,
        unit_price,
        quantity,
        amount,
        till,
        transport,
        recorded_at,
        operation,
        payment_mode,
        local_day,
        resolved_at,
    ) = values
    record = PaymentRecord(
        id=payment_id,
        uid=uid,
        intent_id=intent_id,
        token=token,
        booking_id=booking_id,
        offer_name=offer_name,
        ean=ean,
        unit_price_cents=unit_price,
        quantity=quantity,
        amount_cents=amount,
        till=till,
        transport=Transport(transport),
        recorded_at=_parse(recorded_at),
    )
    return PaymentRow(
        record, Operation(operation), payment_mode, date.fromisoformat(local_day), _parse(resolved_at)
    )


def open_journal(
    path: Path,
    *,
    till: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    local_zone: tzinfo | None = None,
) -> SqliteJournal:
    """Open (creating or migrating) the journal at ``path``. ``till`` defaults to the till name in
    the settings' default (the host name)."""
    if till is None:
        from pos_client.settings import Settings

        till = Settings().till_name
    try:
        return SqliteJournal(path, till=till, clock=clock, local_zone=local_zone)
    except (sqlite3.Error, OSError) as exc:
        error = translated_error(exc)
        assert error is not None
        raise error from exc
