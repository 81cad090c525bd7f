"""The command line against bad inputs, hostile servers and unusable files (issue 15).

Each row of the tables runs ``pos-client`` and asserts: the exit code, a French message, no Python
traceback (nor the last guard's "Erreur inattendue"), and what the journal holds afterwards (nothing
for anything refused before a request; one open intent, to be settled by a re-read, for a change
whose answer was lost). The servers are real: the emulator, behind ``hostile_server`` when the
answers must be hostile. The API key is kept in the protected key file (``--store file``), so the
subprocess rows need no keyring either.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_server import (
    DEEP_JSON,
    HostileServer,
    absurd_amount,
    endless_body,
    first_then,
    fixed,
    forwarded_then,
    hostile_server,
    pass_on,
    trickle,
)

from pos_client.api.key_file import KEY_FOLDER, FileKeys
from pos_client.cli import main
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment

# A short overall deadline: the trickling servers below would otherwise hold a request for ever.
SETTINGS = """
[api]
environment = "custom"
key_storage = "file"
connect_timeout_s = 1.0
read_timeout_s = 1.0
request_deadline_s = 1.0
"""
FRENCH = (
    "é",
    "è",
    "à",
    "ç",
    "É",
    "ê",
    "invalide",
    "permise",
    "Le ",
    "La ",
    "Aucun",
    " de ",
    " du ",
    "Contremarque",
    "Réponse",
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        yield running


@pytest.fixture
def server(emulator: RunningEmulator) -> Iterator[HostileServer]:
    with hostile_server(emulator.base_url) as running:
        yield running


@pytest.fixture
def dev(tmp_path: Path) -> Path:
    paths = AppPaths.under(tmp_path / "dev")
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(SETTINGS, encoding="utf-8")
    FileKeys(paths.config_dir / KEY_FOLDER).set_key(ApiEnvironment.CUSTOM, demo_data.DEMO_API_KEY)
    return tmp_path / "dev"


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(dev: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--dev-dir", str(dev), *argv])
        except SystemExit as exc:  # argparse's own refusals
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def _assert_clean(code: int, out: str, err: str, expected_code: int, message: str) -> None:
    text = out + err
    assert code == expected_code, text
    assert "Traceback" not in text and "Erreur inattendue" not in text, text
    assert message in text, text
    assert any(marker in text for marker in FRENCH), text


def _journal_counts(dev: Path) -> tuple[int, int] | None:
    """(intents, payments) in the till's journal, or None when there is none."""
    path = AppPaths.under(dev).journal_file
    if not path.exists():
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        intents = db.execute("SELECT count(*) FROM intents").fetchone()[0]
        payments = db.execute("SELECT count(*) FROM payments").fetchone()[0]
    return int(intents), int(payments)


def _new_token(emulator: RunningEmulator) -> str:
    return emulator.control.create_booking(offer_name="Livre hostile", price_cents=1200)


# ----------------------------------------------------------------------------- bad inputs
BAD_INPUTS = [
    # (argv, exit code, expected fragment); {url} is the emulator's address
    (["booking", "validate", "", "--id-checked", "--url", "{url}"], 2, "Rien n'a été lu"),
    (["booking", "validate", "ABC", "--id-checked", "--url", "{url}"], 2, "6 caractères"),
    (
        ["booking", "validate", "PASSCULTURE:v3;TOKEN:../../x", "--id-checked", "--url", "{url}"],
        2,
        "6 caractères",
    ),
    (["booking", "validate", "{token}", "--url", "{url}"], 2, "--id-checked"),
    (["booking", "validate", "{token}", "--id-checked", "--url", ""], 2, "Aucune adresse de serveur"),
    (["booking", "show", "{token}", "--url", " "], 2, "Aucune adresse de serveur"),
    (["booking", "validate", "{token}", "--id-checked", "--url", "ftp://example.com"], 2, "illisible"),
    (["booking", "validate", "{token}", "--id-checked", "--url", "http://example.com"], 2, "https"),
    (["booking", "show", "{token}", "--url", "https://exa mple.com"], 2, "espace"),
    (["booking", "show", "{token}", "--url", "https://example.com:99999"], 2, "port"),
    (["booking", "keep", "{token}", "--url", "{url}"], 2, "--yes"),
    (["booking", "list", "--offer", "1", "--limit", "0", "--url", "{url}"], 2, "limit doit être"),
    (["export", "--from", "2026-13-01", "--to", "2026-12-01"], 2, "date invalide"),
    (["export", "--from", "2026-12-02", "--to", "2026-12-01"], 2, "avant la date de début"),
]


