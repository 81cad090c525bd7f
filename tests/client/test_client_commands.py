"""``pos-client booking ...`` and ``pos-client api-key ...`` run in process against the emulator."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from memory_keyring import MemoryKeyring

from pos_client.api.client import BookingsClient
from pos_client.app.exits import Exit
from pos_client.cli import main
from pos_client.domain.outcomes import Found
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data
from pos_client.journal import SqliteJournal, open_journal
from pos_client.paths import AppPaths

TOKENS = demo_data.TOKENS
# run(*argv, url=True) -> (exit code, stdout, stderr)
Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    tmp_path: Path,
    emulator: RunningEmulator,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Runner]:
    memory_keyring.set_password("pos-client", "api-key-custom", demo_data.DEMO_API_KEY)

    def invoke(*argv: str, url: bool = True) -> tuple[int, str, str]:
        server = ["--url", emulator.base_url] if url else []
        code = main(["--dev-dir", str(tmp_path), *argv, *server])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield invoke


def test_show_human_and_json(run: Runner, emulator: RunningEmulator) -> None:
    code, out, _ = run("booking", "show", TOKENS["duo_cinema"])
    assert code == Exit.OK
    assert "14,00\u00a0€" in out and "(duo)" in out and "Bénéficiaire" in out
    code, out, _ = run("booking", "show", f"PASSCULTURE:v3;TOKEN:{TOKENS['book']}", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["outcome"] == "Found"
    assert answer["booking"]["totalCents"] == 790
    assert "@" not in out and "user" not in out.lower()  # no personal data in JSON


@pytest.mark.parametrize(
    ("case", "outcome", "exit_code"),
    [
        ("used", "AlreadyValidated", Exit.REFUSED),
        ("cancelled", "Cancelled", Exit.REFUSED),
        ("reimbursed", "Reimbursed", Exit.REFUSED),
        ("pending_event", "NotYetConfirmed", Exit.REFUSED),
        ("closed_structure", "StructureClosed", Exit.REFUSED),
        ("other_venue", "NotFound", Exit.REFUSED),
    ],
)
def test_show_refusals_have_their_exit_code(run: Runner, case: str, outcome: str, exit_code: int) -> None:
    code, out, _ = run("booking", "show", TOKENS[case], "--json")
    assert code == exit_code
    assert json.loads(out)["outcome"] == outcome


def test_pending_event_message_keeps_the_api_sentence(run: Runner) -> None:
    code, _, err = run("booking", "show", TOKENS["pending_event"])
    assert code == Exit.REFUSED
    assert "Vous pourrez valider cette contremarque à partir du" in err


def test_bad_code_is_refused_before_any_request(run: Runner, emulator: RunningEmulator) -> None:
    code, _, err = run("booking", "show", "n'importe quoi")
    assert code == Exit.USAGE
    assert err.strip()
    assert emulator.control.requests_seen() == []


def test_missing_key_and_insecure_url(run: Runner, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    memory_keyring.passwords.clear()
    code, _, err = run("booking", "show", TOKENS["book"])
    assert code == Exit.CREDENTIALS
    assert "api-key set" in err
    code = main(["--dev-dir", str(tmp_path), "booking", "show", TOKENS["book"], "--url", "http://10.1.2.3"])
    assert code == Exit.USAGE


def test_validate_requires_the_id_check(run: Runner, emulator: RunningEmulator) -> None:
    code, _, err = run("booking", "validate", TOKENS["book"])
    assert code == Exit.USAGE
    assert "--id-checked" in err
    code, _, err = run("booking", "cancel", TOKENS["book"])
    assert code == Exit.USAGE and "--yes" in err
    assert emulator.control.requests_seen() == []
    assert emulator.control.booking_state(TOKENS["book"])["status"] == "CONFIRMED"


def test_list_all_pages(run: Runner) -> None:
    venue = str(demo_data.BOOKSHOP_VENUE_ID)
    code, out, _ = run("booking", "list", "--venue", venue, "--limit", "1", "--all", "--json")
    assert code == 0
    every = json.loads(out)
    code, out, _ = run("booking", "list", "--venue", venue, "--json")
    assert [b["id"] for b in every["bookings"]] == [b["id"] for b in json.loads(out)["bookings"]]
    assert every["nextFirstIndex"] is None
    code, out, _ = run("booking", "list", "--venue", venue, "--limit", "1")
    assert code == 0 and "--first-index" in out


def test_api_key_set_status_delete(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "prod_provider_0123456789abcdef"
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    assert main(["--dev-dir", str(tmp_path), "api-key", "set", "--env", "production"]) == 0
    out = capsys.readouterr().out
    assert key not in out and "cdef" in out
    assert memory_keyring.passwords[("pos-client", "api-key-production")] == key
    assert main(["--dev-dir", str(tmp_path), "api-key", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["production"] == {"present": True, "endsWith": "cdef"}
    assert status["integration"]["present"] is False
    assert main(["--dev-dir", str(tmp_path), "api-key", "delete", "--env", "production"]) == 0
    assert main(["--dev-dir", str(tmp_path), "api-key", "status"]) == Exit.CREDENTIALS
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(["--dev-dir", str(tmp_path), "api-key", "set", "--env", "production"]) == Exit.USAGE
    # Never in a file under the app's folders (settings, logs).
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(encoding="utf-8", errors="replace")


# ----------------------------------------------------------------------------- changes through the journal
@pytest.fixture
def journal_of(tmp_path: Path) -> Iterator[Callable[[], SqliteJournal]]:
    opened: list[SqliteJournal] = []

    def open_it() -> SqliteJournal:
        journal = open_journal(AppPaths.resolve(str(tmp_path)).journal_file)
        opened.append(journal)
        return journal

    yield open_it
    for journal in opened:
        journal.close()


def patches(emulator: RunningEmulator) -> int:
    return sum(1 for request in emulator.control.requests_seen() if request.method == "PATCH")


def test_validate_goes_through_the_journal(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    token = TOKENS["book"]
    code, out, _ = run("booking", "validate", token, "--id-checked")
    assert code == Exit.OK, out
    assert "validée" in out and "7,90\u00a0€" in out
    assert emulator.control.booking_state(token)["status"] == "USED"
    journal = journal_of()
    assert journal.total_for_day_cents(date.today()) == 790
    assert journal.validated_by_this_till(token) is not None
    # A second validation is refused from the journal after its read, before any change is sent.
    sent = patches(emulator)
    code, _, err = run("booking", "validate", token, "--id-checked")
    assert code == Exit.REFUSED and "déjà validée par cette caisse" in err
    assert patches(emulator) == sent
    # And this till can revert it: a negative payment, the booking is CONFIRMED again.
    code, out, _ = run("booking", "keep", token, "--yes", "--json")
    assert code == Exit.OK, out
    assert json.loads(out)["outcome"] == "ValidationReverted"
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
    assert journal.total_for_day_cents(date.today()) == 0


def test_the_cli_reverts_the_booking_the_window_rebuilds_from_the_journal(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal], tmp_path: Path
) -> None:
    # The API answers 410 to a read of a validated booking: the window's counter and the command
    # line both take the booking to revert from Journal.validated_booking (one rebuild, with the
    # venue), and the keep's intent carries exactly that booking.
    token = TOKENS["book"]
    assert run("booking", "validate", token, "--id-checked")[0] == Exit.OK
    rebuilt = journal_of().validated_booking(token)
    assert rebuilt is not None and rebuilt.venue_name
    code, out, _ = run("booking", "keep", token, "--yes")
    assert code == Exit.OK, out
    journal_file = AppPaths.resolve(str(tmp_path)).journal_file
    with contextlib.closing(sqlite3.connect(f"file:{journal_file}?mode=ro", uri=True)) as db:
        kept = db.execute(
            "SELECT booking_id, offer_name, ean, unit_price_cents, quantity, venue_name,"
            " price_category_label FROM intents WHERE operation = 'keep' AND token = ?",
            (token,),
        ).fetchall()
    assert kept == [
        (
            rebuilt.id,
            rebuilt.offer_name,
            rebuilt.offer_ean,
            rebuilt.unit_price_cents,
            rebuilt.quantity,
            rebuilt.venue_name,
            rebuilt.price_category_label,
        )
    ]


def test_refusals_write_no_payment(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    code, _, err = run("booking", "validate", TOKENS["used"], "--id-checked")
    assert code == Exit.REFUSED and "déjà validée" in err
    code, _, err = run("booking", "keep", TOKENS["used"], "--yes")
    assert code == Exit.REFUSED and "pas par cette caisse" in err
    code, _, _ = run("booking", "keep", TOKENS["book"], "--yes")
    assert code == Exit.REFUSED
    assert patches(emulator) == 0
    assert journal_of().total_for_day_cents(date.today()) == 0


def test_cancel_pending_event(run: Runner, emulator: RunningEmulator) -> None:
    token = TOKENS["pending_event"]
    code, out, _ = run("booking", "cancel", token, "--yes")
    assert code == Exit.OK, out
    assert emulator.control.booking_state(token)["status"] == "CANCELLED"


def test_lost_answer_is_settled_or_left_open(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    code, out, _ = run("booking", "validate", TOKENS["book"], "--id-checked")
    assert code == Exit.OK and "relisant" in out
    assert journal_of().total_for_day_cents(date.today()) == 790
    # Lost again, and this time the re-read is refused too (the emulator's own limit: the lookup fits
    # in it, a faulted change does not count, the re-read is over): unknown, the intent stays open.
    token = TOKENS["book_2"]
    emulator.control.set_rate_limit(1)
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    code, _, err = run("booking", "validate", token, "--id-checked")
    assert code == Exit.UNKNOWN, err
    assert "Résultat inconnu" in err
    open_intents = journal_of().open_intents()
    assert [intent.token for intent in open_intents] == [token]
    assert emulator.control.booking_state(token)["status"] == "USED"


def test_no_key_and_no_personal_data_on_disk(run: Runner, tmp_path: Path, emulator: RunningEmulator) -> None:
    token = TOKENS["duo_cinema"]
    code, out, _ = run("booking", "show", token)
    assert code == 0
    code, _, _ = run("booking", "validate", token, "--id-checked")
    assert code == 0
    code, _, _ = run("booking", "keep", token, "--yes")
    assert code == 0
    with BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY) as client:
        found = client.get_booking(token)
    assert isinstance(found, Found)
    person = found.booking.beneficiary
    secrets = [demo_data.DEMO_API_KEY, person.email, person.full_name]
    if person.phone_number:
        secrets.append(person.phone_number)
    assert person.full_name in out  # shown to the cashier on screen, never stored
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.suffix == ".log" or "log" in path.name for path in written)
    for path in written:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, (path, secret)


def test_cancel_of_a_closed_structure_booking_is_sent(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    """Contract section 10: a closed structure's booking cannot be read or validated (403), but the
    cancel route answers by the booking's own state: 204 for a confirmed product."""
    token = TOKENS["closed_structure"]
    code, out, err = run("booking", "cancel", token, "--yes", "--json")
    assert code == Exit.OK, err
    assert json.loads(out)["outcome"] == "BookingCancelled"
    assert emulator.control.booking_state(token)["status"] == "CANCELLED"
    assert [(r.method, r.status) for r in emulator.control.requests_seen()] == [("GET", 403), ("PATCH", 204)]
    journal = journal_of()
    assert journal.total_for_day_cents(date.today()) == 0  # a cancel pays nothing
    assert journal.open_intents() == []
    # Cancelled now: a second cancel is refused by the API.
    code, _, err = run("booking", "cancel", token, "--yes")
    assert code == Exit.REFUSED and "annulée" in err


