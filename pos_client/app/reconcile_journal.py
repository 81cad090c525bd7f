"""The till journal's payment lines as the matcher's plain ``LedgerLine`` records.

A shared ledger of several tills only has to give the same records (one per payment line, with its
till) to feed the same matcher.
"""

from __future__ import annotations

from datetime import date

from pos_client.domain.ledger import Operation
from pos_client.journal.store import SqliteJournal
from pos_client.reconcile.matcher import LedgerLine

__all__ = ["lines_from_journal"]


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
