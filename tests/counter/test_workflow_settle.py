"""The counter settles its own lost answers by re-reading, settles the rest in the background, never
stays stuck when a job fails, and keeps a held code from flipping a success screen; driven with a fake
clock, a scripted API and an in-memory journal."""

from __future__ import annotations

import pytest
from counter_fakes import Rig, make_booking, scan

from pos_client.counter.changes import run_change
from pos_client.counter.config import SETTLE_EVERY_S, SETTLE_MIN_AGE_S
from pos_client.counter.repeats import RepeatWindows
from pos_client.counter.view import Action, Sound, State, Tone
from pos_client.domain.ledger import IntentResolution, Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    Found,
    NetworkUnreachable,
    NotFound,
    OutcomeUnknown,
    ValidationReverted,
)
from pos_client.domain.ports import InlineRunner
from pos_client.domain.scan import Transport
from pos_client.journal import JournalClosedError

TOKEN = "352UW4"


@pytest.fixture
def rig() -> Rig:
    return Rig()


def lost_validation(rig: Rig, token: str = TOKEN) -> None:
    """A card, the ID check, and a validation whose answer is lost."""
    rig.card(token)
    assert rig.counter.confirm_id_check(token)
    rig.api.changes[("use", token)] = OutcomeUnknown(token, "use", "connection reset")
    assert rig.counter.validate(token)
    rig.runner.run_all()
    del rig.api.changes[("use", token)]
    assert rig.counter.state is State.OUTCOME_UNKNOWN


def error_sounds(rig: Rig) -> int:
    return sum(1 for view in rig.views if view.sound is Sound.ERROR)


# ----------------------------------------------------------------------------- lost answers, Retry
def test_retry_finding_the_booking_still_to_collect_offers_validating_again(rig: Rig) -> None:
    lost_validation(rig)
    assert rig.counter.retry()  # the re-read shows the booking still to be collected
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ID_CHECK and view.id_checked and Action.VALIDATE in view.actions
    assert "n'a pas abouti" in view.notice
    assert rig.journal.intents[0].resolution is IntentResolution.REFUSED
    assert rig.journal.reasons[1].startswith("not applied")
    assert rig.journal.payments == []
    rig.clock.advance(1)
    assert rig.counter.validate(TOKEN)
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED
    assert [p.amount_cents for p in rig.journal.payments] == [1250]
    assert rig.api.count("use") == 2  # the second one only after the re-read proved the first failed


def test_retry_that_cannot_tell_keeps_the_intent_open_for_the_next_retry(rig: Rig) -> None:
    lost_validation(rig)
    rig.api.lookups[TOKEN] = NetworkUnreachable("down")
    assert rig.counter.retry()
    rig.runner.run_all()
    # Still unknown, never "rien n'a été validé": the re-read could not tell either.
    view = rig.counter.view
    assert view.state is State.OUTCOME_UNKNOWN and Action.RETRY in view.actions
    assert "toujours" in view.title.lower() and "Rien n'a été validé" not in view.detail
    assert [i.resolution for i in rig.journal.intents] == [IntentResolution.UNKNOWN]
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    assert rig.counter.retry()
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.VALIDATED and "confirmé en relisant" in view.detail
    assert [p.token for p in rig.journal.payments] == [TOKEN]
    assert rig.api.count("use") == 1  # the Retry after the re-read's trouble read again, never re-sent


def test_a_new_scan_of_a_lost_validation_settles_it_too(rig: Rig) -> None:
    lost_validation(rig)
    rig.counter.dismiss()
    rig.clock.advance(5)
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.VALIDATED and view.payment is not None
    assert [(i.token, r) for i, r in rig.settled] == [(TOKEN, IntentResolution.DONE)]
    # Read again later: now it is the till's own earlier validation.
    rig.clock.advance(10)
    rig.counter.tick()
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ALREADY_VALIDATED and view.detail.startswith("Validée par cette caisse le")
    assert len(rig.journal.payments) == 1


