"""A local rate budget (``pos_client.domain.gate.RateBudget``): a token bucket of N requests a minute.

Each gate takes its share of the key's 200 requests a minute (200 divided by the number of gates,
minus a margin for the tills); the shared ledger's budget replaces it when configured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["MinuteBudget"]


class MinuteBudget:
    """At most ``per_minute`` requests in any minute, spread evenly (a bucket refilled continuously)."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._capacity = max(1.0, per_minute / 6)  # bursts of at most ten seconds' worth
        self._available = self._capacity
        self._last = clock()

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._clock()
            self._available = min(self._capacity, self._available + (now - self._last) * self.per_minute / 60)
            self._last = now
            if self._available >= 1:
                self._available -= 1
                return True
            return False
