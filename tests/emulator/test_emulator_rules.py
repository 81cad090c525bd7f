"""Time rules, demo cases, the list endpoint and request-level errors, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from pos_client.emulator import RunningEmulator, demo_data

V1 = "/public/bookings/v1"
TOKENS = demo_data.TOKENS
NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"


def test_pending_event_becomes_valid_after_the_48_hours(emulator: RunningEmulator, api: httpx.Client) -> None:
    token = TOKENS["pending_event"]
    refused = api.get(f"{V1}/token/{token}")
    assert refused.status_code == 403
    assert refused.json()["booking"].startswith("Vous pourrez valider cette contremarque à partir du ")
    assert api.patch(f"{V1}/use/token/{token}").status_code == 403
    emulator.control.advance_clock(timedelta(hours=48))
    assert api.get(f"{V1}/token/{token}").status_code == 200
    assert api.patch(f"{V1}/cancel/token/{token}").json() == {
        "booking": "This booking cannot be cancelled anymore"
    }
    assert api.patch(f"{V1}/use/token/{token}").status_code == 204


def test_not_yet_confirmed_date_is_in_the_venue_time_zone(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    control = emulator.control
    control.set_now(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    reunion = control.add_venue("Théâtre de Saint-Denis", provider_ids=[1], department_code="974")
    token = control.create_booking(
        venue_id=reunion, offer_name="Maloya", price_cents=1200,
        event_starts_at=datetime(2026, 7, 10, 18, 0, tzinfo=UTC),
    )  # fmt: skip
    # Limit = booking + 48 h = 3 July 10:00 UTC = 14:00 in Réunion (UTC+4).
    assert api.get(f"{V1}/token/{token}").json()["booking"] == (
        "Vous pourrez valider cette contremarque à partir du 03/07/2026 à 14:00, "
        "une fois le délai d’annulation passé."
    )
    paris = control.create_booking(
        venue_id=demo_data.THEATRE_VENUE_ID, offer_name="Cyrano", price_cents=1200,
        event_starts_at=datetime(2026, 7, 10, 18, 0, tzinfo=UTC),
    )  # fmt: skip
    assert "à partir du 03/07/2026 à 12:00," in api.get(f"{V1}/token/{paris}").json()["booking"]


def test_books_expire_after_10_days_and_other_products_after_30(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    control = emulator.control
    assert api.get(f"{V1}/token/{TOKENS['expired']}").json() == {"booking": "This booking has been cancelled"}
    assert control.booking_state(TOKENS["expired"])["cancellationReason"] == "EXPIRED"
    # The demo's non-book product, booked 31 days ago: expired after 30 days.
    assert api.get(f"{V1}/token/{TOKENS['expired_other']}").json() == {
        "booking": "This booking has been cancelled"
    }
    assert control.booking_state(TOKENS["expired_other"])["cancellationReason"] == "EXPIRED"
    other = control.create_booking(
        venue_id=demo_data.BOOKSHOP_VENUE_ID, offer_name="Jeu de société", price_cents=2500
    )
    assert control.booking_state(other)["expirationDate"] is not None
    control.advance_clock(timedelta(days=11))
    assert control.booking_state(TOKENS["book"])["status"] == "CANCELLED"
    assert api.get(f"{V1}/token/{other}").status_code == 200
    assert api.get(f"{V1}/token/{TOKENS['museum_pass']}").status_code == 200  # cannot expire
    control.advance_clock(timedelta(days=20))
    assert api.get(f"{V1}/token/{other}").status_code == 410


def test_control_bookings_keep_their_own_subcategory_expiry_and_ean(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    """An offer is reused only when every offer field matches; the audit's two cases, over HTTP."""
    control = emulator.control
    # A non-book product first, then a book under the same (default) name, booked 9 days ago.
    assert api.post("/_control/bookings", json={"price_cents": 500}).status_code == 201
    nine_days_ago = (control.now() - timedelta(days=9)).isoformat()
    book = api.post(
        "/_control/bookings",
        json={"price_cents": 700, "subcategory": "LIVRE_PAPIER", "created_at": nine_days_ago},
    ).json()["token"]
    state = control.booking_state(book)
    created = datetime.fromisoformat(state["creationDate"].replace("Z", "+00:00"))
    assert state["expirationDate"] is not None
    assert datetime.fromisoformat(state["expirationDate"].replace("Z", "+00:00")) == created + timedelta(
        days=10
    )
    control.advance_clock(timedelta(days=2))
    assert api.get(f"{V1}/token/{book}").json() == {"booking": "This booking has been cancelled"}
    # Same name, different EANs: each booking reads its own EAN, from its own offer.
    first = control.create_booking(offer_name="Same", price_cents=800, ean="9782070612758")
    second = control.create_booking(offer_name="Same", price_cents=800, ean="9782253004226")
    first_json, second_json = (api.get(f"{V1}/token/{token}").json() for token in (first, second))
    assert (first_json["offerEan"], second_json["offerEan"]) == ("9782070612758", "9782253004226")
    assert first_json["offerId"] != second_json["offerId"]
    # Same expiry rule or not: a product that cannot expire is another offer too.
    lasting = control.create_booking(
        offer_name="Same", price_cents=800, ean="9782070612758", can_expire=False
    )
    assert control.booking_state(lasting)["expirationDate"] is None
    assert api.get(f"{V1}/token/{lasting}").json()["offerId"] != first_json["offerId"]
    # Every field equal: the offer (and its stock) is shared, as the demo's two concert seats show.
    again = control.create_booking(offer_name="Same", price_cents=800, ean="9782070612758")
    again_json = api.get(f"{V1}/token/{again}").json()
    assert (again_json["offerId"], again_json["stockId"]) == (first_json["offerId"], first_json["stockId"])


