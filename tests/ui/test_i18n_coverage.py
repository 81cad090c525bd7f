"""Every text the counter shows is in the one catalogue and renders in both languages: the English
interface shows no French body (a missing entry would fall back to French mid-sentence)."""

from __future__ import annotations

import re
import string

import pytest
from counter_fakes import Rig, scan

from pos_client.counter.messages import CATALOGUE, Text
from pos_client.counter.view import CounterView, State
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    Cancelled,
    CannotCancelAnymore,
    HasActivationCodes,
    InactiveProvider,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    TimedOut,
)
from pos_client.i18n import Translator, catalogue

# Words that only French has (accents aside): an English screen showing one shows French.
FRENCH = re.compile(
    r"[éèêàùçôî]|\b(?:contremarque|réservation|vérifiez|la|le|les|des|est|une|pas|rien|caisse|validée)\b",
    re.IGNORECASE,
)
ENGLISH_TEXTS = catalogue("en")


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("template", CATALOGUE)
def test_every_catalogue_message_renders_in_both_languages(template: str) -> None:
    assert template in ENGLISH_TEXTS, f"no English entry for: {template!r}"
    assert _names(template) == _names(ENGLISH_TEXTS[template]), template
    values = {name: "X" for name in _names(template)}
    french = Text(template, values).render(Translator("fr"))
    english = Text(template, values).render(Translator("en"))
    assert french == template.format(**values)
    assert not FRENCH.search(english), f"French left in the English text: {english!r}"


def _english_rig() -> tuple[Rig, list[CounterView]]:
    rig = Rig(translate=Translator("en"))  # the translator the window gives the counter
    return rig, rig.views


def _assert_english(views: list[CounterView]) -> None:
    for view in views:
        for text in (view.title, view.detail, view.notice):
            assert not FRENCH.search(text), f"{view.state}: French shown in English: {text!r}"


def test_every_screen_of_a_sale_revert_and_cancel_is_english() -> None:
    rig, views = _english_rig()
    rig.validated("AAAAAA")
    assert rig.counter.request_revert("AAAAAA") and rig.counter.confirm_revert("AAAAAA")
    rig.runner.run_all()
    rig.counter.dismiss()
    rig.card("BBBBBB")
    assert rig.counter.request_cancel("BBBBBB") and rig.counter.confirm_cancel("BBBBBB", "annuler")
    rig.runner.run_all()
    rig.counter.dismiss()
    rig.counter.scan(scan("978207061275"))  # a book's barcode: the reader's refusal
    states = {view.state for view in views}
    assert {State.ID_CHECK, State.VALIDATING, State.VALIDATED, State.CONFIRM_REVERT, State.REVERTED} <= states
    assert {State.CONFIRM_CANCEL, State.BOOKING_CANCELLED, State.LOOKING_UP} <= states
    _assert_english([view for view in views if view.state is not State.INVALID_CODE])


OUTCOMES = [
    AlreadyValidated("CCCCCC"),
    Cancelled("CCCCCC"),
    Reimbursed("CCCCCC"),
    NotFound("CCCCCC"),
    AuthMissing(),
    AuthInvalid(),
    InactiveProvider(),
    RateLimited(12.0),
    ServerError(503),
    MalformedResponse(200, "x"),
    NetworkUnreachable("x"),
    TimedOut("x"),
]


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda outcome: type(outcome).__name__)
def test_every_lookup_outcome_screen_is_english(outcome: object) -> None:
    rig, views = _english_rig()
    rig.api.lookups["CCCCCC"] = outcome  # type: ignore[assignment]
    rig.counter.scan(scan("CCCCCC"))
    rig.runner.run_all()
    _assert_english(views)


@pytest.mark.parametrize(
    "outcome",
    [NotUsed("CCCCCC"), HasActivationCodes("CCCCCC"), CannotCancelAnymore("CCCCCC")],
    ids=lambda outcome: type(outcome).__name__,
)
def test_every_change_refusal_screen_is_english(outcome: object) -> None:
    rig, views = _english_rig()
    rig.api.changes[("use", "CCCCCC")] = outcome  # type: ignore[assignment]
    rig.card("CCCCCC")
    rig.counter.confirm_id_check("CCCCCC")
    rig.counter.validate("CCCCCC")
    rig.runner.run_all()
    _assert_english(views)


def test_a_lost_answer_and_a_failed_job_are_english() -> None:
    rig, views = _english_rig()
    rig.api.changes[("use", "DDDDDD")] = OutcomeUnknown("DDDDDD", Operation.USE.value, "x")
    rig.card("DDDDDD")
    rig.counter.confirm_id_check("DDDDDD")
    rig.counter.validate("DDDDDD")
    rig.runner.run_all()
    rig.counter.dismiss()
    rig.api.errors[("use", "EEEEEE")] = RuntimeError("bug")
    rig.card("EEEEEE")
    rig.counter.confirm_id_check("EEEEEE")
    rig.counter.validate("EEEEEE")
    rig.runner.run_all()
    assert {State.OUTCOME_UNKNOWN} <= {view.state for view in views}
    _assert_english(views)
