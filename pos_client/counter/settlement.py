"""Settling changes whose answer was lost, by re-reading their booking; never by re-sending them.

An intent left PENDING or UNKNOWN (a crash, a lost answer, a resolution that could not be written)
is settled by what a read of its booking shows (``domain.outcomes.reread_verdict``): from a scan or a
Retry of the same code (``settle_token``), and in the background (``settle_open``). ``Holds`` names
the tokens the counter settles itself, which the background leaves alone.

With a shared ledger, an open validation asks the ledger first (``OtherTills.word``): validated by
another till (its done claim, or its replicated payment line) settles it as not applied here, without
a request; this till's own done claim settles it as this till's sale. "Already validated" is then never
a guess: while the ledger cannot be asked (or another till holds the booking now), a validation the
read finds done stays open until the ledger can tell whose it is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pos_client.counter.evidence import ALONE, OtherTills, record_confirmed_change
from pos_client.domain.ledger import Intent, IntentResolution, Operation, PaymentRecord
from pos_client.domain.outcomes import ClaimedElsewhere, Outcome, RereadVerdict, reread_verdict
from pos_client.domain.ports import BookingsApi, Journal, JournalError, LedgerWord

__all__ = ["Holds", "LostAnswers", "Settled", "settle_open", "settle_open_intents", "settle_token"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settled:
    """An open intent settled by re-reading its booking: DONE (with its payment record, if the journal
    wrote one; ``to_check``: done, but recorded "à vérifier", not as this till's sale) or REFUSED
    (the change was not applied)."""

    intent: Intent
    resolution: IntentResolution
    payment: PaymentRecord | None = None
    to_check: bool = False
    elsewhere: ClaimedElsewhere | None = None  # REFUSED here: the shared ledger saw this other till's


class Holds:
    """Tokens whose open intent the counter settles itself: a change in flight, or a lost answer still
    on screen (its Retry re-reads it). The background settlement leaves them alone. Thread-safe: the
    settlement reads it from a worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: set[str] = set()

    def add(self, token: str) -> None:
        with self._lock:
            self._tokens.add(token)

    def discard(self, token: str) -> None:
        with self._lock:
            self._tokens.discard(token)

    def keep_only(self, token: str | None) -> None:
        with self._lock:
            self._tokens &= {token} if token is not None else set()

    def __contains__(self, token: object) -> bool:
        with self._lock:
            return token in self._tokens


class LostAnswers:
    """Changes of this session whose result the cashier never saw (a lost answer, a failed job), by
    token, and how the background settled some of them since: the next read of their booking shows it.
    Owned by the counter (one thread)."""

    def __init__(self) -> None:
        self._unknown: dict[str, Operation] = {}
        self._settled_away: dict[str, Settled] = {}

    def __contains__(self, token: object) -> bool:
        return token in self._unknown

    def add(self, token: str, operation: Operation) -> None:
        self._unknown[token] = operation

    def forget(self, token: str) -> None:
        """An answer came for ``token``: an older lost answer no longer tells anything."""
        self._unknown.pop(token, None)
        self._settled_away.pop(token, None)

    def settled_in_background(self, decided: Settled) -> None:
        if self._unknown.get(decided.intent.token) is decided.intent.operation:
            self._settled_away[decided.intent.token] = decided

    def after_read(
        self, token: str, settled: Settled | None, outcome: Outcome
    ) -> tuple[Settled | None, Operation | None]:
        """What a read of ``token`` (which settled ``settled``, if anything) tells of its lost change:
        (the change, settled DONE: it went through, None) or (None, the operation proven not applied),
        or (None, None) when nothing is known yet."""
        operation = self._unknown.get(token)
        away = self._settled_away.pop(token, None)
        if operation is None:
            return None, None
        if settled is None or settled.intent.operation is not operation:
            settled = away
        if settled is None:
            return None, None
        verdict = reread_verdict(operation, outcome)
        if settled.resolution is IntentResolution.DONE and verdict is RereadVerdict.APPLIED:
            del self._unknown[token]
            return settled, None
        if settled.resolution is IntentResolution.REFUSED and verdict is RereadVerdict.NOT_APPLIED:
            del self._unknown[token]
            return None, operation
        return None, None


def _word_for(intent: Intent, others: OtherTills, word: LedgerWord | None) -> LedgerWord | None:
    """The ledger's word on an open validation (None: not a validation, or no ledger)."""
    if intent.operation is not Operation.USE:
        return None
    return word if word is not None else others.word(intent.token)


def _settle_by_ledger(journal: Journal, intent: Intent, word: LedgerWord | None) -> Settled | None:
    """An open validation settled by the ledger alone: another till's validation (this till's change
    was not applied: a booking is validated once), or this till's own done claim made since the
    intent. None: the ledger cannot tell, and a read of the booking decides (or waits)."""
    if word is None or not word.reachable:
        return None
    other = word.elsewhere
    if other is not None and other.done:
        journal.resolve_refused(intent, f"validée à la caisse « {other.till} » ({other.at.isoformat()})")
        return Settled(intent, IntentResolution.REFUSED, elsewhere=other)
    here = word.validated_here_at
    if other is None and here is not None and here >= intent.created_at:
        payment = journal.resolve_done(intent, confirmed_by_reread=True)
        return Settled(intent, IntentResolution.DONE, payment)
    return None


def _settle_by_reread(
    journal: Journal,
    intent: Intent,
    outcome: Outcome,
    when: str,
    others: OtherTills = ALONE,
    word: LedgerWord | None = None,
) -> Settled | None:
    """Settle one open intent by what a read of its booking showed; None when the read cannot tell, or
    (``word``: the ledger's, unreachable) when only the ledger can tell whose the validation is."""
    verdict = reread_verdict(intent.operation, outcome)
    if verdict is RereadVerdict.APPLIED:
        if word is not None and not word.reachable:
            return None  # done, but by this till or another? The ledger will tell: stays open.
        recorded = record_confirmed_change(journal, intent, others, confirmed_by_reread=True)
        if not recorded.to_check:
            others.mark_done(intent)  # the other tills are told at once, and never send it again
        return Settled(intent, IntentResolution.DONE, recorded.payment, recorded.to_check)
    if verdict is RereadVerdict.NOT_APPLIED:
        journal.resolve_refused(intent, f"not applied (re-read {when})")
        return Settled(intent, IntentResolution.REFUSED)
    return None


def _settle_one(
    journal: Journal,
    intent: Intent,
    read: Callable[[], Outcome],
    when: str,
    others: OtherTills,
    word: LedgerWord | None = None,
) -> Settled | None:
    """The ledger first (an open validation), then ``read()`` of the booking; None: stays open. A
    booking another till holds now is not read (its change is in flight: settled later)."""
    word = _word_for(intent, others, word)
    decided = _settle_by_ledger(journal, intent, word)
    if decided is not None:
        return decided
    if word is not None and word.reachable and word.elsewhere is not None:
        return None
    return _settle_by_reread(journal, intent, read(), when, others, word)


def settle_token(
    journal: Journal,
    token: str,
    outcome: Outcome,
    others: OtherTills = ALONE,
    word: LedgerWord | None = None,
) -> tuple[Settled | None, bool]:
    """Off the owner thread, after a read of ``token``'s booking (``outcome``; ``word``: the ledger's,
    when already asked): settle this till's open intents for it, the ledger first. Returns the latest
    one settled, and whether one stays open (neither the ledger nor the read could tell)."""
    try:
        intents = [intent for intent in journal.open_intents() if intent.token == token]
    except JournalError:
        log.exception("journal read failed")
        return None, False
    latest: Settled | None = None
    still_open = False
    for intent in intents:
        try:
            decided = _settle_one(journal, intent, lambda: outcome, "on a scan", others, word)
        except JournalError:
            log.exception("settling intent %d failed; it stays open", intent.id)
            decided = None
        if decided is None:
            still_open = True
        else:
            latest = decided
    return latest, still_open


class _TakenUp(Exception):
    """The counter took the booking up while the background was reading it: the counter settles it."""


def settle_open(
    api: BookingsApi,
    journal: Journal,
    *,
    skip: Callable[[str], bool] = lambda _token: False,
    created_before: datetime | None = None,
    others: OtherTills = ALONE,
) -> list[Settled]:
    """Off the GUI thread (at start-up, before a command, then from time to time): settle intents left
    open by re-reading each booking. Never re-sends a change. ``skip(token)``: tokens someone else
    settles (the counter's own); with ``created_before``, younger intents are left alone (their request
    may still be in flight). Intents the re-read cannot settle (network down, ambiguous) stay open; with a
    shared ledger, open validations ask it first (see the module's docstring)."""
    settled: list[Settled] = []
    for intent in journal.open_intents():
        if skip(intent.token) or (created_before is not None and intent.created_at > created_before):
            continue

        def read(token: str = intent.token) -> Outcome:
            outcome = api.get_booking(token)
            if skip(token):  # the counter took this booking up while it was being read
                raise _TakenUp
            return outcome

        try:
            decided = _settle_one(journal, intent, read, "in the background", others)
        except _TakenUp:
            continue
        except JournalError:
            log.exception("settling intent %d failed; it stays open", intent.id)
            continue
        if decided is not None:
            settled.append(decided)
    return settled


def settle_open_intents(
    api: BookingsApi,
    journal: Journal,
    *,
    skip: Callable[[str], bool] = lambda _token: False,
    created_before: datetime | None = None,
) -> list[tuple[Intent, IntentResolution]]:
    """``settle_open``, as (intent, resolution) pairs."""
    settled = settle_open(api, journal, skip=skip, created_before=created_before)
    return [(decided.intent, decided.resolution) for decided in settled]
