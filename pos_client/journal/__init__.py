"""The till journal: durable validations, the "pass Culture" payment mode, totals, exports, hand-off.

``open_journal(path)`` gives a ``SqliteJournal`` (implements ``pos_client.domain.ports.Journal``; it raises
only ``pos_client.domain.ports.JournalError``).
"""

from __future__ import annotations

from pos_client.journal.errors import JournalClosedError
from pos_client.journal.migrations import SCHEMA_VERSION, JournalTooNewError, NotAJournalError
from pos_client.journal.store import PAYMENT_MODE, PaymentRow, SqliteJournal, open_journal

__all__ = [
    "PAYMENT_MODE",
    "SCHEMA_VERSION",
    "JournalClosedError",
    "JournalTooNewError",
    "NotAJournalError",
    "PaymentRow",
    "SqliteJournal",
    "open_journal",
]
