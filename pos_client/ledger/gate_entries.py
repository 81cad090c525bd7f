"""Gate mode's ports on the shared ledger: entries claimed across gates, counts of every gate, and the
key's shared request budget (``pos_client.domain.gate``, ``pos_client.domain.ports.RequestBudget``).

``LedgerEntryClaims`` keeps one row per contremarque in ``ledger.gate_entries`` (migration 2). A claim
is one ``INSERT ... ON CONFLICT (token) DO NOTHING``: PostgreSQL's unique index makes of two gates
confirming one code at once exactly one writer; the other's insert waits for the first to commit,
does nothing, and the next statement (read committed: a new snapshot) reads the first gate and time.
A gate's role only inserts and reads (no UPDATE, no DELETE). A retried claim of this gate's own entry
(same gate, same time: an answer lost after the commit, a reconciliation) comes back as that entry,
which the gate recognises as its own.

A scan stays in memory: ``tallies`` (the worker's, every few ticks) also copies every gate's entries
into a local mirror (the rows received since the last read, with an overlap covering transactions
still open then), and ``who_entered`` answers from it while it is recent (``mirror_fresh_s``); only
without a recent copy (a one-shot command, the first seconds) does it read the ledger. The confirm's
claim is always the ledger's, so of two gates exactly one admits whatever the mirror said.

The ports never raise: any ``LedgerError`` (unreachable, refused, not ready) is ``ClaimsUnavailable``
(or the mirror's last knowledge), and the gate admits alone, keeps the entry unclaimed and reconciles
later (``Gate.reconcile_claims``). The link fails fast for ``retry_after_s`` after a failure.

``LedgerGateBudget`` is both the gate's ``RateBudget`` (the worker asks before a request) and the
client's ``RequestBudget`` (every request start, re-reads and retries included), on the tills'
``SharedRateBudget`` (the same bucket per API key): a start the worker was granted is not taken twice,
and the requests the emulator or the platform sees never exceed the tokens taken. With the ledger down
it falls back to this gate's safe share, as a till does.

No personal data goes to the ledger, nor to the mirror: tokens, gate names, times, persons, event days.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

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
_SINCE = (
    "SELECT token, gate, entered_at, persons, event_day, received_at FROM ledger.gate_entries"
    " WHERE received_at > %s ORDER BY received_at"
)
# A row's received_at is its transaction's start; it commits at most a statement timeout (10 s) and a
# lock timeout (5 s) later. Reading again from this far back never misses a row committed late.
_OVERLAP = timedelta(seconds=30)
_EPOCH = datetime(2000, 1, 1).astimezone()


def _moment(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


class LedgerEntryClaims:
    """``EntryClaims`` and ``EntryCounts`` on the shared ledger (thread-safe). ``link`` serves claims
    and reads for scans; ``counts_link`` (default: ``link``) the worker's copies of every entry."""

    def __init__(
        self,
        link: LedgerLink,
        counts_link: LedgerLink | None = None,
        *,
        mirror_fresh_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._counts_link = counts_link or link
        self._mirror_fresh_s = mirror_fresh_s
        self._clock = clock
        self._lock = threading.Lock()
        # token -> (gate, time, persons, event day): every gate's entries as last copied
        self._mirror: dict[str, tuple[str, datetime, int, date | None]] = {}
        self._read_up_to = _EPOCH  # the greatest received_at copied
        self._mirrored_at: float | None = None  # clock() of the last successful copy
        self.reachable: bool | None = None  # None: not asked yet

    def _unavailable(self, what: str, exc: LedgerError) -> ClaimsUnavailable:
        if self.reachable is not False:
            log.warning("ledger unreachable, gate %s alone: %s", what, exc)
        self.reachable = False
        return ClaimsUnavailable(str(exc))

    def _remember(self, token: str, gate: str, at: datetime, persons: int, day: date | None) -> None:
        with self._lock:
            self._mirror.setdefault(token, (gate, at, persons, day))

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        persons = max(1, min(persons, 10))
        try:
            with self._link.transaction() as cursor:
                cursor.execute(_CLAIM, (token, gate, at, persons, day))
                inserted = cursor.fetchone() is not None
                row = None
                if not inserted:
                    cursor.execute(_FIRST, (token,))
                    row = cursor.fetchone()
        except LedgerError as exc:
            return self._unavailable("claims", exc)
        self.reachable = True
        if inserted:
            self._remember(token, gate, at, persons, day)
            return Claimed(token, gate, at)
        if row is None:  # cannot happen: rows are never deleted
            return ClaimsUnavailable("entrée disparue du registre partagé")
        return AlreadyClaimed(token, str(row[0]), _moment(row[1]))

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        with self._lock:
            known = self._mirror.get(token)
            fresh = self._mirrored_at is not None and self._clock() - self._mirrored_at < self._mirror_fresh_s
        if known is not None:
            return AlreadyClaimed(token, known[0], known[1])
        if fresh:
            return None
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
        """Copy the entries received since the last copy into the mirror, then sum every gate's."""
        try:
            if self.reachable is not True:  # connect the scans' link here, not during a scan
                with self._link.transaction() as cursor:
                    cursor.execute("SELECT 1")
                self.reachable = True
            with self._counts_link.transaction() as cursor:
                cursor.execute(_SINCE, (self._read_up_to - _OVERLAP,))
                rows = cursor.fetchall()
        except LedgerError as exc:
            return self._unavailable("counts", exc)
        with self._lock:
            for token, gate, at, persons, day, received in rows:
                self._mirror.setdefault(
                    str(token),
                    (str(gate), _moment(at), int(str(persons)), day if isinstance(day, date) else None),
                )
                self._read_up_to = max(self._read_up_to, _moment(received))
            self._mirrored_at = self._clock()
            sums: Counter[tuple[str, date | None]] = Counter()
            for gate, _, persons, day in self._mirror.values():
                sums[(gate, day)] += persons
        return [EntryTally(gate, day, persons) for (gate, day), persons in sums.items()]


class LedgerGateBudget:
    """``RateBudget`` for the gate's worker and ``RequestBudget`` for its client, on the key's shared
    bucket: a start granted to the worker is a credit the client's next request uses; any other start
    (a re-read after a lost answer, a retry) takes its own token, waiting at most ``client_wait_s``."""

    def __init__(
        self,
        shared: SharedRateBudget,
        *,
        client_wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        shared.max_wait_s = 0.0  # the worker never waits; the client's waits are bounded here
        self.shared = shared
        self.client_wait_s = client_wait_s
        self._sleep = sleep
        self._lock = threading.Lock()
        self._credits = 0

    def try_acquire(self) -> bool:
        if self.shared.acquire() is not None:
            return False
        with self._lock:
            self._credits += 1
        return True

    def acquire(self) -> float | None:
        with self._lock:
            if self._credits > 0:
                self._credits -= 1
                return None
        waited = 0.0
        while True:
            wait = self.shared.acquire()
            if wait is None:
                return None
            if waited + wait > self.client_wait_s:
                return wait
            self._sleep(wait)
            waited += wait

    @property
    def on_ledger(self) -> bool:
        """False while the ledger is unreachable and this gate uses its own share."""
        return self.shared.on_ledger