@pytest.mark.parametrize(("argv", "code", "message"), BAD_INPUTS)
def test_bad_inputs(
    run: Run, dev: Path, emulator: RunningEmulator, argv: list[str], code: int, message: str
) -> None:
    token = _new_token(emulator)
    filled = [arg.format(url=emulator.base_url, token=token) for arg in argv]
    _assert_clean(*run(*filled), code, message)
    assert _journal_counts(dev) in (None, (0, 0))
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"


# ----------------------------------------------------------------------------- hostile answers
@dataclass(frozen=True)
class Hostile:
    name: str
    behaviours: Callable[[], dict[str, object]]
    code: int
    message: str
    journal: tuple[int, int, int] | None  # (intents, still open, payments) afterwards; None: nothing


_SLOW = 0.2  # a byte every 0.2 s: never a per-read timeout, always past the 1 s deadline
_NOTHING_CHANGED = "Rien n'a été validé ni perdu"
_UNCHANGED, _OPEN, _PAID = (1, 0, 0), (1, 1, 0), (1, 0, 1)
HOSTILE = [
    # The change never reaches the emulator; the re-read proves it: nothing changed, retry is safe.
    Hostile("trickled PATCH body", lambda: {"PATCH": trickle(_SLOW)}, 5, _NOTHING_CHANGED, _UNCHANGED),
    Hostile("trickled PATCH headers", lambda: {"PATCH": trickle(_SLOW, in_headers=True)},
            5, _NOTHING_CHANGED, _UNCHANGED),
    # ... and the re-read trickles too: unknown, the intent stays open for the next start.
    Hostile("trickled PATCH and re-read", lambda: {"PATCH": trickle(_SLOW),
            "GET": first_then(pass_on(), trickle(_SLOW))}, 6, "Résultat inconnu", _OPEN),
    # The emulator validates, the answer is hostile: the re-read finds it validated, one payment.
    Hostile("endless chunked PATCH answer", lambda: {"PATCH": forwarded_then(endless_body(chunked=True))},
            0, "validée", _PAID),
    Hostile("4 GB PATCH answer", lambda: {"PATCH": forwarded_then(endless_body(chunked=False))},
            0, "validée", _PAID),
    Hostile("deeply nested PATCH JSON", lambda: {"PATCH": forwarded_then(fixed(200, DEEP_JSON))},
            0, "validée", _PAID),
    Hostile("trickled PATCH answer", lambda: {"PATCH": forwarded_then(trickle(_SLOW))}, 0, "validée", _PAID),
    # Unreadable before any change: nothing sent, nothing journaled.
    Hostile("trickled GET", lambda: {"GET": trickle(_SLOW)}, 5, "ne répond pas", None),
    Hostile("endless GET", lambda: {"GET": endless_body(chunked=True)}, 5, "illisible", None),
    Hostile("deeply nested GET JSON", lambda: {"GET": fixed(200, DEEP_JSON)}, 5, "illisible", None),
    Hostile("web page", lambda: {"GET": fixed(200, b"<html>proxy</html>", "text/html")},
            5, "illisible", None),
    Hostile("absurd amount", lambda: {"GET": pass_on(absurd_amount)}, 5, "montant invraisemblable", None),
]  # fmt: skip


def _journal_state(dev: Path) -> tuple[int, int, int] | None:
    path = AppPaths.under(dev).journal_file
    if not path.exists():
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        intents = db.execute("SELECT count(*) FROM intents").fetchone()[0]
        still_open = db.execute(
            "SELECT count(*) FROM intents WHERE id NOT IN (SELECT intent_id FROM resolutions)"
        ).fetchone()[0]
        payments = db.execute("SELECT count(*) FROM payments").fetchone()[0]
    state = (int(intents), int(still_open), int(payments))
    return None if state == (0, 0, 0) else state


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_hostile_answers_to_validate(
    run: Run, dev: Path, emulator: RunningEmulator, server: HostileServer, case: Hostile
) -> None:
    token = _new_token(emulator)
    server.behaviours.update(case.behaviours())  # type: ignore[arg-type]
    answer = run("booking", "validate", token, "--id-checked", "--url", server.url)
    _assert_clean(*answer, case.code, case.message)
    assert _journal_state(dev) == case.journal
    validated = emulator.control.booking_state(token)["status"] == "USED"
    assert validated == (case.code == 0)
    if case.journal is None:
        assert not any(method == "PATCH" for method, _ in server.seen)


def test_hostile_answer_to_show(run: Run, server: HostileServer, emulator: RunningEmulator) -> None:
    server.behaviours["GET"] = fixed(200, DEEP_JSON)
    _assert_clean(*run("booking", "show", _new_token(emulator), "--url", server.url), 5, "illisible")


