"""Shared builders for the reconciliation tests: a real journal in tmp_path holding validations of
the emulator's demo bookings (made through the journal's own begin/resolve_done), on fixed days."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.emulator import demo_data
from pos_client.emulator.store import EmulatorClock, EmulatorStore
from pos_client.journal import SqliteJournal, open_journal

PARIS = ZoneInfo("Europe/Paris")
TILL = "caisse-1"
# (case, day of November 2026, hour): validations of the first fortnight, in this order.
FIRST_FORTNIGHT = (
    ("book", 3, 10),  # Le Petit Prince 7,90: the scenario's reduced rate
    ("book_2", 4, 11),  # L'Étranger 8,90: reimbursed in full
    ("concert_category", 5, 15),  # Carré or 25,00: another price category in the file
    ("duo_cinema", 6, 18),  # 2 x 7,00: the file counts one place
    ("museum_pass", 9, 12),  # 20,00: reverted on the 12th, after the file reimbursed it
    ("concert_pit", 14, 16),  # Fosse 15,00: left out of the file: to claim
)


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)

    def __call__(self) -> datetime:
        return self.now


def demo_bookings() -> dict[str, Booking]:
    """The emulator's demo bookings, as the API client would map them (no beneficiary kept)."""
    store = EmulatorStore(None, EmulatorClock())
    try:
        demo_data.seed(store, "demo")
        bookings = {}
        for case, token in demo_data.TOKENS.items():
            row = store.find_booking(token, None)
            assert row is not None
            bookings[case] = Booking(
                id=row.id, token=row.token, status=BookingStatus.CONFIRMED, quantity=row.quantity,
                unit_price_cents=row.amount_cents, offer_id=row.offer_id, offer_name=row.offer_name,
                offer_ean=row.offer_ean, stock_id=row.stock_id, price_category_id=row.price_category_id,
                price_category_label=row.price_category_label, venue_id=row.venue_id,
                venue_name=row.venue_name, offer_address=None, offer_department_code=row.department_code,
                creation_date=row.date_created, confirmation_date=None,
                beneficiary=Beneficiary(None, None, None, "", None, None),
            )  # fmt: skip
        return bookings
    finally:
        store.close()


def record(journal: SqliteJournal, clock: StepClock, booking: Booking, when: datetime, op: Operation) -> None:
    clock.now = when
    intent = journal.begin(op, booking, transport=Transport.SERIAL, source_id="test", id_checked_at=None)
    assert journal.resolve_done(intent) is not None or op is Operation.CANCEL


def first_fortnight_journal(path: Path) -> SqliteJournal:
    """The scenario's journal: the validations above, and the museum pass reverted on 12 November."""
    clock = StepClock()
    journal = open_journal(path, till=TILL, clock=clock, local_zone=PARIS)
    bookings = demo_bookings()
    for case, day, hour in FIRST_FORTNIGHT:
        record(journal, clock, bookings[case], datetime(2026, 11, day, hour, 5, tzinfo=PARIS), Operation.USE)
    record(
        journal, clock, bookings["museum_pass"], datetime(2026, 11, 12, 10, 0, tzinfo=PARIS), Operation.KEEP
    )
    return journal


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


__all__ = [
    "FIRST_FORTNIGHT",
    "PARIS",
    "TILL",
    "StepClock",
    "demo_bookings",
    "first_fortnight_journal",
    "record",
    "utc",
]
