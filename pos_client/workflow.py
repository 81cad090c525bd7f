"""The counter workflow: one booking's path from a scan to a recorded sale, as a plain state machine.

scan -> lookup -> card with ID check -> validate -> recorded; and, for a validated booking, revert
("keep") or cancel behind a confirmation. The machine owns the rules the cashier relies on:

- one validation per booking whatever happens (double click, double scan, a scanner in continuous
  mode, a webcam seeing the code every frame, a scanner's trailing Enter): ``validate`` changes the
  state to VALIDATING *before* the request is submitted, so a second call finds nothing to do;
- nothing is validated before the ID check was confirmed for *this* booking, and a confirmation or a
  validation arriving less than ``burst_quiet_s`` after a keyboard-wedge scan is refused (it belongs
  to the scanner's burst, not to the cashier);
- a different code scanned while a card waits for the ID check replaces the card; one scanned while
  a change is in flight waits its turn and is shown once the change is answered;
- each API outcome maps to its own state, French message, tone, sound and next actions (``_RULES``);
  trouble never says "validée";
- a change is written to the journal as an intent before the request and resolved after; one whose
  answer was lost is settled by re-reading the booking: by the cashier's Retry (or a new scan of the
  code) at once, else in the background every ``SETTLE_EVERY_S`` (``Counter.tick``);
- a job that fails (a bug, a closed journal) ends in an error view, never in a stuck "en cours" one.

It has no Qt and no threads of its own. Every call is made on one owner thread (the GUI thread); slow
work (API, journal) goes through an injected ``TaskRunner`` whose ``done`` callback comes back on that
owner thread. Time comes from injected clocks, so tests drive it with a fake clock and a fake API.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum
from typing import Protocol, TypeVar

from pos_client.domain.booking import Booking
from pos_client.domain.ledger import Intent, IntentResolution, Operation, PaymentRecord
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    BookingCancelled,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    Validated,
    ValidationReverted,
)
from pos_client.domain.ports import BookingsApi, Journal
from pos_client.domain.scan import RawScan, Transport
from pos_client.journal.store import JournalClosedError
from pos_client.scanner.payload import Contremarque, read_contremarque, read_scan

__all__ = [
    "CANCEL_CONFIRMATION_WORD",
    "TOKEN_LENGTH",
    "Action",
    "ChangeResult",
    "Counter",
    "CounterView",
    "InlineRunner",
    "Sound",
    "State",
    "TaskRunner",
    "Tone",
    "format_euros",
    "run_change",
    "settle_open_intents",
    "token_from_text",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_LENGTH = 6
# Typed codes are checked against A-Z 0-9 like the official desk (the reader does the same), so a
# mistyped 0/O still reaches the API and gets "introuvable".
TYPED_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CANCEL_CONFIRMATION_WORD = "ANNULER"
# The webcam re-reads a code held in its view every 10 s (``AppearanceTracker.repeat_after_s``): a webcam
# read of the token read last, within this delay of that read, is the same code still held there.
WEBCAM_HOLD_WINDOW_S = 12.0
# Open intents (lost answers nobody re-read, a resolution that could not be written) are settled in the
# background this often, once they are this old: a request of this till is held by the counter while
# in flight, the age keeps clear of one sent by another process on the same journal (the command line).
SETTLE_EVERY_S = 30.0
SETTLE_MIN_AGE_S = 120.0
# What a journal call can raise besides a bug: disk trouble, SQLite, the journal closed at exit.
JOURNAL_ERRORS = (OSError, sqlite3.Error, JournalClosedError)


class State(Enum):
    READY = "ready"
    LOOKING_UP = "looking_up"
    ID_CHECK = "id_check"  # card shown; validation waits for the ID check
    VALIDATING = "validating"
    VALIDATED = "validated"
    ALREADY_VALIDATED = "already_validated"
    CONFIRM_REVERT = "confirm_revert"
    REVERTING = "reverting"
    REVERTED = "reverted"
    CONFIRM_CANCEL = "confirm_cancel"
    CANCELLING = "cancelling"
    BOOKING_CANCELLED = "booking_cancelled"  # we cancelled it just now
    CANCELLED = "cancelled"  # it was cancelled before the scan
    REIMBURSED = "reimbursed"
    NOT_YET_CONFIRMED = "not_yet_confirmed"
    STRUCTURE_CLOSED = "structure_closed"
    NOT_FOUND = "not_found"
    INVALID_CODE = "invalid_code"
    REFUSED = "refused"  # other refusals (activation codes, not used, cannot cancel anymore...)
    AUTH_MISSING = "auth_missing"
    AUTH_INVALID = "auth_invalid"
    RATE_LIMITED = "rate_limited"
    SERVER_TROUBLE = "server_trouble"
    NETWORK_TROUBLE = "network_trouble"
    OUTCOME_UNKNOWN = "outcome_unknown"
    JOURNAL_ERROR = "journal_error"


BUSY_STATES = frozenset({State.LOOKING_UP, State.VALIDATING, State.REVERTING, State.CANCELLING})
CHANGE_STATES = frozenset({State.VALIDATING, State.REVERTING, State.CANCELLING})
# Results that leave the screen by themselves after ``return_to_ready_s``: nothing is pending there.
AUTO_RETURN_STATES = frozenset(
    {
        State.VALIDATED,
        State.REVERTED,
        State.BOOKING_CANCELLED,
        State.CANCELLED,
        State.REIMBURSED,
        State.NOT_YET_CONFIRMED,
        State.STRUCTURE_CLOSED,
        State.NOT_FOUND,
        State.INVALID_CODE,
        State.REFUSED,
    }
)


class Tone(StrEnum):
    """What the status area looks like; always with an icon and a text, never colour alone."""

    NEUTRAL = "neutral"
    BUSY = "busy"
    SUCCESS = "success"
    ATTENTION = "attention"
    ERROR = "error"


class Sound(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    ATTENTION = "attention"


class Action(StrEnum):
    CONFIRM_ID = "confirm_id"
    VALIDATE = "validate"
    REVERT = "revert"  # asks for the confirmation
    CONFIRM_REVERT = "confirm_revert"
    CANCEL_BOOKING = "cancel_booking"  # asks for the strong confirmation
    CONFIRM_CANCEL = "confirm_cancel"
    RETRY = "retry"
    DISMISS = "dismiss"  # back to ready
    OPEN_SETTINGS = "open_settings"


@dataclass(frozen=True)
class CounterView:
    """Everything the window shows, as one immutable snapshot."""

    state: State
    tone: Tone
    title: str
    detail: str = ""
    token: str | None = None
    booking: Booking | None = None
    id_checked: bool = False
    actions: frozenset[Action] = frozenset()
    amount_cents: int | None = None
    payment: PaymentRecord | None = None
    validated_by_this_till_at: datetime | None = None
    sound: Sound | None = None  # play once when this view is shown
    notice: str = ""  # the previous result, when a queued scan replaced it on screen
    serial: int = 0  # increases with every change; lets the UI tell a new view from a repeat


class TaskRunner(Protocol):
    """Runs ``work`` away from the owner thread, then calls ``done(result)`` on the owner thread. When
    ``work`` raises, ``failed(exception)`` is called on the owner thread instead (without ``failed``,
    the exception is only logged): a job never ends without an answer."""

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None: ...


class InlineRunner:
    """Runs the work at once on the calling thread (command line, simple tests)."""

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        try:
            result = work()
        except Exception as exc:
            if failed is None:
                raise
            log.exception("job failed")
            failed(exc)
            return
        done(result)


# ----------------------------------------------------------------------------- helpers
def format_euros(cents: int) -> str:
    """``1250`` -> ``12,50 €`` (French format, non-breaking space before the sign)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}\u00a0€"


