"""The ledger's failures: French messages, never a secret; ``LedgerUnavailable`` lets the till work
alone, the others need the shop's attention."""

from __future__ import annotations

__all__ = ["LedgerError", "LedgerNotReady", "LedgerRefused", "LedgerTooNewError", "LedgerUnavailable"]


class LedgerError(Exception):
    """Any trouble with the ledger; the message is French and holds no secret."""


class LedgerUnavailable(LedgerError):
    """The ledger cannot be reached now (network, server down, timeout): the till works alone."""


class LedgerRefused(LedgerError):
    """The ledger answered no: wrong password, unknown role, TLS required or refused, no right."""


class LedgerTooNewError(LedgerError):
    """The ledger's schema was written by a newer pos-client: refused, nothing changed."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"Le registre partagé a été préparé par une version plus récente de pos-client (schéma {found}, "
            f"cette version connaît le schéma {known}). Installez la dernière version de pos-client sur "
            "cette caisse : le registre n'a pas été modifié."
        )
        self.found = found


class LedgerNotReady(LedgerError):
    """The database has no ledger yet, or an older schema: ``pos-client ledger init`` is needed."""
