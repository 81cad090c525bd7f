"""CSV cells a spreadsheet will not run as formulas (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, DDE payloads). OWASP's advice:
prefix such a cell with a single quote, so it is shown as text; the ``csv`` module already doubles
the quotes inside. A number (an ``int``, or a French decimal such as ``-12,50`` for a revert) is left
alone: it is no formula, and a spreadsheet must still add it up.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "safe_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:,\d+)?")


def safe_cell(value: object) -> object:
    """``value`` as it may go into a CSV cell: a text starting like a formula gets a leading ``'``."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value
