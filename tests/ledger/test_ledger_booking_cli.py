"""``pos-client booking validate`` on a till with a ``[ledger]``: the change is claimed in the real
PostgreSQL ledger like the window's (another till's claim is said and nothing is sent; this
command's validation is told to the other tills) and its requests are taken from the key's shared
budget. Against the emulator, passwords and key in a (memory) keyring as on a till."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "client"))

from ledger_fixtures import ROLE_PASSWORD, LedgerDb
from memory_keyring import MemoryKeyring

from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.domain.ledger import Operation
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.ledger.claims import Claims
from pos_client.paths import AppPaths
from pos_client.settings import Settings

USE_PATH = "/public/bookings/v1/use/token/"


@pytest.fixture
def till(
    tmp_path: Path, ledger_db: LedgerDb, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[RunningEmulator, list[str]]]:
    """The emulator, and the start of a ``pos-client`` command line of caisse 1 (role till_a)."""
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    memory.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)
    memory.set_password("pos-client", "ledger-till_a@127.0.0.1", ROLE_PASSWORD)
    paths = AppPaths.resolve(str(tmp_path))
    paths.ensure()
    ledger = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": ledger_db.server.port,
        "dbname": ledger_db.dbname,
        "user": "till_a",
        "sslmode": "disable",
    }
    Settings(till_name="caisse 1").with_values(ledger=ledger).save(paths.settings_file)
    try:
        with RunningEmulator.start(seed="demo") as emulator:
            yield emulator, ["--dev-dir", str(tmp_path)]
    finally:
        keyring.set_keyring(previous)


def _validate(
    till: tuple[RunningEmulator, list[str]], token: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, object]]:
    emulator, command = till
    argv = [*command, "booking", "validate", token, "--id-checked", "--json", "--url", emulator.base_url]
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_a_booking_held_by_another_till_is_refused_and_nothing_is_sent(
    till: tuple[RunningEmulator, list[str]], ledger_db: LedgerDb, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, _ = till
    token = demo_data.TOKENS["book"]
    with ledger_db.link("till_b", till="caisse 2") as other:
        assert Claims(other).claim(token, Operation.USE).granted  # caisse 2 is validating it now
        code, answer = _validate(till, token, capsys)
    assert code == Exit.REFUSED and answer["outcome"] == "ClaimedElsewhere"
    assert "caisse 2" in str(answer["message"])
    assert not [r for r in emulator.control.requests_seen() if r.path.startswith(USE_PATH)]
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"


def test_a_validation_from_the_command_line_is_claimed_and_counted_in_the_shared_budget(
    till: tuple[RunningEmulator, list[str]], ledger_db: LedgerDb, capsys: pytest.CaptureFixture[str]
) -> None:
    token = demo_data.TOKENS["book_2"]
    code, answer = _validate(till, token, capsys)
    assert code == Exit.OK and answer["outcome"] == "Validated"
    with ledger_db.link("till_b", till="caisse 2") as other:
        told = Claims(other).claim(token, Operation.USE)
    assert not told.granted and told.till == "caisse 1"  # "validée à la caisse 1": sends nothing
    # Its two requests (the read, the validation) were taken from the key's one bucket in the ledger.
    assert ledger_db.scalar("SELECT count(*) FROM ledger.rate_buckets") == 1
