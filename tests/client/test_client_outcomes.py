"""Every outcome type of the client, over real HTTP against the running emulator."""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pos_client.api.client import BookingsClient
from pos_client.domain.booking import BookingStatus
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    BookingCancelled,
    BookingPage,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    InvalidRequest,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    Validated,
    ValidationReverted,
)
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data

TOKENS = demo_data.TOKENS
ClientFactory = Callable[..., BookingsClient]


def test_found_booking_is_typed_with_cents_and_aware_dates(client: BookingsClient) -> None:
    outcome = client.get_booking(TOKENS["book"])
    assert isinstance(outcome, Found)
    booking = outcome.booking
    assert booking.token == TOKENS["book"]
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.unit_price_cents == 790
    assert booking.total_cents == 790
    assert booking.offer_ean == "9782070612758"
    assert booking.creation_date.tzinfo is not None
    assert booking.creation_date.utcoffset() == UTC.utcoffset(None)
    assert "@" not in repr(booking)  # the beneficiary never shows in a repr (logs)


def test_duo_total_is_unit_price_times_quantity(client: BookingsClient) -> None:
    outcome = client.get_booking(TOKENS["duo_cinema"])
    assert isinstance(outcome, Found)
    assert outcome.booking.quantity == 2
    assert outcome.booking.is_duo
    assert outcome.booking.total_cents == 2 * outcome.booking.unit_price_cents == 1400


def test_price_category_is_read(client: BookingsClient) -> None:
    outcome = client.get_booking(TOKENS["concert_category"])
    assert isinstance(outcome, Found)
    assert outcome.booking.price_category_label == "Carré or"
    assert outcome.booking.confirmation_date is not None
    assert outcome.booking.confirmation_date.tzinfo is not None


def test_lowercase_token_is_looked_up_upper_case(client: BookingsClient) -> None:
    assert isinstance(client.get_booking(TOKENS["book"].lower()), Found)


