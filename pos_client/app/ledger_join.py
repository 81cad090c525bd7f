"""The shared ledger's parts every face of the till uses before a change: the claims the counter asks
and the API key's shared request budget. The window (``app.backend``) adds the replication worker;
the booking commands (``pos-client booking validate|keep|cancel``) use these alone, so a change made
from the command line is claimed and counted against the key's one budget like the window's (its
records reach the ledger with the window's next push, or ``pos-client ledger push``).

Nothing connects here: a ledger that cannot be reached makes the till work alone, never stops it.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from pos_client.domain.ports import BookingClaims, RequestBudget
from pos_client.ledger.connection import LedgerLink
from pos_client.settings import Settings

__all__ = ["LedgerParts", "join_ledger", "shared_budget"]


@dataclass(frozen=True)
class LedgerParts:
    """The claims (for the counter), and the link they use (also for the key's budget and reports)."""

    claims: BookingClaims
    link: LedgerLink


def join_ledger(journal_uid: str, settings: Settings, stack: ExitStack) -> LedgerParts | None:
    """With a ``[ledger]`` configured, this till's claims (its links closed by ``stack``); else None."""
    ledger = settings.ledger
    if not ledger.enabled or not ledger.host or not ledger.user:
        return None
    from pos_client.ledger.booking_claims import LedgerBookingClaims
    from pos_client.ledger.claims import Claims
    from pos_client.ledger.connection import LedgerConfig, LedgerPasswords

    config = LedgerConfig.from_settings(settings)
    link = stack.enter_context(LedgerLink(config, LedgerPasswords().source(config)))
    return LedgerParts(LedgerBookingClaims(Claims(link), journal_uid), link)


def shared_budget(link: LedgerLink, base_url: str, api_key: str, settings: Settings) -> RequestBudget:
    """One request budget for every till of the ledger using this key (the platform counts per key);
    with the ledger down, this till's safe share of it."""
    from pos_client.ledger.budget import SharedRateBudget

    return SharedRateBudget(
        link,
        base_url=base_url,
        api_key=api_key,
        till=link.config.till,
        tills_sharing_key=settings.ledger.tills_sharing_key,
    )
