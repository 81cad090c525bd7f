"""Local implementations of the entry-claims port (``pos_client.domain.gate.EntryClaims``).

``MemoryClaims`` serves one gate (or several gates in one process); ``FileClaims`` is shared by the
gates of one machine (or a test, or the bench) through one SQLite file, each claim one atomic insert.
The shared ledger implements the same port across machines (``pos_client.ledger.gate_entries``).
``SwitchableClaims`` wraps another and can be cut, to show what a gate does when the claims are
unreachable.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path

from pos_client.domain.gate import AlreadyClaimed, Claimed, ClaimResult, ClaimsUnavailable, EntryClaims

__all__ = ["FileClaims", "MemoryClaims", "SwitchableClaims"]


class MemoryClaims:
    """Claims in a dict, for gates of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first: dict[str, AlreadyClaimed] = {}

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        with self._lock:
            earlier = self._first.get(token)
            if earlier is not None:
                return earlier
            self._first[token] = AlreadyClaimed(token, gate, at)
            return Claimed(token, gate, at)

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        with self._lock:
            return self._first.get(token)


class FileClaims:
    """Claims in one SQLite file shared by gate processes (WAL; a claim is an INSERT OR IGNORE)."""

    def __init__(self, path: Path) -> None:
        self._local = threading.local()
        self._path = path
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS claim (token TEXT PRIMARY KEY, gate TEXT NOT NULL, at TEXT NOT NULL)"
        )

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA busy_timeout=5000")
            self._local.db = db
        return db

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        try:
            db = self._db()
            inserted = db.execute(
                "INSERT OR IGNORE INTO claim (token, gate, at) VALUES (?, ?, ?)",
                (token, gate, at.isoformat()),
            ).rowcount
            if inserted:
                return Claimed(token, gate, at)
            earlier = self.who_entered(token)
        except sqlite3.Error as exc:
            return ClaimsUnavailable(f"registre des entrées illisible : {exc}")
        return earlier if earlier is not None else ClaimsUnavailable("entrée disparue du registre")

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        try:
            row = self._db().execute("SELECT gate, at FROM claim WHERE token = ?", (token,)).fetchone()
        except sqlite3.Error as exc:
            return ClaimsUnavailable(f"registre des entrées illisible : {exc}")
        return None if row is None else AlreadyClaimed(token, row[0], datetime.fromisoformat(row[1]))


class SwitchableClaims:
    """Another implementation behind a switch: ``down = True`` makes it unreachable (tests, bench)."""

    def __init__(self, inner: EntryClaims) -> None:
        self.inner = inner
        self.down = False

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        return (
            ClaimsUnavailable("registre partagé injoignable")
            if self.down
            else self.inner.claim(token, gate, at, persons=persons, day=day)
        )

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        return (
            ClaimsUnavailable("registre partagé injoignable") if self.down else self.inner.who_entered(token)
        )
