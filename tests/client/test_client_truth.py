"""The client against the real platform's behaviours the emulator models on demand (issue 14)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pos_client.api.client import BookingsClient
from pos_client.domain.outcomes import (
    AlreadyValidated,
    BookingCancelled,
    Cancelled,
    Found,
    NotFound,
    OutcomeUnknown,
    Validated,
    WrongServerAddress,
)
from pos_client.domain.venues import VenueList
from pos_client.emulator import Fault, FaultKind, Malformation, RunningEmulator, demo_data

TOKENS = demo_data.TOKENS
ClientFactory = Callable[..., BookingsClient]


def _wait_for_status(emulator: RunningEmulator, token: str, status: str) -> None:
    deadline = time.monotonic() + 10
    while emulator.control.booking_state(token)["status"] != status:
        assert time.monotonic() < deadline, f"{token} never became {status}"
        time.sleep(0.05)


def test_a_500_after_an_unclear_validation_is_unknown_never_not_validated(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    # The first validation's transaction stays open longer than the client waits: its answer is lost,
    # the re-read still shows the booking to collect, the resend overlaps it and gets the real 500.
    emulator.control.set_realism(race_window_s=1.5)
    client: BookingsClient = make_client(read_timeout_s=0.4)
    token = TOKENS["book"]
    outcome = client.validate(token)
    assert isinstance(outcome, OutcomeUnknown), outcome
    assert "erreur serveur 500" in outcome.detail
    seen = [(r.method, r.status) for r in emulator.control.requests_seen()]
    assert ("PATCH", 500) in seen
    _wait_for_status(emulator, token, "USED")  # the first one did go through
    assert client.get_booking(token) == AlreadyValidated(token)


def test_a_500_on_a_first_attempt_is_still_final(client: BookingsClient, emulator: RunningEmulator) -> None:
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=500, path_contains="/use/"))
    outcome = client.validate(TOKENS["book"])
    assert type(outcome).__name__ == "ServerError"  # nothing was unclear before: rolled back


def test_a_500_on_the_resend_after_a_proxys_504_stays_unknown(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=504, path_contains="/use/"))
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=500, path_contains="/use/"))
    # 504 from a proxy (ambiguous) -> re-read shows Found -> resend -> 500 -> re-read.
    outcome = client.validate(token)
    assert isinstance(outcome, OutcomeUnknown)  # the booking is still to collect: nobody validated it
    emulator.control.clear_faults()
    assert isinstance(client.get_booking(token), Found)


def test_cancel_races_french_bodies_are_read_for_what_they_mean(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    emulator.control.set_realism(race_window_s=0.8)
    first_client: BookingsClient = make_client()
    second_client: BookingsClient = make_client()
    token = TOKENS["book"]
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(first_client.cancel(token)))
    worker.start()
    time.sleep(0.3)
    assert second_client.cancel(token) == Cancelled(token)  # {"booking_cancelled": [...]}
    worker.join()
    assert results == [BookingCancelled(token)]
    other = TOKENS["book_2"]
    worker = threading.Thread(target=lambda: results.append(first_client.validate(other)))
    worker.start()
    time.sleep(0.3)
    assert second_client.cancel(other) == AlreadyValidated(other)  # {"booking": ["... déjà validée"]}
    worker.join()
    assert results[-1] == Validated(other)


def test_optional_fields_left_out_or_renamed_are_read(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    emulator.control.set_realism(omit_optional_fields=True)
    found = client.get_booking(TOKENS["book"])
    assert isinstance(found, Found)
    booking = found.booking
    assert (booking.offer_name, booking.total_cents, booking.venue_id) == ("Le Petit Prince", 790, 5401)
    assert booking.offer_ean is None and booking.offer_address is None and booking.beneficiary.full_name == ""
    emulator.control.set_realism(omit_optional_fields=False, legacy_address_names=True)
    found = client.get_booking(TOKENS["book"])
    assert isinstance(found, Found)
    assert (found.booking.offer_address, found.booking.offer_department_code) == ("12 rue des Écoles", "75")
    assert client.validate(TOKENS["book"]) == Validated(TOKENS["book"])


def test_a_404_that_is_not_the_apis_is_a_wrong_address(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    wrong_path: BookingsClient = make_client(base_url=emulator.base_url + "/api")
    read = wrong_path.get_booking(token)
    assert isinstance(read, WrongServerAddress)
    assert isinstance(wrong_path.validate(token), WrongServerAddress)
    right: BookingsClient = make_client()
    emulator.control.inject_fault(
        Fault(FaultKind.MALFORMED, malformation=Malformation.HTML, malformed_status=404, route_runs=False)
    )
    assert isinstance(right.get_booking(token), WrongServerAddress)  # a proxy's 404 page
    assert right.get_booking("AAAAAA") == NotFound("AAAAAA")  # the API's own 404 body
    assert isinstance(right.get_booking(token), Found)  # nothing was changed


def test_offerer_venues_lists_the_keys_venues(client: BookingsClient) -> None:
    venues = client.offerer_venues()
    assert isinstance(venues, VenueList)
    ids = {venue.id for venue in venues.venues}
    assert {demo_data.BOOKSHOP_VENUE_ID, demo_data.CONCERT_VENUE_ID} <= ids
    assert demo_data.OTHER_VENUE_ID not in ids
    bookshop = next(venue for venue in venues.venues if venue.id == demo_data.BOOKSHOP_VENUE_ID)
    assert bookshop.name == "Librairie Les Mots Passants"