def test_lost_revert_settled_by_retry_records_the_negative_payment(rig: Rig) -> None:
    rig.validated()
    rig.api.changes[("keep", TOKEN)] = OutcomeUnknown(TOKEN, "keep", "reset")
    assert rig.counter.request_revert(TOKEN) and rig.counter.confirm_revert(TOKEN)
    rig.runner.run_all()
    assert rig.counter.state is State.OUTCOME_UNKNOWN
    assert [p.amount_cents for p in rig.journal.payments] == [1250]
    assert rig.counter.retry()  # the booking reads as to be collected again: the revert went through
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.REVERTED and "confirmé en relisant" in view.detail
    assert [p.amount_cents for p in rig.journal.payments] == [1250, -1250]
    assert Action.REVERT not in view.actions
    assert rig.api.count("keep") == 1


def test_lost_revert_that_did_not_happen_shows_the_validation_and_offers_the_revert(rig: Rig) -> None:
    rig.validated()
    rig.api.changes[("keep", TOKEN)] = OutcomeUnknown(TOKEN, "keep", "reset")
    rig.counter.request_revert(TOKEN)
    rig.counter.confirm_revert(TOKEN)
    rig.runner.run_all()
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    assert rig.counter.retry()
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ALREADY_VALIDATED and "Validée par cette caisse" in view.detail
    assert "n'a pas abouti" in view.notice and Action.REVERT in view.actions
    assert rig.journal.intents[1].resolution is IntentResolution.REFUSED
    assert [p.amount_cents for p in rig.journal.payments] == [1250]


def test_an_open_intent_of_an_earlier_session_is_settled_by_a_scan_without_claiming_a_new_sale() -> None:
    earlier = Rig()
    earlier.journal.begin(
        Operation.USE, make_booking(TOKEN), transport=Transport.SERIAL, source_id="s", id_checked_at=None
    )
    restarted = Rig(earlier.journal)
    restarted.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    restarted.counter.scan(scan(TOKEN))
    restarted.runner.run_all()
    view = restarted.counter.view
    # Its result may have been shown before the restart: it is the till's earlier validation, not a new one.
    assert view.state is State.ALREADY_VALIDATED and view.detail.startswith("Validée par cette caisse le")
    assert [p.token for p in restarted.journal.payments] == [TOKEN]
    assert restarted.journal.open_intents() == []


# ----------------------------------------------------------------------------- background settlement
def test_open_intents_are_settled_in_the_background_once_old_enough(rig: Rig) -> None:
    lost_validation(rig)
    rig.counter.dismiss()  # the cashier left it: nobody will press Retry
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    rig.clock.advance(SETTLE_EVERY_S)
    rig.counter.tick()
    rig.runner.run_all()
    assert rig.journal.open_intents() and rig.settled == []  # too young: may be in flight elsewhere
    rig.clock.advance(SETTLE_MIN_AGE_S)
    rig.counter.tick()
    rig.runner.run_all()
    assert rig.journal.open_intents() == []
    assert [(i.token, r) for i, r in rig.settled] == [(TOKEN, IntentResolution.DONE)]
    assert [p.token for p in rig.journal.payments] == [TOKEN]
    # The cashier never saw this result: the next read of the code shows it as the success it is.
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.VALIDATED and "confirmé en relisant" in view.detail
    assert view.payment is not None and len(rig.journal.payments) == 1


def test_the_background_leaves_alone_a_lost_answer_on_screen_and_a_change_in_flight(rig: Rig) -> None:
    lost_validation(rig)
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    rig.clock.advance(SETTLE_EVERY_S + SETTLE_MIN_AGE_S)
    rig.counter.tick()
    rig.runner.run_all()
    assert rig.journal.open_intents() and rig.settled == []  # the cashier's Retry settles it
    assert rig.counter.state is State.OUTCOME_UNKNOWN
    # A validation whose request is in flight while a settlement runs is not touched either.
    other = "ABCDEF"
    rig.counter.dismiss()
    rig.clock.advance(1)
    rig.card(other)
    rig.clock.advance(1)
    rig.counter.confirm_id_check(other)
    rig.counter.validate(other)
    assert rig.counter.settle_in_background()  # no minimum age: only the counter's hold protects it

    def settle_during_the_request() -> None:
        rig.api.on_change = None
        rig.runner.pending.pop()()  # its re-read would find the booking not (yet) validated

    rig.api.on_change = settle_during_the_request
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED and rig.counter.view.token == other
    assert sorted(p.token for p in rig.journal.payments) == sorted([TOKEN, other])
    assert [i.token for i, _ in rig.settled] == [TOKEN]  # the lost one, once off the screen
    assert rig.api.calls.count(("get", other)) == 1  # only the card's lookup