def format_when(moment: datetime) -> str:
    local = moment.astimezone()
    return local.strftime("%d/%m/%Y à %H:%M")


def token_from_text(text: str) -> str | None:
    """Reduce a typed or pasted code, or a QR payload (``PASSCULTURE:v3;TOKEN:352UW4``), to its token.

    Returns the upper-cased 6-character token, or None when the text holds none.
    """
    result = read_contremarque(text)
    return result.token if isinstance(result, Contremarque) else None


@dataclass(frozen=True)
class _Rule:
    state: State
    tone: Tone
    title: str
    detail: str
    actions: frozenset[Action]
    sound: Sound


def _rule(state: State, tone: Tone, title: str, detail: str, *actions: Action) -> _Rule:
    sound = {Tone.SUCCESS: Sound.SUCCESS, Tone.ERROR: Sound.ERROR}.get(tone, Sound.ATTENTION)
    return _Rule(state, tone, title, detail, frozenset((*actions, Action.DISMISS)), sound)


_TROUBLE_DETAIL = "Rien n'a été validé ni perdu. Réessayez dans un instant."
# Outcome type -> state, tone, French message and next actions. Texts are templates: ``{token}``,
# ``{when}``, ``{retry}``, ``{detail}`` are filled in by ``Counter._show_outcome``.
_RULES: dict[type, _Rule] = {
    Validated: _rule(
        State.VALIDATED, Tone.SUCCESS, "Contremarque validée", "Paiement pass Culture enregistré : {amount}."
    ),
    ValidationReverted: _rule(
        State.REVERTED,
        Tone.ATTENTION,
        "Validation annulée",
        "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. "
        "Montant retiré du total : {amount}.",
    ),
    BookingCancelled: _rule(
        State.BOOKING_CANCELLED,
        Tone.ATTENTION,
        "Réservation annulée",
        "La réservation {token} est annulée et le crédit rendu au bénéficiaire.",
    ),
    AlreadyValidated: _rule(
        State.ALREADY_VALIDATED,
        Tone.ERROR,
        "Contremarque déjà validée",
        "La contremarque {token} a déjà été validée. Ne remettez pas le produit une deuxième fois.",
    ),
    Cancelled: _rule(
        State.CANCELLED,
        Tone.ERROR,
        "Réservation annulée",
        "La réservation {token} a été annulée : elle ne peut plus être validée.",
    ),
    Reimbursed: _rule(
        State.REIMBURSED,
        Tone.ERROR,
        "Réservation déjà remboursée",
        "La réservation {token} a déjà été remboursée au lieu : elle ne peut plus être validée.",
    ),
    NotYetConfirmed: _rule(
        State.NOT_YET_CONFIRMED,
        Tone.ATTENTION,
        "Pas encore validable",
        "Cette contremarque pourra être validée à partir du {when}, une fois le délai d'annulation passé.",
    ),
    StructureClosed: _rule(
        State.STRUCTURE_CLOSED,
        Tone.ERROR,
        "Structure fermée",
        "Vous ne pouvez plus valider de contremarque sur une structure fermée.",
    ),
    NotFound: _rule(
        State.NOT_FOUND,
        Tone.ERROR,
        "Contremarque introuvable",
        "Aucune réservation {token} pour ce lieu. Vérifiez que la réservation est bien pour ce lieu "
        "(la clé d'API est celle du lieu) et que le code lu est le bon : un code déformé vient souvent "
        "d'une douchette réglée sur une autre disposition de clavier.",
    ),
    NotUsed: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Réservation non validée",
        "La réservation {token} n'est pas validée : il n'y a rien à annuler.",
    ),
    HasActivationCodes: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Annulation impossible",
        "La réservation {token} a des codes d'activation : sa validation ne peut pas être annulée.",
    ),
    CannotCancelAnymore: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Annulation impossible",
        "La réservation {token} est confirmée : elle ne peut plus être annulée.",
    ),
    InvalidRequest: _rule(
        State.REFUSED, Tone.ERROR, "Demande refusée", "Le serveur a refusé la demande : {detail}"
    ),
    AuthMissing: _rule(
        State.AUTH_MISSING,
        Tone.ERROR,
        "Clé d'API manquante",
        "Aucune clé d'API n'est enregistrée pour ce serveur. Saisissez-la dans les réglages.",
        Action.OPEN_SETTINGS,
    ),
    AuthInvalid: _rule(
        State.AUTH_INVALID,
        Tone.ERROR,
        "Clé d'API refusée",
        "Le serveur refuse la clé d'API. Vérifiez-la dans les réglages.",
        Action.OPEN_SETTINGS,
    ),
    InactiveProvider: _rule(
        State.AUTH_INVALID,
        Tone.ERROR,
        "Compte désactivé",
        "Le compte lié à cette clé d'API est désactivé. Contactez le support pass Culture.",
        Action.OPEN_SETTINGS,
    ),
    RateLimited: _rule(
        State.RATE_LIMITED,
        Tone.ATTENTION,
        "Trop de demandes",
        "Le serveur demande de patienter{retry}. " + _TROUBLE_DETAIL,
        Action.RETRY,
    ),
    ServerError: _rule(
        State.SERVER_TROUBLE,
        Tone.ATTENTION,
        "Serveur pass Culture en difficulté",
        "Le serveur a répondu par une erreur ({detail}). " + _TROUBLE_DETAIL,
        Action.RETRY,
    ),
    MalformedResponse: _rule(
        State.SERVER_TROUBLE,
        Tone.ATTENTION,
        "Réponse illisible du serveur",
        "La réponse du serveur n'a pas pu être lue. " + _TROUBLE_DETAIL,
        Action.RETRY,
    ),
    NetworkUnreachable: _rule(
        State.NETWORK_TROUBLE,
        Tone.ATTENTION,
        "Pas de connexion",
        "Le serveur pass Culture est injoignable (réseau). " + _TROUBLE_DETAIL,
        Action.RETRY,
    ),
    TimedOut: _rule(
        State.NETWORK_TROUBLE,
        Tone.ATTENTION,
        "Le serveur ne répond pas",
        "Le serveur pass Culture n'a pas répondu à temps. " + _TROUBLE_DETAIL,
        Action.RETRY,
    ),
    OutcomeUnknown: _rule(
        State.OUTCOME_UNKNOWN,
        Tone.ATTENTION,
        "Résultat inconnu : ne remettez rien",
        "La demande est partie mais la réponse s'est perdue ; la contremarque {token} n'est pas "
        "comptée comme validée. Relisez-la (Réessayer) avant de remettre le produit.",
        Action.RETRY,
    ),
}


