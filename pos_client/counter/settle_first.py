"""Settling open intents before a command-line command touches the journal, as the window does.

A crash or a lost answer leaves an intent open; the window settles it by re-reading the booking (a
scan of the code settles that code's intents at once, the background the older ones). A command
does the same before it reads or changes anything: the code it works on is settled by the read it
makes of it, every other open intent once it is ``min_age_s`` old (younger ones may be a request of
the running window still in flight). Never re-sends a change.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from pos_client.counter.config import SETTLE_MIN_AGE_S
from pos_client.counter.evidence import ALONE, OtherTills
from pos_client.counter.messages import (
    SETTLED_DONE,
    SETTLED_NOT_APPLIED,
    SETTLED_TO_CHECK,
    settled_elsewhere,
)
from pos_client.counter.settlement import Settled, settle_open, settle_token
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import IntentResolution
from pos_client.domain.outcomes import Outcome
from pos_client.domain.ports import BookingsApi, Journal, JournalError

__all__ = ["describe_settled", "settle_before_command"]


def settle_before_command(
    api: BookingsApi,
    journal: Journal,
    *,
    token: str | None = None,
    read: Outcome | None = None,
    min_age_s: float = SETTLE_MIN_AGE_S,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    others: OtherTills = ALONE,
) -> list[Settled]:
    """Settle ``token``'s open intents by ``read`` (the command's own read of it), then the other open
    intents older than ``min_age_s`` by re-reading their bookings. Journal failures leave them open."""
    settled: list[Settled] = []
    if token is not None and read is not None:
        decided, _still_open = settle_token(journal, token, read, others)
        if decided is not None:
            settled.append(decided)
    # A journal failure: the command says what it can; the intents stay open for the window.
    with suppress(JournalError):
        settled += settle_open(
            api,
            journal,
            skip=lambda other: other == token,
            created_before=now() - timedelta(seconds=min_age_s),
            others=others,
        )
    return settled


def describe_settled(settled: list[Settled]) -> list[str]:
    """One French line per intent settled ("Résultat retrouvé : ...")."""
    lines: list[str] = []
    for decided in settled:
        intent = decided.intent
        amount = format_euros(abs(decided.payment.amount_cents)) if decided.payment else "—"
        if decided.elsewhere is not None:
            text = settled_elsewhere(decided.elsewhere)
        elif decided.to_check:
            text = SETTLED_TO_CHECK(token=intent.token, amount=amount)
        elif decided.resolution is IntentResolution.DONE:
            text = SETTLED_DONE[intent.operation](token=intent.token, amount=amount)
        else:
            text = SETTLED_NOT_APPLIED[intent.operation](token=intent.token)
        lines.append(text.render())
    return lines
