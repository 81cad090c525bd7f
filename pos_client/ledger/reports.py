"""Consolidated reports of the ledger: a day or a reimbursement fortnight, per till, per venue, total.

The same rules as the till's own summaries (``pos_client.journal.summaries``): a payment counts on
its validation's local day; a revert (``keep``) is a negative line of the period it was recorded in.
One query with ``GROUPING SETS`` gives the three views at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pos_client.domain.fortnight import fortnight_of
from pos_client.ledger.connection import LedgerLink

__all__ = ["LedgerReport", "ReportLine", "fortnight_report", "period_report"]

_REPORT = """
SELECT CASE WHEN grouping(till) = 0 THEN 'till' WHEN grouping(venue_id) = 0 THEN 'venue' ELSE 'total' END,
       till, venue_id, max(venue_name),
       count(*) FILTER (WHERE operation = 'use'),
       coalesce(sum(amount_cents) FILTER (WHERE operation = 'use'), 0),
       count(*) FILTER (WHERE operation = 'keep'),
       coalesce(sum(amount_cents) FILTER (WHERE operation = 'keep'), 0)
FROM ledger.payments
WHERE local_day BETWEEN %(first)s AND %(last)s
GROUP BY GROUPING SETS ((till), (venue_id), ())
ORDER BY 1 DESC, 2, 3
"""


@dataclass(frozen=True)
class ReportLine:
    """Sales and reverts of one till, one venue, or all (``scope``: till / venue / total)."""

    scope: str
    label: str
    sales: int
    sales_cents: int
    reverts: int
    reverts_cents: int  # negative or zero

    @property
    def total_cents(self) -> int:
        return self.sales_cents + self.reverts_cents


@dataclass(frozen=True)
class LedgerReport:
    first_day: date
    last_day: date
    tills: list[ReportLine]
    venues: list[ReportLine]
    total: ReportLine


def _int(value: object) -> int:
    return int(str(value))


def period_report(link: LedgerLink, first_day: date, last_day: date) -> LedgerReport:
    """Every till's payments of ``[first_day, last_day]`` (local days, both included)."""
    with link.transaction() as cursor:
        cursor.execute(_REPORT, {"first": first_day, "last": last_day})
        rows = cursor.fetchall()
    tills: list[ReportLine] = []
    venues: list[ReportLine] = []
    total = ReportLine("total", "toutes caisses", 0, 0, 0, 0)
    for scope, till, venue_id, venue_name, sales, sales_cents, reverts, reverts_cents in rows:
        if scope == "till":
            label = str(till)
        elif scope == "venue":
            label = f"{venue_name or 'lieu inconnu'} ({venue_id if venue_id is not None else '?'})"
        else:
            label = "toutes caisses"
        line = ReportLine(
            str(scope), label, _int(sales), _int(sales_cents), _int(reverts), _int(reverts_cents)
        )
        if scope == "till":
            tills.append(line)
        elif scope == "venue":
            venues.append(line)
        else:
            total = line
    return LedgerReport(first_day, last_day, tills, venues, total)


def fortnight_report(link: LedgerLink, day: date) -> LedgerReport:
    """The reimbursement fortnight holding ``day`` (1st-15th or 16th-end of month)."""
    return period_report(link, *fortnight_of(day))
