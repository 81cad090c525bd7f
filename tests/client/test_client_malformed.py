"""Answers that break the contract (cut-off JSON, a missing key, a web page), over real HTTP.

A read gets ``MalformedResponse``. A change whose answer cannot be read is ambiguous (the server had
the request and may have acted): the client re-reads the booking, and only a re-read that shows the
change done ever makes it a success; it never reports one it cannot prove.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from emulator_views import seen, status_of
from memory_keyring import MemoryKeyring

from pos_client.api.client import BookingsClient
from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.domain.outcomes import (
    BookingCancelled,
    BookingPage,
    MalformedResponse,
    OutcomeUnknown,
    Validated,
    ValidationReverted,
)
from pos_client.emulator import Fault, FaultKind, Malformation, RunningEmulator, demo_data
from pos_client.journal import open_journal
from pos_client.paths import AppPaths

TOKENS = demo_data.TOKENS
ClientFactory = Callable[..., BookingsClient]


def malformed(malformation: Malformation, **options: Any) -> Fault:
    return Fault(FaultKind.MALFORMED, malformation=malformation, **options)


# ----------------------------------------------------------------------------- reads
@pytest.mark.parametrize(
    ("malformation", "detail"),
    [
        (Malformation.TRUNCATED_JSON, "not a JSON object"),
        (Malformation.MISSING_KEY, "offerName"),
        (Malformation.HTML, "not a JSON object"),
    ],
)
def test_a_read_with_a_malformed_answer(
    client: BookingsClient, emulator: RunningEmulator, malformation: Malformation, detail: str
) -> None:
    emulator.control.inject_fault(malformed(malformation, method="GET"))
    outcome = client.get_booking(TOKENS["book"])
    assert isinstance(outcome, MalformedResponse)
    assert outcome.status_code == 200 and detail in outcome.detail
    assert seen(emulator) == [("GET", 200)]  # a readable-looking 200 is not retried


@pytest.mark.parametrize("malformation", [Malformation.TRUNCATED_JSON, Malformation.MISSING_KEY])
def test_a_list_with_a_malformed_answer(
    client: BookingsClient, emulator: RunningEmulator, malformation: Malformation
) -> None:
    emulator.control.inject_fault(malformed(malformation, path_contains="/bookings"))
    outcome = client.list_bookings(venue_id=demo_data.BOOKSHOP_VENUE_ID)
    assert isinstance(outcome, MalformedResponse) and outcome.status_code == 200
    assert isinstance(client.list_bookings(venue_id=demo_data.BOOKSHOP_VENUE_ID), BookingPage)


# ----------------------------------------------------------------------------- changes
@pytest.mark.parametrize("malformation", list(Malformation))
def test_unreadable_answer_after_the_change_is_settled_by_a_reread(
    client: BookingsClient, emulator: RunningEmulator, malformation: Malformation
) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(malformed(malformation, method="PATCH", path_contains="/use/"))
    assert client.validate(token) == Validated(token, confirmed_by_reread=True)
    assert status_of(emulator, token) == "USED"
    assert seen(emulator) == [("PATCH", 200), ("GET", 410)]  # never sent twice


def test_unreadable_answer_before_the_change_lets_it_be_sent_again(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(
        malformed(Malformation.HTML, method="PATCH", path_contains="/use/", route_runs=False)
    )
    assert client.validate(token) == Validated(token)
    assert status_of(emulator, token) == "USED"
    assert seen(emulator) == [("PATCH", 200), ("GET", 200), ("PATCH", 204)]


def test_answers_that_stay_unreadable_never_make_a_success(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    # Every PATCH answer is a web page and nothing is applied: proven not done after each attempt.
    emulator.control.inject_fault(
        malformed(Malformation.HTML, count=None, method="PATCH", path_contains="/use/", route_runs=False)
    )
    outcome = client.validate(token)
    assert isinstance(outcome, MalformedResponse)
    assert status_of(emulator, token) == "CONFIRMED"
    emulator.control.clear_faults()
    # Applied, and the re-read is unreadable too: unknown, never "validée".
    token = TOKENS["book_2"]
    emulator.control.inject_fault(malformed(Malformation.TRUNCATED_JSON, count=None))
    outcome = client.validate(token)
    assert isinstance(outcome, OutcomeUnknown) and "illisible" in outcome.detail
    assert status_of(emulator, token) == "USED"


def test_keep_and_cancel_with_an_unreadable_answer(client: BookingsClient, emulator: RunningEmulator) -> None:
    used, product = TOKENS["used"], TOKENS["museum_pass"]
    emulator.control.inject_fault(malformed(Malformation.MISSING_KEY, method="PATCH", path_contains="/keep/"))
    assert client.keep(used) == ValidationReverted(used, confirmed_by_reread=True)
    assert status_of(emulator, used) == "CONFIRMED"
    emulator.control.inject_fault(
        malformed(Malformation.TRUNCATED_JSON, method="PATCH", path_contains="/cancel/")
    )
    assert client.cancel(product) == BookingCancelled(product, confirmed_by_reread=True)
    assert status_of(emulator, product) == "CANCELLED"


def test_the_command_line_records_the_payment_of_a_change_proven_by_the_reread(
    emulator: RunningEmulator,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    memory_keyring.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)
    token = TOKENS["book"]
    emulator.control.inject_fault(malformed(Malformation.HTML, method="PATCH", path_contains="/use/"))
    argv = ["--dev-dir", str(tmp_path), "booking", "validate", token, "--id-checked", "--json"]
    assert main([*argv, "--url", emulator.base_url]) == Exit.OK
    answer = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert answer["outcome"] == "Validated" and "relisant" in answer["message"]
    journal = open_journal(AppPaths.resolve(str(tmp_path)).journal_file)
    try:
        assert journal.total_for_day_cents(date.today()) == 790
        assert journal.open_intents() == []
    finally:
        journal.close()
