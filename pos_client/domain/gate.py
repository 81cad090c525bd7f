"""Gate mode's ports: claim an entry across gates, and share the API's rate budget.

At a festival each gate admits from a list held in memory; two gates must not both let in the same
contremarque. ``EntryClaims`` is the one place that decides who let a code in first. The gate package
gives an in-process implementation (one gate) and a file-backed one (gates sharing a file, used by
the tests and the bench); the shared ledger (PostgreSQL) implements the same port. ``RateBudget`` is
how background API calls (refresh, validation) stay under the key's 200 requests a minute when
several gates share one key; the ledger's shared budget implements it too. ``EntryCounts`` gives the
entries of every gate (persons per gate and event day), for the counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

__all__ = [
    "AlreadyClaimed",
    "ClaimResult",
    "Claimed",
    "ClaimsUnavailable",
    "EntryClaims",
    "EntryCounts",
    "EntryTally",
    "RateBudget",
]


@dataclass(frozen=True)
class Claimed:
    """This gate is the first to let the code in."""

    token: str
    gate: str
    at: datetime


@dataclass(frozen=True)
class AlreadyClaimed:
    """Another (or this) gate let the code in earlier: when and where."""

    token: str
    gate: str
    at: datetime


@dataclass(frozen=True)
class ClaimsUnavailable:
    """The shared claims cannot be reached: the gate decides alone and reconciles later."""

    detail: str


ClaimResult = Claimed | AlreadyClaimed | ClaimsUnavailable


class EntryClaims(Protocol):
    """Who let a contremarque in first, shared by every gate. Thread-safe; quick (milliseconds)."""

    def claim(
        self, token: str, gate: str, at: datetime, *, persons: int = 1, day: date | None = None
    ) -> ClaimResult:
        """Atomically record that ``gate`` let ``token`` in at ``at`` unless someone did before
        (``persons`` and the event's ``day`` feed the counters of every gate)."""
        ...

    def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
        """The first entry recorded for ``token``, None when nobody let it in yet."""
        ...


class RateBudget(Protocol):
    """Permission to send one API request now, within the key's budget shared by every gate."""

    def try_acquire(self) -> bool:
        """True and one request counted, or False when the budget is spent for now (never blocks)."""
        ...


@dataclass(frozen=True)
class EntryTally:
    """Persons let in at one gate for one event day (None: a code whose date is unknown)."""

    gate: str
    day: date | None
    persons: int


class EntryCounts(Protocol):
    """The entries of every gate, summed per gate and event day (for the counters)."""

    def tallies(self) -> list[EntryTally] | ClaimsUnavailable:
        """Every gate's claimed entries, or why they cannot be read now."""
        ...
