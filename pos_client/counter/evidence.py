"""Who validated? The API never says: after a lost answer, a re-read showing "already validated"
proves the booking is used, not that this till used it. The sale is booked as this till's only with
evidence: its own intent (``run_change`` and the settlement always hold one) and no other till's
claim. Tills that share their venue share a ledger of claims (``pos_client.ledger``, through the
domain's ``BookingClaims`` port); it plugs in here as an ``OtherTills`` (``ClaimsEvidence``). Without
one, the till is alone at its venue and its own intent is the evidence.

When the evidence is missing (another till claims the booking, or the ledger cannot be read), the
intent is resolved "à vérifier" (``Journal.resolve_to_check``): no payment line, shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pos_client.domain.ledger import Intent, Operation, PaymentRecord
from pos_client.domain.ports import BookingClaims, Journal, LedgerWord

__all__ = ["ALONE", "ClaimsEvidence", "ConfirmedUse", "OtherTills", "TillAlone", "record_confirmed_change"]


class OtherTills(Protocol):
    """The hook for the shared ledger: does another till claim ``intent``'s booking?"""

    def claims(self, intent: Intent) -> bool | None:
        """True: another till sent a validation of this booking too; False: none did; None: cannot
        tell (the ledger is unreachable)."""
        ...

    def word(self, token: str) -> LedgerWord | None:
        """What the shared ledger says of ``token`` (``BookingClaims.word``); None without a ledger:
        the booking's read decides, as for a till alone."""
        ...

    def mark_done(self, intent: Intent) -> None:
        """``intent``'s change, found done by a re-read, is told to the ledger (nothing without one)."""
        ...


class TillAlone:
    """No shared ledger: this till is the only one at its venue, so no other till claims anything."""

    def claims(self, intent: Intent) -> bool | None:
        return False

    def word(self, token: str) -> LedgerWord | None:
        return None

    def mark_done(self, intent: Intent) -> None:
        return None


ALONE = TillAlone()


class ClaimsEvidence(TillAlone):
    """The shared ledger's claims as evidence: another till claims the booking if it validated it."""

    def __init__(self, claims: BookingClaims) -> None:
        self._claims = claims

    def claims(self, intent: Intent) -> bool | None:
        word = self._claims.word(intent.token)
        # An unreachable ledger cannot tell: never read as "no other till" (that would be a guess).
        return word.elsewhere is not None if word.reachable else None

    def word(self, token: str) -> LedgerWord | None:
        return self._claims.word(token)

    def mark_done(self, intent: Intent) -> None:
        self._claims.mark_done(intent.token, intent.operation)


@dataclass(frozen=True)
class ConfirmedUse:
    """How a change proven by a re-read was recorded: its payment, or "à vérifier" (no payment)."""

    payment: PaymentRecord | None
    to_check: bool = False


def record_confirmed_change(
    journal: Journal, intent: Intent, others: OtherTills, *, confirmed_by_reread: bool
) -> ConfirmedUse:
    """Resolve a change the API did. A validation whose answer was lost and that a re-read found done
    is this till's sale only when no other till claims it; else it is recorded "à vérifier"."""
    if intent.operation is Operation.USE and confirmed_by_reread:
        claimed = others.claims(intent)
        if claimed is not False:
            why = (
                "une autre caisse a aussi demandé cette validation"
                if claimed
                else ("impossible de consulter les autres caisses")
            )
            journal.resolve_to_check(intent, f"réponse perdue, puis « déjà validée » ; {why}")
            return ConfirmedUse(None, to_check=True)
    return ConfirmedUse(journal.resolve_done(intent, confirmed_by_reread=confirmed_by_reread))
