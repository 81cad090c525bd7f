"""The reimbursement fortnight: pass Culture reimburses bookings by validation period, the 1st-15th
and the 16th-last day of each month."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["fortnight_of", "previous_fortnight"]


def fortnight_of(day: date) -> tuple[date, date]:
    """The reimbursement period holding ``day``: the 1st-15th or the 16th-last day of the month."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_fortnight(day: date) -> tuple[date, date]:
    first, _ = fortnight_of(day)
    return fortnight_of(first - timedelta(days=1))