def test_keep_of_a_validation_made_elsewhere_needs_the_support_flag(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    token = TOKENS["used"]  # validated "yesterday", not by this till
    code, _, err = run("booking", "keep", token, "--yes")
    assert code == Exit.REFUSED and "--not-from-this-till" in err
    assert patches(emulator) == 0
    code, out, err = run("booking", "keep", token, "--yes", "--not-from-this-till")
    assert code == Exit.OK, err
    assert "de nouveau à retirer" in out
    assert "aucune ligne ici" in out  # said plainly: this till records no payment for it
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
    journal = journal_of()
    assert journal.total_for_day_cents(date.today()) == 0
    assert journal.open_intents() == []
    # The API decides: a digital product with an activation code cannot be reverted (403).
    token = TOKENS["activation_code"]
    code, out, err = run("booking", "keep", token, "--yes", "--not-from-this-till", "--json")
    assert code == Exit.REFUSED, err
    answer = json.loads(out)
    assert answer["outcome"] == "HasActivationCodes" and "paiement" not in answer
    assert emulator.control.booking_state(token)["status"] == "USED"
    assert emulator.control.requests_seen()[-1].status == 403
    # A booking that is not validated: refused before any change, with or without the flag.
    sent = patches(emulator)
    code, _, _ = run("booking", "keep", TOKENS["book"], "--yes", "--not-from-this-till")
    assert code == Exit.REFUSED
    assert patches(emulator) == sent


def test_keep_with_the_flag_of_a_validation_of_this_till_pays_it_back(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    token = TOKENS["book"]
    assert run("booking", "validate", token, "--id-checked")[0] == Exit.OK
    assert journal_of().total_for_day_cents(date.today()) == 790
    code, out, _ = run("booking", "keep", token, "--yes", "--not-from-this-till")
    assert code == Exit.OK
    assert "-7,90\u00a0€" in out and "aucune ligne" not in out
    assert journal_of().total_for_day_cents(date.today()) == 0


# ----------------------------------------------------------------------------- truth (issue 14)
def test_show_and_validate_settle_what_a_lost_answer_left_open(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    # A lost answer whose re-read is refused too: the intent stays open, the booking is USED.
    token = TOKENS["book_2"]
    emulator.control.set_rate_limit(1)
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    assert run("booking", "validate", token, "--id-checked")[0] == Exit.UNKNOWN
    emulator.control.set_rate_limit(1000)
    # A later "show" settles it by its read (not "déjà validée" with the sale missing from the day).
    code, out, err = run("booking", "show", token)
    assert "Résultat retrouvé" in out + err and "8,90" in out + err
    assert journal_of().open_intents() == []
    assert journal_of().total_for_day_cents(date.today()) == 890
    # And a "validate" of a lost validation settles it too, and says it is validated (exit 0).
    other = TOKENS["book"]
    emulator.control.set_rate_limit(1)
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    assert run("booking", "validate", other, "--id-checked")[0] == Exit.UNKNOWN
    emulator.control.set_rate_limit(1000)
    code, out, _ = run("booking", "validate", other, "--id-checked")
    assert code == Exit.OK and "relisant" in out, out
    assert journal_of().total_for_day_cents(date.today()) == 890 + 790


def test_a_moved_event_validated_again_is_not_refused_from_the_journal(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    from datetime import timedelta

    control = emulator.control
    now = control.now()
    token = control.create_booking(
        venue_id=demo_data.THEATRE_VENUE_ID, offer_name="Théâtre : Ondine", price_cents=1300,
        created_at=now - timedelta(days=5), event_starts_at=now + timedelta(days=1),
    )  # fmt: skip
    assert run("booking", "validate", token, "--id-checked")[0] == Exit.OK
    # The venue moves the show 10 days away: the platform puts the booking back to collect, pending.
    control.move_event(token, now + timedelta(days=10))
    code, _, err = run("booking", "validate", token, "--id-checked")
    assert code == Exit.REFUSED and "Vous pourrez valider" in err  # the new date, from the API
    control.advance_clock(timedelta(hours=48, minutes=1))
    code, out, _ = run("booking", "validate", token, "--id-checked")
    assert code == Exit.OK, out
    assert control.booking_state(token)["status"] == "USED"
    assert journal_of().total_for_day_cents(date.today()) == 1300  # one sale, one payment


def test_the_command_line_refuses_a_booking_of_another_venue(
    run: Runner, emulator: RunningEmulator, tmp_path: Path
) -> None:
    from pos_client.settings import Settings

    settings_file = AppPaths.resolve(str(tmp_path)).settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    Settings().with_values(api={"venue_ids": str(demo_data.BOOKSHOP_VENUE_ID)}).save(settings_file)
    code, _, err = run("booking", "validate", TOKENS["concert_category"], "--id-checked")
    assert code == Exit.REFUSED and "Salle Étoile Concerts" in err
    assert patches(emulator) == 0
    assert run("booking", "validate", TOKENS["book"], "--id-checked")[0] == Exit.OK


def test_a_wrong_server_path_is_not_an_unknown_code(
    run: Runner, emulator: RunningEmulator, journal_of: Callable[[], SqliteJournal]
) -> None:
    code, _, err = run("booking", "show", TOKENS["book"], "--url", emulator.base_url + "/api", url=False)
    assert code == Exit.TROUBLE and "Adresse du serveur incorrecte" in err
