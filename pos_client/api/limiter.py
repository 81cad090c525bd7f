"""A client-side limiter that keeps one API key under the documented 200 requests per minute.

A sliding window: at most ``per_minute`` requests start in any 60 s span. A caller that would go
over waits for a slot, but never longer than ``max_wait_s``: a cashier with a queue is better served
by a clear "trop de requêtes, réessayez dans N s" than by a frozen screen. Limiters are shared per
key and server inside a process (``for_key``), so every client using one key counts against the same
budget. Clients of a loopback server (the emulator) get their own limiter: each emulator has its
own budget.

Thread-safe; clock and sleep are injected so tests run in no time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import ClassVar

__all__ = ["DEFAULT_PER_MINUTE", "RequestLimiter"]

from pos_client.domain.rate import DEFAULT_PER_MINUTE, WINDOW_S


class RequestLimiter:
    """At most ``per_minute`` request starts in any ``window_s`` seconds."""

    _shared: ClassVar[dict[str, RequestLimiter]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        window_s: float = WINDOW_S,
        max_wait_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()

    @classmethod
    def for_key(cls, base_url: str, api_key: str, per_minute: int = DEFAULT_PER_MINUTE) -> RequestLimiter:
        """The limiter shared by every client of this process using ``api_key`` on ``base_url``."""
        # Keyed by a digest so the key itself is not kept in one more place.
        digest = hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()
        with cls._shared_lock:
            limiter = cls._shared.get(digest)
            if limiter is None:
                limiter = cls._shared[digest] = cls(per_minute)
            return limiter

    def _wait_needed(self, now: float) -> float:
        while self._starts and now - self._starts[0] >= self.window_s:
            self._starts.popleft()
        if len(self._starts) < self.per_minute:
            return 0.0
        return self._starts[0] + self.window_s - now

    def acquire(self) -> float | None:
        """Take a slot, waiting if needed. Returns None when granted, or the seconds still to wait
        when that would exceed ``max_wait_s`` (no slot taken: the caller reports rate limiting)."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._starts.append(now)
                    return None
                if wait > self.max_wait_s:
                    return wait
            self._sleep(wait)

    def in_window(self) -> int:
        """How many request starts the current window holds (for tests and diagnostics)."""
        with self._lock:
            self._wait_needed(self._clock())
            return len(self._starts)
