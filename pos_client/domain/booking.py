"""A booking as the pass Culture API shows it, with prices in cents and aware datetimes.

Personal data (name, e-mail, phone, birth date, postal code) is kept in ``Beneficiary``, whose
``repr`` shows nothing, so a ``Booking`` can never leak it into a log by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = ["Beneficiary", "Booking", "BookingStatus"]


class BookingStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    USED = "USED"
    CANCELLED = "CANCELLED"
    REIMBURSED = "REIMBURSED"


@dataclass(frozen=True, repr=False)
class Beneficiary:
    """The young person's identity, shown for the ID check and never stored or logged."""

    first_name: str | None
    last_name: str | None
    birth_date: date | None
    email: str
    phone_number: str | None
    postal_code: str | None

    def __repr__(self) -> str:
        return "Beneficiary(<hidden>)"

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class Booking:
    """One booking as the API shows it. ``token`` is the contremarque used to fetch it."""

    id: int
    token: str
    status: BookingStatus
    quantity: int
    unit_price_cents: int
    offer_id: int
    offer_name: str
    offer_ean: str | None
    stock_id: int
    price_category_id: int | None
    price_category_label: str | None
    venue_id: int
    venue_name: str
    offer_address: str | None
    offer_department_code: str | None
    creation_date: datetime | None  # optional in the API's schema: None when the answer leaves it out
    confirmation_date: datetime | None
    beneficiary: Beneficiary = field(compare=False)

    @property
    def total_cents(self) -> int:
        """What the shop cashes in: unit price times quantity (a duo counts twice)."""
        return self.unit_price_cents * self.quantity

    @property
    def is_duo(self) -> bool:
        return self.quantity == 2
