"""Cashier texts in words, in the cashier's language (issue 16): a server error says what is wrong
without its HTTP code (the code stays in the log), and a date reads "à" in French, "at" in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from counter_fakes import Rig, scan

from pos_client.counter.messages import outcome_text
from pos_client.counter.view import State
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import AlreadyValidated, ClaimedElsewhere, NotYetConfirmed, ServerError
from pos_client.i18n import Translator

FR, EN = Translator("fr"), Translator("en")
MOMENT = datetime(2026, 12, 2, 9, 48, tzinfo=UTC)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 507])
def test_a_server_error_says_it_in_words_without_its_http_code(status: int) -> None:
    title, detail = outcome_text(ServerError(status), token="352UW4", amount_cents=None)
    for language in (FR, EN):
        text = title.render(language) + " " + detail.render(language)
        assert str(status) not in text and not re.search(r"\bcode\b", text), text
    assert "serveur pass Culture" in detail.render(FR)
    assert "pass Culture server" in detail.render(EN)


def test_a_503_says_the_server_is_unavailable_for_the_moment() -> None:
    _title, detail = outcome_text(ServerError(503), token="352UW4", amount_cents=None)
    assert "indisponible pour le moment" in detail.render(FR)
    assert "Rien n'a été validé ni perdu" in detail.render(FR)


def test_the_cashier_sees_a_503_in_words_on_the_counter() -> None:
    rig = Rig()
    rig.api.lookups["352UW4"] = ServerError(503)
    rig.counter.scan(scan("352UW4"))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.SERVER_TROUBLE
    assert "503" not in view.title + view.detail and "indisponible" in view.detail


def test_a_date_reads_a_in_french_and_at_in_english() -> None:
    _title, detail = outcome_text(
        AlreadyValidated("352UW4"), token="352UW4", amount_cents=None, validated_here_at=MOMENT
    )
    local = MOMENT.astimezone()
    when = f"{local:%d/%m/%Y}"
    assert f"{when} à {local:%H:%M}" in detail.render(FR)
    english = detail.render(EN)
    assert f"{when} at {local:%H:%M}" in english and " à " not in english


@pytest.mark.parametrize(
    "outcome",
    [
        NotYetConfirmed("352UW4", datetime(2026, 12, 24, 20, 30), "Vous pourrez…"),
        ClaimedElsewhere("352UW4", Operation.USE.value, "Caisse 2", MOMENT, done=True),
    ],
)
def test_every_counter_text_with_a_moment_says_at_in_english(outcome: object) -> None:
    _title, detail = outcome_text(outcome, token="352UW4", amount_cents=None)  # type: ignore[arg-type]
    english = detail.render(EN)
    assert " at " in english and " à " not in english, english
    assert " à " in detail.render(FR)
