"""The domain's one copy of each rule: money and dates as people read them, the token's shape, the
re-read verdict table, the reimbursement fortnight."""

from __future__ import annotations

from datetime import date

import pytest

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.formats import euros_with_comma, format_euros
from pos_client.domain.fortnight import fortnight_of, previous_fortnight
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    BookingCancelled,
    Cancelled,
    ChangeDone,
    Credentials,
    Found,
    NetworkUnreachable,
    NotFound,
    Refusal,
    RereadVerdict,
    Success,
    Trouble,
    Validated,
    ValidationReverted,
    done_outcome,
    reread_verdict,
)
from pos_client.domain.token import normalised_token


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0,00"), (5, "0,05"), (1250, "12,50"), (-1250, "-12,50"), (-5, "-0,05"), (123456789, "1234567,89")],
)
def test_euros_are_written_once_and_right_for_negative_amounts(cents: int, text: str) -> None:
    assert euros_with_comma(cents) == text
    assert format_euros(cents) == f"{text}\u00a0€"


@pytest.mark.parametrize(
    ("typed", "token"),
    [("352uw4", "352UW4"), (" 352UW4\n", "352UW4"), ("352UW", None), ("352UWß", None), ("３５２UW4", None)],
)
def test_one_token_rule(typed: str, token: str | None) -> None:
    assert normalised_token(typed) == token


def _booking(token: str = "352UW4") -> Booking:
    return Booking(
        1, token, BookingStatus.CONFIRMED, 1, 1000, 2, "Livre", None, 3, None, None, 4, "Lieu", None, None,
        date(2026, 1, 1), None, Beneficiary(None, None, None, "", None, None),  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "reread", "verdict"),
    [
        (Operation.USE, AlreadyValidated("T"), RereadVerdict.APPLIED),
        (Operation.USE, Found(_booking()), RereadVerdict.NOT_APPLIED),
        (Operation.USE, NetworkUnreachable("x"), RereadVerdict.UNCLEAR),
        (Operation.KEEP, Found(_booking()), RereadVerdict.APPLIED),
        (Operation.KEEP, AlreadyValidated("T"), RereadVerdict.NOT_APPLIED),
        (Operation.CANCEL, Cancelled("T"), RereadVerdict.APPLIED),
        (Operation.CANCEL, NotFound("T"), RereadVerdict.UNCLEAR),
    ],
)
def test_the_one_reread_verdict_table(operation: Operation, reread: object, verdict: RereadVerdict) -> None:
    assert reread_verdict(operation, reread) is verdict  # type: ignore[arg-type]


def test_outcomes_have_categories_and_each_change_its_success() -> None:
    assert isinstance(Found(_booking()), Success) and isinstance(Validated("T"), ChangeDone)
    assert isinstance(NotFound("T"), Refusal) and isinstance(NetworkUnreachable("x"), Trouble)
    assert not isinstance(NotFound("T"), Credentials | Trouble | Success)
    assert done_outcome(Operation.USE, "T") == Validated("T")
    assert done_outcome(Operation.KEEP, "T", confirmed_by_reread=True) == ValidationReverted("T", True)
    assert done_outcome(Operation.CANCEL, "T") == BookingCancelled("T")


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 2, 1), (date(2026, 2, 1), date(2026, 2, 15))),
        (date(2026, 2, 15), (date(2026, 2, 1), date(2026, 2, 15))),
        (date(2026, 2, 16), (date(2026, 2, 16), date(2026, 2, 28))),
        (date(2028, 2, 29), (date(2028, 2, 16), date(2028, 2, 29))),
    ],
)
def test_the_reimbursement_fortnight(day: date, period: tuple[date, date]) -> None:
    assert fortnight_of(day) == period
    assert previous_fortnight(date(2026, 3, 3)) == (date(2026, 2, 16), date(2026, 2, 28))
