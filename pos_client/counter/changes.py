"""The one change function: (claim,) intent, request, resolution. The window, the command line and
the self-test all change a booking through ``run_change``, so a sale is recorded the same way
everywhere. With a shared ledger (``claims``) the booking is claimed first: another till holding or
having made the change is said, and nothing is sent.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from pos_client.counter.evidence import ALONE, OtherTills, TillAlone, record_confirmed_change
from pos_client.domain.amounts import amount_problem
from pos_client.domain.booking import Booking
from pos_client.domain.ledger import Intent, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    ChangeDone,
    ClaimedElsewhere,
    ImplausibleAmount,
    Outcome,
    OutcomeUnknown,
    RereadVerdict,
    WrongServerAddress,
    is_done,
    reread_verdict,
)
from pos_client.domain.ports import BookingClaims, BookingsApi, ClaimTicket, Journal, JournalBug, JournalError
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
    claims: BookingClaims | None = None,
) -> ChangeResult:
    """Off the owner thread: claim, intent, request, resolution. Never sends without a durable intent,
    nor while another till holds the booking. A booking whose amount cannot be a real sale is refused
    before anything is claimed, written or sent."""
    absurd = amount_problem(booking)
    if absurd is not None:
        log.warning("%s %s refused before sending: %s", operation.value, booking.token, absurd)
        return ChangeResult(operation, ImplausibleAmount(booking.token, absurd))
    ticket: ClaimTicket | None = None
    if claims is not None:
        claimed = _claim(api, claims, operation, booking.token)
        if isinstance(claimed, ClaimedElsewhere):
            return ChangeResult(operation, claimed)
        ticket = claimed
    # Who validated, should a lost answer be re-read as "already validated": with the claim held, no
    # other till can have sent this change; with the ledger unreachable, nobody can tell.
    others: OtherTills = ALONE if claims is None else _ClaimEvidence(None if ticket is None else False)
    # The claim is held (its lease renewed) for as long as the exchange lasts.
    with nullcontext() if claims is None or ticket is None else claims.held(ticket):
        result = _intent_request_resolution(api, journal, operation, booking, raw, id_checked_at, others)
    if claims is not None and ticket is not None:
        claims.finish(ticket, went_through=_went_through(operation, result.outcome))
    return result


class _ClaimEvidence(TillAlone):
    """What the claims say of other tills for this change (False: none, None: cannot tell)."""

    def __init__(self, others_claim: bool | None) -> None:
        self._others_claim = others_claim

    def claims(self, intent: Intent) -> bool | None:
        return self._others_claim


def _went_through(operation: Operation, outcome: Outcome | None) -> bool | None:
    """What a claim is told: done, not applied (nothing sent, or refused), or unknown."""
    if outcome is None:
        return False  # the journal refused the intent: nothing was sent
    return None if isinstance(outcome, OutcomeUnknown) else is_done(operation, outcome)


def _claim(
    api: BookingsApi, claims: BookingClaims, operation: Operation, token: str
) -> ClaimTicket | ClaimedElsewhere | None:
    """Claim ``token``; a claim taken over from a till that died while sending is checked by a read of
    the booking first: its change may have gone through, and is then that till's, not this one's."""
    answer = claims.claim(token, operation)
    if not isinstance(answer, ClaimTicket) or answer.taken_over_from is None:
        return answer
    if reread_verdict(operation, api.get_booking(token)) is RereadVerdict.APPLIED:
        claims.finish(answer, went_through=False)
        now = datetime.now().astimezone()
        return ClaimedElsewhere(token, operation.value, answer.taken_over_from, now, done=True)
    return answer


def _intent_request_resolution(
    api: BookingsApi,
    journal: Journal,
    operation: Operation,
    booking: Booking,
    raw: RawScan,
    id_checked_at: datetime | None,
    others: OtherTills,
) -> ChangeResult:
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
