"""The counter: one booking's path from a scan to a recorded sale, as a plain state machine.

scan -> lookup -> card with ID check -> validate -> recorded; and, for a validated booking, revert
("keep") or cancel behind a confirmation. The machine owns the rules the cashier relies on:

- one validation per booking whatever happens (double click, double scan, a scanner in continuous
  mode, a webcam seeing the code every frame, a scanner's trailing Enter): ``validate`` changes the
  state to VALIDATING *before* the request is submitted, so a second call finds nothing to do;
  repeated reads are dropped by the one ``RepeatFilter``;
- nothing is validated before the ID check was confirmed for *this* booking, and a confirmation or a
  validation arriving less than ``burst_quiet_s`` after a keyboard-wedge scan is refused (it belongs
  to the scanner's burst, not to the cashier);
- a different code scanned while a card waits for the ID check replaces the card; one scanned while
  a change is in flight waits its turn and is shown once the change is answered;
- each API outcome maps to its own state, text, tone, sound and next actions (``messages``); trouble
  never says "validée";
- a change goes through ``run_change`` (intent, request, resolution); one whose answer was lost is
  settled by re-reading the booking (``settlement``): by the cashier's Retry (or a new scan of the
  code) at once, else in the background every ``settle_every_s`` (``Counter.tick``);
- a job that fails (a bug, a closed journal) ends in an error view, never in a stuck "en cours" one.

It has no Qt and no threads of its own. Every call is made on one owner thread (the GUI thread); slow
work (API, journal) goes through an injected ``TaskRunner`` whose ``done`` callback comes back on that
owner thread. Time comes from injected clocks, so tests drive it with a fake clock and a fake API.

Over 800 lines on purpose: these are the transitions of one machine, read together; every part that
stands alone (texts, repeats, changes, lookups, settlement, evidence, patience, notices) is a module
of its own beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pos_client.counter import messages as msg
from pos_client.counter.changes import ChangeResult, run_change
from pos_client.counter.config import SETTLE_EVERY_S, SETTLE_MIN_AGE_S, CounterConfig
from pos_client.counter.evidence import ALONE, ClaimsEvidence, OtherTills
from pos_client.counter.lookup import LookupResult, read_booking
from pos_client.counter.messages import Text, outcome_rule, outcome_text
from pos_client.counter.notices import late_answer_notice, settled_notice
from pos_client.counter.patience import Patience
from pos_client.counter.repeats import RepeatFilter
from pos_client.counter.settlement import Holds, LostAnswers, Settled, settle_open
from pos_client.counter.view import (
    AUTO_RETURN_STATES,
    BUSY_STATES,
    CHANGE_STATES,
    Action,
    CounterView,
    Sound,
    State,
    Tone,
)
from pos_client.domain.booking import Booking
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import Intent, IntentResolution, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    AlreadyValidated,
    Credentials,
    Found,
    Outcome,
    OutcomeUnknown,
    Trouble,
    Validated,
    ValidationReverted,
    done_outcome,
)
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, TaskRunner
from pos_client.domain.scan import RawScan, Transport
from pos_client.domain.venues import is_foreign
from pos_client.scanner.payload import Contremarque, RejectionReason, read_scan

__all__ = ["Counter"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Codes read perfectly that are something else (a book, a link, another QR): not "illisible".
_READ_BUT_OTHER = frozenset(
    {RejectionReason.BOOK_BARCODE, RejectionReason.WEB_LINK, RejectionReason.OTHER_QR}
)
_KEYSTROKE_TRANSPORTS = frozenset({Transport.KEYBOARD, Transport.EVDEV})
_CHANGE_STATE = {
    Operation.USE: State.VALIDATING,
    Operation.KEEP: State.REVERTING,
    Operation.CANCEL: State.CANCELLING,
}
# States in which the card (or its request) for a code is on screen: a read of that code adds nothing.
_CARD_STATES = BUSY_STATES | {State.ID_CHECK, State.CONFIRM_CANCEL, State.CONFIRM_REVERT}


@dataclass
class _Current:
    """The booking on screen (or being looked up) and what was done to it."""

    token: str
    raw: RawScan
    booking: Booking | None = None
    id_checked_at: datetime | None = None
    last_operation: Operation | None = None  # for Retry after trouble
    # The booking was rebuilt from the journal (no venue, no booking date): not shown on the card.
    rebuilt: bool = False

    @property
    def card_booking(self) -> Booking | None:
        return None if self.rebuilt else self.booking


class Counter:
    """The state machine. Call everything on one thread; listeners are called after each change."""

    def __init__(
        self,
        api: BookingsApi,
        journal: Journal,
        runner: TaskRunner,
        *,
        monotonic: Callable[[], float],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        config: CounterConfig | None = None,
        translate: Callable[[str], str] = str,
        on_view: Callable[[CounterView], None] = lambda _view: None,
        on_settled: Callable[[list[tuple[Intent, IntentResolution]]], None] = lambda _settled: None,
        claims: BookingClaims | None = None,
    ) -> None:
        """``on_settled`` is told (on the owner thread) of open intents settled by re-reading, so the
        day's lines can be re-read. Listeners can also be attached later with ``listen``."""
        self._tr = translate
        self._api = api
        self._journal = journal
        self._runner = runner
        self._claims = claims  # the shared ledger's claims (None: a single till)
        # Other tills' claims, for "who validated?" after a lost answer.
        self._others: OtherTills = ALONE if claims is None else ClaimsEvidence(claims)
        self._monotonic = monotonic
        self._now = now
        self.config = config or CounterConfig()
        self._patience = Patience(self.config.slow_after_s)
        self.repeats = RepeatFilter(self.config.repeat)
        self._on_view = on_view
        self._on_settled = on_settled
        self._current: _Current | None = None
        self._last_keystroke_scan_at: float | None = None
        self._queued: tuple[RawScan, str] | None = None
        self._notice: Text | None = None
        # Bookings this till validated, kept so they can be reverted (the API cannot read a validated
        # booking by token): those of this session, and those rebuilt from the journal after a restart.
        self._validated: dict[str, Booking] = {}
        self._rebuilt_tokens: set[str] = set()
        self._holds = Holds()
        self._lost = LostAnswers()
        self._settling = False
        self._next_settle_at = monotonic() + SETTLE_EVERY_S
        self._lookup_serial = 0
        self._shown_at = monotonic()
        self._shown_title = msg.READY
        self._view = CounterView(State.READY, Tone.NEUTRAL, msg.READY.render(translate))
        self.requests_sent: dict[Operation, int] = {op: 0 for op in Operation}

    def listen(
        self,
        on_view: Callable[[CounterView], None],
        on_settled: Callable[[list[tuple[Intent, IntentResolution]]], None] | None = None,
    ) -> None:
        """Attach the window (made after the counter) to its outputs."""
        self._on_view = on_view
        if on_settled is not None:
            self._on_settled = on_settled

    # ----------------------------------------------------------------- reading
    @property
    def view(self) -> CounterView:
        return self._view

    @property
    def state(self) -> State:
        return self._view.state

    # ----------------------------------------------------------------- scans
    def scan(self, raw: RawScan) -> None:
        """A source read something (any transport, typed codes included)."""
        now = self._monotonic()
        if raw.transport in _KEYSTROKE_TRANSPORTS:
            self._last_keystroke_scan_at = now
        config = self.config
        read = read_scan(raw, prefix=config.prefix, suffix=config.suffix, host_layout=config.host_layout)
        if not isinstance(read, Contremarque):
            if self.state in BUSY_STATES or self.state in (State.ID_CHECK, State.CONFIRM_CANCEL):
                log.info("unreadable scan ignored while a booking is on screen")
                # Said, never silent: the card stays, the notice tells why nothing happened.
                notice = msg.IGNORED_ON_CARD(reason=msg.said(read.message)).render(self._tr)
                self._view = replace(self._view, notice=notice, serial=self._view.serial + 1, sound=None)
                self._on_view(self._view)
                return
            self._show(
                State.INVALID_CODE,
                Tone.ERROR,
                msg.NOT_A_CONTREMARQUE if read.reason in _READ_BUT_OTHER else msg.UNREADABLE,
                msg.said(read.message),
                actions=frozenset({Action.DISMISS}),
                sound=Sound.ERROR,
            )
            return
        token = read.token
        if read.repair_advice:
            self._notice = msg.said(read.repair_advice)
        repeat = self.repeats.is_repeat(token, raw.transport, now)
        if repeat or self._already_shown(token):
            return
        if self.state in CHANGE_STATES:
            # Wait for the answer of the change in flight, then show this one.
            self._queued = (raw, token)
            log.info("scan queued while a change is in flight")
            return
        self._start_lookup(token, raw)

    def _already_shown(self, token: str) -> bool:
        """The card (or request) of ``token`` is on screen, queued, or its success still shows."""
        current = self._current
        if current is not None and current.token == token and self.state in _CARD_STATES:
            return True
        if self._queued is not None and self._queued[1] == token:
            return True
        return self.state is State.VALIDATED and current is not None and current.token == token

    def _start_lookup(self, token: str, raw: RawScan, retried: _Current | None = None) -> None:
        """Read the booking; ``retried``: the card this read is a Retry of (its booking and ID check
        carry over; a Retry after this read's own trouble reads again, it never re-sends a change)."""
        self._current = (
            _Current(token, raw) if retried is None else replace(retried, raw=raw, last_operation=None)
        )
        self._lookup_serial += 1
        serial = self._lookup_serial
        self._show(State.LOOKING_UP, Tone.BUSY, msg.LOOKING_UP, msg.CODE_LINE(token=token), token=token)
        api, journal, claims = self._api, self._journal, self._claims

        def work() -> LookupResult:
            return read_booking(api, journal, token, claims)

        self._runner.submit(
            work,
            lambda result: self._on_lookup_done(serial, token, result),
            lambda exc: self._on_lookup_failed(serial, token, exc),
        )

    def _on_lookup_done(self, serial: int, token: str, result: LookupResult) -> None:
        if result.settled is not None:
            self._on_settled([(result.settled.intent, result.settled.resolution)])
        current = self._current
        if serial != self._lookup_serial or current is None or current.token != token:
            return  # a newer scan replaced this card
        if not result.still_open:
            self._holds.discard(token)
        if self._show_lost_answer(current, result):
            return
        if result.awaiting_ledger:
            detail = msg.AWAITING_LEDGER(token=token)
            self._show_on_card(current, State.ALREADY_VALIDATED, msg.TO_CHECK_TITLE, detail)
            return
        outcome = result.outcome
        if token in self._lost and isinstance(outcome, Trouble | Credentials):
            self._show_still_unknown(current, outcome)
            return
        if isinstance(outcome, Found):
            if is_foreign(outcome.booking, self.config.till_venue_ids):
                self._show_foreign(current, outcome)
                return
            current.booking = outcome.booking
            current.rebuilt = False
            self._show_card()
            return
        if result.validated_booking is not None and token not in self._validated:
            self._validated[token] = result.validated_booking
            self._rebuilt_tokens.add(token)
        self._show_outcome(outcome, validated_at=result.validated_by_this_till_at)

    def _show_still_unknown(self, current: _Current, outcome: Outcome) -> None:
        """A read after "Résultat inconnu" failed too: the lost change is still unknown (never "rien
        n'a été validé", which would be a guess)."""
        title, _ = outcome_text(outcome, token=current.token, amount_cents=None)
        detail = msg.STILL_UNKNOWN(token=current.token, detail=title)
        self._show_on_card(current, State.OUTCOME_UNKNOWN, msg.STILL_UNKNOWN_TITLE, detail, Action.RETRY)

    def _show_on_card(
        self, current: _Current, state: State, title: Text, detail: Text, *more: Action
    ) -> None:
        """A result about the booking on the card, which stays shown (an outcome still unsure)."""
        self._show(
            state,
            Tone.ATTENTION,
            title,
            detail,
            token=current.token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            amount_cents=current.booking.total_cents if current.booking else None,
            actions=frozenset({*more, Action.DISMISS}),
            sound=Sound.ATTENTION,
        )

    def _show_foreign(self, current: _Current, found: Found) -> None:
        """A booking of a venue this till does not serve: refused before any change, naming it."""
        booking = found.booking
        ids = ", ".join(str(venue_id) for venue_id in self.config.till_venue_ids)
        self._show(
            State.REFUSED,
            Tone.ERROR,
            msg.FOREIGN_VENUE_TITLE,
            msg.FOREIGN_VENUE(
                token=current.token,
                venue=booking.venue_name or "—",
                venue_id=booking.venue_id,
                till_venues=msg.FOREIGN_VENUE_TILL(ids=ids),
            ),
            token=current.token,
            actions=frozenset({Action.DISMISS}),
            sound=Sound.ERROR,
        )

    def _show_lost_answer(self, current: _Current, result: LookupResult) -> bool:
        """A change of ours whose result the cashier never saw: this read tells how it ended. True when
        the screen shows it went through; a change proven not applied leaves a notice."""
        went_through, not_applied = self._lost.after_read(current.token, result.settled, result.outcome)
        if went_through is not None:
            self._show_settled(current, went_through, result.validated_booking)
            return True
        if not_applied is not None:
            self._notice = msg.NOT_APPLIED[not_applied]
        return False

    def _show_settled(self, current: _Current, settled: Settled, rebuilt: Booking | None) -> None:
        """This till's change, whose answer was lost, went through: show it as done, with its payment."""
        token = current.token
        operation = settled.intent.operation
        validated_at: datetime | None = None
        if operation is Operation.USE:
            if current.booking is None and rebuilt is not None:
                current.booking, current.rebuilt = rebuilt, True
            if current.booking is not None:
                self._validated[token] = current.booking
            validated_at = settled.payment.recorded_at if settled.payment else self._now()
        elif operation is Operation.KEEP:
            self._forget_validated(token)
        outcome = done_outcome(operation, token, confirmed_by_reread=True)
        self._show_outcome(outcome, payment=settled.payment, validated_at=validated_at)

    def _on_lookup_failed(self, serial: int, token: str, exc: Exception) -> None:
        log.error("lookup of %s: the job failed: %r", token, exc)
        current = self._current
        if serial != self._lookup_serial or current is None or current.token != token:
            return
        self._show(
            State.JOURNAL_ERROR,
            Tone.ERROR,
            msg.LOOKUP_FAILED_TITLE,
            msg.LOOKUP_FAILED(token=token, error=type(exc).__name__),
            token=token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            actions=frozenset({Action.RETRY, Action.DISMISS}),
            sound=Sound.ERROR,
        )

    # ----------------------------------------------------------------- card and ID check
    def _show_card(self) -> None:
        current = self._current
        assert current is not None and current.booking is not None
        booking = current.booking
        checked = current.id_checked_at is not None
        actions = {Action.DISMISS, Action.CANCEL_BOOKING, Action.VALIDATE if checked else Action.CONFIRM_ID}
        self._show(
            State.ID_CHECK,
            Tone.NEXT,
            msg.ID_CHECKED_TITLE if checked else msg.CHECK_ID_TITLE,
            msg.ID_CHECKED if checked else msg.CHECK_ID,
            token=current.token,
            booking=booking,
            id_checked=checked,
            actions=frozenset(actions),
            amount_cents=booking.total_cents,
            sound=None if checked else Sound.ATTENTION,
        )

    def _keystrokes_settled(self) -> bool:
        last = self._last_keystroke_scan_at
        return last is None or self._monotonic() - last >= self.config.burst_quiet_s

    def _card_for(self, token: str) -> _Current | None:
        current = self._current
        if current is None or current.token != token or current.booking is None:
            return None
        return current

    def confirm_id_check(self, token: str) -> bool:
        """The cashier saw a physical ID matching the card of ``token``."""
        current = self._card_for(token)
        if current is None or self.state is not State.ID_CHECK or current.id_checked_at is not None:
            return False
        if not self._keystrokes_settled():
            log.info("ID confirmation refused: it came with a scanner burst")
            return False
        current.id_checked_at = self._now()
        self._show_card()
        return True

    def validate(self, token: str) -> bool:
        """Validate the booking on the card of ``token``; True when a request was submitted."""
        current = self._card_for(token)
        if current is None or self.state is not State.ID_CHECK or current.id_checked_at is None:
            return False
        if not self._keystrokes_settled():
            log.info("validation refused: it came with a scanner burst")
            return False
        self._start_change(Operation.USE, current)
        return True

    # ----------------------------------------------------------------- revert and cancel
    def request_revert(self, token: str) -> bool:
        current = self._current
        if self.state not in (State.VALIDATED, State.ALREADY_VALIDATED) or token not in self._validated:
            return False
        if current is None or current.token != token:
            return False
        self._show(
            State.CONFIRM_REVERT,
            Tone.NEXT,
            msg.CONFIRM_REVERT_TITLE,
            msg.CONFIRM_REVERT,
            token=token,
            booking=current.card_booking,
            amount_cents=self._validated[token].total_cents,
            actions=frozenset({Action.CONFIRM_REVERT, Action.DISMISS}),
            sound=Sound.ATTENTION,
        )
        return True

    def confirm_revert(self, token: str) -> bool:
        booking = self._validated.get(token)
        current = self._current
        if self.state is not State.CONFIRM_REVERT or current is None or current.token != token:
            return False
        if booking is None:
            return False
        raw = current.raw
        current = _Current(token=token, raw=raw, booking=booking, rebuilt=token in self._rebuilt_tokens)
        self._current = current
        self._start_change(Operation.KEEP, current)
        return True

    def request_cancel(self, token: str) -> bool:
        current = self._card_for(token)
        if self.state is not State.ID_CHECK or current is None or current.booking is None:
            return False
        self._show(
            State.CONFIRM_CANCEL,
            Tone.NEXT,
            msg.CONFIRM_CANCEL_TITLE,
            msg.CONFIRM_CANCEL,
            token=token,
            booking=current.booking,
            amount_cents=current.booking.total_cents,
            actions=frozenset({Action.CONFIRM_CANCEL, Action.DISMISS}),
            sound=Sound.ATTENTION,
        )
        return True

    def confirm_cancel(self, token: str, typed: str) -> bool:
        current = self._card_for(token)
        if self.state is not State.CONFIRM_CANCEL or current is None:
            return False
        if typed.strip().upper() != msg.CANCEL_CONFIRMATION_WORD:
            return False
        self._start_change(Operation.CANCEL, current)
        return True

    # ----------------------------------------------------------------- changes
    def _start_change(self, operation: Operation, current: _Current) -> None:
        booking = current.booking
        assert booking is not None
        current.last_operation = operation
        # The state changes *now*, before anything is submitted: a second click finds VALIDATING.
        self._show(
            _CHANGE_STATE[operation],
            Tone.BUSY,
            msg.BUSY_TITLES[operation],
            msg.CODE_LINE(token=current.token),
            token=current.token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            amount_cents=booking.total_cents,
        )
        self.requests_sent[operation] += 1
        self._holds.add(current.token)  # before the intent exists: the background settlement keeps off
        api, journal, claims = self._api, self._journal, self._claims
        raw, id_checked_at = current.raw, current.id_checked_at
        change_id = self._patience.start(self._monotonic())

        def work() -> ChangeResult:
            return run_change(api, journal, operation, booking, raw, id_checked_at, claims)

        self._runner.submit(
            work,
            lambda result: self._on_change_answer(change_id, current, result),
            lambda exc: self._on_change_job_failed(change_id, current, operation, exc),
        )

    def _on_change_answer(self, change_id: int, current: _Current, result: ChangeResult) -> None:
        if self._patience.answered(change_id):
            self._on_abandoned_answer(current, result)
            return
        self._on_change_done(current, result)

    def _on_change_job_failed(
        self, change_id: int, current: _Current, operation: Operation, exc: Exception
    ) -> None:
        if self._patience.answered(change_id):
            log.error("%s %s (no longer awaited): the job failed: %r", operation.value, current.token, exc)
            return  # its outcome stays unknown, as the cashier was told; the settlement reads it later
        self._on_change_failed(current, operation, exc)

    def _on_abandoned_answer(self, current: _Current, result: ChangeResult) -> None:
        """The answer of a change the cashier stopped waiting for: the journal has recorded it; the
        cashier is told in a notice, the screen stays on what is shown now."""
        outcome = result.outcome
        token = current.token
        if outcome is None or isinstance(outcome, OutcomeUnknown) or token not in self._lost:
            return  # still unknown: the settlement will tell
        self._lost.forget(token)
        if isinstance(outcome, Validated) and current.booking is not None and not result.to_check:
            self._validated[token] = current.booking
        booked = current.booking.total_cents if current.booking else 0
        self._publish_notice(late_answer_notice(token, result, booked))

    def _on_change_done(self, current: _Current, result: ChangeResult) -> None:
        self._current = current
        token = current.token
        if isinstance(result.outcome, OutcomeUnknown):
            self._lost.add(token, result.operation)
        else:
            self._holds.discard(token)  # answered: nothing for the cashier's Retry to settle
            if result.outcome is not None:  # answered: an older lost answer no longer tells anything
                self._lost.forget(token)
        if result.outcome is None:
            self._show(
                State.JOURNAL_ERROR,
                Tone.ERROR,
                msg.JOURNAL_FAILED_TITLE,
                (msg.JOURNAL_BUG if result.journal_bug else msg.JOURNAL_FAILED)(error=result.journal_error),
                token=token,
                booking=current.booking,
                actions=frozenset({Action.RETRY, Action.DISMISS}),
                sound=Sound.ERROR,
            )
        elif result.to_check:
            self._show_to_check(current)
        else:
            if isinstance(result.outcome, Validated) and current.booking is not None:
                self._validated[token] = current.booking
            elif isinstance(result.outcome, ValidationReverted):
                self._forget_validated(token)
            self._show_outcome(
                result.outcome,
                payment=result.payment,
                validated_at=self._now() if isinstance(result.outcome, Validated) else None,
                record_pending=result.record_pending,
            )
        self._run_queued()

    def _show_to_check(self, current: _Current) -> None:
        """Lost answer, then "already validated", without evidence it was this till: "à vérifier"."""
        amount = format_euros(current.booking.total_cents) if current.booking else "—"
        detail = msg.TO_CHECK(token=current.token, amount=amount)
        self._show_on_card(current, State.ALREADY_VALIDATED, msg.TO_CHECK_TITLE, detail)

    def _on_change_failed(self, current: _Current, operation: Operation, exc: Exception) -> None:
        """The change's job raised (a bug, the journal closed): whether the request left is unknown.
        Its intent, if written, stays open; Retry re-reads the booking, which settles it."""
        log.error("%s %s: the job failed: %r", operation.value, current.token, exc)
        self._current = current
        self._lost.add(current.token, operation)
        detail = msg.JOB_FAILED(what=msg.JOB_FAILED_WHAT[operation], error=type(exc).__name__)
        self._show(
            State.OUTCOME_UNKNOWN,
            Tone.ERROR,
            msg.JOB_FAILED_TITLE,
            detail + msg.JOB_FAILED_TAIL[operation](token=current.token),
            token=current.token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            amount_cents=current.booking.total_cents if current.booking else None,
            actions=frozenset({Action.RETRY, Action.DISMISS}),
            sound=Sound.ERROR,
        )
        self._run_queued()

    def _run_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued is None:
            return
        raw, token = queued
        previous = self._current.token if self._current is not None else ""
        self._notice = msg.PREVIOUS(title=self._shown_title, token=previous)
        self._start_lookup(token, raw)

    def _forget_validated(self, token: str) -> None:
        self._validated.pop(token, None)
        self._rebuilt_tokens.discard(token)

    # ----------------------------------------------------------------- outcomes
    def _show_outcome(
        self,
        outcome: Outcome,
        *,
        payment: PaymentRecord | None = None,
        validated_at: datetime | None = None,
        record_pending: bool = False,
    ) -> None:
        current = self._current
        token = current.token if current else ""
        booking = current.booking if current else None
        amount = payment.amount_cents if payment else (booking.total_cents if booking else None)
        rule = outcome_rule(outcome)
        title, detail = outcome_text(
            outcome,
            token=token,
            amount_cents=amount,
            payment_written=payment is not None,
            record_pending=record_pending,
            validated_here_at=validated_at,
        )
        validated_states = (State.VALIDATED, State.ALREADY_VALIDATED)
        actions = set(rule.actions)
        if rule.state in validated_states and token in self._validated:
            actions.add(Action.REVERT)
        # Validated, not by this till: maybe at booking time (a museum card): a warning, not an alarm.
        elsewhere = isinstance(outcome, AlreadyValidated) and validated_at is None
        self._show(
            rule.state,
            Tone.ATTENTION if elsewhere else rule.tone,
            title,
            detail,
            token=token or None,
            booking=current.card_booking if current else None,
            id_checked=bool(current and current.id_checked_at),
            actions=frozenset(actions),
            amount_cents=amount,
            payment=payment,
            validated_by_this_till_at=validated_at if rule.state in validated_states else None,
            sound=rule.sound,
        )

    # ----------------------------------------------------------------- other actions
    def retry(self) -> bool:
        """Try again after trouble: re-send the change that failed cleanly, or re-read the booking (which
        settles this till's change whose answer was lost)."""
        if Action.RETRY not in self._view.actions or self._current is None:
            return False
        current = self._current
        operation = current.last_operation
        if (
            operation is not None
            and current.booking is not None
            and self.state is not State.OUTCOME_UNKNOWN
            and current.token not in self._lost  # a lost answer is settled by reading, never re-sent
            and (operation is not Operation.USE or current.id_checked_at is not None)
        ):
            # Trouble before the server acted (the client re-reads after ambiguous failures): re-send.
            self._start_change(operation, current)
        else:
            # The answer was lost: re-read; the booking's state settles the open intent (validated: the
            # sale is recorded and shown; still to be collected: the card comes back to validate again).
            self._start_lookup(current.token, current.raw, retried=current)
        return True

    def dismiss(self) -> None:
        """Back to ready (Échap). Changes in flight cannot be dismissed: their answer is awaited. The
        next read of a code is the cashier's request, even of the code just closed."""
        if self.state in CHANGE_STATES:
            return
        self._lookup_serial += 1  # a lookup in flight is dropped when it answers
        self._current = None
        self.repeats.forget()
        self._show_ready()

    def tick(self) -> None:
        """Called a few times a second by the window: returns to ready after a result, and settles the
        journal's open intents every ``settle_every_s``."""
        now = self._monotonic()
        self._show_elapsed(now)
        if self.state in AUTO_RETURN_STATES and now - self._shown_at >= self.config.return_to_ready_s:
            self._current = None
            self._show_ready()
        if self.config.settle_every_s is not None and now >= self._next_settle_at:
            self.settle_in_background(min_age_s=SETTLE_MIN_AGE_S)

    def _show_elapsed(self, now: float) -> None:
        """A change in flight: its elapsed time in the title; once slow, say so and offer a way out."""
        current = self._current
        if self.state not in CHANGE_STATES or current is None:
            return
        shown = self._patience.tick(now)
        if shown is None:
            return
        seconds, slow = shown
        operation = current.last_operation or Operation.USE
        view = self._view
        self._show(
            view.state,
            Tone.BUSY,
            msg.BUSY_ELAPSED(title=msg.BUSY_TITLES[operation], seconds=seconds),
            msg.SLOW_SERVER if slow else msg.CODE_LINE(token=current.token),
            token=view.token,
            booking=view.booking,
            id_checked=view.id_checked,
            amount_cents=view.amount_cents,
            actions=frozenset({Action.STOP_WAITING}) if slow else frozenset(),
        )

    def stop_waiting(self) -> bool:
        """The cashier stops waiting for a slow change: its outcome is unknown (never a guess); its
        answer, when it comes, is recorded by the journal and told in a notice, or the settlement
        reads the booking later."""
        current = self._current
        if (
            Action.STOP_WAITING not in self._view.actions
            or current is None
            or self.state not in CHANGE_STATES
        ):
            return False
        operation = current.last_operation or Operation.USE
        self._patience.abandon()
        self._lost.add(current.token, operation)
        detail = msg.STOPPED_WAITING(token=current.token)
        self._show_on_card(current, State.OUTCOME_UNKNOWN, msg.STOPPED_WAITING_TITLE, detail, Action.RETRY)
        self._run_queued()
        return True

    def _publish_notice(self, notice: Text, *, reachable: bool = False) -> None:
        """Show ``notice`` on the current screen (a result found in the background), at once."""
        self._view = replace(
            self._view,
            notice=notice.render(self._tr),
            serial=self._view.serial + 1,
            sound=None,
            reachable=reachable or self._view.reachable,
        )
        self._on_view(self._view)

    def settle_in_background(self, *, min_age_s: float = 0.0) -> bool:
        """Settle the journal's open intents (a crash, a lost answer nobody re-read, a resolution that
        could not be written) by re-reading their bookings, off the owner thread; never re-sends a change.
        Intents the counter handles itself (in flight, or on screen awaiting Retry) and intents younger
        than ``min_age_s`` are left alone. False when a settlement is already running."""
        self._next_settle_at = self._monotonic() + (self.config.settle_every_s or SETTLE_EVERY_S)
        if self._settling:
            return False
        self._settling = True
        api, journal, holds, others = self._api, self._journal, self._holds, self._others
        created_before = self._now() - timedelta(seconds=min_age_s) if min_age_s > 0 else None

        def work() -> list[Settled]:
            return settle_open(
                api, journal, skip=holds.__contains__, created_before=created_before, others=others
            )

        self._runner.submit(work, self._on_background_settled, self._on_background_settle_failed)
        return True

    def _on_background_settled(self, settled: list[Settled]) -> None:
        self._settling = False
        for decided in settled:
            token = decided.intent.token
            if decided.intent.operation is Operation.KEEP and decided.resolution is IntentResolution.DONE:
                self._forget_validated(token)
            self._lost.settled_in_background(decided)
        if settled:
            log.info("settled %d open intents by re-reading", len(settled))
            self._on_settled([(decided.intent, decided.resolution) for decided in settled])
            self._tell_settled(settled)

    def _tell_settled(self, settled: list[Settled]) -> None:
        """The background found answers the cashier never saw: say so (code and amount), and the
        connection is back (a read was answered)."""
        notice = settled_notice(settled)
        self._publish_notice(notice, reachable=True)

    def _on_background_settle_failed(self, exc: Exception) -> None:
        self._settling = False
        log.error("settling open intents failed: %r", exc)

    def _show_ready(self) -> None:
        self._notice = None
        self._show(State.READY, Tone.NEUTRAL, msg.READY)

    def _show(
        self, state: State, tone: Tone, title: Text, detail: Text = msg.EMPTY, **values: object
    ) -> None:
        """Render (translate, in the one place) and publish a new view."""
        self._shown_at = self._monotonic()
        self._shown_title = title
        notice = self._notice.render(self._tr) if self._notice is not None else ""
        view = CounterView(
            state,
            tone,
            title.render(self._tr),
            detail.render(self._tr),
            notice=notice,
            serial=self._view.serial + 1,
        )
        self._view = replace(view, **values)  # type: ignore[arg-type]
        # A lost answer stays the counter's to settle only while its booking is on screen.
        self._holds.keep_only(self._current.token if self._current is not None else None)
        if state is not State.LOOKING_UP:
            self._notice = None
        self._on_view(self._view)
