"""Reading a booking for the counter, off its owner thread: the API's answer, what this read settles
of this till's lost answers for the code, and what the journal knows of this till's validation of it.

With a shared ledger, the ledger is asked first: a booking another till holds now or validated, or one
this till validated (by its claim and its journal), is answered from the ledger without a request.
That keeps the key's shared budget (200 a minute for every till) for the bookings still to collect.
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
from pos_client.domain.outcomes import AlreadyValidated, Outcome
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, JournalError, LedgerWord

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
    # This till's lost validation is done on the API, but only the ledger (unreachable) can tell whose.
    awaiting_ledger: bool = False


def read_booking(
    api: BookingsApi, journal: Journal, token: str, claims: BookingClaims | None = None
) -> LookupResult:
    """Read ``token``'s booking; a change of this till on it whose answer was lost is settled by the
    read; an already validated booking comes with this till's validation, if it made one. With a
    shared ledger, a booking another till is changing now, or validated, says so at once."""
    others: OtherTills = ALONE if claims is None else ClaimsEvidence(claims)
    word = None if claims is None else claims.word(token)
    if word is not None and word.reachable:
        told = _told_by_ledger(journal, token, word, others)
        if told is not None:
            return told
    outcome: Outcome = api.get_booking(token)
    settled, still_open = settle_token(journal, token, outcome, others, word)
    ledger_out = word is not None and not word.reachable
    awaiting = still_open and ledger_out and isinstance(outcome, AlreadyValidated)
    if isinstance(outcome, AlreadyValidated):
        at = _journal_read(journal.validated_by_this_till, token)
        booking = _journal_read(journal.validated_booking, token) if at is not None else None
        return LookupResult(outcome, at, booking, settled, still_open, awaiting)
    return LookupResult(outcome, settled=settled, still_open=still_open)


def _told_by_ledger(
    journal: Journal, token: str, word: LedgerWord, others: OtherTills
) -> LookupResult | None:
    """The answer the ledger gives without a request: another till holds or validated the booking (an
    open validation of this till is settled by it), or this till validated it (its claim and its
    journal agree). None: the booking is read."""
    if word.elsewhere is not None:
        settled, still_open = settle_token(journal, token, word.elsewhere, others, word)
        return LookupResult(word.elsewhere, settled=settled, still_open=still_open)
    if word.validated_here_at is None:
        return None
    at = _journal_read(journal.validated_by_this_till, token)
    if at is None:
        return None
    booking = _journal_read(journal.validated_booking, token)
    return LookupResult(AlreadyValidated(token), at, booking)


def _journal_read(read: Callable[[str], _T], token: str) -> _T | None:
    """A journal read for the screen: its failure is logged and shown as nothing known."""
    try:
        return read(token)
    except JournalError:
        log.exception("journal read failed")
        return None
