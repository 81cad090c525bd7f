"""A payment line as a JSON document: one shape for the JSONL export and the hand-off to the register.

Lives in the domain so the journal (which exports) and the hand-off (which delivers) share it
without importing each other.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from pos_client.domain.ledger import Operation, PaymentRecord

__all__ = ["PaymentLine", "payment_document"]


class PaymentLine(Protocol):
    """A payment record with the journal's columns around it (``pos_client.journal.PaymentRow``)."""

    @property
    def record(self) -> PaymentRecord: ...

    @property
    def operation(self) -> Operation: ...

    @property
    def payment_mode(self) -> str: ...

    @property
    def local_day(self) -> date: ...

    @property
    def resolved_at(self) -> datetime: ...


def payment_document(row: PaymentLine) -> dict[str, object]:
    """One payment record as JSON (the JSONL export and the hand-off to the cash register)."""
    record = row.record
    return {
        "id": record.uid,
        "day": row.local_day.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "resolved_at": row.resolved_at.isoformat(),
        "till": record.till,
        "payment_mode": row.payment_mode,
        "operation": row.operation.value,
        "token": record.token,
        "booking_id": record.booking_id,
        "offer_name": record.offer_name,
        "ean": record.ean,
        "unit_price_cents": record.unit_price_cents,
        "quantity": record.quantity,
        "amount_cents": record.amount_cents,
        "transport": record.transport.value,
    }