@dataclass(frozen=True)
class _Settled:
    """An open intent settled by re-reading its booking: DONE (with its payment record, if the journal
    wrote one) or REFUSED (the change was not applied)."""

    intent: Intent
    resolution: IntentResolution
    payment: PaymentRecord | None = None


@dataclass(frozen=True)
class _LookupResult:
    outcome: Outcome
    validated_by_this_till_at: datetime | None = None
    validated_booking: Booking | None = None  # from the journal, to offer the revert after a restart
    settled: _Settled | None = None  # this till's open intent for the token, settled by this read
    still_open: bool = False  # an open intent for the token that this read could not settle


@dataclass(frozen=True)
class ChangeResult:
    """What ``run_change`` did: the API's outcome (None: the journal refused the intent, nothing was
    sent) and the payment record it wrote. ``record_pending``: the API answered but the journal could
    not write the resolution; the intent stays open and is settled later by re-reading."""

    operation: Operation
    outcome: Outcome | None
    payment: PaymentRecord | None = None
    journal_error: str = ""
    record_pending: bool = False


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


@dataclass
class _Recent:
    token: str
    at: float


@dataclass
class _Options:
    guard_window_s: float = 3.0
    burst_quiet_s: float = 0.4
    return_to_ready_s: float = 6.0
    prefix: str = ""  # what the shop's scanners add around each code
    suffix: str = ""
    host_layout: str | None = None
    webcam_hold_window_s: float = WEBCAM_HOLD_WINDOW_S
    settle_every_s: float | None = SETTLE_EVERY_S  # None: only when asked (``settle_in_background``)


_KEYSTROKE_TRANSPORTS = frozenset({Transport.KEYBOARD, Transport.EVDEV})


@dataclass
class _Queue:
    scan: RawScan | None = None
    token: str | None = None


@dataclass
class _Notice:
    text: str = ""


@dataclass
class _Clocks:
    monotonic: Callable[[], float]
    now: Callable[[], datetime]


class _Holds:
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


@dataclass
class _Settling:
    running: bool = False
    next_at: float = 0.0


@dataclass
class _Journaled:
    """Bookings this till validated, kept so they can be reverted (the API cannot read a validated
    booking by token): those of this session, and those the journal rebuilt after a restart."""

    by_token: dict[str, Booking] = field(default_factory=dict)


