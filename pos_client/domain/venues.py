"""The venues an API key reaches, and the till's own: a key is the provider's, not a venue's.

The real API finds a booking through any active link between its venue and the key's provider: a
software vendor's key reaches every shop that linked its venues to the vendor. So a till is set up
with the venue(s) it serves (chosen from ``GET /public/offers/v1/offerer_venues``) and refuses,
before any change, a booking of another venue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pos_client.domain.booking import Booking
from pos_client.domain.outcomes import Success

__all__ = ["ReachableVenue", "VenueList", "is_foreign", "parse_venue_ids", "venue_label"]


@dataclass(frozen=True)
class ReachableVenue:
    """One venue of ``offerer_venues``: its id, public (or legal) name, offerer and address."""

    id: int
    name: str
    offerer_name: str
    address: str | None = None


@dataclass(frozen=True)
class VenueList(Success):
    """``GET /public/offers/v1/offerer_venues``: every venue the key reaches."""

    venues: tuple[ReachableVenue, ...]


def is_foreign(booking: Booking, till_venue_ids: Iterable[int]) -> bool:
    """The booking is of a venue this till does not serve (no venue set: every venue is the till's)."""
    served = frozenset(till_venue_ids)
    return bool(served) and booking.venue_id not in served


def venue_label(venue: ReachableVenue) -> str:
    """"Librairie Les Mots Passants (n° 5401)", as settings and the status bar show it."""
    return f"{venue.name} (n° {venue.id})"


def parse_venue_ids(text: str) -> tuple[int, ...]:
    """"5401, 5402" -> (5401, 5402); parts that are not positive integers are left out."""
    ids: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and int(part) > 0 and int(part) not in ids:
            ids.append(int(part))
    return tuple(ids)