def test_events_are_marked_used_48_hours_after_they_start(emulator: RunningEmulator) -> None:
    emulator.control.advance_clock(timedelta(days=4))
    state = emulator.control.booking_state(TOKENS["concert_category"])
    assert (state["status"], state["validationAuthor"]) == ("USED", "AUTO")


def test_demo_cases_duo_and_price_category(api: httpx.Client) -> None:
    duo = api.get(f"{V1}/token/{TOKENS['duo_cinema']}").json()
    assert (duo["quantity"], duo["price"]) == (2, 700)
    concert = api.get(f"{V1}/token/{TOKENS['concert_category']}").json()
    assert concert["priceCategoryLabel"] == "Carré or"
    assert isinstance(concert["priceCategoryId"], int)
    pit = api.get(f"{V1}/token/{TOKENS['concert_pit']}").json()
    assert (pit["offerId"], pit["priceCategoryLabel"]) == (concert["offerId"], "Fosse")
    assert pit["stockId"] != concert["stockId"]
    assert api.get(f"{V1}/token/{TOKENS['museum_pass']}").json()["priceCategoryId"] is None


def test_demo_data_is_consistent() -> None:
    assert set(demo_data.TOKENS) >= {
        "book", "book_2", "concert_category", "duo_cinema", "museum_pass", "pending_event", "used",
        "cancelled", "reimbursed", "closed_structure", "other_venue", "expired",
    }  # fmt: skip
    tokens = list(demo_data.TOKENS.values())
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) == 6 and set(t) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ234567") for t in tokens)
    assert all(demo_data.describe(case) for case in demo_data.TOKENS)
    for isbn in ("9782070612758", "9782070360024"):
        assert demo_data.isbn13_is_valid(isbn)
    assert not demo_data.isbn13_is_valid("9782070612759")


def test_list_by_venue_is_ordered_and_paginated(api: httpx.Client) -> None:
    venue = {"venueId": demo_data.BOOKSHOP_VENUE_ID}
    everything = api.get(f"{V1}/bookings", params=venue).json()["bookings"]
    ids = [booking["id"] for booking in everything]
    assert ids == sorted(ids)
    assert {booking["status"] for booking in everything} >= {"CONFIRMED", "USED", "CANCELLED", "REIMBURSED"}
    first = api.get(f"{V1}/bookings", params={**venue, "limit": 2}).json()["bookings"]
    second = api.get(f"{V1}/bookings", params={**venue, "limit": 2, "firstIndex": first[-1]["id"] + 1}).json()
    assert [b["id"] for b in first + second["bookings"]] == ids[:4]
    past_end = api.get(f"{V1}/bookings", params={**venue, "firstIndex": ids[-1] + 1})
    assert past_end.json() == {"bookings": []}
    used = api.get(f"{V1}/bookings", params={**venue, "status": "USED"}).json()["bookings"]
    assert [b["status"] for b in used] == ["USED"]
    snake = api.get(f"{V1}/bookings", params={"venue_id": demo_data.BOOKSHOP_VENUE_ID}).json()["bookings"]
    assert [b["id"] for b in snake] == ids


