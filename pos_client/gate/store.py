"""The gate's own SQLite file, beside the journal: entries (not payments), the roster without personal
data (to restart during an outage), validation intents, and re-entries found late.

Nothing personal is written: tokens, offer names, dates, price categories, quantities, statuses,
booking ids, gate names and times. A restart therefore knows who is expected but not their names.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pos_client.domain.booking import BookingStatus
from pos_client.gate.roster import RosterEntry

__all__ = ["GateStore", "LateReentry", "StoredEntry", "ValidationState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS roster (
    token TEXT PRIMARY KEY, booking_id INTEGER, offer_id INTEGER, offer_name TEXT NOT NULL,
    starts_at TEXT, price_label TEXT, quantity INTEGER NOT NULL, status TEXT NOT NULL, booked_at TEXT);
CREATE TABLE IF NOT EXISTS entry (
    token TEXT PRIMARY KEY, gate TEXT NOT NULL, at TEXT NOT NULL, persons INTEGER NOT NULL,
    day TEXT, claimed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS validation (
    token TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, note TEXT);
CREATE TABLE IF NOT EXISTS late_reentry (
    token TEXT PRIMARY KEY, our_gate TEXT NOT NULL, our_at TEXT NOT NULL, first_gate TEXT NOT NULL,
    first_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ValidationState:
    PENDING = "pending"  # the intent: written before the request goes out
    DONE = "done"
    REFUSED = "refused"


@dataclass(frozen=True)
class StoredEntry:
    token: str
    gate: str
    at: datetime
    persons: int
    day: str | None
    claimed: bool


@dataclass(frozen=True)
class LateReentry:
    """A code let in here while the claims were unreachable, and earlier elsewhere."""

    token: str
    our_gate: str
    our_at: datetime
    first_gate: str
    first_at: datetime


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class GateStore:
    """One SQLite file; one connection guarded by a lock (the gate's calls are short)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- roster --------------------------------------------------------------------------------
    def save_roster(self, entries: list[RosterEntry]) -> None:
        rows = [
            (e.token, e.booking_id, e.offer_id, e.offer_name, _text(e.starts_at), e.price_label, e.quantity,
             e.status.value, _text(e.booked_at))
            for e in entries
        ]  # fmt: skip
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO roster VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def load_roster(self) -> list[RosterEntry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM roster").fetchall()
        return [
            RosterEntry(
                token=row[0], booking_id=row[1], offer_id=row[2], offer_name=row[3],
                starts_at=_moment(row[4]),
                price_label=row[5], quantity=row[6], status=BookingStatus(row[7]), booked_at=_moment(row[8]),
            )
            for row in rows
        ]  # fmt: skip

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- entries -------------------------------------------------------------------------------
    def record_entry(self, entry: StoredEntry, *, validate: bool) -> bool:
        """Record an entry (and the validation intent, in the same transaction); False if known."""
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO entry VALUES (?, ?, ?, ?, ?, ?)",
                (entry.token, entry.gate, entry.at.isoformat(), entry.persons, entry.day, int(entry.claimed)),
            ).rowcount
            if inserted and validate:
                db.execute(
                    "INSERT OR IGNORE INTO validation (token, state) VALUES (?, ?)",
                    (entry.token, ValidationState.PENDING),
                )
        return bool(inserted)

    def entries(self) -> list[StoredEntry]:
        with self._lock:
            rows = self._db.execute("SELECT token, gate, at, persons, day, claimed FROM entry").fetchall()
        return [StoredEntry(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4], bool(r[5])) for r in rows]

    def mark_claimed(self, token: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE entry SET claimed = 1 WHERE token = ?", (token,))

    def record_late_reentry(self, late: LateReentry) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO late_reentry VALUES (?, ?, ?, ?, ?)",
                (
                    late.token,
                    late.our_gate,
                    late.our_at.isoformat(),
                    late.first_gate,
                    late.first_at.isoformat(),
                ),
            )
            db.execute("UPDATE entry SET claimed = 1 WHERE token = ?", (late.token,))

    def late_reentries(self) -> list[LateReentry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM late_reentry ORDER BY our_at").fetchall()
        return [
            LateReentry(r[0], r[1], datetime.fromisoformat(r[2]), r[3], datetime.fromisoformat(r[4]))
            for r in rows
        ]

    # -- validations ---------------------------------------------------------------------------
    def pending_validations(self, limit: int = 20) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT token FROM validation WHERE state = ? ORDER BY attempts, rowid LIMIT ?",
                (ValidationState.PENDING, limit),
            ).fetchall()
        return [row[0] for row in rows]

    def note_attempt(self, token: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE validation SET attempts = attempts + 1 WHERE token = ?", (token,))

    def finish_validation(self, token: str, state: str, note: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE validation SET state = ?, note = ? WHERE token = ?", (state, note, token))

    def validation_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM validation GROUP BY state").fetchall()
        return {row[0]: row[1] for row in rows}
