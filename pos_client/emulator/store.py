"""The emulator's state in SQLite: providers and keys, venues, offers, stocks, bookings; its clock.

One connection guarded by a lock serves the server thread and the controlling (test) thread. All
datetimes are stored as naive UTC ISO strings. The automatic transitions of the real platform
(expiry of unused products after 10/30 days, automatic "used" 48 h after an event) are applied
lazily, before every read, against the emulator's own clock.

A store kept in a file remembers the emulator time of its last activity; ``skip_downtime`` (run when
an existing file is opened) shifts every stored date by the time the emulator was stopped, so the
demo's relative dates (an event "in 6 days, booked an hour ago", a concert "tomorrow evening") read
the same after a restart as when they were left, instead of having aged while nothing ran.

Just over 600 lines: the emulator's whole booking model in one SQLite-backed class, so its state
transitions (the real platform's rules) are read together.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pos_client.durable import immediate_transaction

__all__ = [
    "TOKEN_ALPHABET",
    "BookingRow",
    "EmulatorClock",
    "EmulatorStore",
    "ProviderKey",
    "cancellation_limit_date",
    "from_db",
    "to_db",
]

# Base32 without I and O, minus 0, 1, 8, 9 (pcapi.utils.token.random_token).
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
CONFIRM_AFTER_CREATION = timedelta(hours=48)
CONFIRM_BEFORE_EVENT = timedelta(hours=48)
AUTO_USE_AFTER_EVENT = timedelta(hours=48)
BOOKS_EXPIRY = timedelta(days=10)
OTHERS_EXPIRY = timedelta(days=30)
BOOK_SUBCATEGORY = "LIVRE_PAPIER"
# Free bookings of these are marked used (author AUTO) when booked (core/bookings/api.py, book_offer).
AUTO_USED_WHEN_FREE = frozenset({"CARTE_MUSEE", "ABO_BIBLIOTHEQUE", "ABO_MEDIATHEQUE"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS provider (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_key (
    key TEXT PRIMARY KEY, provider_id INTEGER NOT NULL REFERENCES provider(id));
CREATE TABLE IF NOT EXISTS offerer (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_closed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS venue (
    id INTEGER PRIMARY KEY, offerer_id INTEGER NOT NULL REFERENCES offerer(id), name TEXT NOT NULL,
    street TEXT, department_code TEXT);
CREATE TABLE IF NOT EXISTS venue_provider (
    provider_id INTEGER NOT NULL REFERENCES provider(id), venue_id INTEGER NOT NULL REFERENCES venue(id),
    is_active INTEGER NOT NULL, PRIMARY KEY (provider_id, venue_id));
CREATE TABLE IF NOT EXISTS offer (
    id INTEGER PRIMARY KEY, venue_id INTEGER NOT NULL REFERENCES venue(id), name TEXT NOT NULL,
    ean TEXT, subcategory TEXT NOT NULL, is_event INTEGER NOT NULL, can_expire INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stock (
    id INTEGER PRIMARY KEY, offer_id INTEGER NOT NULL REFERENCES offer(id), beginning_datetime TEXT,
    price_cents INTEGER NOT NULL, price_category_id INTEGER, price_category_label TEXT);
CREATE TABLE IF NOT EXISTS booking (
    id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, stock_id INTEGER NOT NULL REFERENCES stock(id),
    quantity INTEGER NOT NULL, amount_cents INTEGER NOT NULL, status TEXT NOT NULL,
    date_created TEXT NOT NULL, cancellation_limit_date TEXT, date_used TEXT, validation_author TEXT,
    cancellation_reason TEXT, has_paid_pricing INTEGER NOT NULL DEFAULT 0, activation_code TEXT,
    user_email TEXT NOT NULL, user_first_name TEXT, user_last_name TEXT, user_phone TEXT,
    user_birth_date TEXT, user_postal_code TEXT);
CREATE TABLE IF NOT EXISTS price_category (
    id INTEGER PRIMARY KEY, offer_id INTEGER NOT NULL REFERENCES offer(id), label TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Every stored date, shifted together by ``skip_downtime``.
_DATE_COLUMNS = (
    ("booking", "date_created"),
    ("booking", "cancellation_limit_date"),
    ("booking", "date_used"),
    ("stock", "beginning_datetime"),
)

# Realistic-looking ids (the real API's ids are large integers).
_FIRST_IDS = {
    "offerer": 3100,
    "venue": 5350,
    "offer": 120000,
    "stock": 450000,
    "booking": 9800000,
    "price_category": 1200,
}


def to_db(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("the emulator only takes aware datetimes")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cancellation_limit_date(booked_at: datetime, event_starts_at: datetime | None) -> datetime | None:
    """``compute_booking_cancellation_limit_date``: null for products, else the 48 h rule."""
    if event_starts_at is None:
        return None
    return max(min(event_starts_at - CONFIRM_BEFORE_EVENT, booked_at + CONFIRM_AFTER_CREATION), booked_at)


class EmulatorClock:
    """Real time plus an offset the controller can move; the 48 h rule and expiry read it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def set_now(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("set_now takes an aware datetime")
        with self._lock:
            self._offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta


@dataclass(frozen=True)
class ProviderKey:
    provider_id: int
    provider_active: bool


@dataclass(frozen=True)
class BookingRow:
    """A booking joined with its stock, offer, venue and offerer, as the rules need it."""

    id: int
    token: str
    quantity: int
    amount_cents: int
    status: str
    date_created: datetime
    cancellation_limit_date: datetime | None
    date_used: datetime | None
    validation_author: str | None
    cancellation_reason: str | None
    has_paid_pricing: bool
    activation_code: str | None
    user_email: str
    user_first_name: str | None
    user_last_name: str | None
    user_phone: str | None
    user_birth_date: str | None
    user_postal_code: str | None
    stock_id: int
    beginning_datetime: datetime | None
    price_category_id: int | None
    price_category_label: str | None
    offer_id: int
    offer_name: str
    offer_ean: str | None
    subcategory: str
    is_event: bool
    can_expire: bool
    venue_id: int
    venue_name: str
    venue_street: str | None
    department_code: str | None
    offerer_closed: bool

    @property
    def is_reimbursed(self) -> bool:
        """``has_reimbursement``: status REIMBURSED or a processed/invoiced pricing."""
        return self.status == "REIMBURSED" or self.has_paid_pricing

    def expiration_date(self) -> datetime | None:
        if self.status in ("CANCELLED", "USED") or not self.can_expire:
            return None
        return self.date_created + (BOOKS_EXPIRY if self.subcategory == BOOK_SUBCATEGORY else OTHERS_EXPIRY)


_BOOKING_SELECT = """
SELECT b.id, b.token, b.quantity, b.amount_cents, b.status, b.date_created, b.cancellation_limit_date,
       b.date_used, b.validation_author, b.cancellation_reason, b.has_paid_pricing, b.activation_code,
       b.user_email, b.user_first_name, b.user_last_name, b.user_phone, b.user_birth_date,
       b.user_postal_code, s.id, s.beginning_datetime, s.price_category_id, s.price_category_label,
       o.id, o.name, o.ean, o.subcategory, o.is_event, o.can_expire, v.id, v.name, v.street,
       v.department_code, r.is_closed
FROM booking b JOIN stock s ON s.id = b.stock_id JOIN offer o ON o.id = s.offer_id
JOIN venue v ON v.id = o.venue_id JOIN offerer r ON r.id = v.offerer_id
"""
# Scoping: the booking's venue must be linked to the key's provider by an active link.
_SCOPED = "JOIN venue_provider vp ON vp.venue_id = v.id AND vp.provider_id = ? AND vp.is_active = 1"


_DATETIME_FIELDS = {"date_created", "cancellation_limit_date", "date_used", "beginning_datetime"}
_BOOL_FIELDS = {"has_paid_pricing", "is_event", "can_expire", "offerer_closed"}


def _booking_from(row: tuple[Any, ...]) -> BookingRow:
    """A row of ``_BOOKING_SELECT``, whose columns are in ``BookingRow`` field order."""
    values: dict[str, Any] = {}
    for spec, value in zip(fields(BookingRow), row, strict=True):
        if spec.name in _DATETIME_FIELDS:
            value = from_db(value)
        elif spec.name in _BOOL_FIELDS:
            value = bool(value)
        values[spec.name] = value
    return BookingRow(**values)


class EmulatorStore:
    """All reads and writes of the emulator's state; every method is one transaction."""

    def __init__(self, db_path: Path | None, clock: EmulatorClock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            ":memory:" if db_path is None else str(db_path), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA foreign_keys = ON")
        if db_path is not None:
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate_transaction(self._db) as db:
            yield db

    @staticmethod
    def _remember_now(db: sqlite3.Connection, now: datetime) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('last_activity', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (to_db(now),),
        )

    def skip_downtime(self) -> timedelta:
        """Shift every stored date by the time between the last activity and now (the emulator
        clock's), as if the emulator had never been stopped; returns the shift (zero the first
        time a store is opened by a version that remembers its activity)."""
        now = self.clock.now()
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'last_activity'").fetchone()
            last = from_db(row[0]) if row is not None else None
            shift = timedelta(0) if last is None else now - last
            if shift:
                for table, column in _DATE_COLUMNS:
                    rows = db.execute(
                        f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
                    ).fetchall()
                    db.executemany(
                        f"UPDATE {table} SET {column} = ? WHERE id = ?",
                        [
                            (to_db(datetime.fromisoformat(value).replace(tzinfo=UTC) + shift), row_id)
                            for row_id, value in rows
                        ],
                    )
            self._remember_now(db, now)
        return shift

    def is_empty(self) -> bool:
        with self._lock:
            count: int = self._db.execute("SELECT COUNT(*) FROM provider").fetchone()[0]
        return count == 0

    # -- set-up ------------------------------------------------------------------------------

    def add_provider(self, name: str, keys: list[str], *, is_active: bool = True) -> int:
        with self.transaction() as db:
            provider_id = db.execute(
                "INSERT INTO provider (name, is_active) VALUES (?, ?)", (name, int(is_active))
            ).lastrowid
            assert provider_id is not None
            db.executemany(
                "INSERT INTO api_key (key, provider_id) VALUES (?, ?)", [(key, provider_id) for key in keys]
            )
        return provider_id

    def add_venue(
        self,
        name: str,
        *,
        provider_ids: list[int],
        venue_id: int | None = None,
        street: str | None = None,
        department_code: str | None = "75",
        offerer_closed: bool = False,
        link_active: bool = True,
    ) -> int:
        with self.transaction() as db:
            offerer_id = self._insert(
                db, "offerer", {"name": f"Structure de {name}", "is_closed": int(offerer_closed)}
            )
            values: dict[str, Any] = {
                "offerer_id": offerer_id,
                "name": name,
                "street": street,
                "department_code": department_code,
            }
            if venue_id is not None:
                values["id"] = venue_id
            new_id = self._insert(db, "venue", values)
            db.executemany(
                "INSERT INTO venue_provider (provider_id, venue_id, is_active) VALUES (?, ?, ?)",
                [(provider_id, new_id, int(link_active)) for provider_id in provider_ids],
            )
        return new_id

    def _insert(self, db: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
        if "id" not in values:
            last = db.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0]
            values = {"id": (last or _FIRST_IDS[table]) + 1, **values}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
        return int(values["id"])

    def new_token(self, db: sqlite3.Connection) -> str:
        while True:
            token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(6))
            if db.execute("SELECT 1 FROM booking WHERE token = ?", (token,)).fetchone() is None:
                return token

    def create_booking(self, **fields: Any) -> str:
        """Insert a booking. Its offer is reused only when every offer field matches (venue, name,
        event or not, subcategory, expiry, EAN), else a new offer is made; its stock is reused when
        the offer, start, price and price category match."""
        now = self.clock.now()
        booked_at: datetime = fields.get("created_at") or now
        starts_at: datetime | None = fields.get("event_starts_at")
        is_event = bool(fields.get("is_event")) or starts_at is not None
        if is_event and starts_at is None:
            raise ValueError("an event booking needs event_starts_at")
        subcategory = fields.get("subcategory") or (
            "SPECTACLE_REPRESENTATION" if is_event else "SUPPORT_PHYSIQUE_AUTRE"
        )
        can_expire = fields.get("can_expire")
        if can_expire is None:
            can_expire = not is_event
        price_cents = int(fields["price_cents"])
        quantity = int(fields.get("quantity", 1))
        if quantity not in (1, 2):
            raise ValueError("quantity is 1, or 2 for a duo booking")
        status = str(fields.get("status", "CONFIRMED"))
        if status not in ("CONFIRMED", "USED", "CANCELLED", "REIMBURSED"):
            raise ValueError(f"unknown status {status!r}")
        limit = fields.get("confirmation_date", cancellation_limit_date(booked_at, starts_at))
        with self.transaction() as db:
            venue_id = int(fields["venue_id"])
            if db.execute("SELECT 1 FROM venue WHERE id = ?", (venue_id,)).fetchone() is None:
                raise ValueError(f"unknown venue {venue_id}")
            offer_row = db.execute(
                "SELECT id FROM offer WHERE venue_id = ? AND name = ? AND is_event = ?"
                " AND subcategory = ? AND can_expire = ? AND ean IS ?",
                (
                    venue_id,
                    fields["offer_name"],
                    int(is_event),
                    subcategory,
                    int(can_expire),
                    fields.get("ean"),
                ),
            ).fetchone()
            if offer_row is None:
                offer_id = self._insert(
                    db,
                    "offer",
                    {
                        "venue_id": venue_id,
                        "name": fields["offer_name"],
                        "ean": fields.get("ean"),
                        "subcategory": subcategory,
                        "is_event": int(is_event),
                        "can_expire": int(can_expire),
                    },
                )
            else:
                offer_id = int(offer_row[0])
            category_label: str | None = fields.get("price_category")
            category_id: int | None = None
            if category_label is not None:
                category_row = db.execute(
                    "SELECT id FROM price_category WHERE offer_id = ? AND label = ?",
                    (offer_id, category_label),
                ).fetchone()
                category_id = (
                    int(category_row[0])
                    if category_row
                    else self._insert(db, "price_category", {"offer_id": offer_id, "label": category_label})
                )
            stock_row = db.execute(
                "SELECT id FROM stock WHERE offer_id = ? AND beginning_datetime IS ? AND price_cents = ?"
                " AND price_category_id IS ?",
                (offer_id, to_db(starts_at), price_cents, category_id),
            ).fetchone()
            stock_id = (
                int(stock_row[0])
                if stock_row
                else self._insert(
                    db,
                    "stock",
                    {
                        "offer_id": offer_id,
                        "beginning_datetime": to_db(starts_at),
                        "price_cents": price_cents,
                        "price_category_id": category_id,
                        "price_category_label": category_label,
                    },
                )
            )
            token = str(fields.get("token") or self.new_token(db)).upper()
            used_at = fields.get("used_at") or (now if status in ("USED", "REIMBURSED") else None)
            author = "OFFERER" if used_at else None
            auto_used = fields.get("activation_code") is not None or (
                price_cents == 0 and subcategory in AUTO_USED_WHEN_FREE
            )
            if status == "CONFIRMED" and auto_used:
                # Activation codes and free museum cards / library subscriptions: used at booking time.
                status, used_at, author = "USED", booked_at, "AUTO"
            self._insert(
                db,
                "booking",
                {
                    "token": token,
                    "stock_id": stock_id,
                    "quantity": quantity,
                    "amount_cents": price_cents,
                    "status": status,
                    "date_created": to_db(booked_at),
                    "cancellation_limit_date": to_db(limit),
                    "date_used": to_db(used_at),
                    "validation_author": author,
                    "cancellation_reason": "BENEFICIARY" if status == "CANCELLED" else None,
                    "has_paid_pricing": int(bool(fields.get("has_paid_pricing"))),
                    "activation_code": fields.get("activation_code"),
                    "user_email": fields.get("user_email", "jeune.beneficiaire@example.com"),
                    "user_first_name": fields.get("user_first_name", "Camille"),
                    "user_last_name": fields.get("user_last_name", "Martin"),
                    "user_phone": fields.get("user_phone", "+33612345678"),
                    "user_birth_date": fields.get("user_birth_date", "2007-03-14"),
                    "user_postal_code": fields.get("user_postal_code", "75011"),
                },
            )
            self._remember_now(db, now)
        return token

    # -- reads ---------------------------------------------------------------------------------

    def provider_for_key(self, key: str) -> ProviderKey | None:
        with self._lock:
            row = self._db.execute(
                "SELECT p.id, p.is_active FROM api_key k JOIN provider p ON p.id = k.provider_id"
                " WHERE k.key = ?",
                (key,),
            ).fetchone()
        return None if row is None else ProviderKey(provider_id=row[0], provider_active=bool(row[1]))

    def apply_automatic_transitions(self) -> None:
        """Expire unused products and mark past events used, as the platform's jobs do."""
        now = self.clock.now()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        with self.transaction() as db:
            self._remember_now(db, now)
            db.execute(
                "UPDATE booking SET status = 'CANCELLED', cancellation_reason = 'EXPIRED' WHERE status = "
                "'CONFIRMED' AND stock_id IN (SELECT s.id FROM stock s JOIN offer o ON o.id = s.offer_id "
                "WHERE o.can_expire = 1 AND o.subcategory = ?) AND date_created <= ?",
                (BOOK_SUBCATEGORY, to_db(midnight - BOOKS_EXPIRY)),
            )
            db.execute(
                "UPDATE booking SET status = 'CANCELLED', cancellation_reason = 'EXPIRED' WHERE status = "
                "'CONFIRMED' AND stock_id IN (SELECT s.id FROM stock s JOIN offer o ON o.id = s.offer_id "
                "WHERE o.can_expire = 1 AND o.subcategory != ?) AND date_created <= ?",
                (BOOK_SUBCATEGORY, to_db(midnight - OTHERS_EXPIRY)),
            )
            db.execute(
                "UPDATE booking SET status = 'USED', date_used = ?, validation_author = 'AUTO'"
                " WHERE status = "
                "'CONFIRMED' AND stock_id IN (SELECT id FROM stock WHERE beginning_datetime < ?)",
                (to_db(now), to_db(now - AUTO_USE_AFTER_EVENT)),
            )

    def find_booking(self, token: str, provider_id: int | None) -> BookingRow | None:
        """The booking with this token (upper-cased, not trimmed), if the provider may see it."""
        with self._lock:
            if provider_id is None:
                row = self._db.execute(_BOOKING_SELECT + " WHERE b.token = ?", (token.upper(),)).fetchone()
            else:
                row = self._db.execute(
                    _BOOKING_SELECT + _SCOPED + " WHERE b.token = ?", (provider_id, token.upper())
                ).fetchone()
        return None if row is None else _booking_from(row)

    def list_bookings(
        self, provider_id: int, filters: dict[str, Any], first_index: int, limit: int
    ) -> list[BookingRow]:
        clauses = ["b.id >= ?"]
        params: list[Any] = [provider_id, first_index]
        for column, key in (
            ("o.id", "offerId"),
            ("v.id", "venueId"),
            ("s.price_category_id", "priceCategoryId"),
            ("s.id", "stockId"),
            ("b.status", "status"),
            ("s.beginning_datetime", "beginningDatetime"),
        ):
            if filters.get(key) is not None:
                clauses.append(f"{column} = ?")
                params.append(filters[key])
        query = _BOOKING_SELECT + _SCOPED + " WHERE " + " AND ".join(clauses) + " ORDER BY b.id LIMIT ?"
        with self._lock:
            rows = self._db.execute(query, (*params, limit)).fetchall()
        return [_booking_from(row) for row in rows]

    def offer_reachable(self, provider_id: int, offer_id: int) -> bool:
        with self._lock:
            return (
                self._db.execute(
                    "SELECT 1 FROM offer o JOIN venue_provider vp"
                    " ON vp.venue_id = o.venue_id AND vp.provider_id = ?"
                    " AND vp.is_active = 1 WHERE o.id = ?",
                    (provider_id, offer_id),
                ).fetchone()
                is not None
            )

    def venue_reachable(self, provider_id: int, venue_id: int) -> bool:
        with self._lock:
            return (
                self._db.execute(
                    "SELECT 1 FROM venue_provider WHERE provider_id = ? AND venue_id = ? AND is_active = 1",
                    (provider_id, venue_id),
                ).fetchone()
                is not None
            )

    # -- writes --------------------------------------------------------------------------------

    def mark_used(self, booking_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE booking SET status = 'USED', date_used = ?, validation_author = 'OFFERER'"
                " WHERE id = ?",
                (to_db(self.clock.now()), booking_id),
            )

    def mark_unused(self, booking_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE booking SET status = 'CONFIRMED', date_used = NULL, validation_author = NULL"
                " WHERE id = ?",
                (booking_id,),
            )

    def offerer_venues(self, provider_id: int) -> list[dict[str, Any]]:
        """The venues an active link ties to the provider, with their offerer (``offerer_venues``)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT v.id, v.name, v.street, v.department_code, r.id, r.name FROM venue v"
                " JOIN offerer r ON r.id = v.offerer_id JOIN venue_provider vp ON vp.venue_id = v.id"
                " WHERE vp.provider_id = ? AND vp.is_active = 1 ORDER BY r.id, v.id",
                (provider_id,),
            ).fetchall()
        keys = ("id", "name", "street", "department_code", "offerer_id", "offerer_name")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def move_event(self, token: str, starts_at: datetime) -> int:
        """Move the event of ``token``'s stock to ``starts_at``, as a venue editing its date does:
        every booking's confirmation date becomes min(new start, now + 48 h), and when the new start is
        more than 48 h away, its validated (not reimbursed) bookings go back to CONFIRMED. Returns the
        number of bookings touched; raises ValueError for a product or an unknown token."""
        now = self.clock.now()
        booking = self.find_booking(token, None)
        if booking is None or booking.beginning_datetime is None:
            raise ValueError(f"{token} is not an event booking")
        limit = min(starts_at, now + CONFIRM_AFTER_CREATION)
        with self.transaction() as db:
            db.execute(
                "UPDATE stock SET beginning_datetime = ? WHERE id = ?", (to_db(starts_at), booking.stock_id)
            )
            touched = db.execute(
                "UPDATE booking SET cancellation_limit_date = ? WHERE stock_id = ? AND status != 'CANCELLED'",
                (to_db(limit), booking.stock_id),
            ).rowcount
            if starts_at - now > CONFIRM_BEFORE_EVENT:
                db.execute(
                    "UPDATE booking SET status = 'CONFIRMED', date_used = NULL, validation_author = NULL"
                    " WHERE stock_id = ? AND status = 'USED' AND has_paid_pricing = 0",
                    (booking.stock_id,),
                )
            self._remember_now(db, now)
        return int(touched)

    def cancel_by_offerer(self, booking_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE booking SET status = 'CANCELLED', cancellation_reason = 'OFFERER' WHERE id = ?",
                (booking_id,),
            )
