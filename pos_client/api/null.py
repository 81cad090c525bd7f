"""The null API: what the till talks to when the server address cannot be used."""

from __future__ import annotations

from datetime import datetime

from pos_client.domain.outcomes import NetworkUnreachable, Outcome

__all__ = ["UnconfiguredServer"]


class UnconfiguredServer:
    """The API when the server address cannot be used: every call answers "injoignable" with the
    reason, nothing is ever sent, and the till still opens so the cashier can fix the settings."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _unreachable(self) -> Outcome:
        return NetworkUnreachable(self.reason)

    def get_booking(self, token: str) -> Outcome:
        return self._unreachable()

    def validate(self, token: str) -> Outcome:
        return self._unreachable()

    def keep(self, token: str) -> Outcome:
        return self._unreachable()

    def cancel(self, token: str) -> Outcome:
        return self._unreachable()

    def list_bookings(
        self,
        *,
        offer_id: int | None = None,
        venue_id: int | None = None,
        status: str | None = None,
        first_index: int = 1,
        limit: int = 50,
        beginning_datetime: datetime | None = None,
        price_category_id: int | None = None,
    ) -> Outcome:
        return self._unreachable()
