"""``pos-client ledger ...`` and ``pos-client journal --ledger`` against a real PostgreSQL, with the
passwords in a (memory) keyring as on a till."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "client"))

from ledger_fixtures import ROLE_PASSWORD, LedgerDb, sell
from memory_keyring import MemoryKeyring

from pos_client.cli import main
from pos_client.journal import open_journal
from pos_client.ledger.schema import SCHEMA_VERSION
from pos_client.paths import AppPaths
from pos_client.settings import Settings


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _dev_dir(tmp_path: Path, ledger_db: LedgerDb | None, user: str = "till_a") -> Path:
    dev = tmp_path / "dev"
    paths = AppPaths.resolve(str(dev))
    paths.ensure()
    settings = Settings(till_name="caisse 1")
    if ledger_db is not None:
        settings = settings.with_values(
            ledger={
                "enabled": True,
                "host": "127.0.0.1",
                "port": ledger_db.server.port,
                "dbname": ledger_db.dbname,
                "user": user,
                "sslmode": "disable",
            }
        )
    settings.save(paths.settings_file)
    return dev


def test_ledger_off_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = _dev_dir(tmp_path, None)
    assert Settings().ledger.enabled is False
    assert main(["--dev-dir", str(dev), "ledger", "status"]) == 2
    assert "Registre partagé non configuré" in capsys.readouterr().err


def test_init_password_push_status_and_reports(
    ledger_db: LedgerDb,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dev = _dev_dir(tmp_path, ledger_db)
    # init, as the owner (the admin's password in the keyring under its own role)
    memory_keyring.set_password("pos-client", "ledger-pos_admin@127.0.0.1", ledger_db.server.password)
    assert main(["--dev-dir", str(dev), "ledger", "init", "--user", "pos_admin"]) == 0
    assert f"Registre partagé prêt (schéma {SCHEMA_VERSION})" in capsys.readouterr().out
    # no password yet for this till's role: refused, exit 4
    assert main(["--dev-dir", str(dev), "ledger", "status"]) == 4
    monkeypatch.setattr("sys.stdin", io.StringIO(ROLE_PASSWORD + "\n"))
    assert main(["--dev-dir", str(dev), "ledger", "password", "set"]) == 0
    assert memory_keyring.passwords[("pos-client", "ledger-till_a@127.0.0.1")] == ROLE_PASSWORD
    with open_journal(AppPaths.resolve(str(dev)).journal_file, till="caisse 1") as journal:
        sell(journal, "CLI001", 1, price_cents=990)
    capsys.readouterr()
    assert main(["--dev-dir", str(dev), "ledger", "push"]) == 0
    out = capsys.readouterr().out
    assert "Registre partagé : à jour." in out and "Connexion chiffrée (TLS) : non" in out
    assert main(["--dev-dir", str(dev), "ledger", "report"]) == 0
    report = capsys.readouterr().out
    assert "caisse 1 : 1 vente(s) 9,90\u00a0€" in report
    assert "toutes caisses : 1 vente(s) 9,90\u00a0€" in report
    assert "Librairie (5401)" in report
    assert main(["--dev-dir", str(dev), "journal", "--ledger"]) == 0
    assert capsys.readouterr().out == report
    # Every till's payment lines, exported from the ledger as « export » writes this till's.
    exported = tmp_path / "toutes-caisses.csv"
    today = date.today().isoformat()
    command = ["export", "--ledger", "--from", today, "--to", today, "--out", str(exported)]
    assert main(["--dev-dir", str(dev), *command]) == 0
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "CLI001" in lines[1] and "caisse 1" in lines[1] and "9,90" in lines[1]
    out_all = capsys.readouterr()
    assert ROLE_PASSWORD not in out_all.out + out_all.err
    logs = (AppPaths.resolve(str(dev)).log_file).read_text(encoding="utf-8")
    assert ROLE_PASSWORD not in logs and ledger_db.server.password not in logs


def test_unreachable_ledger_exits_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring, ledger_db: LedgerDb
) -> None:
    dev = _dev_dir(tmp_path, ledger_db)
    settings_file = AppPaths.resolve(str(dev)).settings_file
    Settings.load(settings_file).with_values(ledger={"port": 1}).save(settings_file)
    assert main(["--dev-dir", str(dev), "ledger", "report"]) == 5
    assert "Registre partagé injoignable" in capsys.readouterr().err
