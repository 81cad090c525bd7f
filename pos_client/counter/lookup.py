"""Reading a booking for the counter, off its owner thread: the API's answer, what this read settles
of this till's lost answers for the code, and what the journal knows of this till's validation of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pos_client.counter.evidence import ALONE, ClaimsEvidence, OtherTills
from pos_client.counter.settlement import Settled, settle_token
from pos_client.domain.booking import Booking
from pos_client.domain.outcomes import AlreadyValidated, Found, Outcome
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, JournalError

__all__ = ["LookupResult", "read_booking"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class LookupResult:
    outcome: Outcome
    validated_by_this_till_at: datetime | None = None
    validated_booking: Booking | None = None  # from the journal, to offer the revert after a restart
    settled: Settled | None = None  # this till's open intent for the token, settled by this read
    still_open: bool = False  # an open intent for the token that this read could not settle


def read_booking(
    api: BookingsApi, journal: Journal, token: str, claims: BookingClaims | None = None
) -> LookupResult:
    """Read ``token``'s booking; a change of this till on it whose answer was lost is settled by the
    read; an already validated booking comes with this till's validation, if it made one. With a
    shared ledger, a booking another till is changing now, or validated, says so at once."""
    outcome: Outcome = api.get_booking(token)
    others: OtherTills = ALONE if claims is None else ClaimsEvidence(claims)
    settled, still_open = settle_token(journal, token, outcome, others)
    if isinstance(outcome, AlreadyValidated):
        at = _journal_read(journal.validated_by_this_till, token)
        booking = _journal_read(journal.validated_booking, token) if at is not None else None
        if at is None and claims is not None:
            outcome = claims.elsewhere(token, validated=True) or outcome
        return LookupResult(outcome, at, booking, settled, still_open)
    if isinstance(outcome, Found) and claims is not None:
        outcome = claims.elsewhere(token, validated=False) or outcome
    return LookupResult(outcome, settled=settled, still_open=still_open)


def _journal_read(read: Callable[[str], _T], token: str) -> _T | None:
    """A journal read for the screen: its failure is logged and shown as nothing known."""
    try:
        return read(token)
    except JournalError:
        log.exception("journal read failed")
        return None
