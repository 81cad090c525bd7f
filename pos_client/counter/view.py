"""What the counter shows: its states, the tone, sound and actions of each, and ``CounterView``, the
one immutable snapshot the window paints. Plain data, no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

from pos_client.domain.booking import Booking
from pos_client.domain.ledger import PaymentRecord

__all__ = [
    "AUTO_RETURN_STATES",
    "BUSY_STATES",
    "CHANGE_STATES",
    "Action",
    "Connection",
    "CounterView",
    "Sound",
    "State",
    "Tone",
]


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


# What a view says of the connection to the API: trouble, nothing new (a local screen), or OK.
TROUBLE_STATES = frozenset(
    {State.SERVER_TROUBLE, State.NETWORK_TROUBLE, State.OUTCOME_UNKNOWN, State.RATE_LIMITED}
)
_SAYS_NOTHING_OF_THE_CONNECTION = frozenset(
    {State.READY, State.LOOKING_UP, State.INVALID_CODE, State.JOURNAL_ERROR}
)
# A payment line may have been written: the day's history and the hand-off have something new.
_JOURNAL_CHANGED_STATES = frozenset({State.VALIDATED, State.REVERTED})


class Connection(Enum):
    OK = "ok"
    TROUBLE = "trouble"


class Tone(StrEnum):
    """What the status area looks like; always with an icon and a text, never colour alone."""

    NEUTRAL = "neutral"
    BUSY = "busy"
    SUCCESS = "success"
    ATTENTION = "attention"
    ERROR = "error"
    NEXT = "next"  # the next step or a question (ID check, confirmations): blue, never amber or red


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
    STOP_WAITING = "stop_waiting"  # a slow change: stop waiting, its outcome stays unknown


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
    # The API answered a background read since this view was made: the connection is back, whatever
    # this (older) view says.
    reachable: bool = False

    @property
    def connection(self) -> Connection | None:
        """What this view proves about the connection; None when it says nothing new."""
        if self.reachable:
            return Connection.OK
        if self.state in TROUBLE_STATES:
            return Connection.TROUBLE
        return None if self.state in _SAYS_NOTHING_OF_THE_CONNECTION else Connection.OK

    @property
    def journal_changed(self) -> bool:
        """The journal may hold a new payment line (history to re-read, a hand-off to wake)."""
        return self.state in _JOURNAL_CHANGED_STATES

    @property
    def settings_needed(self) -> bool:
        """The outcome can only be mended in the settings (the API key): open them."""
        return Action.OPEN_SETTINGS in self.actions
