"""One deadline per HTTP exchange and a cap on answers, for the API client and the outbox's HTTP
hand-off (issue 15, defects 1 and 2), against a real trickling or endless server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_server import DEEP_JSON, HostileServer, endless_body, fixed, hostile_server, trickle

from pos_client.api.client import BookingsClient
from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import MalformedResponse, TimedOut
from pos_client.domain.scan import Transport
from pos_client.emulator import demo_data
from pos_client.handoff.outbox import HTTP_CHANNEL, Outbox
from pos_client.journal import SqliteJournal, open_journal
from pos_client.safety.http_limits import deadlines_installed

TOKEN = "ABC123"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def test_the_deadline_is_installed_on_every_pool_including_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")  # a shop's proxy: a mount of its own
    with BookingsClient("https://backend.passculture.app", demo_data.DEMO_API_KEY) as client:
        assert len(client._http._mounts) >= 1
        assert deadlines_installed(client._http)
    with BookingsClient("http://127.0.0.1:9", demo_data.DEMO_API_KEY) as client:
        assert deadlines_installed(client._http)


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_server_times_out_at_the_deadline(server: HostileServer, in_headers: bool) -> None:
    server.behaviours["GET"] = trickle(0.1, in_headers=in_headers)
    # Each byte comes well within the 5 s read timeout: only the 0.5 s overall deadline can end it.
    with BookingsClient(server.url, demo_data.DEMO_API_KEY, read_timeout_s=5.0, deadline_s=0.5,
                        read_attempts=1) as client:  # fmt: skip
        outcome = client.get_booking(TOKEN)
    assert isinstance(outcome, TimedOut) and "0.5 s en tout" in outcome.detail


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_an_endless_answer_is_cut_at_the_cap(server: HostileServer, chunked: bool) -> None:
    server.behaviours["GET"] = endless_body(chunked=chunked)
    with BookingsClient(
        server.url, demo_data.DEMO_API_KEY, read_attempts=1, max_answer_bytes=200_000
    ) as client:
        outcome = client.get_booking(TOKEN)
    assert isinstance(outcome, MalformedResponse) and outcome.status_code == 200


def test_deeply_nested_json_is_an_unreadable_answer(server: HostileServer) -> None:
    server.behaviours["GET"] = fixed(200, DEEP_JSON)
    with BookingsClient(server.url, demo_data.DEMO_API_KEY, read_attempts=1) as client:
        assert isinstance(client.get_booking(TOKEN), MalformedResponse)


def _journal_with_a_payment(path: Path) -> SqliteJournal:
    journal = open_journal(path, till="caisse")
    booking = Booking(
        id=1, token=TOKEN, status=BookingStatus.CONFIRMED, quantity=1, unit_price_cents=500, offer_id=1,
        offer_name="Livre", offer_ean=None, stock_id=1, price_category_id=None, price_category_label=None,
        venue_id=1, venue_name="Librairie", offer_address=None, offer_department_code="75",
        creation_date=datetime(2026, 11, 1, tzinfo=UTC), confirmation_date=None,
        beneficiary=Beneficiary(None, None, None, "", None, None),
    )  # fmt: skip
    intent = journal.begin(Operation.USE, booking, transport=Transport.COMMAND_LINE, source_id="cli",
                           id_checked_at=None)  # fmt: skip
    journal.resolve_done(intent)
    return journal


def test_the_outbox_gives_up_on_a_trickling_receiver(server: HostileServer, tmp_path: Path) -> None:
    server.behaviours["POST"] = trickle(0.1, in_headers=True)  # no status ever comes whole
    with _journal_with_a_payment(tmp_path / "journal.sqlite3") as journal:
        outbox = Outbox(journal, http_url=server.url + "/sales", timeout_s=0.3)  # 0.9 s in all
        try:
            assert deadlines_installed(outbox._http)  # type: ignore[arg-type]
            result = outbox.deliver_due()
        finally:
            outbox.close()
        assert "injoignable" in result.failed[HTTP_CHANNEL]
        assert journal.undelivered_count(HTTP_CHANNEL) == 1  # retried later


def test_the_outbox_does_not_read_an_endless_acknowledgement(server: HostileServer, tmp_path: Path) -> None:
    server.behaviours["POST"] = endless_body(chunked=True)
    with _journal_with_a_payment(tmp_path / "journal.sqlite3") as journal:
        outbox = Outbox(journal, http_url=server.url + "/sales", timeout_s=5.0)
        try:
            result = outbox.deliver_due()
        finally:
            outbox.close()
        assert result.delivered == {HTTP_CHANNEL: 1}  # the 200 is the acknowledgement