# ----------------------------------------------------------------------------- unusable files
def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage, not a database\xff" * 50)


def _folder(path: Path) -> None:
    path.mkdir()


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")


def _newer(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA application_id = 1347375939")
        db.execute("PRAGMA user_version = 99")
        db.execute("CREATE TABLE future (x)")


def _truncated(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


BROKEN_JOURNALS = {"garbage": _garbage, "folder": _folder, "foreign": _foreign, "newer": _newer,
                   "truncated": _truncated}  # fmt: skip


def _fingerprint(path: Path) -> str:
    if path.is_dir():
        return "folder:" + ",".join(sorted(p.name for p in path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("broken", BROKEN_JOURNALS)
@pytest.mark.parametrize("command", ["validate", "journal", "export"])
def test_unusable_journal_files(
    run: Run, dev: Path, emulator: RunningEmulator, broken: str, command: str
) -> None:
    journal = AppPaths.under(dev).journal_file
    journal.parent.mkdir(parents=True, exist_ok=True)
    BROKEN_JOURNALS[broken](journal)
    before = _fingerprint(journal)
    token = _new_token(emulator)
    argv = {
        "validate": ["booking", "validate", token, "--id-checked", "--url", emulator.base_url],
        "journal": ["journal"],
        "export": ["export", "--from", "2026-11-01", "--to", "2026-11-30"],
    }[command]
    _assert_clean(*run(*argv), 3, "ournal")
    assert _fingerprint(journal) == before
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"  # nothing was sent


@pytest.mark.parametrize(
    ("content", "message"),
    [("[api\nread_timeout_s = ", "Fichier de réglages illisible"), (None, "Fichier de réglages illisible"),
     ('[api]\nenvironment = "prod"\n', "n'est pas une valeur permise")],
)  # fmt: skip
def test_unusable_settings_files(run: Run, dev: Path, content: str | None, message: str) -> None:
    settings = AppPaths.under(dev).settings_file
    settings.unlink()
    if content is None:
        settings.mkdir()
    else:
        settings.write_text(content, encoding="utf-8")
    _assert_clean(*run("journal"), 2, message)
    assert _journal_counts(dev) is None


def test_out_of_range_settings_fall_back_with_a_french_warning(
    run: Run, dev: Path, emulator: RunningEmulator
) -> None:
    # Negative timeouts used to make every request fail as "adresse du serveur inutilisable".
    AppPaths.under(dev).settings_file.write_text(
        '[api]\nenvironment = "custom"\nkey_storage = "file"\nread_timeout_s = -1\nconnect_timeout_s = 0\n',
        encoding="utf-8",
    )
    code, out, err = run("booking", "show", demo_data.TOKENS["book"], "--url", emulator.base_url)
    assert code == 0, out + err
    code, out, err = run("settings")
    assert "read_timeout_s = 8.0" in out


# ----------------------------------------------------------------------------- output errors
def _pos_client(dev: Path, *argv: str, **options: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(dev), *argv]
    return subprocess.run(command, env=env, text=True, encoding="utf-8", timeout=60, check=False, **options)  # type: ignore[call-overload, no-any-return]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["settings"], ["export", "--from", "2026-11-01", "--to", "2026-11-30"]])
def test_writing_to_a_full_disk(dev: Path, argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = _pos_client(dev, *argv, stdout=full, stderr=subprocess.PIPE)
    _assert_clean(done.returncode, "", done.stderr, 1, "disque plein")


def test_a_reader_that_goes_away(dev: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(dev), "settings"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # `pos-client settings | head -0`
        errors = child.stderr.read().decode("utf-8")
        code = child.wait(60)
    _assert_clean(code, "", errors, 1, "Sortie fermée avant la fin")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder", "est un dossier"),
        ("missing/export.csv", "n'existe pas"),
        ("/proc/version", "Export impossible"),
    ],
)
def test_export_to_unwritable_places(run: Run, dev: Path, tmp_path: Path, target: str, message: str) -> None:
    if target == "/proc/version" and not Path(target).exists():
        pytest.skip("needs /proc")
    out = tmp_path / target if not target.startswith("/") else Path(target)
    if target == "folder":
        out.mkdir()
    listed = out.parent.is_dir() and out.parent != Path("/proc")  # /proc's own entries come and go
    before = sorted(p.name for p in out.parent.iterdir()) if listed else None
    _assert_clean(*run("export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out)), 2, message)
    after = sorted(p.name for p in out.parent.iterdir()) if listed else None
    assert after == before  # nothing half-written, no temporary file left
    assert not (tmp_path / "missing").exists()
