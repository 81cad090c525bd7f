"""Gate mode's ports on the shared ledger: entries claimed across gates, counts of every gate, and the
key's shared request budget (``pos_client.domain.gate``).

``LedgerEntryClaims`` keeps one row per contremarque in ``ledger.gate_entries`` (migration 2). A claim
is one ``INSERT ... ON CONFLICT (token) DO NOTHING``: PostgreSQL's unique index makes of two gates
confirming one code at once exactly one writer; the other's insert waits for the first to commit,
does nothing, and the next statement (read committed: a new snapshot) reads the first gate and time.
A gate's role only inserts and reads (no UPDATE, no DELETE). A retried claim of this gate's own entry
(same gate, same time: an answer lost after the commit, a reconciliation) comes back as that entry,
which the gate recognises as its own.

The ports never raise: any ``LedgerError`` (unreachable, refused, not ready) is ``ClaimsUnavailable``,
and the gate admits alone, keeps the entry unclaimed and reconciles later (``Gate.reconcile_claims``).
A scan never waits for a connection: once the ledger failed, ``who_entered`` answers
``ClaimsUnavailable`` at once until the ledger answers again, to a confirm's claim or to the worker's
``tallies`` (which reconnects the claims' link first, in the worker's thread, then reads the counts on
its own link). A confirm always tries (the link fails fast for ``retry_after_s`` after a failure).

``LedgerGateBudget`` is the ``RateBudget`` port on the tills' ``SharedRateBudget`` (the same bucket per
API key): it never waits (``max_wait_s`` 0); with the ledger down it falls back to this gate's safe
share, as a till does.

No personal data goes to the ledger: tokens, gate names, times, persons, event days.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from pos_client.domain.gate import AlreadyClaimed, Claimed, ClaimResult, ClaimsUnavailable, EntryTally
from pos_client.ledger.budget import SharedRateBudget
from pos_client.ledger.connection import LedgerLink
from pos_client.ledger.errors import LedgerError

__all__ = ["LedgerEntryClaims", "LedgerGateBudget"]

log = logging.getLogger(__name__)

_CLAIM = (
    "INSERT INTO ledger.gate_entries (token, gate, entered_at, persons, event_day)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (token) DO NOTHING RETURNING token"
)
_FIRST = "SELECT gate, entered_at FROM ledger.gate_entries WHERE token = %s"


def _moment(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


class LedgerEntryClaims:
    """``EntryClaims`` and ``EntryCounts`` on the shared ledger (thread-safe: the links' locks).
    ``link`` serves claims and scans; ``counts_link`` (default: ``link``) the counts' reads."""

    def __init__(self, link: LedgerLink, counts_link: LedgerLink | None = None) -> None:
        self._link = link
        self._counts_link = counts_link or link
        self.reachable: bool | None = None  # None: not asked yet

    def _unavailable(self, what: str, exc: LedgerError) -> ClaimsUnavailable:
        if self.reachable is not False:
            log.warning("ledger unreachable, gate %s alone: %s", what, exc)
        self.reachable = False
        return ClaimsUnavailable(str(exc))

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        try:
            with self._link.transaction() as cursor:
                cursor.execute(_CLAIM, (token, gate, at, max(1, min(persons, 10)), day))
                inserted = cursor.fetchone() is not None
                row = None
                if not inserted:
                    cursor.execute(_FIRST, (token,))
                    row = cursor.fetchone()
        except LedgerError as exc:
            return self._unavailable("claims", exc)
        self.reachable = True
        if inserted:
            return Claimed(token, gate, at)
        if row is None:  # cannot happen: rows are never deleted
            return ClaimsUnavailable("entrée disparue du registre partagé")
        return AlreadyClaimed(token, str(row[0]), _moment(row[1]))

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        if self.reachable is False:  # a scan does not reconnect (a confirm or the worker will)
            return ClaimsUnavailable("registre partagé injoignable")
        try:
            with self._link.transaction() as cursor:
                cursor.execute(_FIRST, (token,))
                row = cursor.fetchone()
        except LedgerError as exc:
            return self._unavailable("reads", exc)
        self.reachable = True
        return None if row is None else AlreadyClaimed(token, str(row[0]), _moment(row[1]))

    def tallies(self) -> list[EntryTally] | ClaimsUnavailable:
        try:
            if self.reachable is not True:  # connect the scans' link here, not during a scan
                with self._link.transaction() as cursor:
                    cursor.execute("SELECT 1")
                self.reachable = True
            with self._counts_link.transaction() as cursor:
                cursor.execute(
                    "SELECT gate, event_day, sum(persons) FROM ledger.gate_entries GROUP BY gate, event_day"
                )
                rows = cursor.fetchall()
        except LedgerError as exc:
            return self._unavailable("counts", exc)
        self.reachable = True
        return [
            EntryTally(str(gate), day if isinstance(day, date) else None, int(str(persons)))
            for gate, day, persons in rows
        ]


class LedgerGateBudget:
    """``RateBudget`` on the key's shared bucket; never waits (a gate's worker tries again next tick)."""

    def __init__(self, shared: SharedRateBudget) -> None:
        shared.max_wait_s = 0.0
        self.shared = shared

    def try_acquire(self) -> bool:
        return self.shared.acquire() is None

    @property
    def on_ledger(self) -> bool:
        """False while the ledger is unreachable and this gate uses its own share."""
        return self.shared.on_ledger