class Counter:
    """The state machine. Call everything on one thread; ``on_view`` is called after each change."""

    def __init__(
        self,
        api: BookingsApi,
        journal: Journal,
        runner: TaskRunner,
        *,
        on_view: Callable[[CounterView], None],
        monotonic: Callable[[], float],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        guard_window_s: float = 3.0,
        burst_quiet_s: float = 0.4,
        return_to_ready_s: float = 6.0,
        translate: Callable[[str], str] = str,
        on_settled: Callable[[list[tuple[Intent, IntentResolution]]], None] = lambda _settled: None,
    ) -> None:
        """``on_settled`` is told (on the owner thread) of open intents settled by re-reading, so the
        day's lines can be re-read."""
        self._tr = translate
        self._api = api
        self._journal = journal
        self._runner = runner
        self._on_view = on_view
        self._clocks = _Clocks(monotonic, now)
        self.options = _Options(guard_window_s, burst_quiet_s, return_to_ready_s)
        self._current: _Current | None = None
        self._recent: _Recent | None = None
        self._last_keystroke_scan_at: float | None = None
        self._queue = _Queue()
        self._notice = _Notice()
        self._validated = _Journaled()
        self._rebuilt_tokens: set[str] = set()
        self._holds = _Holds()
        # Changes of this session whose result the cashier never saw (lost answer, failed job), by token;
        # and how the background settled some of them since, for the next read of their booking to show.
        self._unknown: dict[str, Operation] = {}
        self._settled_away: dict[str, _Settled] = {}
        self._on_settled = on_settled
        self._settling = _Settling(next_at=monotonic() + SETTLE_EVERY_S)
        self._lookup_serial = 0
        self._shown_at = monotonic()
        self._serial = 0
        self._view = CounterView(State.READY, Tone.NEUTRAL, translate("Prêt : scannez une contremarque"))
        self.requests_sent: dict[Operation, int] = {op: 0 for op in Operation}

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
        now = self._clocks.monotonic()
        if raw.transport in _KEYSTROKE_TRANSPORTS:
            self._last_keystroke_scan_at = now
        read = read_scan(
            raw, prefix=self.options.prefix, suffix=self.options.suffix, host_layout=self.options.host_layout
        )
        if not isinstance(read, Contremarque):
            if self.state in BUSY_STATES or self.state in (State.ID_CHECK, State.CONFIRM_CANCEL):
                log.info("unreadable scan ignored while a booking is on screen")
                return
            self._show(
                State.INVALID_CODE,
                Tone.ERROR,
                "Code illisible",
                read.message,
                actions=frozenset({Action.DISMISS}),
                sound=Sound.ERROR,
            )
            return
        token = read.token
        if read.repair_advice:
            self._notice.text = read.repair_advice
        repeat = self._is_repeat(token, raw.transport, now)
        # Every read restarts the token's window, like ``ScanGuard.admit``: a code held under a scanner in
        # continuous mode is read once, not once every ``guard_window_s``.
        self._recent = _Recent(token, now)
        if repeat:
            return
        if self.state in CHANGE_STATES:
            # Wait for the answer of the change in flight, then show this one.
            self._queue = _Queue(raw, token)
            log.info("scan queued while a change is in flight")
            return
        self._start_lookup(token, raw)

    def _is_repeat(self, token: str, transport: Transport, now: float) -> bool:
        current = self._current
        if (
            current is not None
            and current.token == token
            and self.state in (BUSY_STATES | {State.ID_CHECK, State.CONFIRM_CANCEL, State.CONFIRM_REVERT})
        ):
            return True  # the card (or its request) for this code is already there
        if self._queue.token == token:
            return True
        if self.state is State.VALIDATED and self._view.token == token:
            return True  # the code just validated, still in front of the reader: the success stays
        recent = self._recent
        if recent is None or recent.token != token:
            return False
        window = self.options.guard_window_s
        if transport is Transport.WEBCAM:
            window = max(window, self.options.webcam_hold_window_s)
        return now - recent.at < window

    def _start_lookup(self, token: str, raw: RawScan, retried: _Current | None = None) -> None:
        """Read the booking; ``retried``: the card this read is a Retry of (its booking and ID check
        carry over; a Retry after this read's own trouble reads again, it never re-sends a change)."""
        if retried is None:
            self._current = _Current(token=token, raw=raw)
        else:
            self._current = replace(retried, raw=raw, last_operation=None)
        self._lookup_serial += 1
        serial = self._lookup_serial
        self._show(
            State.LOOKING_UP, Tone.BUSY, "Recherche de la réservation…", f"Contremarque {token}", token=token
        )
        api, journal = self._api, self._journal

        def work() -> _LookupResult:
            outcome = api.get_booking(token)
            # A change of this till on this booking whose answer was lost: the read tells how it ended.
            settled, still_open = _settle_token(journal, token, outcome)
            if isinstance(outcome, AlreadyValidated):
                return _LookupResult(
                    outcome,
                    _validated_at(journal, token),
                    _validated_booking(journal, token),
                    settled,
                    still_open,
                )
            return _LookupResult(outcome, settled=settled, still_open=still_open)

        self._runner.submit(
            work,
            lambda result: self._on_lookup_done(serial, token, result),
            lambda exc: self._on_lookup_failed(serial, token, exc),
        )

    def _on_lookup_done(self, serial: int, token: str, result: _LookupResult) -> None:
        settled = result.settled
        if settled is not None:
            self._on_settled([(settled.intent, settled.resolution)])
        current = self._current
        if serial != self._lookup_serial or current is None or current.token != token:
            return  # a newer scan replaced this card
        if not result.still_open:
            self._holds.discard(token)
        outcome = result.outcome
        # A change of ours whose result the cashier never saw: this read tells how it ended.
        operation = self._unknown.get(token)
        away = self._settled_away.pop(token, None)
        if operation is not None and (settled is None or settled.intent.operation is not operation):
            settled = away
        if operation is not None and settled is not None:
            if settled.resolution is IntentResolution.DONE and isinstance(outcome, _WENT_THROUGH[operation]):
                del self._unknown[token]
                self._show_settled(current, settled, result.validated_booking)
                return
            not_applied = isinstance(outcome, _NOT_APPLIED[operation])
            if settled.resolution is IntentResolution.REFUSED and not_applied:
                del self._unknown[token]
                self._notice.text = self._tr(_NOT_APPLIED_NOTICES[operation])
        if isinstance(outcome, Found):
            current.booking = outcome.booking
            current.rebuilt = False
            self._show_card()
            return
        if result.validated_booking is not None and token not in self._validated.by_token:
            self._validated.by_token[token] = result.validated_booking
            self._rebuilt_tokens.add(token)
        self._show_outcome(outcome, validated_at=result.validated_by_this_till_at)

    def _show_settled(self, current: _Current, settled: _Settled, rebuilt: Booking | None) -> None:
        """This till's change, whose answer was lost, went through: show it as done, with its payment."""
        token = current.token
        operation = settled.intent.operation
        outcome: Outcome
        validated_at: datetime | None = None
        if operation is Operation.USE:
            if current.booking is None and rebuilt is not None:
                current.booking, current.rebuilt = rebuilt, True
            if current.booking is not None:
                self._validated.by_token[token] = current.booking
            outcome = Validated(token, confirmed_by_reread=True)
            validated_at = settled.payment.recorded_at if settled.payment else self._clocks.now()
        elif operation is Operation.KEEP:
            self._validated.by_token.pop(token, None)
            self._rebuilt_tokens.discard(token)
            outcome = ValidationReverted(token, confirmed_by_reread=True)
        else:
            outcome = BookingCancelled(token, confirmed_by_reread=True)
        self._show_outcome(outcome, payment=settled.payment, validated_at=validated_at)

    def _on_lookup_failed(self, serial: int, token: str, exc: Exception) -> None:
        log.error("lookup of %s: the job failed: %r", token, exc)
        current = self._current
        if serial != self._lookup_serial or current is None or current.token != token:
            return
        self._show(
            State.JOURNAL_ERROR,
            Tone.ERROR,
            "Erreur interne de la caisse",
            self._tr(
                "La lecture de la contremarque {token} a échoué sur une erreur inattendue ({error}). "
                "Rien n'a été validé. Réessayez ; si l'erreur revient, redémarrez la caisse."
            ).format(token=token, error=type(exc).__name__),
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
        actions = {Action.DISMISS, Action.CANCEL_BOOKING}
        actions.add(Action.VALIDATE if checked else Action.CONFIRM_ID)
        detail = (
            "Appuyez sur « Valider la contremarque » (Alt+V) et remettez le produit."
            if checked
            else "Vérifiez la pièce d'identité du bénéficiaire (pièce physique uniquement), puis confirmez."
        )
        self._show(
            State.ID_CHECK,
            Tone.ATTENTION,
            "Pièce d'identité vérifiée : validez" if checked else "Vérifiez la pièce d'identité",
            detail,
            token=current.token,
            booking=booking,
            id_checked=checked,
            actions=frozenset(actions),
            amount_cents=booking.total_cents,
            sound=None if checked else Sound.ATTENTION,
        )

    def _keystrokes_settled(self) -> bool:
        last = self._last_keystroke_scan_at
        return last is None or self._clocks.monotonic() - last >= self.options.burst_quiet_s

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
        current.id_checked_at = self._clocks.now()
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
        if Action.REVERT not in self._view.actions or self._view.token != token:
            return False
        self._show(
            State.CONFIRM_REVERT,
            Tone.ATTENTION,
            "Annuler la validation ?",
            "La contremarque redeviendra à retirer. Aucun remboursement ne sera versé au lieu pour "
            "cette réservation si elle n'est pas validée de nouveau. "
            "Le montant sera retiré du total du jour.",
            token=token,
            booking=self._view.booking,
            amount_cents=self._view.amount_cents,
            actions=frozenset({Action.CONFIRM_REVERT, Action.DISMISS}),
            sound=Sound.ATTENTION,
        )
        return True

    def confirm_revert(self, token: str) -> bool:
        booking = self._validated.by_token.get(token)
        if self.state is not State.CONFIRM_REVERT or self._view.token != token or booking is None:
            return False
        current = _Current(
            token=token,
            raw=self._current.raw if self._current else _typed(token),
            booking=booking,
            rebuilt=token in self._rebuilt_tokens,
        )
        self._current = current
        self._start_change(Operation.KEEP, current)
        return True

    def request_cancel(self, token: str) -> bool:
        if self.state is not State.ID_CHECK or self._card_for(token) is None:
            return False
        current = self._card_for(token)
        assert current is not None and current.booking is not None
        self._show(
            State.CONFIRM_CANCEL,
            Tone.ERROR,
            "Annuler la réservation ? (irréversible)",
            "Seulement si le produit ne peut pas être remis. La réservation sera annulée définitivement "
            f"et le crédit rendu au bénéficiaire. Tapez {CANCEL_CONFIRMATION_WORD} pour confirmer.",
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
        if typed.strip().upper() != CANCEL_CONFIRMATION_WORD:
            return False
        self._start_change(Operation.CANCEL, current)
        return True

    # ----------------------------------------------------------------- changes
    def _start_change(self, operation: Operation, current: _Current) -> None:
        booking = current.booking
        assert booking is not None
        current.last_operation = operation
        busy_title = {
            Operation.USE: "Validation en cours…",
            Operation.KEEP: "Annulation de la validation…",
            Operation.CANCEL: "Annulation de la réservation…",
        }[operation]
        # The state changes *now*, before anything is submitted: a second click finds VALIDATING.
        self._show(
            {
                Operation.USE: State.VALIDATING,
                Operation.KEEP: State.REVERTING,
                Operation.CANCEL: State.CANCELLING,
            }[operation],
            Tone.BUSY,
            busy_title,
            f"Contremarque {current.token}",
            token=current.token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            amount_cents=booking.total_cents,
        )
        self.requests_sent[operation] += 1
        self._holds.add(current.token)  # before the intent exists: the background settlement keeps off
        api, journal = self._api, self._journal
        raw, id_checked_at = current.raw, current.id_checked_at

        def work() -> ChangeResult:
            return run_change(api, journal, operation, booking, raw, id_checked_at)

        self._runner.submit(
            work,
            lambda result: self._on_change_done(current, result),
            lambda exc: self._on_change_failed(current, operation, exc),
        )

    def _on_change_done(self, current: _Current, result: ChangeResult) -> None:
        self._current = current
        booking = current.booking
        if isinstance(result.outcome, OutcomeUnknown):
            self._unknown[current.token] = result.operation
        else:
            self._holds.discard(current.token)  # answered: nothing for the cashier's Retry to settle
            if result.outcome is not None:  # answered: an older lost answer no longer tells anything
                self._unknown.pop(current.token, None)
                self._settled_away.pop(current.token, None)
        if result.outcome is None:
            self._show(
                State.JOURNAL_ERROR,
                Tone.ERROR,
                "Journal impossible à écrire : rien n'a été envoyé",
                f"Le journal des ventes n'a pas pu être écrit ({result.journal_error}). Aucune demande n'est "
                "partie. Vérifiez la place sur le disque, puis réessayez.",
                token=current.token,
                booking=booking,
                actions=frozenset({Action.RETRY, Action.DISMISS}),
                sound=Sound.ERROR,
            )
        else:
            if isinstance(result.outcome, Validated) and booking is not None:
                self._validated.by_token[current.token] = booking
            elif isinstance(result.outcome, ValidationReverted):
                self._validated.by_token.pop(current.token, None)
                self._rebuilt_tokens.discard(current.token)
            validated_at = self._clocks.now() if isinstance(result.outcome, Validated) else None
            self._show_outcome(
                result.outcome,
                payment=result.payment,
                validated_at=validated_at,
                record_pending=result.record_pending,
            )
        self._run_queued()

    def _on_change_failed(self, current: _Current, operation: Operation, exc: Exception) -> None:
        """The change's job raised (a bug, the journal closed): whether the request left is unknown.
        Its intent, if written, stays open; Retry re-reads the booking, which settles it."""
        log.error("%s %s: the job failed: %r", operation.value, current.token, exc)
        self._current = current
        self._unknown[current.token] = operation
        what, tail = {
            Operation.USE: (
                "la validation",
                "La contremarque {token} n'est pas comptée comme validée. "
                "Relisez-la (Réessayer) avant de remettre le produit.",
            ),
            Operation.KEEP: (
                "l'annulation de la validation",
                "La validation de {token} n'est pas comptée comme annulée. Relisez-la (Réessayer).",
            ),
            Operation.CANCEL: (
                "l'annulation de la réservation",
                "La réservation {token} n'est pas comptée comme annulée. Relisez-la (Réessayer).",
            ),
        }[operation]
        self._show(
            State.OUTCOME_UNKNOWN,
            Tone.ERROR,
            "Erreur inattendue : ne remettez rien",
            self._tr(
                "La caisse a rencontré une erreur interne pendant {what} ({error}) ; on ne sait pas si "
                "la demande est partie. "
            ).format(what=self._tr(what), error=type(exc).__name__)
            + self._tr(tail).format(token=current.token),
            token=current.token,
            booking=current.card_booking,
            id_checked=current.id_checked_at is not None,
            amount_cents=current.booking.total_cents if current.booking else None,
            actions=frozenset({Action.RETRY, Action.DISMISS}),
            sound=Sound.ERROR,
        )
        self._run_queued()

    def _run_queued(self) -> None:
        queued = self._queue
        self._queue = _Queue()
        if queued.scan is None or queued.token is None:
            return
        self._notice.text = f"Précédent : {self._view.title} ({self._view.token})"
        self._start_lookup(queued.token, queued.scan)

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
        token = current.token if current else None
        booking = current.booking if current else None
        card_booking = current.card_booking if current else None
        rule = _RULES.get(type(outcome))
        if rule is None:  # Found / BookingPage answered to a change: a client bug, never "validée"
            rule = _RULES[MalformedResponse]
        amount = payment.amount_cents if payment else (booking.total_cents if booking else None)
        values = {
            "token": token or "",
            "amount": format_euros(amount) if amount is not None else "",
            "when": format_when(outcome.valid_from)
            if isinstance(outcome, NotYetConfirmed) and outcome.valid_from
            else "",
            "retry": f" {outcome.retry_after_s:.0f} s"
            if isinstance(outcome, RateLimited) and outcome.retry_after_s
            else "",
            "detail": _outcome_detail(outcome),
        }
        detail = self._tr(rule.detail).format(**values)
        if isinstance(outcome, NotYetConfirmed) and (outcome.valid_from is None or outcome.message_has_date):
            # The API's own sentence as is: its date is in the venue's time zone (an overseas venue's
            # is not Paris time), which the answer does not name, so it is never converted.
            detail = outcome.api_message
        if isinstance(outcome, Validated | ValidationReverted) and payment is None:
            # No payment record came back: never claim one was written.
            head = "" if isinstance(outcome, Validated) else _REVERTED_HEAD
            record = _RECORD_PENDING if record_pending else _RECORD_ALREADY
            detail = (self._tr(head) + self._tr(record)).format(**values)
        if (
            isinstance(outcome, Validated | ValidationReverted | BookingCancelled)
            and outcome.confirmed_by_reread
        ):
            detail += self._tr(" (confirmé en relisant la réservation après une coupure)")
        actions = set(rule.actions)
        if rule.state in (State.VALIDATED, State.ALREADY_VALIDATED) and token in self._validated.by_token:
            actions.add(Action.REVERT)
        if isinstance(outcome, AlreadyValidated) and validated_at is not None:
            detail = (
                f"Validée par cette caisse le {format_when(validated_at)}. "
                "Ne remettez pas le produit une deuxième fois."
            )
        self._show(
            rule.state,
            rule.tone,
            rule.title,
            detail,
            token=token,
            booking=card_booking,
            id_checked=bool(current and current.id_checked_at),
            actions=frozenset(actions),
            amount_cents=amount,
            payment=payment,
            validated_by_this_till_at=validated_at
            if rule.state in (State.VALIDATED, State.ALREADY_VALIDATED)
            else None,
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
            and self.state not in (State.OUTCOME_UNKNOWN,)
            and current.token not in self._unknown  # a lost answer is settled by reading, never re-sent
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
        """Back to ready (Échap). Changes in flight cannot be dismissed: their answer is awaited."""
        if self.state in CHANGE_STATES:
            return
        self._lookup_serial += 1  # a lookup in flight is dropped when it answers
        self._current = None
        self._show_ready()

    def tick(self) -> None:
        """Called a few times a second by the window: returns to ready after a result, and settles the
        journal's open intents every ``settle_every_s``."""
        now = self._clocks.monotonic()
        if self.state in AUTO_RETURN_STATES and now - self._shown_at >= self.options.return_to_ready_s:
            self._current = None
            self._show_ready()
        every = self.options.settle_every_s
        if every is not None and now >= self._settling.next_at:
            self.settle_in_background(min_age_s=SETTLE_MIN_AGE_S)

    def settle_in_background(self, *, min_age_s: float = 0.0) -> bool:
        """Settle the journal's open intents (a crash, a lost answer nobody re-read, a resolution that
        could not be written) by re-reading their bookings, off the owner thread; never re-sends a change.
        Intents the counter handles itself (in flight, or on screen awaiting Retry) and intents younger
        than ``min_age_s`` are left alone. False when a settlement is already running."""
        self._settling.next_at = self._clocks.monotonic() + (self.options.settle_every_s or SETTLE_EVERY_S)
        if self._settling.running:
            return False
        self._settling.running = True
        api, journal, holds = self._api, self._journal, self._holds
        created_before = self._clocks.now() - timedelta(seconds=min_age_s) if min_age_s > 0 else None

        def work() -> list[_Settled]:
            return _settle_open(api, journal, skip=holds.__contains__, created_before=created_before)

        self._runner.submit(work, self._on_background_settled, self._on_background_settle_failed)
        return True

    def _on_background_settled(self, settled: list[_Settled]) -> None:
        self._settling.running = False
        for decided in settled:
            token = decided.intent.token
            if decided.intent.operation is Operation.KEEP and decided.resolution is IntentResolution.DONE:
                self._validated.by_token.pop(token, None)
                self._rebuilt_tokens.discard(token)
            if self._unknown.get(token) is decided.intent.operation:
                self._settled_away[token] = decided  # the next read of this code shows how it ended
        if settled:
            log.info("settled %d open intents by re-reading", len(settled))
            self._on_settled([(decided.intent, decided.resolution) for decided in settled])

    def _on_background_settle_failed(self, exc: Exception) -> None:
        self._settling.running = False
        log.error("settling open intents failed: %r", exc)

    def _show_ready(self) -> None:
        self._notice.text = ""
        self._show(State.READY, Tone.NEUTRAL, "Prêt : scannez une contremarque")

    def _show(
        self,
        state: State,
        tone: Tone,
        title: str,
        detail: str = "",
        **values: object,
    ) -> None:
        self._serial += 1
        self._shown_at = self._clocks.monotonic()
        notice = self._notice.text
        view = CounterView(state, tone, self._tr(title), detail, notice=notice, serial=self._serial)
        self._view = replace(view, **values)  # type: ignore[arg-type]
        # A lost answer stays the counter's to settle only while its booking is on screen.
        self._holds.keep_only(self._current.token if self._current is not None else None)
        if state is not State.LOOKING_UP:
            self._notice.text = ""
        self._on_view(self._view)


def _typed(token: str) -> RawScan:
    return RawScan(text=token, transport=Transport.TYPED, source_id="typed")


# Texts for a validation (or its revert) answered by the API without a payment record in the journal.
_REVERTED_HEAD = (
    "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. "
)
_RECORD_PENDING = (
    "Paiement pass Culture pas encore inscrit au journal : il le sera automatiquement, en relisant la "
    "réservation ({amount})."
)
_RECORD_ALREADY = "Aucun nouveau paiement inscrit : le journal en a déjà un pour cette contremarque."
# Shown on the screen that follows a re-read proving this till's change was not applied.
_NOT_APPLIED_NOTICES = {
    Operation.USE: "La validation précédente n'a pas abouti : la contremarque n'est pas validée.",
    Operation.KEEP: "L'annulation de la validation n'a pas abouti : la contremarque reste validée.",
    Operation.CANCEL: "L'annulation de la réservation n'a pas abouti : elle n'est pas annulée.",
}


def _validated_at(journal: Journal, token: str) -> datetime | None:
    try:
        return journal.validated_by_this_till(token)
    except JOURNAL_ERRORS:
        log.exception("journal read failed")
        return None


def _validated_booking(journal: Journal, token: str) -> Booking | None:
    try:
        return journal.validated_booking(token)
    except JOURNAL_ERRORS:
        log.exception("journal read failed")
        return None


def _outcome_detail(outcome: Outcome) -> str:
    if isinstance(outcome, ServerError):
        return f"code {outcome.status_code}"
    if isinstance(
        outcome, InvalidRequest | NetworkUnreachable | TimedOut | MalformedResponse | OutcomeUnknown
    ):
        return outcome.detail
    if isinstance(outcome, StructureClosed | NotYetConfirmed):
        return outcome.api_message
    return ""


_DONE_TYPES: dict[Operation, type[Validated | ValidationReverted | BookingCancelled]] = {
    Operation.USE: Validated,
    Operation.KEEP: ValidationReverted,
    Operation.CANCEL: BookingCancelled,
}


def run_change(
    api: BookingsApi,
    journal: Journal,
    operation: Operation,
    booking: Booking,
    raw: RawScan,
    id_checked_at: datetime | None,
) -> ChangeResult:
    """Off the owner thread: intent, request, resolution. Never sends without a durable intent."""
    try:
        intent: Intent = journal.begin(
            operation, booking, transport=raw.transport, source_id=raw.source_id, id_checked_at=id_checked_at
        )
    except JOURNAL_ERRORS as exc:
        log.exception("journal intent failed; nothing sent")
        return ChangeResult(operation, None, journal_error=str(exc))
    call = {Operation.USE: api.validate, Operation.KEEP: api.keep, Operation.CANCEL: api.cancel}[operation]
    outcome = call(booking.token)
    payment: PaymentRecord | None = None
    try:
        if isinstance(outcome, _DONE_TYPES[operation]):
            confirmed = bool(getattr(outcome, "confirmed_by_reread", False))
            payment = journal.resolve_done(intent, confirmed_by_reread=confirmed)
        elif isinstance(outcome, OutcomeUnknown):
            journal.resolve_unknown(intent, outcome.detail)
        else:
            journal.resolve_refused(intent, type(outcome).__name__)
    except JOURNAL_ERRORS:
        # The API answered; the intent stays open and is settled later by re-reading the booking.
        log.exception("journal resolution failed")
        return ChangeResult(operation, outcome, record_pending=True)
    return ChangeResult(operation, outcome, payment)


# What a re-read of the booking shows when a change went through, and when it surely did not (as the
# API client judges its own re-read after an ambiguous failure).
_WENT_THROUGH: dict[Operation, tuple[type, ...]] = {
    Operation.USE: (AlreadyValidated,),
    # After a revert the booking reads as to be collected (or pending / closed: CONFIRMED states too).
    Operation.KEEP: (Found, NotYetConfirmed, StructureClosed),
    Operation.CANCEL: (Cancelled,),
}
_NOT_APPLIED: dict[Operation, tuple[type, ...]] = {
    Operation.USE: (Found,),
    Operation.KEEP: (AlreadyValidated,),
    Operation.CANCEL: (Found, NotYetConfirmed, StructureClosed),
}


def _settle_by_reread(journal: Journal, intent: Intent, outcome: Outcome, when: str) -> _Settled | None:
    """Settle one open intent by what a read of its booking showed; None when the read cannot tell."""
    if isinstance(outcome, _WENT_THROUGH[intent.operation]):
        payment = journal.resolve_done(intent, confirmed_by_reread=True)
        return _Settled(intent, IntentResolution.DONE, payment)
    if isinstance(outcome, _NOT_APPLIED[intent.operation]):
        journal.resolve_refused(intent, f"not applied (re-read {when})")
        return _Settled(intent, IntentResolution.REFUSED)
    return None


def _settle_token(journal: Journal, token: str, outcome: Outcome) -> tuple[_Settled | None, bool]:
    """Off the owner thread, after a read of ``token``'s booking: settle this till's open intents for it
    by that read. Returns the latest one settled, and whether one stays open (the read could not tell)."""
    try:
        intents = [intent for intent in journal.open_intents() if intent.token == token]
    except JOURNAL_ERRORS:
        log.exception("journal read failed")
        return None, False
    latest: _Settled | None = None
    still_open = False
    for intent in intents:
        try:
            decided = _settle_by_reread(journal, intent, outcome, "on a scan")
        except JOURNAL_ERRORS:
            log.exception("settling intent %d failed; it stays open", intent.id)
            decided = None
        if decided is None:
            still_open = True
        else:
            latest = decided
    return latest, still_open


def settle_open_intents(
    api: BookingsApi,
    journal: Journal,
    *,
    skip: Callable[[str], bool] = lambda _token: False,
    created_before: datetime | None = None,
) -> list[tuple[Intent, IntentResolution]]:
    """Off the GUI thread (at start-up, then from time to time): settle intents left PENDING or UNKNOWN
    (a crash, a lost answer, a resolution that could not be written) by re-reading each booking. Never
    re-sends a change. ``skip(token)``: tokens someone else settles (the counter's own); with
    ``created_before``, younger intents are left alone (their request may still be in flight). Returns
    what was decided; intents the re-read cannot settle (network down, ambiguous) stay open."""
    settled = _settle_open(api, journal, skip=skip, created_before=created_before)
    return [(decided.intent, decided.resolution) for decided in settled]


def _settle_open(
    api: BookingsApi, journal: Journal, *, skip: Callable[[str], bool], created_before: datetime | None
) -> list[_Settled]:
    settled: list[_Settled] = []
    for intent in journal.open_intents():
        if skip(intent.token) or (created_before is not None and intent.created_at > created_before):
            continue
        outcome = api.get_booking(intent.token)
        if skip(intent.token):  # the counter took this booking up while it was being read
            continue
        try:
            decided = _settle_by_reread(journal, intent, outcome, "in the background")
        except JOURNAL_ERRORS:
            log.exception("settling intent %d failed; it stays open", intent.id)
            continue
        if decided is not None:
            settled.append(decided)
    return settled
