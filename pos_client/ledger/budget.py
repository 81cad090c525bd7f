"""One request budget per API key, shared by every till using the key, kept in the ledger.

The platform allows 200 requests a minute per API key, counted over all the tills that share it.
Each request start takes a token from a bucket in the ledger (``ledger.take_request_slot``: one row
per key digest, locked, refilled by elapsed time, so the takes of all tills are serialised and the
arithmetic is the server's). A token bucket of capacity ``burst`` refilled at ``r`` per second grants
at most ``burst + r * T`` starts in any span of T seconds; with ``burst + 60 r = per_minute`` (190 by
default, 10 below the platform's limit for clock and network jitter) no sliding minute ever holds
more than ``per_minute`` grants, whatever the number of tills.

When the ledger cannot be reached, each till falls back to its share of the refill,
``(per_minute - burst)`` divided by the number of tills sharing the key (the larger of the setting
and the number of tills the ledger saw take requests in the last 15 minutes), over a sliding minute,
and that share is reached gradually: ``t / 60 s`` of it ``t`` seconds after the ledger last
answered (or after the till started). So in any minute straddling the loss of the ledger, the
ledger's grants before it (at most ``burst + r t1``) and the tills' own after it (at most
``r t2``, all tills together) stay within ``burst + 60 r = per_minute``, even for a till restarted
in the middle. When the ledger is back, the requests started on the share are paid back to the
bucket (its level may go below zero), so the minutes after an outage make up for it too.

``SharedRateBudget.acquire`` has the shape of ``pos_client.api.limiter.RequestLimiter.acquire``:
None when a start is granted, else the seconds still to wait when that exceeds ``max_wait_s``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from pos_client.domain.rate import DEFAULT_PER_MINUTE, WINDOW_S
from pos_client.ledger.connection import LedgerError, LedgerLink

__all__ = ["DEFAULT_BURST", "SharedRateBudget", "key_digest"]

log = logging.getLogger(__name__)

DEFAULT_BURST = 10


def key_digest(base_url: str, api_key: str) -> str:
    """What the ledger knows of a key: a digest, never the key."""
    return hashlib.sha256(f"pos-client rate budget\n{base_url}\n{api_key}".encode()).hexdigest()


class SharedRateBudget:
    """The request budget of one API key across tills, with a per-till share when the ledger is down."""

    def __init__(
        self,
        link: LedgerLink,
        *,
        base_url: str,
        api_key: str,
        till: str | None = None,
        per_minute: int = DEFAULT_PER_MINUTE,
        burst: int = DEFAULT_BURST,
        window_s: float = WINDOW_S,
        tills_sharing_key: int = 2,
        max_wait_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= burst < per_minute:
            raise ValueError("burst must be at least 1 and below per_minute")
        self._link = link
        self._digest = key_digest(base_url, api_key)
        self.till = till or link.config.till
        self.per_minute = per_minute
        self.capacity = float(burst)
        self.refill_per_s = (per_minute - burst) / window_s
        self.window_s = window_s
        self.tills_sharing_key = tills_sharing_key
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()  # this till's grants on its share, in the window
        self._ledger_answered_at = clock()  # the share ramps up from here (start, or last answer)
        self.tills_seen = 0
        self._unreported = 0  # grants taken on this till's share, to be paid back to the bucket
        self.on_ledger = True  # False while the fallback share is in use

    @property
    def fallback_per_minute(self) -> int:
        """This till's share of the refill while the ledger is unreachable."""
        refill_per_window = self.per_minute - int(self.capacity)
        return max(1, refill_per_window // max(self.tills_sharing_key, self.tills_seen, 1))

    def _share_wait(self, now: float) -> float:
        share = self.fallback_per_minute
        with self._lock:
            while self._recent and now - self._recent[0] >= self.window_s:
                self._recent.popleft()
            since = max(0.0, now - self._ledger_answered_at)
            allowed = int(share * min(1.0, since / self.window_s))
            if len(self._recent) < allowed:
                self._recent.append(now)
                self._unreported += 1
                return 0.0
            if allowed < share:  # still ramping up: until the next one is allowed
                return max(0.001, (len(self._recent) + 1) * self.window_s / share - since)
            return self._recent[0] + self.window_s - now

    def _take_from_ledger(self) -> float:
        with self._lock:
            debt = self._unreported
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT wait_s, tills FROM ledger.take_request_slot(%s, %s, %s, %s, %s)",
                (self._digest, self.capacity, self.refill_per_s, self.till, debt),
            )
            row = cursor.fetchone()
        assert row is not None
        with self._lock:
            self._unreported -= debt  # paid back to the shared bucket
            self._ledger_answered_at = self._clock()
        self.tills_seen = int(str(row[1]))
        return float(str(row[0]))

    def acquire(self) -> float | None:
        """Take a request start, waiting up to ``max_wait_s``; None when granted, else the wait."""
        while True:
            try:
                wait = self._take_from_ledger()
                if not self.on_ledger:
                    log.info("rate budget: back on the shared ledger")
                self.on_ledger = True
                if wait <= 0:
                    return None
            except LedgerError as exc:
                if self.on_ledger:
                    log.warning(
                        "rate budget: ledger unreachable, this till's share is %d/min (%s)",
                        self.fallback_per_minute, exc,
                    )
                self.on_ledger = False
                wait = self._share_wait(self._clock())
                if wait <= 0:
                    return None
            if wait > self.max_wait_s:
                return wait
            self._sleep(wait)

    def describe(self) -> str:
        """One French line for diagnostics."""
        if self.on_ledger:
            return (
                f"Débit d'API partagé par le registre : {self.per_minute} requêtes/min "
                "pour toutes les caisses."
            )
        return (
            f"Registre injoignable : débit d'API limité à la part de cette caisse, "
            f"{self.fallback_per_minute} requêtes/min."
        )
