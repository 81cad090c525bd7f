"""The counter workflow's rules, driven with a fake clock, a scripted API and an in-memory journal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from counter_fakes import Rig, make_booking, scan

from pos_client.counter.settlement import settle_open_intents
from pos_client.counter.view import Action, Sound, State, Tone
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import IntentResolution, Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    Cancelled,
    CannotCancelAnymore,
    Found,
    InactiveProvider,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    WrongServerAddress,
)
from pos_client.domain.ports import JournalUnavailable
from pos_client.domain.scan import Transport
from pos_client.scanner.payload import token_from_text


@pytest.fixture
def rig() -> Rig:
    return Rig()


# ----------------------------------------------------------------------------- happy path
def test_scan_lookup_card_check_validate_records_payment(rig: Rig) -> None:
    rig.api.lookups["DUO234"] = Found(make_booking("DUO234", quantity=2, unit_price_cents=800))
    rig.counter.scan(scan("PASSCULTURE:v3;TOKEN:duo234"))
    assert rig.counter.state is State.LOOKING_UP
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ID_CHECK and view.booking is not None and view.booking.is_duo
    assert view.actions >= {Action.CONFIRM_ID, Action.CANCEL_BOOKING} and Action.VALIDATE not in view.actions
    assert view.sound is Sound.ATTENTION
    assert rig.counter.confirm_id_check("DUO234")
    assert Action.VALIDATE in rig.counter.view.actions
    assert rig.counter.validate("DUO234")
    assert rig.counter.state is State.VALIDATING
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.VALIDATED and view.tone is Tone.SUCCESS and view.sound is Sound.SUCCESS
    assert view.title == "Contremarque validée"
    assert view.amount_cents == 1600 and "16,00" in view.detail
    assert rig.journal.payments[0].amount_cents == 1600
    # The intent is durable before the request, resolved after.
    assert rig.events == [
        "api.get:DUO234",
        "journal.begin:use:DUO234",
        "api.use:DUO234",
        "journal.done:DUO234",
    ]


def test_nothing_is_validated_before_the_id_check(rig: Rig) -> None:
    rig.card()
    assert not rig.counter.validate("352UW4")
    assert rig.api.count("use") == 0
    assert rig.counter.state is State.ID_CHECK


def test_id_check_is_for_this_card_only(rig: Rig) -> None:
    rig.card("352UW4")
    assert not rig.counter.confirm_id_check("ABCDEF")  # a stale click for another card
    rig.counter.confirm_id_check("352UW4")
    rig.clock.advance(5)
    rig.counter.scan(scan("ABCDEF"))  # replaces the card: the new one needs its own check
    rig.runner.run_all()
    assert rig.counter.view.token == "ABCDEF" and not rig.counter.view.id_checked
    assert not rig.counter.validate("ABCDEF") and not rig.counter.validate("352UW4")
    assert rig.api.count("use") == 0


def test_validate_twice_10_ms_apart_sends_one_request(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check("352UW4")
    assert rig.counter.validate("352UW4")
    rig.clock.advance(0.010)
    assert not rig.counter.validate("352UW4")
    rig.runner.run_all()
    assert not rig.counter.validate("352UW4")
    assert rig.api.count("use") == 1 and len(rig.journal.payments) == 1


@pytest.mark.parametrize(
    "transport", [Transport.SERIAL, Transport.WEBCAM, Transport.KEYBOARD, Transport.HID_POS]
)
def test_a_code_read_ten_times_is_looked_up_and_validated_once(rig: Rig, transport: Transport) -> None:
    for _ in range(10):
        rig.counter.scan(scan("352UW4", transport))
        rig.clock.advance(0.05)
    rig.runner.run_all()
    for _ in range(10):
        rig.counter.scan(scan("352UW4", transport))
        rig.clock.advance(0.05)
    assert rig.api.count("get") == 1
    rig.clock.advance(1)
    rig.counter.confirm_id_check("352UW4")
    rig.counter.validate("352UW4")
    for _ in range(10):  # the webcam still sees it while the request is in flight
        rig.counter.scan(scan("352UW4", transport))
    rig.runner.run_all()
    for _ in range(10):  # and just after
        rig.counter.scan(scan("352UW4", transport))
        rig.clock.advance(0.1)
    assert rig.api.count("use") == 1 and rig.counter.state is State.VALIDATED


def test_same_code_after_the_guard_window_shows_already_validated_by_this_till(rig: Rig) -> None:
    rig.validated()
    rig.clock.advance(10)
    rig.counter.tick()  # the success screen went back to ready: a new scan of the code is a new read
    assert rig.counter.state is State.READY
    rig.api.lookups["352UW4"] = AlreadyValidated("352UW4")
    rig.counter.scan(scan("352UW4"))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ALREADY_VALIDATED and view.tone is Tone.ERROR
    assert "Validée par cette caisse le 23/11/2026" in view.detail
    assert view.validated_by_this_till_at is not None
    assert Action.REVERT in view.actions and Action.VALIDATE not in view.actions
    assert rig.api.count("use") == 1


def test_keystrokes_of_a_scanner_burst_cannot_confirm_or_validate(rig: Rig) -> None:
    rig.counter.scan(scan("352UW4", Transport.KEYBOARD))
    rig.runner.run_all()
    rig.clock.advance(0.05)  # the scanner's trailing Enter, Space...
    assert not rig.counter.confirm_id_check("352UW4")
    rig.clock.advance(0.5)
    assert rig.counter.confirm_id_check("352UW4")
    rig.counter.scan(scan("352UW4", Transport.KEYBOARD))  # same code again: ignored, but a burst
    assert not rig.counter.validate("352UW4")
    rig.clock.advance(0.5)
    assert rig.counter.validate("352UW4")


# ----------------------------------------------------------------------------- other codes
def test_a_different_code_replaces_a_card_waiting_for_the_id_check(rig: Rig) -> None:
    rig.card("352UW4")
    rig.counter.scan(scan("ABCDEF"))
    rig.runner.run_all()
    assert rig.counter.view.token == "ABCDEF" and rig.counter.state is State.ID_CHECK
    assert rig.api.count("use") == 0


def test_a_lookup_overtaken_by_a_newer_scan_is_dropped(rig: Rig) -> None:
    rig.counter.scan(scan("352UW4"))
    rig.counter.scan(scan("ABCDEF"))
    rig.runner.run_all()
    assert rig.counter.view.token == "ABCDEF"
    assert [v.token for v in rig.views if v.state is State.ID_CHECK] == ["ABCDEF"]


def test_a_code_scanned_during_validation_waits_and_is_then_shown(rig: Rig) -> None:
    rig.card("352UW4")
    rig.counter.confirm_id_check("352UW4")
    rig.counter.validate("352UW4")
    rig.counter.scan(scan("ABCDEF"))
    assert rig.counter.state is State.VALIDATING and rig.counter.view.token == "352UW4"
    rig.runner.run_all()
    states = [(v.state, v.token) for v in rig.views]
    assert (State.VALIDATED, "352UW4") in states
    assert states[-1] == (State.ID_CHECK, "ABCDEF")
    looking = next(v for v in rig.views if v.state is State.LOOKING_UP and v.token == "ABCDEF")
    assert "Contremarque validée" in looking.notice and "352UW4" in looking.notice


def test_unreadable_code_is_explained_in_french(rig: Rig) -> None:
    rig.counter.scan(scan("hello world"))
    view = rig.counter.view
    assert view.state is State.INVALID_CODE and "6 caractères" in view.detail and view.sound is Sound.ERROR
    assert rig.api.calls == []


def test_garbage_during_a_card_does_not_disturb_it(rig: Rig) -> None:
    rig.card()
    rig.counter.scan(scan("§§§"))
    assert rig.counter.state is State.ID_CHECK


# ----------------------------------------------------------------------------- outcome table
LOOKUP_CASES: list[tuple[Outcome, State, Tone, str, set[Action]]] = [
    (NotFound("352UW4"), State.NOT_FOUND, Tone.ERROR, "disposition de clavier", set()),
    # Not by this till: maybe validated automatically at booking (museum card, activation code).
    (AlreadyValidated("352UW4"), State.ALREADY_VALIDATED, Tone.ATTENTION, "dès la réservation", set()),
    (Cancelled("352UW4"), State.CANCELLED, Tone.ERROR, "a été annulée", set()),
    (Reimbursed("352UW4"), State.REIMBURSED, Tone.ERROR, "remboursée", set()),
    (
        NotYetConfirmed("352UW4", datetime(2026, 11, 25, 13, 30, tzinfo=UTC), "Vous pourrez…"),
        State.NOT_YET_CONFIRMED,
        Tone.ATTENTION,
        "25/11/2026",
        set(),
    ),
    (StructureClosed("352UW4", "fermée"), State.STRUCTURE_CLOSED, Tone.ERROR, "structure fermée", set()),
    (AuthMissing(), State.AUTH_MISSING, Tone.ERROR, "réglages", {Action.OPEN_SETTINGS}),
    (AuthInvalid(), State.AUTH_INVALID, Tone.ERROR, "refuse la clé", {Action.OPEN_SETTINGS}),
    (InactiveProvider(), State.AUTH_INVALID, Tone.ERROR, "désactivé", {Action.OPEN_SETTINGS}),
    (RateLimited(30.0), State.RATE_LIMITED, Tone.ATTENTION, "patienter 30 s", {Action.RETRY}),
    (ServerError(503), State.SERVER_TROUBLE, Tone.ATTENTION, "indisponible pour le moment", {Action.RETRY}),
    (MalformedResponse(200, "x"), State.SERVER_TROUBLE, Tone.ATTENTION, "pas pu être lue", {Action.RETRY}),
    (NetworkUnreachable("refused"), State.NETWORK_TROUBLE, Tone.ATTENTION, "injoignable", {Action.RETRY}),
    (TimedOut("read"), State.NETWORK_TROUBLE, Tone.ATTENTION, "pas répondu", {Action.RETRY}),
    (
        WrongServerAddress(404, "{}"),
        State.SERVER_TROUBLE,
        Tone.ERROR,
        "adresse du serveur",
        {Action.RETRY, Action.OPEN_SETTINGS},
    ),
]


@pytest.mark.parametrize(("outcome", "state", "tone", "text", "actions"), LOOKUP_CASES)
def test_each_lookup_outcome_has_its_state_message_and_next_action(
    rig: Rig, outcome: Outcome, state: State, tone: Tone, text: str, actions: set[Action]
) -> None:
    rig.api.lookups["352UW4"] = outcome
    rig.counter.scan(scan("352UW4"))
    rig.runner.run_all()
    view = rig.counter.view
    assert (view.state, view.tone) == (state, tone)
    assert text in view.detail
    assert view.actions == frozenset(actions | {Action.DISMISS})
    assert "validée" not in view.title.lower() or state is State.ALREADY_VALIDATED
    assert view.sound is not None


def test_not_yet_confirmed_without_a_date_shows_the_api_sentence(rig: Rig) -> None:
    rig.api.lookups["352UW4"] = NotYetConfirmed("352UW4", None, "Vous pourrez valider cette contremarque…")
    rig.counter.scan(scan("352UW4"))
    rig.runner.run_all()
    assert rig.counter.view.detail == "Vous pourrez valider cette contremarque…"


@pytest.mark.parametrize(
    "outcome", [NetworkUnreachable("down"), TimedOut("t"), ServerError(500), RateLimited(None), AuthInvalid()]
)
def test_trouble_during_validation_never_says_validated_and_retry_resends(rig: Rig, outcome: Outcome) -> None:
    rig.card()
    rig.counter.confirm_id_check("352UW4")
    rig.api.changes[("use", "352UW4")] = outcome
    rig.counter.validate("352UW4")
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is not State.VALIDATED and "validée" not in view.title.lower()
    assert rig.journal.payments == []
    assert rig.journal.intents[0].resolution is IntentResolution.REFUSED
    if Action.RETRY in view.actions:
        del rig.api.changes[("use", "352UW4")]
        assert rig.counter.retry()
        rig.runner.run_all()
        assert rig.counter.state is State.VALIDATED and rig.api.count("use") == 2
        assert len(rig.journal.payments) == 1


def test_lost_answer_keeps_the_intent_open_and_retry_settles_it_as_validated(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check("352UW4")
    rig.api.changes[("use", "352UW4")] = OutcomeUnknown("352UW4", "use", "connection reset")
    rig.counter.validate("352UW4")
    rig.runner.run_all()
    assert rig.counter.state is State.OUTCOME_UNKNOWN and "ne remettez rien" in rig.counter.view.title
    assert rig.journal.open_intents() and rig.journal.payments == []
    rig.api.lookups["352UW4"] = AlreadyValidated("352UW4")  # the lost request had landed
    assert rig.counter.retry()
    rig.runner.run_all()
    # This till's validation went through: the sale is recorded now and shown as a success.
    view = rig.counter.view
    assert view.state is State.VALIDATED and view.tone is Tone.SUCCESS and view.sound is Sound.SUCCESS
    assert "confirmé en relisant" in view.detail and "12,50" in view.detail
    assert view.payment is not None and view.payment.amount_cents == 1250
    assert [p.token for p in rig.journal.payments] == ["352UW4"]
    assert rig.journal.open_intents() == []
    assert rig.journal.confirmed_by_reread == {1: True}
    assert Action.REVERT in view.actions
    assert rig.api.count("use") == 1  # never resent blindly


def test_journal_failure_sends_nothing(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check("352UW4")
    rig.journal.fail_begin = JournalUnavailable("erreur de lecture ou d'écriture sur le disque")
    rig.counter.validate("352UW4")
    rig.runner.run_all()
    assert rig.counter.state is State.JOURNAL_ERROR and rig.api.count("use") == 0
    rig.journal.fail_begin = None
    assert rig.counter.retry()
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED and rig.api.count("use") == 1


# ----------------------------------------------------------------------------- revert and cancel
def test_revert_needs_a_confirmation_and_records_a_negative_payment(rig: Rig) -> None:
    rig.validated()
    assert Action.REVERT in rig.counter.view.actions
    assert not rig.counter.confirm_revert("352UW4")  # not without the question first
    assert rig.counter.request_revert("352UW4")
    view = rig.counter.view
    assert view.state is State.CONFIRM_REVERT and "Aucun remboursement" in view.detail
    assert rig.counter.confirm_revert("352UW4")
    assert not rig.counter.confirm_revert("352UW4")
    rig.runner.run_all()
    assert rig.counter.state is State.REVERTED
    assert [p.amount_cents for p in rig.journal.payments] == [1250, -1250]
    assert rig.api.count("keep") == 1
    assert Action.REVERT not in rig.counter.view.actions


def test_cancel_needs_the_word_typed(rig: Rig) -> None:
    rig.card()
    assert rig.counter.request_cancel("352UW4")
    assert rig.counter.view.state is State.CONFIRM_CANCEL and "irréversible" in rig.counter.view.title
    assert not rig.counter.confirm_cancel("352UW4", "oui")
    assert rig.api.count("cancel") == 0
    assert rig.counter.confirm_cancel("352UW4", " annuler ")
    rig.runner.run_all()
    assert rig.counter.state is State.BOOKING_CANCELLED and rig.journal.payments == []
    assert rig.journal.intents[0].operation is Operation.CANCEL


def test_cancel_refused_by_the_api_is_explained(rig: Rig) -> None:
    rig.card()
    rig.api.changes[("cancel", "352UW4")] = CannotCancelAnymore("352UW4")
    rig.counter.request_cancel("352UW4")
    rig.counter.confirm_cancel("352UW4", "ANNULER")
    rig.runner.run_all()
    assert rig.counter.state is State.REFUSED and "ne peut plus être annulée" in rig.counter.view.detail


# ----------------------------------------------------------------------------- return to ready
def test_results_return_to_ready_after_the_delay_but_a_card_waits(rig: Rig) -> None:
    rig.validated()
    rig.clock.advance(5.9)
    rig.counter.tick()
    assert rig.counter.state is State.VALIDATED
    rig.clock.advance(0.2)
    rig.counter.tick()
    assert rig.counter.state is State.READY
    rig.clock.advance(10)
    rig.card("ABCDEF")
    rig.clock.advance(60)
    rig.counter.tick()
    assert rig.counter.state is State.ID_CHECK


def test_dismiss_cannot_abandon_a_change_in_flight(rig: Rig) -> None:
    rig.card()
    rig.counter.confirm_id_check("352UW4")
    rig.counter.validate("352UW4")
    rig.counter.dismiss()
    assert rig.counter.state is State.VALIDATING
    rig.runner.run_all()
    assert rig.counter.state is State.VALIDATED


# ----------------------------------------------------------------------------- helpers
@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("352uw4", "352UW4"),
        (" 352UW4\r\n", "352UW4"),
        ("PASSCULTURE:v3;TOKEN:352UW4", "352UW4"),
        ("PASSCULTURE:v2;EAN13:9782070612758;TOKEN:ABCDEF", "ABCDEF"),
        ("PASSCULTURE:v3;", None),
        ("352UW", None),
        ("352UW45", None),
        ("35-UW4", None),
    ],
)
def test_token_from_text(text: str, token: str | None) -> None:
    assert token_from_text(text) == token


def test_format_euros() -> None:
    assert format_euros(1250) == "12,50\u00a0€"
    assert format_euros(-5) == "-0,05\u00a0€"


# ----------------------------------------------------------------------------- start-up
def test_open_intents_are_settled_by_rereading_never_by_resending(rig: Rig) -> None:
    journal, api = rig.journal, rig.api
    for token in ("AAAAAA", "BBBBBB", "CCCCCC"):
        journal.begin(
            Operation.USE, make_booking(token), transport=Transport.SERIAL, source_id="s", id_checked_at=None
        )
    api.lookups["AAAAAA"] = AlreadyValidated("AAAAAA")  # our lost validation went through
    api.lookups["BBBBBB"] = Found(make_booking("BBBBBB"))  # it did not
    api.lookups["CCCCCC"] = NetworkUnreachable("down")  # can't tell yet
    settled = settle_open_intents(api, journal)
    assert [(i.token, r) for i, r in settled] == [
        ("AAAAAA", IntentResolution.DONE),
        ("BBBBBB", IntentResolution.REFUSED),
    ]
    assert [i.token for i in journal.open_intents()] == ["CCCCCC"]
    assert [p.token for p in journal.payments] == ["AAAAAA"]
    assert api.count("use") == 0


def test_revert_is_offered_after_a_restart_from_the_journal(rig: Rig) -> None:
    rig.validated()
    # A restart: a new counter on the same journal knows nothing of this session's validations.
    restarted = Rig(rig.journal)
    restarted.api.lookups["352UW4"] = AlreadyValidated("352UW4")
    rig.clock.advance(3600)
    restarted.counter.scan(scan("352UW4"))
    restarted.runner.run_all()
    view = restarted.counter.view
    assert view.state is State.ALREADY_VALIDATED and "Validée par cette caisse le" in view.detail
    assert Action.REVERT in view.actions
    assert restarted.counter.request_revert("352UW4")
    assert restarted.counter.confirm_revert("352UW4")
    restarted.runner.run_all()
    assert restarted.counter.state is State.REVERTED
    assert restarted.api.count("keep") == 1
    assert [p.amount_cents for p in rig.journal.payments] == [1250, -1250]


def test_no_revert_for_a_booking_validated_elsewhere(rig: Rig) -> None:
    rig.api.lookups["352UW4"] = AlreadyValidated("352UW4")
    rig.counter.scan(scan("352UW4"))
    rig.runner.run_all()
    view = rig.counter.view
    assert view.state is State.ALREADY_VALIDATED and Action.REVERT not in view.actions
    assert not rig.counter.request_revert("352UW4")
