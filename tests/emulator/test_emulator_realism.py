"""The real platform's behaviours the emulator models on demand (issue 14), each reached through
the control API over HTTP, as a test of another program would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.realism import OPTIONAL_BOOKING_KEYS

V1 = "/public/bookings/v1"
TOKENS = demo_data.TOKENS
AUTH = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}


async def _two_at_once(base_url: str, first: str, second: str) -> tuple[httpx.Response, httpx.Response]:
    """Two PATCHes on two connections, the second sent while the first's transaction is open."""
    async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=10.0) as client:
        first_task = asyncio.create_task(client.patch(first))
        await asyncio.sleep(0.2)
        second_answer = await client.patch(second)
        return await first_task, second_answer


def test_a_validation_overlapping_another_answers_500_and_the_first_commits(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    assert api.post("/_control/realism", json={"race_window_s": 1.0}).json()["race_window_s"] == 1.0
    path = f"{V1}/use/token/{TOKENS['book']}"
    first, second = asyncio.run(_two_at_once(emulator.base_url, path, path))
    assert first.status_code == 204
    assert second.status_code == 500
    assert second.json() == {
        "global": ["Il semble que nous ayons des problèmes techniques :( On répare ça au plus vite."]
    }
    assert api.get(f"/_control/bookings/{TOKENS['book']}").json()["status"] == "USED"


def test_cancel_races_answer_the_french_global_handlers(emulator: RunningEmulator, api: httpx.Client) -> None:
    api.post("/_control/realism", json={"race_window_s": 0.6})
    cancel = f"{V1}/cancel/token/{TOKENS['book']}"
    first, second = asyncio.run(_two_at_once(emulator.base_url, cancel, cancel))
    assert (first.status_code, second.status_code) == (204, 410)
    assert second.json() == {"booking_cancelled": ["Cette réservation a été annulée"]}
    use, cancel_2 = asyncio.run(
        _two_at_once(
            emulator.base_url, f"{V1}/use/token/{TOKENS['book_2']}", f"{V1}/cancel/token/{TOKENS['book_2']}"
        )
    )
    assert use.status_code == 204
    assert (cancel_2.status_code, cancel_2.json()) == (
        410,
        {"booking": ["Cette réservation a déjà été validée"]},
    )


def test_optional_fields_can_be_omitted_and_addresses_renamed(api: httpx.Client) -> None:
    api.post("/_control/realism", json={"omit_optional_fields": True})
    body = api.get(f"{V1}/token/{TOKENS['book']}").json()
    assert not set(OPTIONAL_BOOKING_KEYS) & set(body)
    assert len(body) == 11
    api.post("/_control/realism", json={"omit_optional_fields": False, "legacy_address_names": True})
    body = api.get(f"{V1}/token/{TOKENS['book']}").json()
    assert body["venueAddress"] == "12 rue des Écoles" and "offerAddress" not in body
    assert api.post("/_control/realism", json={"bogus": True}).status_code == 400


def test_free_museum_cards_and_activation_codes_are_used_at_booking(api: httpx.Client) -> None:
    first_scan = api.get(f"{V1}/token/{TOKENS['free_museum_card']}")
    assert (first_scan.status_code, first_scan.json()) == (
        410,
        {"booking": "This booking has already been validated"},
    )
    assert api.get(f"/_control/bookings/{TOKENS['free_museum_card']}").json()["validationAuthor"] == "AUTO"
    museum = demo_data.MUSEUM_VENUE_ID
    made = api.post("/_control/bookings", json={
        "venue_id": museum, "offer_name": "Code", "price_cents": 500, "activation_code": "K-1",
    }).json()["token"]  # fmt: skip
    assert api.get(f"/_control/bookings/{made}").json()["status"] == "USED"
    paid_card = api.post("/_control/bookings", json={
        "venue_id": museum, "offer_name": "Carte", "price_cents": 500, "subcategory": "CARTE_MUSEE",
    }).json()["token"]  # fmt: skip
    assert api.get(f"{V1}/token/{paid_card}").status_code == 200  # only free cards are auto-used


def test_moving_an_event_recomputes_the_date_and_reverts_validations(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    # The demo's moved show: validated, then moved 10 days away: to collect again, pending 48 h.
    moved = api.get(f"{V1}/token/{TOKENS['moved_event']}")
    assert moved.status_code == 403 and "Vous pourrez valider" in moved.json()["booking"]
    token = TOKENS["concert_category"]
    assert api.patch(f"{V1}/use/token/{token}").status_code == 204
    now = emulator.control.now()
    starts = (now + timedelta(days=5)).isoformat()
    assert api.post(f"/_control/events/{token}/move", json={"starts_at": starts}).json()["bookings"] == 1
    state = api.get(f"/_control/bookings/{token}").json()
    assert state["status"] == "CONFIRMED" and state["dateUsed"] is None
    assert api.get(f"{V1}/token/{token}").status_code == 403  # pending for 48 h from the edit
    emulator.control.advance_clock(timedelta(hours=48, seconds=1))
    assert api.patch(f"{V1}/use/token/{token}").status_code == 204
    # Moved less than 48 h ahead: nothing is reverted, the date is the show's start.
    soon = (emulator.control.now() + timedelta(hours=5)).isoformat()
    api.post(f"/_control/events/{token}/move", json={"starts_at": soon})
    assert api.get(f"/_control/bookings/{token}").json()["status"] == "USED"


def test_offerer_venues_lists_every_venue_the_key_reaches(api: httpx.Client) -> None:
    answer = api.get("/public/offers/v1/offerer_venues")
    assert answer.status_code == 200
    entries = answer.json()
    venue_ids = {venue["id"] for entry in entries for venue in entry["venues"]}
    # Every venue actively linked to the demo provider, not the other provider's, not the inactive link.
    assert demo_data.BOOKSHOP_VENUE_ID in venue_ids and demo_data.CONCERT_VENUE_ID in venue_ids
    assert demo_data.OTHER_VENUE_ID not in venue_ids and demo_data.INACTIVE_LINK_VENUE_ID not in venue_ids
    entry = entries[0]
    assert set(entry) == {"offerer", "venues"}
    assert set(entry["offerer"]) == {"id", "createdDatetime", "name", "siren"}
    assert set(entry["venues"][0]) == {
        "id", "siretComment", "siret", "createdDatetime", "location", "legalName", "publicName",
        "venueTypeCode", "accessibility",
    }  # fmt: skip
    siren = entry["offerer"]["siren"]
    assert [
        e["offerer"]["siren"]
        for e in api.get("/public/offers/v1/offerer_venues", params={"siren": siren}).json()
    ] == [siren]
    assert api.get("/public/offers/v1/offerer_venues", params={"siren": "12"}).status_code == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_wrong_method_gets_the_real_405_body(api: httpx.Client, method: str) -> None:
    answer = api.request(method, f"{V1}/token/{TOKENS['book']}")
    assert (answer.status_code, answer.json()) == (
        405,
        {"global": ["La méthode que vous utilisez n'existe pas sur notre serveur"]},
    )


def test_a_trailing_slash_is_404_not_a_redirect(api: httpx.Client) -> None:
    answer = api.get(f"{V1}/bookings/", params={"venueId": demo_data.BOOKSHOP_VENUE_ID})
    assert (answer.status_code, answer.json()) == (404, {})