def test_list_by_offer_category_and_event_start(emulator: RunningEmulator, api: httpx.Client) -> None:
    concert = api.get(f"{V1}/token/{TOKENS['concert_category']}").json()
    pit = api.get(f"{V1}/token/{TOKENS['concert_pit']}").json()
    offer = {"offerId": concert["offerId"]}
    by_offer = api.get(f"{V1}/bookings", params=offer).json()["bookings"]
    assert [b["id"] for b in by_offer] == [concert["id"], pit["id"]]
    category = {**offer, "priceCategoryId": pit["priceCategoryId"]}
    assert [b["id"] for b in api.get(f"{V1}/bookings", params=category).json()["bookings"]] == [pit["id"]]
    stock = {**offer, "stockId": concert["stockId"]}
    assert [b["id"] for b in api.get(f"{V1}/bookings", params=stock).json()["bookings"]] == [concert["id"]]
    starts = emulator.control.booking_state(TOKENS["concert_category"])["eventStartsAt"]
    paris = datetime.fromisoformat(starts.replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Paris"))
    same = api.get(f"{V1}/bookings", params={**offer, "beginningDatetime": paris.isoformat()})
    assert [b["id"] for b in same.json()["bookings"]] == [concert["id"], pit["id"]]
    other_time = api.get(f"{V1}/bookings", params={**offer, "beginningDatetime": "2020-01-01T00:00:00Z"})
    assert other_time.json() == {"bookings": []}


@pytest.mark.parametrize(("params", "status", "body"), [
    ({}, 400, {"global": ["`offerId` or `venueId` must be set"]}),
    ({"venueId": "abc"}, 400, {"venueId": [NOT_AN_INTEGER]}),
    ({"venueId": 5401, "limit": 0}, 400, {"limit": ["Input should be greater than 0"]}),
    ({"venueId": 5401, "limit": 51}, 400, {"limit": ["Input should be less than or equal to 50"]}),
    ({"venueId": 5401, "firstIndex": 0}, 400, {"firstIndex": ["Input should be greater than or equal to 1"]}),
    ({"venueId": 5401, "status": "PENDING"}, 400,
     {"status": ["Input should be 'CONFIRMED', 'USED', 'CANCELLED' or 'REIMBURSED'"]}),
    ({"venueId": 5401, "beginningDatetime": "demain"}, 400,
     {"beginningDatetime": ["Input should be a valid datetime"]}),
    ({"venueId": 5401, "colour": "blue"}, 400, {"colour": ["Extra inputs are not permitted"]}),
    ({"offerId": 999999}, 404, {"offerId": "we could not find this offer"}),
    ({"venueId": demo_data.OTHER_VENUE_ID}, 404, {"venueId": "we could not find this venue"}),
    ({"venueId": demo_data.INACTIVE_LINK_VENUE_ID}, 404, {"venueId": "we could not find this venue"}),
])  # fmt: skip
def test_list_errors(api: httpx.Client, params: dict[str, object], status: int, body: object) -> None:
    response = api.get(f"{V1}/bookings", params=params)  # type: ignore[arg-type]
    assert (response.status_code, response.json()) == (status, body)


def test_list_needs_a_key_before_validation(emulator: RunningEmulator) -> None:
    with httpx.Client(base_url=emulator.base_url, timeout=10.0) as anonymous:
        response = anonymous.get(f"{V1}/bookings")
    assert (response.status_code, response.json()) == (401, {"auth": "API key required"})


def test_a_broken_json_body_is_ignored_on_bodiless_routes_and_unknown_route_404(api: httpx.Client) -> None:
    # None of the bookings routes declares a body: the real server never parses one (blueprints.py).
    bad = api.patch(
        f"{V1}/use/token/{TOKENS['book']}", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 204
    assert api.get(f"{V1}/token/{TOKENS['book']}").status_code == 410  # validated
    missing = api.get(f"{V1}/token/")
    assert (missing.status_code, missing.json()) == (404, {})


DEMO_GET_STATUS = {
    "book": 200, "book_2": 200, "concert_category": 200, "concert_pit": 200, "duo_cinema": 200,
    "museum_pass": 200,
    "pending_event": 403, "used": 410, "cancelled": 410, "reimbursed": 403, "closed_structure": 403,
    "other_venue": 404, "expired": 410, "expired_other": 410, "inactive_link": 404, "activation_code": 410,
    "free_museum_card": 410, "moved_event": 403,
}  # fmt: skip


def test_every_demo_case_answers_as_described(api: httpx.Client) -> None:
    assert set(DEMO_GET_STATUS) == set(TOKENS)
    seen = {case: api.get(f"{V1}/token/{token}").status_code for case, token in TOKENS.items()}
    assert seen == DEMO_GET_STATUS


def test_time_zone_fallback_without_a_tz_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfoNotFoundError

    from pos_client.emulator import rules

    def no_database(name: str) -> None:
        raise ZoneInfoNotFoundError(name)

    monkeypatch.setattr(rules, "ZoneInfo", no_database)
    summer, winter = datetime(2026, 7, 3, 10, 0, tzinfo=UTC), datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert rules._local_time(summer, "75").hour == 12
    assert rules._local_time(winter, "75").hour == 11
    assert rules._local_time(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), None).hour == 1  # before the switch
    assert rules._local_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), None).hour == 3
    assert rules._local_time(summer, "974").hour == 14
