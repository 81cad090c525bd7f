"""Payment lines as the matcher's plain ``LedgerLine`` records: this till's from its journal (its
source of truth), and, with a shared ledger, the other tills' from the ledger's replicated payments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pos_client.domain.ledger import Operation
from pos_client.journal.store import SqliteJournal
from pos_client.ledger.connection import LedgerLink
from pos_client.reconcile.matcher import LedgerLine

__all__ = ["lines_from_journal", "lines_of_other_tills"]


def lines_from_journal(
    journal: SqliteJournal, first_day: date = date(2000, 1, 1), last_day: date = date(9999, 12, 31)
) -> list[LedgerLine]:
    """Every payment line of ``[first_day, last_day]`` (validations and reverts), oldest first. The
    price category (a reason an amount may differ) is the booking's as this till validated it."""
    lines: list[LedgerLine] = []
    categories: dict[str, str | None] = {}
    for row in journal.payments_between(first_day, last_day):
        record = row.record
        if row.operation is Operation.USE and record.token not in categories:
            booking = journal.validated_booking(record.token)
            categories[record.token] = None if booking is None else booking.price_category_label
        lines.append(
            LedgerLine(
                till=record.till,
                token=record.token,
                operation=row.operation,
                amount_cents=record.amount_cents,
                unit_price_cents=record.unit_price_cents,
                quantity=record.quantity,
                validated_at=record.recorded_at.astimezone(journal.local_zone),  # shown as the till's
                day=row.local_day,
                offer_name=record.offer_name,
                price_category=categories.get(record.token),
            )
        )
    return lines


def lines_of_other_tills(link: LedgerLink, journal_uid: str) -> list[LedgerLine]:
    """The payment lines the shared ledger holds from every other journal than ``journal_uid`` (the
    other tills'), oldest first; raises ``LedgerError`` when the ledger cannot be read."""
    with link.transaction() as cursor:
        cursor.execute(
            "SELECT till, token, operation, amount_cents, unit_price_cents, quantity, recorded_at,"
            " local_day, offer_name FROM ledger.payments WHERE journal_uid <> %s ORDER BY recorded_at",
            (journal_uid,),
        )
        rows = cursor.fetchall()
    return [
        LedgerLine(
            till=str(till),
            token=str(token),
            operation=Operation(str(operation)),
            amount_cents=int(str(amount)),
            unit_price_cents=int(str(unit)),
            quantity=int(str(quantity)),
            validated_at=recorded_at.astimezone() if isinstance(recorded_at, datetime) else datetime.now(UTC),
            day=local_day if isinstance(local_day, date) else date.fromisoformat(str(local_day)),
            offer_name=str(offer),
        )
        for till, token, operation, amount, unit, quantity, recorded_at, local_day, offer in rows
    ]
