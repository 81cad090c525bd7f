"""The shared ledger of several tills, on PostgreSQL (optional; off by default).

Each till keeps its SQLite journal as its source of truth and replicates it to the ledger
(``replication``); before sending a change it claims the booking (``claims``); all tills sharing an
API key draw on one request budget (``budget``); the ledger gives reports across tills
(``reports``). ``connection`` holds the settings, the keyring password and the French errors;
``schema`` the versioned migrations. See docs/ledger.md.

    link = LedgerLink(LedgerConfig.from_settings(settings), LedgerPasswords().source(config))
    Claims(link).claim(token, Operation.USE)          # see pos_client.ledger.claims
    Replicator(journal, LedgerLink(...)).push()        # one link per thread
"""

from __future__ import annotations

from pos_client.ledger.connection import (
    LedgerConfig,
    LedgerError,
    LedgerLink,
    LedgerNotReady,
    LedgerPasswords,
    LedgerRefused,
    LedgerTooNewError,
    LedgerUnavailable,
)

__all__ = [
    "LedgerConfig",
    "LedgerError",
    "LedgerLink",
    "LedgerNotReady",
    "LedgerPasswords",
    "LedgerRefused",
    "LedgerTooNewError",
    "LedgerUnavailable",
]
