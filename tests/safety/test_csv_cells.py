"""CSV formula injection (issue 15, defect 7): every CSV cell a spreadsheet would run is neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.journal import open_journal
from pos_client.journal.export import ExportFormat, export_text, write_export
from pos_client.safety.csv_cells import FORMULA_STARTS, safe_cell


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_each_formula_start_is_neutralised(start: str) -> None:
    assert safe_cell(f'{start}HYPERLINK("http://evil")') == f'\'{start}HYPERLINK("http://evil")'


@pytest.mark.parametrize(
    "value", ["Le Petit Prince", "", "9782070612758", 1250, "-12,50", "-3", "12,50", None]
)
def test_plain_texts_and_numbers_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def _booking(token: str, offer: str, booking_id: int) -> Booking:
    from datetime import UTC, datetime

    return Booking(
        id=booking_id, token=token, status=BookingStatus.CONFIRMED, quantity=1, unit_price_cents=500,
        offer_id=1, offer_name=offer, offer_ean=None, stock_id=1, price_category_id=None,
        price_category_label=None, venue_id=1, venue_name="Librairie", offer_address=None,
        offer_department_code="75", creation_date=datetime(2026, 11, 1, tzinfo=UTC), confirmation_date=None,
        beneficiary=Beneficiary(None, None, None, "", None, None),
    )  # fmt: skip


HOSTILE_NAMES = {start: f'{start}HYPERLINK("http://evil.example";"Livre")' for start in FORMULA_STARTS}


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_the_export_neutralises_each_hostile_offer_name(tmp_path: Path, start: str) -> None:
    journal = open_journal(tmp_path / "journal.sqlite3", till="=caisse")
    with journal:
        for operation in (Operation.USE, Operation.KEEP):
            booking = _booking("ABC123", HOSTILE_NAMES[start], 1)
            where = {"transport": Transport.COMMAND_LINE, "source_id": "cli", "id_checked_at": None}
            journal.resolve_done(journal.begin(operation, booking, **where))  # type: ignore[arg-type]
        today = date.today()
        out = tmp_path / "export.csv"
        write_export(journal, today, today, ExportFormat.CSV, out)
        text = out.read_bytes().decode("utf-8-sig")
        assert text == export_text(journal, today, today, ExportFormat.CSV)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    offers = [row[7] for row in rows[1:]]
    assert offers == ["'" + HOSTILE_NAMES[start]] * 2
    assert {row[2] for row in rows[1:]} == {"'=caisse"}  # the till's name is a text the user typed
    assert [row[11] for row in rows[1:]] == ["5,00", "-5,00"]  # a revert stays a number to add up
    for row in rows[1:]:
        assert not any(cell.startswith(FORMULA_STARTS) and cell != "-5,00" for cell in row), row
