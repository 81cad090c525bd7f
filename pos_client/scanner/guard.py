"""The scan guard: one scan of a contremarque is one lookup, however many times it was read.

Scanners and webcams read the same code several times (a QR held in front of the camera, a
double trigger, a CR LF suffix seen as two scans). The guard drops a repeat of the same token
within a window (default 3 s) and refuses a token while it is "busy": being looked up or
validated. When the work ends, ``release`` restarts the window from that moment, so the answer's
own display is not followed by a second lookup of the code still in front of the camera.

Thread-safe: sources call it from their worker threads. The clock is injected (tests use a fake
one; the default is ``time.monotonic``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["DEFAULT_WINDOW_S", "ScanGuard"]

DEFAULT_WINDOW_S = 3.0


class ScanGuard:
    """Drop repeats of a token within ``window_s`` seconds, and any read of a busy token."""

    def __init__(
        self, window_s: float = DEFAULT_WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if window_s < 0:
            raise ValueError("window_s must be >= 0")
        self._window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last_seen: dict[str, float] = {}
        self._busy: set[str] = set()

    @property
    def window_s(self) -> float:
        return self._window_s

    def admit(self, token: str) -> bool:
        """True if this read should be acted on; False for a repeat within the window or while
        the token is busy. Every read, admitted or not, restarts the token's window, so a code held
        in front of the camera is read once, not once every ``window_s``."""
        with self._lock:
            now = self._clock()
            self._forget_older_than(now)
            last = self._last_seen.get(token)
            self._last_seen[token] = now
            if token in self._busy:
                return False
            return last is None or now - last >= self._window_s

    def hold(self, token: str) -> None:
        """Mark the token busy (a lookup or validation is in flight)."""
        with self._lock:
            self._busy.add(token)
            self._last_seen[token] = self._clock()

    def release(self, token: str) -> None:
        """The work on this token is over; the window restarts from now."""
        with self._lock:
            self._busy.discard(token)
            self._last_seen[token] = self._clock()

    def is_busy(self, token: str) -> bool:
        with self._lock:
            return token in self._busy

    def _forget_older_than(self, now: float) -> None:
        # Bounded memory over a long day: tokens outside the window no longer matter.
        if len(self._last_seen) < 256:
            return
        expired = [
            token
            for token, seen in self._last_seen.items()
            if now - seen >= self._window_s and token not in self._busy
        ]
        for token in expired:
            del self._last_seen[token]
