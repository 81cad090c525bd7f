"""The offer desk end to end against the emulator: create, wait, the young person's booking validated
through the bookings API, close; every refusal; the restart while waiting; the double-scan guard."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from offer_fixtures import FakeClock, run_jobs

from pos_client.api.client import BookingsClient
from pos_client.api.limiter import RequestLimiter
from pos_client.domain.offers import (
    EanRefused,
    EanRejection,
    JobNeverDone,
    OfferInProgress,
    OfferQueued,
    OverCredit,
    PriceRefused,
    VenueNotLinked,
    VirtualVenue,
)
from pos_client.domain.outcomes import AuthInvalid, Found, InvalidRequest, RateLimited, Validated
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.products import CATALOGUE, DEMO_EANS, DIGITAL_VENUE_ID
from pos_client.offers import OfferDesk, OfferReady, StillWaiting
from pos_client.offers.messages import Tone, describe

DeskFactory = Callable[..., OfferDesk]
VINYL = CATALOGUE["vinyl"].ean
CD = CATALOGUE["cd"].ean


def test_create_wait_book_validate_close(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    desk = make_desk()
    assert desk.submit(VINYL, 2450) == OfferQueued(VINYL)
    waiting = desk.poll()
    assert isinstance(waiting, StillWaiting) and waiting.seen is None  # the job has not run yet
    assert describe(waiting).tone is Tone.WAIT
    assert run_jobs(emulator) == 1
    ready = desk.poll()
    assert isinstance(ready, OfferReady)
    offer = ready.offer
    assert (offer.name, offer.price_cents, offer.remaining, offer.status) == (
        "Les Nuits Électriques (vinyle 33 tours)",
        2450,
        1,
        "ACTIVE",
    )
    assert ready.link == f"{emulator.base_url}/offre/{offer.offer_id}"
    assert desk.made_here(offer.offer_id) is not None and desk.pending is None
    # The young person books it in the app; the till reads and validates the contremarque as usual.
    token = emulator.products.book_offer(offer.offer_id)
    with BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY, limiter=RequestLimiter(1000)) as bookings:
        found = bookings.get_booking(token)
        assert isinstance(found, Found) and found.booking.offer_id == offer.offer_id
        assert found.booking.unit_price_cents == 2450 and found.booking.offer_ean == VINYL
        assert isinstance(bookings.validate(token), Validated)
    # Closed afterwards: stock to 0, nobody else can book it.
    assert desk.close() == OfferQueued(VINYL)
    run_jobs(emulator)
    closed = desk.poll()
    assert isinstance(closed, OfferReady) and closed.purpose == "close" and closed.offer.remaining == 0
    assert describe(closed).title.startswith("Offre fermée")
    assert desk.made()[-1].closed


def test_an_update_waits_for_the_new_price(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    desk = make_desk()
    desk.submit(CD, 1299)
    run_jobs(emulator)
    first = desk.poll()
    assert isinstance(first, OfferReady)
    assert isinstance(desk.submit(CD, 1499, 2), OfferQueued)  # another price: an update, not a double scan
    before = desk.poll()
    assert isinstance(before, StillWaiting) and before.seen is not None and before.seen.price_cents == 1299
    run_jobs(emulator)
    after = desk.poll()
    assert isinstance(after, OfferReady)
    assert after.offer.offer_id == first.offer.offer_id and after.offer.price_cents == 1499
    assert after.offer.remaining == 2


def test_the_quantity_sent_is_what_stays_bookable(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    desk = make_desk()
    desk.submit(CD, 1000, 3)
    run_jobs(emulator)
    ready = desk.poll()
    assert isinstance(ready, OfferReady)
    emulator.products.book_offer(ready.offer.offer_id)
    desk.close()
    run_jobs(emulator)
    closed = desk.poll()
    assert isinstance(closed, OfferReady)
    assert (closed.offer.quantity, closed.offer.booked_quantity, closed.offer.status) == (1, 1, "SOLD_OUT")


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unknown", EanRejection.NOT_FOUND),
        ("dvd", EanRejection.SUBCATEGORY_NOT_ALLOWED),
        ("not_compliant", EanRejection.NOT_COMPLIANT_WITH_CGU),
    ],
)
def test_eans_pass_culture_will_not_take(
    make_desk: DeskFactory, emulator: RunningEmulator, case: str, reason: EanRejection
) -> None:
    desk = make_desk()
    ean = DEMO_EANS[case][0]
    outcome = desk.submit(ean, 1500)
    assert outcome == EanRefused(ean, reason)
    assert desk.pending is None and emulator.products.pending_jobs() == 0  # nothing sent
    message = describe(outcome)
    assert message.tone is Tone.REFUSED
    if reason is EanRejection.NOT_FOUND:
        assert "espace pro" in message.detail and "passculture.pro" in message.detail


def test_venue_refusals(make_desk: DeskFactory) -> None:
    assert make_desk(venue_id=demo_data.OTHER_VENUE_ID).submit(VINYL, 1500) == VenueNotLinked(
        demo_data.OTHER_VENUE_ID
    )
    assert make_desk(venue_id=demo_data.INACTIVE_LINK_VENUE_ID).submit(VINYL, 1500) == VenueNotLinked(
        demo_data.INACTIVE_LINK_VENUE_ID
    )
    virtual = make_desk(venue_id=DIGITAL_VENUE_ID).submit(VINYL, 1500)
    assert virtual == VirtualVenue(DIGITAL_VENUE_ID)
    assert "virtuel" in describe(virtual).detail


def test_refusals_the_till_makes_itself(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    desk = make_desk()
    over = desk.submit(VINYL, 3200, credit_cents=2000)
    assert over == OverCredit(3200, 2000)
    detail = describe(over).detail
    assert "à compléter par le jeune" in detail and "12,00" in detail
    assert desk.submit(VINYL, 30001) == PriceRefused(30001)
    assert isinstance(desk.submit("9782070612759", 1000), InvalidRequest)  # wrong check digit
    assert emulator.control.requests_seen() == []


def test_the_young_persons_credit_is_checked_by_the_app_too(
    make_desk: DeskFactory, emulator: RunningEmulator
) -> None:
    from pos_client.emulator.products import OfferBookingRefused

    desk = make_desk()
    desk.submit(VINYL, 3200)
    run_jobs(emulator)
    ready = desk.poll()
    assert isinstance(ready, OfferReady)
    with pytest.raises(OfferBookingRefused, match="Crédit insuffisant"):
        emulator.products.book_offer(ready.offer.offer_id, credit_cents=2000)


def test_a_job_that_never_runs_times_out_and_says_what_to_check(
    make_desk: DeskFactory, emulator: RunningEmulator, clock: FakeClock
) -> None:
    emulator.products.set_jobs(stalled=True)
    desk = make_desk(wait_s=20.0)
    desk.submit(VINYL, 1500)
    progress: list[object] = []
    outcome = desk.wait(progress.append)
    assert isinstance(outcome, JobNeverDone) and outcome.ean == VINYL and outcome.waited_s >= 20
    assert len(progress) == 10 and all(isinstance(step, StillWaiting) for step in progress)
    assert clock.slept == [2.0] * 10  # spaced polls: 30 a minute at most
    message = describe(outcome)
    assert "espace pro" in message.detail and VINYL in message.detail
    assert desk.pending is None


def test_wait_returns_as_soon_as_the_job_ran(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    emulator.products.set_jobs(delay_s=0)
    desk = make_desk()
    desk.submit(CD, 900)
    assert isinstance(desk.wait(), OfferReady)


def test_a_restart_while_waiting_resumes_the_wait(
    make_desk: DeskFactory, emulator: RunningEmulator, tmp_path: Path
) -> None:
    state_file = tmp_path / "desk.json"
    first = make_desk(path=state_file)
    first.submit(VINYL, 1500)
    first.api.close()
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    assert saved["pending"]["ean"] == VINYL
    text = state_file.read_text(encoding="utf-8")
    assert "@" not in text and "Noé" not in text  # nothing personal on disk
    run_jobs(emulator)
    again = make_desk(path=state_file)  # the till restarted
    assert again.pending is not None and again.pending.ean == VINYL
    ready = again.poll()
    assert isinstance(ready, OfferReady) and ready.offer.price_cents == 1500
    assert emulator.products.pending_jobs() == 0
    posts = [seen for seen in emulator.control.requests_seen() if seen.method == "POST"]
    assert len(posts) == 1  # resumed, not sent again


def test_a_pending_wait_is_not_resumed_against_another_server(make_desk: DeskFactory, tmp_path: Path) -> None:
    from pos_client.offers import PendingOffer, PendingStore
    from pos_client.offers.pending import DeskState

    state_file = tmp_path / "desk.json"
    PendingStore(state_file).save(
        DeskState(PendingOffer(VINYL, 1500, 1, 5401, "https://backend.passculture.app", 0.0))
    )
    assert make_desk(path=state_file).pending is None


def test_an_unreadable_state_file_is_set_aside(make_desk: DeskFactory, tmp_path: Path) -> None:
    state_file = tmp_path / "desk.json"
    state_file.write_text("{pas du json", encoding="utf-8")
    assert make_desk(path=state_file).pending is None
    assert state_file.with_suffix(".unreadable").exists()


def test_the_double_scan_guard(make_desk: DeskFactory, emulator: RunningEmulator, clock: FakeClock) -> None:
    desk = make_desk()
    assert isinstance(desk.submit(VINYL, 1500), OfferQueued)
    assert desk.submit(VINYL, 1500) == OfferInProgress(VINYL)  # the scanner read it twice
    assert desk.submit(CD, 1500) == OfferInProgress(VINYL)  # one offer at a time
    run_jobs(emulator)
    assert isinstance(desk.poll(), OfferReady)
    assert desk.submit(VINYL, 1500) == OfferInProgress(VINYL)  # just made: shown again, not resent
    clock.now += 600
    assert isinstance(desk.submit(VINYL, 1500), OfferQueued)  # later: an update is fine
    posts = [seen for seen in emulator.control.requests_seen() if seen.method == "POST"]
    assert len(posts) == 2


def test_rate_limit_keeps_the_wait_going(make_desk: DeskFactory, emulator: RunningEmulator) -> None:
    desk = make_desk()
    desk.submit(VINYL, 1500)
    emulator.control.set_rate_limit(1)
    desk.poll()  # takes the one slot of the minute
    limited = desk.poll()
    assert isinstance(limited, RateLimited)
    assert "200 requêtes" in describe(limited).detail
    assert desk.pending is not None  # still waiting
    emulator.control.set_rate_limit(200)
    run_jobs(emulator)
    assert isinstance(desk.poll(), OfferReady)


def test_a_bad_key_is_a_credentials_refusal(make_desk: DeskFactory) -> None:
    desk = make_desk(client_options={"api_key": "cle-inconnue"})
    assert desk.submit(VINYL, 1500) == AuthInvalid()


def test_the_job_advances_with_the_emulator_clock(emulator: RunningEmulator, make_desk: DeskFactory) -> None:
    desk = make_desk()
    desk.submit(VINYL, 1500)
    emulator.control.advance_clock(timedelta(seconds=10))
    assert emulator.products.run_due_jobs() == 0
    assert emulator.products.pending_jobs() == 1


def test_a_book_the_venue_already_sold_gets_its_own_stock(
    make_desk: DeskFactory, emulator: RunningEmulator
) -> None:
    book = CATALOGUE["book"].ean  # the demo's bookshop has a booking of this book at 7,90 €
    desk = make_desk()
    desk.submit(book, 790)
    run_jobs(emulator)
    ready = desk.poll()
    assert isinstance(ready, OfferReady) and ready.offer.booked_quantity == 0
    emulator.products.book_offer(ready.offer.offer_id)
    summary = emulator.products.offer_summary(ready.offer.offer_id)
    assert summary is not None and summary["status"] == "SOLD_OUT" and summary["stock"]["bookedQuantity"] == 1
