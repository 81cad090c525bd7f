"""An offer made at the till: the EAN rule, the product offer as the public API shows it, the outcomes
of the product calls, and the port the till's offer desk uses (``ProductsApi``).

Facts from the public API (``/public/offers/v1/products/ean``): the batch upsert is asynchronous
(204, then a background job that silently skips what it cannot create), only paper books, CDs and
vinyls already in pass Culture's product database can be offered by EAN, a price is at most 300 €
(30000 cents), a virtual venue is refused, and the venue must be linked to the key's provider. An
upsert's ``quantity`` is what stays bookable (the server adds what is already booked), so 0 closes
the offer to new bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Protocol

from pos_client.domain.outcomes import (
    AuthInvalid,
    AuthMissing,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    RateLimited,
    Refusal,
    ServerError,
    Success,
    TimedOut,
    Trouble,
)

__all__ = [
    "ALLOWED_SUBCATEGORIES",
    "MAX_PRICE_CENTS",
    "SUBCATEGORY_LABELS",
    "EanAvailable",
    "EanRefused",
    "EanRejection",
    "JobNeverDone",
    "OfferInProgress",
    "OfferOutcome",
    "OfferQueued",
    "OverCredit",
    "PriceRefused",
    "ProductOffer",
    "ProductOffers",
    "ProductsApi",
    "VenueNotLinked",
    "VirtualVenue",
    "ean13_is_valid",
    "ean_check_digit",
    "normalised_ean",
    "offer_link",
    "parse_euros",
]

MAX_PRICE_CENTS = 30000
ALLOWED_SUBCATEGORIES = (
    "LIVRE_PAPIER",
    "SUPPORT_PHYSIQUE_MUSIQUE_CD",
    "SUPPORT_PHYSIQUE_MUSIQUE_VINYLE",
)
SUBCATEGORY_LABELS = {
    "LIVRE_PAPIER": "livre",
    "SUPPORT_PHYSIQUE_MUSIQUE_CD": "CD",
    "SUPPORT_PHYSIQUE_MUSIQUE_VINYLE": "vinyle",
}


def ean_check_digit(first_twelve: str) -> int:
    """The EAN-13 check digit of twelve digits (weights 1, 3, 1, 3...)."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return (10 - total % 10) % 10


def ean13_is_valid(text: str) -> bool:
    return (
        len(text) == 13 and text.isascii() and text.isdigit() and ean_check_digit(text[:12]) == int(text[12])
    )


def normalised_ean(text: str) -> str | None:
    """The EAN-13 in what a scanner or a cashier gave (blanks and dashes dropped), or None."""
    candidate = "".join(char for char in text.strip() if char not in " -\t")
    return candidate if ean13_is_valid(candidate) else None


def parse_euros(text: str) -> int | None:
    """``12,99`` / ``12.99`` / ``12`` / ``12,99 €`` as cents, or None."""
    cleaned = text.replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def offer_link(base_url: str, offer_id: int) -> str:
    """The offer's page in the pass Culture app, for the young person's phone: production and
    integration have their own app hosts; another server (the local emulator) serves its own page."""
    if base_url.rstrip("/") == "https://backend.passculture.app":
        return f"https://passculture.app/offre/{offer_id}"
    if "integration.passculture" in base_url:
        return f"https://integration.passculture.app/offre/{offer_id}"
    return f"{base_url.rstrip('/')}/offre/{offer_id}"


@dataclass(frozen=True)
class ProductOffer:
    """A product offer of a venue as ``GET /public/offers/v1/products/ean`` shows it (no personal data)."""

    offer_id: int
    ean: str
    name: str
    subcategory: str
    status: str
    venue_id: int
    price_cents: int | None  # None: no active stock
    quantity: int | None  # None: unlimited
    booked_quantity: int

    @property
    def remaining(self) -> int | None:
        """What can still be booked (None: unlimited, or no stock: see ``price_cents``)."""
        if self.price_cents is None:
            return 0
        return None if self.quantity is None else max(0, self.quantity - self.booked_quantity)

    def matches(self, price_cents: int, quantity: int) -> bool:
        """True when this offer shows what an upsert asked for (the job has run)."""
        return self.price_cents == price_cents and self.remaining == quantity


class EanRejection(Enum):
    """Why pass Culture will not take an EAN (``check_availability``'s rejection lists)."""

    NOT_FOUND = "notFound"
    SUBCATEGORY_NOT_ALLOWED = "subcategoryNotAllowed"
    NOT_COMPLIANT_WITH_CGU = "notCompliantWithCgu"


@dataclass(frozen=True)
class ProductOffers(Success):
    """The offers of the venue for the EANs asked (possibly none yet)."""

    offers: tuple[ProductOffer, ...]

    def for_ean(self, ean: str) -> ProductOffer | None:
        found = [offer for offer in self.offers if offer.ean == ean]
        return max(found, key=lambda offer: offer.offer_id) if found else None


@dataclass(frozen=True)
class EanAvailable(Success):
    ean: str


@dataclass(frozen=True)
class OfferQueued(Success):
    """204: the upsert job is queued; the offer shows up (or changes) when it has run."""

    ean: str


@dataclass(frozen=True)
class EanRefused(Refusal):
    ean: str
    reason: EanRejection


@dataclass(frozen=True)
class VenueNotLinked(Refusal):
    """404: the venue is not linked to the key's provider (or the link is inactive)."""

    venue_id: int


@dataclass(frozen=True)
class VirtualVenue(Refusal):
    """400: a virtual (digital) venue cannot hold product offers."""

    venue_id: int


@dataclass(frozen=True)
class PriceRefused(Refusal):
    price_cents: int


@dataclass(frozen=True)
class OverCredit(Refusal):
    """The till's own check: the price is over the young person's remaining credit (they would be
    refused in the app)."""

    price_cents: int
    credit_cents: int


@dataclass(frozen=True)
class OfferInProgress(Refusal):
    """The double-scan guard: this EAN's offer is already being made at this till."""

    ean: str


@dataclass(frozen=True)
class JobNeverDone(Trouble):
    """The upsert was accepted (204) but no offer showed it within the wait."""

    ean: str
    waited_s: float


OfferOutcome = (
    ProductOffers
    | EanAvailable
    | OfferQueued
    | EanRefused
    | VenueNotLinked
    | VirtualVenue
    | PriceRefused
    | OverCredit
    | OfferInProgress
    | JobNeverDone
    | InvalidRequest
    | AuthMissing
    | AuthInvalid
    | InactiveProvider
    | RateLimited
    | ServerError
    | NetworkUnreachable
    | TimedOut
    | MalformedResponse
)


class ProductsApi(Protocol):
    """The public API's product-by-EAN calls the offer desk needs (``pos_client.api.products``)."""

    base_url: str

    def check_ean(self, ean: str) -> OfferOutcome:
        """``EanAvailable``, ``EanRefused`` or a trouble."""
        ...

    def upsert(self, venue_id: int, ean: str, price_cents: int, quantity: int) -> OfferOutcome:
        """``OfferQueued``, ``VenueNotLinked``, ``VirtualVenue``, ``PriceRefused`` or a trouble."""
        ...

    def offers_by_ean(self, venue_id: int, ean: str) -> OfferOutcome:
        """``ProductOffers``, ``VenueNotLinked`` or a trouble."""
        ...

    def close(self) -> None:
        """Release the connections."""
        ...
