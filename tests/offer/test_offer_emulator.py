"""The emulator's product routes over HTTP, as the public API answers them."""

from __future__ import annotations

import httpx
from offer_fixtures import run_jobs

from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.products import CATALOGUE, DEMO_EANS, DIGITAL_VENUE_ID

PATH = "/public/offers/v1/products/ean"
VINYL = CATALOGUE["vinyl"].ean


def _upsert(
    ean: str, price: object = 1500, quantity: object = 1, venue: object = demo_data.BOOKSHOP_VENUE_ID
) -> dict[str, object]:
    return {"products": [{"ean": ean, "stock": {"price": price, "quantity": quantity}}],
            "location": {"type": "physical", "venueId": venue}}  # fmt: skip


def test_check_availability_sorts_eans_by_reason(api: httpx.Client) -> None:
    eans = ",".join(ean for ean, _ in DEMO_EANS.values())
    answer = api.get(f"{PATH}/check_availability", params={"eans": eans})
    assert answer.status_code == 200
    body = answer.json()
    assert sorted(body["available"]) == sorted(DEMO_EANS[c][0] for c in ("book", "cd", "vinyl"))
    assert body["rejected"] == {
        "notFound": [DEMO_EANS["unknown"][0]],
        "subcategoryNotAllowed": [DEMO_EANS["dvd"][0]],
        "notCompliantWithCgu": [DEMO_EANS["not_compliant"][0]],
    }


def test_upsert_is_asynchronous(api: httpx.Client, emulator: RunningEmulator) -> None:
    assert api.post(PATH, json=_upsert(VINYL)).status_code == 204
    read = api.get(PATH, params={"eans": VINYL, "venueId": demo_data.BOOKSHOP_VENUE_ID})
    assert read.status_code == 200 and read.json() == {"products": []}
    run_jobs(emulator)
    products = api.get(PATH, params={"eans": VINYL, "venueId": demo_data.BOOKSHOP_VENUE_ID}).json()[
        "products"
    ]
    assert len(products) == 1
    offer = products[0]
    assert offer["categoryRelatedFields"]["category"] == "SUPPORT_PHYSIQUE_MUSIQUE_VINYLE"
    assert offer["stock"] == {"bookingLimitDatetime": None, "bookedQuantity": 0, "quantity": 1, "price": 1500}
    assert offer["location"] == {"type": "physical", "venueId": demo_data.BOOKSHOP_VENUE_ID}
    page = api.get(f"/offre/{offer['id']}")
    assert page.status_code == 200 and "Les Nuits" in page.text and "15,00\u00a0€" in page.text


def test_the_job_skips_what_it_cannot_offer(api: httpx.Client, emulator: RunningEmulator) -> None:
    unknown, dvd = DEMO_EANS["unknown"][0], DEMO_EANS["dvd"][0]
    body = {"products": [_upsert(unknown)["products"][0], _upsert(dvd)["products"][0]],  # type: ignore[index]
            "location": {"type": "physical", "venueId": demo_data.BOOKSHOP_VENUE_ID}}  # fmt: skip
    assert api.post(PATH, json=body).status_code == 204  # no feedback, as the real job
    assert run_jobs(emulator) == 1
    read = api.get(PATH, params={"eans": f"{unknown},{dvd}", "venueId": demo_data.BOOKSHOP_VENUE_ID})
    assert read.json() == {"products": []}


def test_upsert_refusals(api: httpx.Client) -> None:
    other = api.post(PATH, json=_upsert(VINYL, venue=demo_data.OTHER_VENUE_ID))
    assert (other.status_code, other.json()) == (404, {"global": "Venue cannot be found"})
    virtual = api.post(PATH, json=_upsert(VINYL, venue=DIGITAL_VENUE_ID))
    assert virtual.status_code == 400 and "virtual" in virtual.json()["location"][0]
    assert api.post(PATH, json=_upsert(VINYL, price=30001)).status_code == 400
    assert api.post(PATH, json=_upsert(VINYL, price="12")).status_code == 400
    assert api.post(PATH, json=_upsert(VINYL, quantity=-1)).status_code == 400
    assert api.post(PATH, json=_upsert("123")).status_code == 400
    assert api.post(PATH, json={"products": []}).status_code == 400


def test_reads_refusals(api: httpx.Client, emulator: RunningEmulator) -> None:
    assert api.get(PATH, params={"eans": "12", "venueId": 5401}).status_code == 400
    assert api.get(PATH, params={"eans": VINYL}).status_code == 400
    other = api.get(PATH, params={"eans": VINYL, "venueId": demo_data.OTHER_VENUE_ID})
    assert (other.status_code, other.json()) == (404, {"venue_id": ["The venue could not be found"]})
    anonymous = httpx.get(f"{emulator.base_url}{PATH}/check_availability", params={"eans": VINYL})
    assert anonymous.status_code == 401


def test_control_books_an_offer_over_http(api: httpx.Client, emulator: RunningEmulator) -> None:
    api.post(PATH, json=_upsert(VINYL))
    run_jobs(emulator)
    offer_id = api.get(PATH, params={"eans": VINYL, "venueId": 5401}).json()["products"][0]["id"]
    booked = httpx.post(
        f"{emulator.base_url}/_control/products/offers/{offer_id}/book",
        json={},
        headers=emulator.control_headers,
    )
    assert booked.status_code == 201
    token = booked.json()["token"]
    assert api.get(f"/public/bookings/v1/token/{token}").json()["offerId"] == offer_id
    again = httpx.post(
        f"{emulator.base_url}/_control/products/offers/{offer_id}/book",
        json={},
        headers=emulator.control_headers,
    )
    assert again.status_code == 409 and "plus réservable" in again.json()["error"]
    jobs = httpx.post(
        f"{emulator.base_url}/_control/products/jobs",
        json={"delay_s": 0, "stalled": True},
        headers=emulator.control_headers,
    )
    assert jobs.json() == {"delay_s": 0.0, "stalled": True, "pending": 0}


def test_ean13_bars() -> None:
    import pytest

    from pos_client.emulator.ean_barcode import ean13_modules, ean13_square_matrix

    bars = ean13_modules("9782070612758")
    assert (
        len(bars) == 95
        and bars[:3] == [True, False, True]
        and bars[45:50] == [False, True, False, True, False]
    )
    matrix = ean13_square_matrix("9782070612758")
    assert len(matrix) == len(matrix[0]) == 113 and not any(matrix[0])
    with pytest.raises(ValueError, match="EAN-13"):
        ean13_modules("9782070612759")


def test_a_queued_job_survives_an_emulator_restart(tmp_path: object) -> None:
    from pathlib import Path

    db = Path(str(tmp_path)) / "emulator.sqlite3"
    with RunningEmulator.start(db_path=db) as first:
        first.products.set_jobs(delay_s=3600)
        headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
        assert httpx.post(f"{first.base_url}{PATH}", json=_upsert(VINYL), headers=headers).status_code == 204
    with RunningEmulator.start(db_path=db) as second:
        assert second.products.pending_jobs() == 1
        assert run_jobs(second) == 1
        assert second.products.availability([VINYL])["available"] == [VINYL]  # the catalogue, once
