"""The shared ledger's payment lines of every till, as the journal's export reads them
(``journal.export.PaymentSource``): ``pos-client export --ledger``."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from pos_client.domain.ledger import Operation, PaymentRecord
from pos_client.domain.scan import Transport
from pos_client.journal.store import PAYMENT_MODE, PaymentRow
from pos_client.ledger.connection import LedgerLink

__all__ = ["LedgerPayments"]


def _moment(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


class LedgerPayments:
    """Every till's payment lines in the ledger; raises ``LedgerError`` when it cannot be read."""

    def __init__(self, link: LedgerLink, local_zone: tzinfo | None = None) -> None:
        self._link = link
        self._local_zone = local_zone

    @property
    def local_zone(self) -> tzinfo | None:
        return self._local_zone

    def payments_between(self, first_day: date, last_day: date) -> list[PaymentRow]:
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT seq, uid, intent_id, token, booking_id, offer_name, ean, unit_price_cents,"
                " quantity, amount_cents, till, transport, recorded_at, operation, local_day, resolved_at"
                " FROM ledger.payments WHERE local_day BETWEEN %s AND %s ORDER BY recorded_at, till",
                (first_day, last_day),
            )
            rows = cursor.fetchall()
        payments: list[PaymentRow] = []
        for row in rows:
            seq, uid, intent, token, booking, offer, ean, unit, quantity, amount, till, how = row[:12]
            at, op, day, done = row[12:]
            record = PaymentRecord(
                int(str(seq)),
                str(uid),
                int(str(intent)),
                str(token),
                int(str(booking)),
                str(offer),
                None if ean is None else str(ean),
                int(str(unit)),
                int(str(quantity)),
                int(str(amount)),
                str(till),
                Transport(str(how)),
                _moment(at),
            )
            local_day = day if isinstance(day, date) else date.fromisoformat(str(day))
            payments.append(PaymentRow(record, Operation(str(op)), PAYMENT_MODE, local_day, _moment(done)))
        return payments
