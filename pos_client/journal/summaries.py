"""Day and reimbursement-fortnight summaries of the journal's payment records.

pass Culture reimburses validated contremarques every two weeks: validations of the 1st-15th in one
transfer, of the 16th-end of month in the next. A revert (keep) counts against the period it was
recorded in, as the pass Culture back office does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pos_client.domain.fortnight import fortnight_of, previous_fortnight
from pos_client.domain.ledger import Operation
from pos_client.journal.store import SqliteJournal

__all__ = [
    "PeriodSummary",
    "day_summary",
    "fortnight_of",
    "fortnight_summary",
    "period_summary",
    "previous_fortnight",
]


@dataclass(frozen=True)
class PeriodSummary:
    first_day: date
    last_day: date
    sales: int
    sales_cents: int
    reverts: int
    reverts_cents: int  # negative or zero

    @property
    def total_cents(self) -> int:
        return self.sales_cents + self.reverts_cents


def period_summary(journal: SqliteJournal, first_day: date, last_day: date) -> PeriodSummary:
    rows = journal.payments_between(first_day, last_day)
    sales = [row.record.amount_cents for row in rows if row.operation is Operation.USE]
    reverts = [row.record.amount_cents for row in rows if row.operation is Operation.KEEP]
    return PeriodSummary(first_day, last_day, len(sales), sum(sales), len(reverts), sum(reverts))


def day_summary(journal: SqliteJournal, day: date) -> PeriodSummary:
    return period_summary(journal, day, day)


def fortnight_summary(journal: SqliteJournal, day: date) -> PeriodSummary:
    return period_summary(journal, *fortnight_of(day))
