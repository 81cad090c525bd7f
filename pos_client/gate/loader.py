"""Load the bookings list before doors open and refresh it in the background, within a rate budget.

The first load pages through ``GET /public/bookings/v1/bookings`` once per controlled event start
(``offerId`` + ``beginningDatetime``, the list's real filters; ``firstIndex`` cursor, 50 a page), so
every listed booking gets its date although the list's entries carry none. Each refresh then asks,
per event start, for the bookings after the highest id seen (new bookings) and for the cancelled
ones (cancellations of older bookings), one request per ``step`` when the budget allows. A page the
network refuses is retried at the next step: the gate keeps admitting from memory meanwhile.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pos_client.domain.gate import RateBudget
from pos_client.domain.outcomes import BookingPage, Outcome
from pos_client.domain.ports import BookingsApi
from pos_client.gate.service import Gate

__all__ = ["ListQuery", "LoadStatus", "Refresher", "discover_offer_ids"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListQuery:
    """One event start of one offer; ``cancelled_only`` asks for its cancelled bookings."""

    offer_id: int
    starts_at: datetime
    cancelled_only: bool = False


@dataclass
class LoadStatus:
    """What was loaded and when, for the screen and ``gate status``."""

    pages: int = 0
    bookings_seen: int = 0
    changes: int = 0
    failures: int = 0
    last_success: datetime | None = None
    last_failure: str | None = None
    first_load_done: bool = False
    requests: int = 0
    high_water: dict[tuple[int, datetime], int] = field(default_factory=dict)


class Refresher:
    """One request per ``step`` at most, when the budget allows; thread-confined to its worker."""

    def __init__(
        self, api: BookingsApi, budget: RateBudget, gate: Gate, starts: list[tuple[int, datetime]]
    ) -> None:
        self._api = api
        self.budget = budget
        self._gate = gate
        self._starts = starts
        self.status = LoadStatus()
        # The first load: every page of every event start; then rounds of refreshes.
        self._pending: deque[tuple[ListQuery, int]] = deque((ListQuery(o, s), 1) for o, s in starts)
        self._new_starts: list[tuple[int, datetime]] | None = None

    def set_starts(self, starts: list[tuple[int, datetime]]) -> None:
        """Control other event starts from now on (any thread: picked up at the next step)."""
        self._new_starts = list(starts)

    def _take_new_starts(self) -> None:
        starts, self._new_starts = self._new_starts, None
        if starts is None:
            return
        for offer_id, starts_at in starts:
            if (offer_id, starts_at) not in self._starts:
                self._pending.append((ListQuery(offer_id, starts_at), 1))  # its first load
        self._starts = starts

    def step(self, now: datetime | None = None) -> bool:
        """Send the next request if the budget allows; True when a request went out."""
        self._take_new_starts()
        if not self._pending:
            self._next_round()
        if not self.budget.try_acquire():
            return False
        query, first_index = self._pending[0]
        self.status.requests += 1
        outcome = self._api.list_bookings(
            offer_id=query.offer_id, beginning_datetime=query.starts_at, first_index=first_index,
            limit=PAGE_SIZE, status="CANCELLED" if query.cancelled_only else None,
        )  # fmt: skip
        self._apply(query, first_index, outcome, now or datetime.now(UTC))
        return True

    def load_all(self, sleep: Callable[[float], None] = time.sleep) -> bool:
        """The first load, synchronously (before doors open); False at the first failure."""
        while not self.status.first_load_done:
            failures = self.status.failures
            if not self.step():
                sleep(0.2)  # budget spent for now: the bucket refills
            elif self.status.failures > failures:
                return False
        return True

    def _apply(self, query: ListQuery, first_index: int, outcome: Outcome, now: datetime) -> None:
        if not isinstance(outcome, BookingPage):
            self.status.failures += 1
            self.status.last_failure = type(outcome).__name__
            return  # the same page is asked again next time
        self._pending.popleft()
        self.status.pages += 1
        self.status.bookings_seen += len(outcome.bookings)
        self.status.changes += self._gate.merge_listed(outcome.bookings, query.starts_at)
        self.status.last_success = now
        key = (query.offer_id, query.starts_at)
        if outcome.bookings and not query.cancelled_only:
            self.status.high_water[key] = max(self.status.high_water.get(key, 0), outcome.bookings[-1].id)
        if outcome.next_first_index is not None:
            self._pending.appendleft((query, outcome.next_first_index))
        elif not self._pending:
            self.status.first_load_done = True
            self._gate.names_lost = False  # the list gave the names back

    def _next_round(self) -> None:
        for offer_id, starts_at in self._starts:
            after = self.status.high_water.get((offer_id, starts_at), 0) + 1
            self._pending.append((ListQuery(offer_id, starts_at), after))
            self._pending.append((ListQuery(offer_id, starts_at, cancelled_only=True), 1))


def discover_offer_ids(
    api: BookingsApi,
    budget: RateBudget,
    venue_id: int,
    names: Iterable[str],
    *,
    max_pages: int = 20,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int] | Outcome:
    """The ids of the offers named in the export, from the venue's bookings (``venueId`` filter),
    paging only until every name is found; the failing outcome when the API cannot be read."""
    wanted = set(names)
    found: dict[str, int] = {}
    first_index = 1
    for _ in range(max_pages):
        while not budget.try_acquire():
            sleep(0.2)
        outcome = api.list_bookings(venue_id=venue_id, first_index=first_index, limit=PAGE_SIZE)
        if not isinstance(outcome, BookingPage):
            return outcome
        for booking in outcome.bookings:
            if booking.offer_name in wanted:
                found.setdefault(booking.offer_name, booking.offer_id)
        if wanted <= found.keys() or outcome.next_first_index is None:
            break
        first_index = outcome.next_first_index
    return found
