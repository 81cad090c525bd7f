"""``pos-client offer create|close|status`` in process against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from memory_keyring import MemoryKeyring
from offer_fixtures import run_jobs

from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.domain.offers import parse_euros
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.products import CATALOGUE, DEMO_EANS, DIGITAL_VENUE_ID

Runner = Callable[..., tuple[int, str, str]]
VINYL = CATALOGUE["vinyl"].ean
BOOKSHOP = demo_data.BOOKSHOP_VENUE_ID


@pytest.fixture
def run(
    tmp_path: Path,
    emulator: RunningEmulator,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Runner]:
    memory_keyring.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)

    def invoke(*argv: str, venue: int = demo_data.BOOKSHOP_VENUE_ID) -> tuple[int, str, str]:
        code = main(["--dev-dir", str(tmp_path), *argv, "--url", emulator.base_url, "--venue", str(venue)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield invoke


def test_create_then_close(run: Runner, emulator: RunningEmulator) -> None:
    emulator.products.set_jobs(delay_s=0)
    code, out, _ = run("offer", "create", "--ean", VINYL, "--price", "24,50", "--json")
    assert code == Exit.OK
    answer = json.loads(out)
    assert answer["outcome"] == "OfferReady" and answer["priceCents"] == 2450 and answer["remaining"] == 1
    assert answer["link"] == f"{emulator.base_url}/offre/{answer['offerId']}"
    code, out, _ = run("offer", "close")
    assert code == Exit.OK and "Offre fermée" in out
    code, out, _ = run("offer", "status", "--json")
    assert json.loads(out)["made"][0]["closed"] is True


@pytest.mark.parametrize(
    ("argv", "venue", "exit_code", "words"),
    [
        (("--ean", DEMO_EANS["unknown"][0], "--price", "10"), BOOKSHOP, Exit.REFUSED, "espace pro"),
        (("--ean", DEMO_EANS["dvd"][0], "--price", "10"), BOOKSHOP, Exit.REFUSED, "livres papier"),
        (("--ean", VINYL, "--price", "32", "--credit", "20"), demo_data.BOOKSHOP_VENUE_ID, Exit.REFUSED,
         "à compléter par le jeune"),
        (("--ean", VINYL, "--price", "10"), demo_data.OTHER_VENUE_ID, Exit.REFUSED, "pas relié"),
        (("--ean", VINYL, "--price", "10"), DIGITAL_VENUE_ID, Exit.REFUSED, "virtuel"),
        (("--ean", VINYL, "--price", "douze"), demo_data.BOOKSHOP_VENUE_ID, Exit.USAGE, "Prix illisible"),
        (("--ean", "1234", "--price", "10"), demo_data.BOOKSHOP_VENUE_ID, Exit.USAGE, "EAN-13"),
    ],
)  # fmt: skip
def test_refusals_have_their_exit_code_and_say_why(
    run: Runner, argv: tuple[str, ...], venue: int, exit_code: Exit, words: str
) -> None:
    code, _, err = run("offer", "create", *argv, venue=venue)
    assert code == exit_code
    assert words in err


def test_a_stalled_job_times_out(run: Runner, emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = tmp_path / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text("[offer]\nwait_s = 5.0  # the shortest wait the settings allow\n", encoding="utf-8")
    emulator.products.set_jobs(stalled=True)
    code, _, err = run("offer", "create", "--ean", VINYL, "--price", "10")
    assert code == Exit.TROUBLE and "n'est pas apparue" in err


def test_status_resumes_a_wait_left_by_a_restart(run: Runner, emulator: RunningEmulator) -> None:
    code, out, _ = run("offer", "create", "--ean", VINYL, "--price", "10", "--no-wait")
    assert code == Exit.OK and "Demande envoyée" in out
    code, _, _ = run("offer", "create", "--ean", VINYL, "--price", "10", "--no-wait")
    assert code == Exit.OK  # the same EAN again: the pending wait is resumed, nothing resent
    run_jobs(emulator)
    code, out, _ = run("offer", "status")
    assert code == Exit.OK and "reprise de l'attente" in out and "offre :" in out
    assert len([seen for seen in emulator.control.requests_seen() if seen.method == "POST"]) == 1


def test_no_venue_is_a_usage_error(run: Runner) -> None:
    code, _, err = run("offer", "create", "--ean", VINYL, "--price", "10", venue=0)
    assert code == Exit.USAGE and "offer.venue_id" in err


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,99", 1299), ("12.5", 1250), ("7", 700), ("3,00 €", 300), ("1,234", None), ("-1", None)],
)
def test_parse_euros(text: str, cents: int | None) -> None:
    assert parse_euros(text) == cents
