"""How long the change in flight has waited, and the changes the cashier stopped waiting for.

The counter shows a change's elapsed time (once a second), says "le serveur est lent" after
``slow_after_s`` and offers a way out (``Action.STOP_WAITING``): the outcome is then "inconnu", never a
guess. The request keeps going; its answer, when it comes, is recorded by the journal as always and
told in a notice (``notices``), or the settlement reads the booking later. Owned by the counter (one
thread), with the counter's monotonic clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Patience"]


@dataclass
class Patience:
    slow_after_s: float
    _started_at: float | None = None
    _shown_s: int = 0
    _serial: int = 0
    _abandoned: set[int] = field(default_factory=set)

    def start(self, now: float) -> int:
        """A change is sent: its serial, to tell its answer from an abandoned one's."""
        self._serial += 1
        self._started_at, self._shown_s = now, 0
        return self._serial

    def tick(self, now: float) -> tuple[int, bool] | None:
        """(whole seconds waited, slow) when the shown time must change, else None."""
        if self._started_at is None:
            return None
        seconds = int(now - self._started_at)
        if seconds < 1 or seconds == self._shown_s:
            return None
        self._shown_s = seconds
        return seconds, now - self._started_at >= self.slow_after_s

    def abandon(self) -> None:
        """The cashier stops waiting for the change in flight."""
        self._abandoned.add(self._serial)
        self._started_at = None

    def answered(self, serial: int) -> bool:
        """The change ``serial`` is answered; True when the cashier had stopped waiting for it."""
        if serial in self._abandoned:
            self._abandoned.discard(serial)
            return True
        self._started_at = None
        return False
