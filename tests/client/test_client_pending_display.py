"""The "pas encore validable" date of an overseas venue, as the cashier reads it (window workflow and
command line): the API's own sentence, its date in the venue's time zone, never converted.

The audit's case: a theatre in Réunion (department 974, UTC+4), booked at 04:59 UTC, so validable from
26/11/2026 04:59 UTC = 08:59 in Réunion. Reading the message as Paris time and showing it in the PC's
zone (a till in Réunion) gave 11:59, three hours late.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from memory_keyring import MemoryKeyring

from pos_client.api.client import BookingsClient
from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.counter.machine import Counter
from pos_client.counter.view import CounterView, State
from pos_client.domain.ports import InlineRunner
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.journal import open_journal

VENUE_TIME = "26/11/2026 à 08:59"


@pytest.fixture
def till_in_reunion() -> Iterator[None]:
    """The PC's own zone is Réunion's too, as in the audit (POSIX only: time.tzset)."""
    if not hasattr(time, "tzset"):
        yield
        return
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Indian/Reunion"
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_the_window_shows_the_api_sentence_as_is(
    emulator: RunningEmulator, reunion_token: str, till_in_reunion: None, tmp_path: Path
) -> None:
    views: list[CounterView] = []
    journal = open_journal(tmp_path / "journal.sqlite3")
    with BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY) as client:
        counter = Counter(client, journal, InlineRunner(), on_view=views.append, monotonic=time.monotonic)
        counter.scan(RawScan(text=f"PASSCULTURE:v3;TOKEN:{reunion_token}", transport=Transport.SERIAL,
                             source_id="serial:test"))  # fmt: skip
        api_message = client.get_booking(reunion_token)
    journal.close()
    view = counter.view
    assert view.state is State.NOT_YET_CONFIRMED
    assert view.detail == getattr(api_message, "api_message", None)
    assert f"à partir du {VENUE_TIME}," in view.detail
    assert "11:59" not in view.detail and "05:59" not in view.detail


def test_the_command_line_shows_the_api_sentence_and_the_venue_time(
    emulator: RunningEmulator,
    reunion_token: str,
    till_in_reunion: None,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    memory_keyring.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)
    argv = ["--dev-dir", str(tmp_path), "booking", "show", reunion_token, "--url", emulator.base_url]
    assert main(argv) == Exit.REFUSED
    err = capsys.readouterr().err
    assert f"Vous pourrez valider cette contremarque à partir du {VENUE_TIME}, une fois" in err
    assert main([*argv, "--json"]) == Exit.REFUSED
    answer = json.loads(capsys.readouterr().out)
    assert answer["outcome"] == "NotYetConfirmed"
    assert VENUE_TIME in answer["message"]
    assert answer["validFrom"] == "2026-11-26T08:59:00"  # the venue's wall-clock time, no offset
