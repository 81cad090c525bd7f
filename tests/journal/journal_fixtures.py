"""Shared builders for the journal tests: bookings with a beneficiary, a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.journal import SqliteJournal, open_journal

PARIS = ZoneInfo("Europe/Paris")
BENEFICIARY = Beneficiary(
    first_name="Camille",
    last_name="Dubreuil-Quentin",
    birth_date=date(2007, 3, 14),
    email="camille.dubreuil@example.fr",
    phone_number="+33612345678",
    postal_code="75011",
)


def booking(
    token: str = "352UW4",
    *,
    booking_id: int = 1,
    price_cents: int = 1250,
    quantity: int = 1,
    ean: str | None = "9782070612758",
    offer: str = "Le Petit Prince",
) -> Booking:
    return Booking(
        id=booking_id,
        token=token,
        status=BookingStatus.CONFIRMED,
        quantity=quantity,
        unit_price_cents=price_cents,
        offer_id=10,
        offer_name=offer,
        offer_ean=ean,
        stock_id=20,
        price_category_id=None,
        price_category_label=None,
        venue_id=5401,
        venue_name="Librairie",
        offer_address=None,
        offer_department_code="75",
        creation_date=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        confirmation_date=None,
        beneficiary=BENEFICIARY,
    )


class FakeClock:
    """Wall-clock time the tests move by hand (the journal's days and times come from it)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 9, 30, tzinfo=PARIS))


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal.sqlite3"


@pytest.fixture
def journal(journal_path: Path, clock: FakeClock) -> Iterator[SqliteJournal]:
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as opened:
        yield opened