def test_settle_in_background_runs_one_settlement_at_a_time(rig: Rig) -> None:
    assert rig.counter.settle_in_background()
    assert not rig.counter.settle_in_background()
    rig.runner.run_all()
    assert rig.counter.settle_in_background()


# ----------------------------------------------------------------------------- failed jobs
def test_a_validation_job_that_raises_ends_in_an_error_view_and_retry_settles(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check(TOKEN)
    rig.api.errors[("use", TOKEN)] = KeyError("status")
    rig.counter.validate(TOKEN)
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.OUTCOME_UNKNOWN and view.tone is Tone.ERROR and view.sound is Sound.ERROR
    assert "erreur interne" in view.detail and "KeyError" in view.detail
    assert "validée" not in view.title.lower() and view.actions == {Action.RETRY, Action.DISMISS}
    assert [i.resolution for i in rig.journal.intents] == [IntentResolution.PENDING]  # stays open
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)  # the request had left before the bug
    assert rig.counter.retry()
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED and len(rig.journal.payments) == 1


def test_a_failed_validation_job_can_be_dismissed_and_the_queued_scan_shown(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check(TOKEN)
    rig.api.errors[("use", TOKEN)] = RuntimeError("bug")
    rig.counter.validate(TOKEN)
    rig.counter.scan(scan("ABCDEF"))  # queued behind the change in flight
    rig.runner.run_all()
    assert rig.counter.view.token == "ABCDEF" and rig.counter.state is State.ID_CHECK
    assert "Erreur inattendue" in rig.counter.view.notice
    rig.counter.dismiss()
    assert rig.counter.state is State.READY


def test_a_lookup_job_that_raises_ends_in_an_error_view_with_retry(rig: Rig) -> None:
    rig.api.errors[("get", TOKEN)] = ValueError("bad json")
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.JOURNAL_ERROR and view.title == "Erreur interne de la caisse"
    assert "Rien n'a été validé" in view.detail and Action.RETRY in view.actions
    del rig.api.errors[("get", TOKEN)]
    assert rig.counter.retry()
    rig.runner.run_all()
    assert rig.counter.state is State.ID_CHECK


def test_a_closed_journal_is_a_journal_error_and_nothing_is_sent(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check(TOKEN)
    rig.journal.fail_begin = JournalClosedError()
    rig.counter.validate(TOKEN)
    rig.runner.run_all()
    assert rig.counter.state is State.JOURNAL_ERROR and "journal fermé" in rig.counter.view.detail
    assert rig.api.count("use") == 0


def test_validated_without_a_payment_record_says_it_is_pending(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check(TOKEN)
    rig.journal.fail_resolve = JournalClosedError()
    rig.counter.validate(TOKEN)
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.VALIDATED and view.payment is None
    assert "enregistré" not in view.detail and "pas encore inscrit au journal" in view.detail
    assert rig.journal.open_intents()  # settled later by re-reading
    rig.journal.fail_resolve = None
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    rig.clock.advance(SETTLE_EVERY_S + SETTLE_MIN_AGE_S)
    rig.counter.tick()
    rig.runner.run_all()
    assert [p.token for p in rig.journal.payments] == [TOKEN] and rig.journal.open_intents() == []


def test_run_change_catches_a_closed_journal_at_the_resolution(rig: Rig) -> None:
    rig.journal.fail_resolve = JournalClosedError()
    booking = make_booking(TOKEN)
    result = run_change(rig.api, rig.journal, Operation.KEEP, booking, scan(TOKEN), None)
    assert isinstance(result.outcome, ValidationReverted) and result.record_pending
    assert result.payment is None


def test_inline_runner_hands_a_failure_to_failed() -> None:
    failures: list[Exception] = []
    results: list[int] = []

    def broken() -> int:
        raise RuntimeError("bug")

    InlineRunner().submit(broken, results.append, failures.append)
    assert results == [] and [str(exc) for exc in failures] == ["bug"]
    with pytest.raises(RuntimeError):
        InlineRunner().submit(broken, results.append)


# ----------------------------------------------------------------------------- held codes
@pytest.mark.parametrize("transport", [Transport.SERIAL, Transport.HID_POS, Transport.KEYBOARD])
def test_a_code_held_under_a_continuous_scanner_never_flips_the_success(
    rig: Rig, transport: Transport
) -> None:
    rig.card()
    rig.clock.advance(1)
    rig.counter.confirm_id_check(TOKEN)
    rig.counter.validate(TOKEN)
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    shown = len(rig.views)
    for _ in range(40):  # read every 0.5 s for 20 s
        rig.clock.advance(0.5)
        rig.counter.scan(scan(TOKEN, transport))
        rig.runner.run_all()
        rig.counter.tick()
    assert [v.state for v in rig.views[shown:]] == [State.READY]  # the success, then back to ready
    assert rig.api.count("get") == 1 and error_sounds(rig) == 0


@pytest.mark.parametrize(("repeat_after_s", "looked_up_again"), [(10.0, True), (15.0, False)])
def test_the_webcam_repeat_setting_decides_when_a_code_shown_again_is_read(
    rig: Rig, repeat_after_s: float, looked_up_again: bool
) -> None:
    """``webcam.repeat_after_s`` is the webcam's window in the one repeat filter: a phone shown again
    12 s after its last read is read again with 10 s, ignored with 15 s."""
    rig.counter.repeats.windows = RepeatWindows(scanner_s=3.0, webcam_s=repeat_after_s)
    rig.counter.scan(scan(TOKEN, Transport.WEBCAM))
    rig.runner.run_all()
    rig.clock.advance(1)
    rig.counter.confirm_id_check(TOKEN)
    rig.counter.validate(TOKEN)
    rig.runner.run_all()
    rig.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    rig.clock.advance(11)  # the success went back to ready; the phone is shown again
    rig.counter.tick()
    rig.counter.scan(scan(TOKEN, Transport.WEBCAM))
    rig.runner.run_all()
    assert rig.api.count("get") == (2 if looked_up_again else 1)
    if looked_up_again:
        assert rig.counter.state is State.ALREADY_VALIDATED
        assert rig.counter.view.detail.startswith("Validée par cette caisse le")
    else:
        assert rig.counter.state is State.READY and error_sounds(rig) == 0


def test_a_deliberate_rescan_after_closing_the_card_shows_it_again(rig: Rig) -> None:
    """M1: the repeat filter drops what the cashier did not ask for; Échap then a re-scan is a request."""
    rig.card(TOKEN)
    rig.counter.dismiss()
    rig.clock.advance(1)
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    assert rig.counter.state is State.ID_CHECK and rig.api.count("get") == 2
    rig.clock.advance(1)
    rig.counter.scan(scan(TOKEN))  # a second read while the card is there adds nothing
    rig.runner.run_all()
    assert rig.api.count("get") == 2


def test_repeats_slide_the_guard_window(rig: Rig) -> None:
    rig.api.lookups[TOKEN] = NotFound(TOKEN)
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    for _ in range(10):  # read every 2 s (< the 3 s window) for 20 s
        rig.clock.advance(2)
        rig.counter.scan(scan(TOKEN))
        rig.runner.run_all()
    assert rig.api.count("get") == 1
    rig.clock.advance(3.5)
    rig.counter.scan(scan(TOKEN))
    rig.runner.run_all()
    assert rig.api.count("get") == 2


def test_another_code_while_the_success_shows_is_read_at_once(rig: Rig) -> None:
    rig.validated()
    rig.counter.scan(scan("ABCDEF"))
    rig.runner.run_all()
    assert rig.counter.view.token == "ABCDEF" and rig.counter.state is State.ID_CHECK
    rig.api.lookups[TOKEN] = Found(make_booking(TOKEN))  # e.g. reverted elsewhere meanwhile
    rig.clock.advance(0.5)
    rig.counter.scan(scan(TOKEN))  # the success is no longer on screen: a real new read
    rig.runner.run_all()
    assert rig.counter.view.token == TOKEN and rig.counter.state is State.ID_CHECK
