"""The status/body mapping and the booking parser, cell by cell, without a network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_client.api.client import checked_token
from pos_client.api.mapping import (
    error_messages,
    map_change_answer,
    map_list_answer,
    map_read_answer,
    parse_booking,
    parse_retry_after,
    parse_valid_from,
)
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    BookingCancelled,
    BookingPage,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    Validated,
    ValidationReverted,
    WrongServerAddress,
)
from pos_client.domain.token import TOKEN_PATTERN

T = "ABC234"
BOOKING: dict[str, Any] = {
    "id": 12346, "quantity": 2,
    "creationDate": "2025-07-20T09:12:03.514200Z", "confirmationDate": "2025-07-22T09:12:03Z",
    "price": 1000, "status": "CONFIRMED",
    "offerId": 12345, "stockId": 45, "priceCategoryId": 12, "priceCategoryLabel": "Carré or",
    "offerName": "Le Petit Prince", "offerEan": None,
    "offerAddress": "1 boulevard Poissonnière", "offerDepartmentCode": "75",
    "venueId": 535, "venueName": "Théâtre X",
    "userEmail": "jeune@example.com", "userPhoneNumber": "+33612345678",
    "userFirstName": "Michel", "userLastName": "Martin", "userBirthDate": "2007-01-01",
    "userPostalCode": "75017",
}  # fmt: skip
PENDING = (
    "Vous pourrez valider cette contremarque à partir du 24/07/2025 à 14:00, "
    "une fois le délai d’annulation passé."
)


def test_parse_booking_contract_example() -> None:
    booking = parse_booking(BOOKING, T)
    assert booking.total_cents == 2000
    assert booking.creation_date == datetime(2025, 7, 20, 9, 12, 3, 514200, tzinfo=UTC)
    assert booking.confirmation_date == datetime(2025, 7, 22, 9, 12, 3, tzinfo=UTC)
    assert booking.beneficiary.full_name == "Michel Martin"
    assert "Michel" not in repr(booking) and "example.com" not in repr(booking)


@pytest.mark.parametrize(
    "change",
    [
        {"price": "10.00"},
        {"price": True},
        {"quantity": 0},
        {"status": "PENDING"},
        {"creationDate": "hier"},
        {"userBirthDate": "2007-13-01"},
        {"offerName": None},
        {"venueId": None},
    ],
)
def test_malformed_booking_is_a_malformed_response(change: dict[str, Any]) -> None:
    outcome = map_read_answer(T, 200, {**BOOKING, **change})
    assert isinstance(outcome, MalformedResponse)
    assert outcome.status_code == 200


def test_keys_the_counter_does_not_need_may_be_null_or_missing() -> None:
    # The OpenAPI gives 11 keys "default: null"; a till refusing a whole answer for a missing e-mail
    # or booking date would block every validation. What the counter needs stays required.
    lean = {key: BOOKING[key] for key in ("id", "quantity", "price", "status", "offerName", "venueId")}
    booking = parse_booking({**lean, "creationDate": None, "userEmail": None}, T)
    assert (booking.creation_date, booking.beneficiary.email, booking.venue_name) == (None, "", "")
    assert (booking.offer_ean, booking.offer_address, booking.total_cents) == (None, None, 2000)
    renamed = {**lean, "venueAddress": "1 rue Haute", "venueDepartmentCode": "974"}
    assert (parse_booking(renamed, T).offer_address, parse_booking(renamed, T).offer_department_code) == (
        "1 rue Haute",
        "974",
    )


def test_404_without_the_apis_body_is_a_wrong_address_and_french_410s_are_read() -> None:
    assert isinstance(map_read_answer(T, 404, {}), WrongServerAddress)
    assert isinstance(map_read_answer(T, 404, None), WrongServerAddress)  # a proxy's HTML page
    assert map_read_answer(T, 410, {"booking_cancelled": ["Cette réservation a été annulée"]}) == Cancelled(T)
    assert map_read_answer(T, 410, {"booking": ["Cette réservation a déjà été validée"]}) == AlreadyValidated(
        T
    )
    assert isinstance(map_list_answer(404, {}, limit=2), WrongServerAddress)


def test_missing_key_and_non_object_are_malformed() -> None:
    without_id = {key: value for key, value in BOOKING.items() if key != "id"}
    assert isinstance(map_read_answer(T, 200, without_id), MalformedResponse)
    assert isinstance(map_read_answer(T, 200, None), MalformedResponse)
    assert isinstance(map_read_answer(T, 200, [BOOKING]), MalformedResponse)


def test_naive_datetime_is_read_as_utc() -> None:
    booking = parse_booking({**BOOKING, "creationDate": "2025-07-20T09:12:03"}, T)
    assert booking.creation_date.tzinfo is not None


def test_error_bodies_may_be_strings_or_lists() -> None:
    assert error_messages({"booking": "x"}) == {"booking": ["x"]}
    assert error_messages({"booking": ["x", "y"]}) == {"booking": ["x", "y"]}
    assert error_messages("oops") == {}
    for body in ({"payment": "This booking has already been reimbursed"},
                 {"payment": ["This booking has already been reimbursed"]}):  # fmt: skip
        assert map_read_answer(T, 403, body) == Reimbursed(T)


# The contract's matrix (section 10), answer by answer, with the exact bodies.
READ_AND_USE = [
    (404, {"global": "This countermark cannot be found"}, NotFound(T)),
    (403, {"payment": "This booking has already been reimbursed"}, Reimbursed(T)),
    (410, {"booking": "This booking has already been validated"}, AlreadyValidated(T)),
    (410, {"booking": "This booking has been cancelled"}, Cancelled(T)),
    (
        403,
        {"booking": ["Vous ne pouvez plus valider de contremarque sur une structure fermée"]},
        StructureClosed(T, "Vous ne pouvez plus valider de contremarque sur une structure fermée"),
    ),
    (401, {"auth": "API key required"}, AuthInvalid()),
    (403, {"auth": ["Inactive provider"]}, InactiveProvider()),
    (429, {"global": ["Nombre de tentatives de connexion dépassé, veuillez réessayer dans une minute"]},
     RateLimited(None)),
    (500, {"global": ["Il semble que nous ayons des problèmes techniques :( On répare ça au plus vite."]},
     ServerError(500)),
    (502, None, ServerError(502)),
    (400, {"global": ["invalid JSON"]}, InvalidRequest("global: invalid JSON")),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "expected"), READ_AND_USE)
def test_read_and_use_refusals(status: int, body: Any, expected: object) -> None:
    assert map_read_answer(T, status, body) == expected
    assert map_change_answer(Operation.USE, T, status, body) == expected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (204, None, ValidationReverted(T)),
        (404, {"global": "This countermark cannot be found"}, NotFound(T)),
        (403, {"booking": "This booking has validation codes, and cannot be marked as unused"},
         HasActivationCodes(T)),
        (410, {"booking": "This booking has been cancelled"}, Cancelled(T)),
        (403, {"payment": "This booking has been reimbursed"}, Reimbursed(T)),
        (403, {"booking": "This booking has not been used"}, NotUsed(T)),
    ],
)  # fmt: skip
def test_keep_answers(status: int, body: Any, expected: object) -> None:
    assert map_change_answer(Operation.KEEP, T, status, body) == expected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (204, None, BookingCancelled(T)),
        (410, {"booking": "This booking has already been cancelled"}, Cancelled(T)),
        (403, {"payment": "This booking has been reimbursed"}, Reimbursed(T)),
        (410, {"booking": "This booking has been validated"}, AlreadyValidated(T)),
        (403, {"booking": "This booking cannot be cancelled anymore"}, CannotCancelAnymore(T)),
    ],
)
def test_cancel_answers(status: int, body: Any, expected: object) -> None:
    assert map_change_answer(Operation.CANCEL, T, status, body) == expected


def test_validated_and_unexpected_answers() -> None:
    assert map_change_answer(Operation.USE, T, 204, None) == Validated(T)
    assert isinstance(map_change_answer(Operation.USE, T, 200, BOOKING), MalformedResponse)
    assert isinstance(
        map_change_answer(Operation.USE, T, 403, {"booking": "Something new"}), MalformedResponse
    )
    assert isinstance(map_read_answer(T, 418, "<html>teapot</html>"), MalformedResponse)
    assert isinstance(map_read_answer(T, 302, None), MalformedResponse)


def test_pending_event_keeps_message_and_its_date_as_written() -> None:
    for body in ({"booking": PENDING}, {"booking": [PENDING]}):
        outcome = map_read_answer(T, 403, body)
        assert isinstance(outcome, NotYetConfirmed)
        assert outcome.api_message == PENDING
        assert outcome.message_has_date
        # The venue's wall-clock time, as the API wrote it: never read as Paris (or the till's) time.
        assert outcome.valid_from == datetime(2025, 7, 24, 14, 0)
        assert outcome.valid_from.tzinfo is None
    assert parse_valid_from(
        "Vous pourrez valider cette contremarque à partir du 05/01/2026 à 09:30"
    ) == datetime(2026, 1, 5, 9, 30)
    assert parse_valid_from("Vous pourrez valider cette contremarque à partir du 31/02/2026 à 09:30") is None
    unreadable = map_read_answer(T, 403, {"booking": "Vous pourrez valider cette contremarque bientôt"})
    assert isinstance(unreadable, NotYetConfirmed) and unreadable.valid_from is None
    assert not unreadable.message_has_date


def test_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("0.5") == 0.5
    now = datetime(2025, 7, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 24 Jul 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("bientôt") is None
    assert parse_retry_after("inf") is None and parse_retry_after("nan") is None
    assert map_read_answer(T, 429, {}, 7.0) == RateLimited(7.0)


def test_list_answers() -> None:
    page = map_list_answer(200, {"bookings": [BOOKING, {**BOOKING, "id": 12350}]}, limit=2)
    assert isinstance(page, BookingPage)
    assert page.next_first_index == 12351
    assert map_list_answer(200, {"bookings": [BOOKING]}, limit=2) == BookingPage(
        (parse_booking(BOOKING, ""),), None
    )
    assert map_list_answer(200, {"bookings": []}, limit=2) == BookingPage((), None)
    assert isinstance(map_list_answer(200, {"items": []}, limit=2), MalformedResponse)
    assert isinstance(
        map_list_answer(404, {"venueId": "we could not find this venue"}, limit=2), InvalidRequest
    )
    assert isinstance(
        map_list_answer(400, {"global": ["`offerId` or `venueId` must be set"]}, 2), InvalidRequest
    )
    assert map_list_answer(401, {"auth": "API key required"}, 2) == AuthInvalid()
    assert isinstance(map_read_answer(T, 200, BOOKING), Found)


# ----------------------------------------------------------------------------- any answer at all
def _json_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _json_containers,
    max_leaves=12,
)
OUTCOME_TYPES = get_args(Outcome)
# Booking-shaped bodies with some keys missing and any value in place of each.
BOOKING_STRATEGY_KEYS = {key: st.just(value) | JSON for key, value in BOOKING.items()}


@given(status=st.integers(100, 599), body=JSON | st.fixed_dictionaries({}, optional=BOOKING_STRATEGY_KEYS))
def test_any_answer_maps_to_an_outcome_without_raising(status: int, body: Any) -> None:
    assert isinstance(map_read_answer(T, status, body), OUTCOME_TYPES)
    for operation in Operation:
        assert isinstance(map_change_answer(operation, T, status, body), OUTCOME_TYPES)
    assert isinstance(map_list_answer(status, body, 50), OUTCOME_TYPES)
    assert isinstance(map_list_answer(status, {"bookings": [body]}, 50), OUTCOME_TYPES)


# ----------------------------------------------------------------------------- token check
@pytest.mark.parametrize(
    ("typed", "token"), [("petpr2", "PETPR2"), ("  352uw4\t", "352UW4"), ("PetPr2", "PETPR2")]
)
def test_checked_token_upper_cases_ascii_only(typed: str, token: str) -> None:
    assert checked_token(typed) == token


@pytest.mark.parametrize("typed", ["ßUW4A", "ﬀ35UW", "352uwı", "ＰＥＴＰＲ２", "PET\nPR2", "PÉTPR2", "PETPR"])
def test_checked_token_refuses_what_is_not_six_ascii_letters_or_digits(typed: str) -> None:
    assert isinstance(checked_token(typed), InvalidRequest)


@given(st.text(max_size=12))
def test_a_checked_token_is_made_of_the_input_characters(text: str) -> None:
    """Never a character that is not in the input, other than the upper case of an ASCII letter."""
    token = checked_token(text)
    if isinstance(token, InvalidRequest):
        return
    assert TOKEN_PATTERN.match(token)
    assert token == text.strip().upper() and text.strip().isascii()
    assert all(char in text or char.lower() in text for char in token)


@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ234567abcdefghjkmnpqrstuvwxyz", min_size=6, max_size=6))
def test_every_typed_token_is_accepted(text: str) -> None:
    assert checked_token(f" {text} ") == text.upper()
