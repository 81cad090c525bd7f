"""The one repeat filter: is this read of a code one the cashier did not ask for?

Every transport goes through the same rule: a read of the token read last, less than its window after
that read, is the same code still under the reader (a scanner in continuous mode, a trailing second
read, a phone held in front of the webcam). Every such read restarts the window, so a code held there
is read once. The windows come from the settings: ``scanner.guard_window_s`` for scanners and typed
codes, ``webcam.repeat_after_s`` for the webcam (whose source sends a code once per appearance in
view: a phone shown again within that delay is ignored, after it is read again). Closing the card
(Échap) forgets the last read: a deliberate re-scan shows the card again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_client.domain.scan import Transport

__all__ = ["RepeatFilter", "RepeatWindows"]


@dataclass(frozen=True)
class RepeatWindows:
    """How long a read of the same code counts as a repeat, per kind of reader (seconds)."""

    scanner_s: float = 3.0
    webcam_s: float = 10.0

    def for_transport(self, transport: Transport) -> float:
        return self.webcam_s if transport is Transport.WEBCAM else self.scanner_s


class RepeatFilter:
    """Remembers the last read (token, when) and tells repeats. Call on one thread."""

    def __init__(self, windows: RepeatWindows | None = None) -> None:
        self.windows = windows or RepeatWindows()
        self._token: str | None = None
        self._at = 0.0

    def is_repeat(self, token: str, transport: Transport, now: float) -> bool:
        """Whether this read repeats the last one; every read restarts its token's window."""
        repeat = self._token == token and now - self._at < self.windows.for_transport(transport)
        self._token, self._at = token, now
        return repeat

    def forget(self) -> None:
        """The cashier closed the card: the next read of any code is a new request."""
        self._token = None
