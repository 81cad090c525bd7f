"""The notices that tell the cashier an answer found after the screen moved on: a lost answer settled
in the background, or the late answer of a change the cashier stopped waiting for. Each names the
code and, for a payment, the amount."""

from __future__ import annotations

from pos_client.counter import messages as msg
from pos_client.counter.changes import ChangeResult
from pos_client.counter.messages import Text
from pos_client.counter.settlement import Settled
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import IntentResolution
from pos_client.domain.outcomes import is_done

__all__ = ["late_answer_notice", "settled_notice"]


def settled_notice(settled: list[Settled]) -> Text:
    """One sentence per intent settled by a re-read (``settled`` is not empty)."""
    notices: list[Text] = []
    for decided in settled:
        intent, token = decided.intent, decided.intent.token
        amount = format_euros(abs(decided.payment.amount_cents)) if decided.payment else "—"
        if decided.elsewhere is not None:
            notices.append(msg.settled_elsewhere(decided.elsewhere))
        elif decided.to_check:
            notices.append(msg.SETTLED_TO_CHECK(token=token, amount=amount))
        elif decided.resolution is IntentResolution.DONE:
            notices.append(msg.SETTLED_DONE[intent.operation](token=token, amount=amount))
        else:
            notices.append(msg.SETTLED_NOT_APPLIED[intent.operation](token=token))
    notice = notices[0]
    for more in notices[1:]:
        notice = notice + Text(" ") + more
    return notice


def late_answer_notice(token: str, result: ChangeResult, booked_cents: int) -> Text:
    """The answer of a change the cashier stopped waiting for (not ``OutcomeUnknown``)."""
    amount = format_euros(abs(result.payment.amount_cents) if result.payment else booked_cents)
    if result.to_check:
        return msg.SETTLED_TO_CHECK(token=token, amount=amount)
    assert result.outcome is not None
    if is_done(result.operation, result.outcome):
        return msg.SETTLED_DONE[result.operation](token=token, amount=amount)
    return msg.SETTLED_NOT_APPLIED[result.operation](token=token)
