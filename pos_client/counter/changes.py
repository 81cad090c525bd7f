"""The one change function: intent, request, resolution. The window, the command line and the
self-test all change a booking through ``run_change``, so a sale is recorded the same way everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from pos_client.counter.evidence import ALONE, OtherTills, record_confirmed_change
from pos_client.domain.booking import Booking
from pos_client.domain.ledger import Intent, Operation, PaymentRecord
from pos_client.domain.outcomes import ChangeDone, Outcome, OutcomeUnknown, WrongServerAddress, is_done
from pos_client.domain.ports import BookingsApi, Journal, JournalBug, JournalError
from pos_client.domain.scan import RawScan

__all__ = ["ChangeResult", "run_change"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangeResult:
    """What ``run_change`` did: the API's outcome (None: the journal refused the intent, nothing was
    sent) and the payment record it wrote. ``record_pending``: the API answered but the journal could
    not write the resolution; the intent stays open and is settled later by re-reading.
    ``journal_bug``: the journal's failure was a fault of the program, not of the disk.
    ``to_check``: done on the API but not proven this till's (``evidence``): no payment, "à vérifier"."""

    operation: Operation
    outcome: Outcome | None
    payment: PaymentRecord | None = None
    journal_error: str = ""
    journal_bug: bool = False
    record_pending: bool = False
    to_check: bool = False


def run_change(
    api: BookingsApi,
    journal: Journal,
    operation: Operation,
    booking: Booking,
    raw: RawScan,
    id_checked_at: datetime | None,
    others: OtherTills = ALONE,
) -> ChangeResult:
    """Off the owner thread: intent, request, resolution. Never sends without a durable intent.
    ``others``: the shared ledger's view of other tills' claims (``evidence``)."""
    try:
        intent: Intent = journal.begin(
            operation,
            booking,
            transport=raw.transport,
            source_id=raw.source_id,
            id_checked_at=id_checked_at,
        )
    except JournalError as exc:
        log.exception("journal intent failed; nothing sent")
        return ChangeResult(operation, None, journal_error=str(exc), journal_bug=isinstance(exc, JournalBug))
    call = {Operation.USE: api.validate, Operation.KEEP: api.keep, Operation.CANCEL: api.cancel}[operation]
    outcome = call(booking.token)
    payment: PaymentRecord | None = None
    to_check = False
    try:
        if is_done(operation, outcome):
            assert isinstance(outcome, ChangeDone)
            recorded = record_confirmed_change(
                journal, intent, others, confirmed_by_reread=outcome.confirmed_by_reread
            )
            payment, to_check = recorded.payment, recorded.to_check
        elif isinstance(outcome, OutcomeUnknown):
            journal.resolve_unknown(intent, outcome.detail)
        elif isinstance(outcome, WrongServerAddress):
            # The request never reached the bookings routes: no refusal to record. The intent stays
            # open and is settled by re-reading once the address is right.
            journal.resolve_unknown(intent, f"adresse du serveur incorrecte ({outcome.detail})")
        else:
            journal.resolve_refused(intent, type(outcome).__name__)
    except JournalError:
        # The API answered; the intent stays open and is settled later by re-reading the booking.
        log.exception("journal resolution failed")
        return ChangeResult(operation, outcome, record_pending=True)
    return ChangeResult(operation, outcome, payment, to_check=to_check)