def test_validate_then_keep_round_trip(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["book"]
    assert client.validate(token) == Validated(token)
    assert emulator.control.booking_state(token)["status"] == "USED"
    assert client.get_booking(token) == AlreadyValidated(token)
    assert client.validate(token) == AlreadyValidated(token)
    assert client.keep(token) == ValidationReverted(token)
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
    assert client.keep(token) == NotUsed(token)


def test_cancel_product(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["book_2"]
    assert client.cancel(token) == BookingCancelled(token)
    assert emulator.control.booking_state(token)["status"] == "CANCELLED"
    assert client.cancel(token) == Cancelled(token)
    assert client.get_booking(token) == Cancelled(token)
    assert client.validate(token) == Cancelled(token)
    assert client.keep(token) == Cancelled(token)


def test_state_refusals(client: BookingsClient) -> None:
    assert client.get_booking(TOKENS["used"]) == AlreadyValidated(TOKENS["used"])
    assert client.cancel(TOKENS["used"]) == AlreadyValidated(TOKENS["used"])
    assert client.get_booking(TOKENS["cancelled"]) == Cancelled(TOKENS["cancelled"])
    assert client.get_booking(TOKENS["expired"]) == Cancelled(TOKENS["expired"])
    for call in (client.get_booking, client.validate, client.keep, client.cancel):
        assert call(TOKENS["reimbursed"]) == Reimbursed(TOKENS["reimbursed"])
    assert client.keep(TOKENS["activation_code"]) == HasActivationCodes(TOKENS["activation_code"])
    assert client.cancel(TOKENS["concert_category"]) == CannotCancelAnymore(TOKENS["concert_category"])


def test_not_found_for_unknown_and_other_venues(client: BookingsClient) -> None:
    for token in ("ZZZZZZ", TOKENS["other_venue"], TOKENS["inactive_link"]):
        assert client.get_booking(token) == NotFound(token)
        assert client.validate(token) == NotFound(token)


def test_structure_closed_keeps_the_api_message(client: BookingsClient) -> None:
    outcome = client.validate(TOKENS["closed_structure"])
    assert isinstance(outcome, StructureClosed)
    assert "structure fermée" in outcome.api_message


def test_pending_event_keeps_message_and_date(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["pending_event"]
    outcome = client.validate(token)
    assert isinstance(outcome, NotYetConfirmed)
    assert outcome.api_message.startswith("Vous pourrez valider cette contremarque à partir du ")
    assert outcome.message_has_date
    confirmation = emulator.control.booking_state(token)["confirmationDate"]
    limit_utc = datetime.fromisoformat(confirmation.replace("Z", "+00:00")).replace(
        tzinfo=None, microsecond=0
    )
    # The demo theatre is in Marseille: the message's time is Paris time (UTC+1 or +2), to the minute,
    # and valid_from is that time as written, not converted.
    assert outcome.valid_from is not None and outcome.valid_from.tzinfo is None
    assert outcome.valid_from - limit_utc.replace(second=0) in (timedelta(hours=1), timedelta(hours=2))
    assert outcome.valid_from.strftime("%d/%m/%Y à %H:%M") in outcome.api_message
    # The provider may still cancel a pending event booking.
    assert client.cancel(token) == BookingCancelled(token)


def test_pending_event_overseas_keeps_the_venue_time(client: BookingsClient, reunion_token: str) -> None:
    """The audit's case: a Réunion venue (UTC+4); reading the message as Paris time put it 3 h off."""
    token = reunion_token
    outcome = client.get_booking(token)
    assert isinstance(outcome, NotYetConfirmed)
    # Limit = booked + 48 h = 26/11 04:59 UTC = 08:59 in Réunion (and 05:59 in Paris).
    assert "à partir du 26/11/2026 à 08:59," in outcome.api_message
    assert outcome.valid_from == datetime(2026, 11, 26, 8, 59)
    assert client.validate(token) == outcome


def test_credentials(make_client: ClientFactory, emulator: RunningEmulator) -> None:
    token = TOKENS["book"]
    assert make_client(None).get_booking(token) == AuthMissing()
    assert make_client("demo_not_a_real_key_000000000000").get_booking(token) == AuthInvalid()
    assert make_client(demo_data.INACTIVE_PROVIDER_API_KEY).validate(token) == InactiveProvider()
    assert make_client("clé pas utilisable").get_booking(token) == AuthInvalid()  # never sent
    # No request at all without a key.
    assert all(seen.path.endswith(token) for seen in emulator.control.requests_seen())
    assert len(emulator.control.requests_seen()) == 2


def test_bad_token_is_refused_before_any_request(client: BookingsClient, emulator: RunningEmulator) -> None:
    # The last three became "SSUW4A", "FF35UW", "352UWI" with Unicode upper-casing.
    for bad in ("", "ABC", "ABCDEFG", "AB/../", "ÉCOLE1", "AB CD1", "PASSCULTURE:v3;TOKEN:PETPR2",
                "ßUW4A", "ﬀ35UW", "352uwı", "ＰＥＴＰＲ２", "PETPR2\n\x00"):  # fmt: skip
        for call in (client.get_booking, client.validate, client.keep, client.cancel):
            assert isinstance(call(bad), InvalidRequest)
    assert emulator.control.requests_seen() == []


def test_list_pages_through_a_venue(client: BookingsClient) -> None:
    everything = client.list_bookings(venue_id=demo_data.BOOKSHOP_VENUE_ID)
    assert isinstance(everything, BookingPage)
    assert everything.next_first_index is None
    ids: list[int] = []
    first_index: int | None = 1
    while first_index is not None:
        page = client.list_bookings(venue_id=demo_data.BOOKSHOP_VENUE_ID, first_index=first_index, limit=2)
        assert isinstance(page, BookingPage)
        assert len(page.bookings) <= 2
        ids.extend(booking.id for booking in page.bookings)
        first_index = page.next_first_index
    assert ids == [booking.id for booking in everything.bookings]
    assert len(ids) >= 2


def test_list_filters_and_refusals(client: BookingsClient, emulator: RunningEmulator) -> None:
    used = client.list_bookings(venue_id=demo_data.BOOKSHOP_VENUE_ID, status="USED")
    assert isinstance(used, BookingPage)
    assert {booking.status for booking in used.bookings} <= {BookingStatus.USED}
    assert isinstance(client.list_bookings(), InvalidRequest)
    assert isinstance(client.list_bookings(venue_id=1, limit=51), InvalidRequest)
    assert isinstance(client.list_bookings(venue_id=1, status="PENDING"), InvalidRequest)
    local_refusals = len(emulator.control.requests_seen())
    assert isinstance(client.list_bookings(venue_id=demo_data.OTHER_VENUE_ID), InvalidRequest)
    assert len(emulator.control.requests_seen()) == local_refusals + 1


def test_server_error_is_typed(client: BookingsClient, emulator: RunningEmulator) -> None:
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=500))
    assert client.get_booking(TOKENS["book"]) == ServerError(500)


def test_rate_limited_with_retry_after(make_client: ClientFactory, emulator: RunningEmulator) -> None:
    client = make_client(read_attempts=2, max_retry_after_s=1.0)
    emulator.control.inject_fault(Fault(FaultKind.RATE_LIMIT, count=2, status_code=429, retry_after_s=30))
    # Retry-After beyond what a cashier can wait: no retry, the wait is reported.
    assert client.get_booking(TOKENS["book"]) == RateLimited(30.0)


def test_network_unreachable(make_client: ClientFactory, sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{free_port}", read_attempts=3)
    assert isinstance(client.get_booking(TOKENS["book"]), NetworkUnreachable)
    assert len(sleeps) == 2  # connection refused is retried for reads, with growing backoff
    assert sleeps == sorted(sleeps)
    # A change that surely never left is retried too, and then reported as the network trouble.
    assert isinstance(client.validate(TOKENS["book"]), NetworkUnreachable)


def test_timed_out(make_client: ClientFactory, emulator: RunningEmulator) -> None:
    client = make_client(read_timeout_s=0.2, read_attempts=1)
    emulator.control.inject_fault(Fault(FaultKind.LATENCY, latency_s=0.6))
    assert isinstance(client.get_booking(TOKENS["book"]), TimedOut)
    assert emulator.control.wait_for_requests(1, timeout_s=5)


def test_one_client_is_shared_by_threads(client: BookingsClient) -> None:
    tokens = [TOKENS["book"], TOKENS["duo_cinema"], TOKENS["used"], TOKENS["museum_pass"]] * 10
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(client.get_booking, tokens))
    for token, outcome in zip(tokens, outcomes, strict=True):
        if token == TOKENS["used"]:
            assert outcome == AlreadyValidated(token)
        else:
            assert isinstance(outcome, Found) and outcome.booking.token == token
