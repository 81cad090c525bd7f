"""How amounts and moments are written for people, in one place (French conventions)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["WHEN_TEMPLATE", "euros_with_comma", "format_euros", "format_when", "when_parts"]

# A moment for people: the screens translate it ("{date} at {time}" in English); French stays "à".
WHEN_TEMPLATE = "{date} à {time}"


def euros_with_comma(cents: int) -> str:
    """``1250`` -> ``12,50``; ``-1250`` -> ``-12,50`` (a French decimal, as spreadsheets read it)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def format_euros(cents: int) -> str:
    """``1250`` -> ``12,50 €`` (French format, non-breaking space before the sign)."""
    return f"{euros_with_comma(cents)}\u00a0€"


def when_parts(moment: datetime) -> dict[str, str]:
    """``{"date": "24/07/2025", "time": "14:00"}`` in the till's local time, for ``WHEN_TEMPLATE``."""
    local = moment.astimezone()
    return {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}


def format_when(moment: datetime) -> str:
    """``24/07/2025 à 14:00`` in the till's local time (French; the screens translate
    ``WHEN_TEMPLATE`` with ``when_parts`` instead)."""
    return WHEN_TEMPLATE.format(**when_parts(moment))
