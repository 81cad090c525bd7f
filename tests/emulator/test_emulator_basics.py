"""The emulator's first slice over real HTTP: start/stop, read, validate, revert, authentication."""

from __future__ import annotations

import socket

import httpx

from pos_client.emulator import RunningEmulator, demo_data

TOKENS = demo_data.TOKENS
V1 = "/public/bookings/v1"

BOOKING_KEYS = {
    "id", "quantity", "creationDate", "confirmationDate", "price", "status", "offerId", "stockId",
    "priceCategoryId", "priceCategoryLabel", "offerName", "offerEan", "offerAddress", "offerDepartmentCode",
    "venueId", "venueName", "userEmail", "userPhoneNumber", "userFirstName", "userLastName", "userBirthDate",
    "userPostalCode",
}  # fmt: skip


def test_get_booking_has_every_key_with_cents_and_utc_dates(api: httpx.Client) -> None:
    response = api.get(f"{V1}/token/{TOKENS['book']}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == BOOKING_KEYS
    assert body["price"] == 790
    assert body["status"] == "CONFIRMED"
    assert body["offerName"] == "Le Petit Prince"
    assert body["offerEan"] == "9782070612758"
    assert body["creationDate"].endswith("Z")
    assert body["confirmationDate"] is None


def test_lookup_is_case_insensitive(api: httpx.Client) -> None:
    assert api.get(f"{V1}/token/{TOKENS['book'].lower()}").status_code == 200


def test_validate_then_revert_round_trip(emulator: RunningEmulator, api: httpx.Client) -> None:
    token = TOKENS["book"]
    used = api.patch(f"{V1}/use/token/{token}")
    assert (used.status_code, used.content) == (204, b"")
    assert emulator.control.booking_state(token)["status"] == "USED"
    assert emulator.control.booking_state(token)["validationAuthor"] == "OFFERER"
    again = api.patch(f"{V1}/use/token/{token}")
    assert (again.status_code, again.json()) == (410, {"booking": "This booking has already been validated"})
    kept = api.patch(f"{V1}/keep/token/{token}")
    assert kept.status_code == 204
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
    assert emulator.control.booking_state(token)["dateUsed"] is None
    assert api.get(f"{V1}/token/{token}").status_code == 200


def test_missing_or_unknown_key_is_401_with_string_body(emulator: RunningEmulator) -> None:
    with httpx.Client(base_url=emulator.base_url, timeout=10.0) as anonymous:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": demo_data.DEMO_API_KEY}):
            response = anonymous.get(f"{V1}/token/{TOKENS['book']}", headers=headers)
            assert (response.status_code, response.json()) == (401, {"auth": "API key required"})


def test_inactive_provider_is_403_with_list_body(emulator: RunningEmulator) -> None:
    headers = {"Authorization": f"Bearer {demo_data.INACTIVE_PROVIDER_API_KEY}"}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0) as client:
        response = client.patch(f"{V1}/use/token/{TOKENS['book']}")
    assert (response.status_code, response.json()) == (403, {"auth": ["Inactive provider"]})
    assert emulator.control.booking_state(TOKENS["book"])["status"] == "CONFIRMED"


def test_second_key_of_same_provider_and_shared_venue_of_other_provider(emulator: RunningEmulator) -> None:
    for key in (demo_data.DEMO_API_KEY_2, demo_data.OTHER_PROVIDER_API_KEY):
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0) as client:
            assert client.get(f"{V1}/token/{TOKENS['book']}").status_code == 200
    headers = {"Authorization": f"Bearer {demo_data.OTHER_PROVIDER_API_KEY}"}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0) as client:
        assert client.get(f"{V1}/token/{TOKENS['other_venue']}").status_code == 200
        assert client.get(f"{V1}/token/{TOKENS['museum_pass']}").status_code == 404


def test_stop_releases_the_port() -> None:
    with RunningEmulator.start(seed="empty") as running:
        port = running.port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
