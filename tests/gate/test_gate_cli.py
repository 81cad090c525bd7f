"""``pos-client gate load|scan|status|demo`` against the festival emulator, through ``main``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))
from memory_keyring import MemoryKeyring  # the client tests' in-memory keyring backend

from pos_client.api.keys import KeyringKeys
from pos_client.cli import main
from pos_client.emulator import RunningEmulator, demo_data, festival
from pos_client.gate.roster import parse_export
from pos_client.settings import ApiEnvironment


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_load_then_scan_and_status_offline(
    festival_emulator: RunningEmulator, export_text: str, first_evening: date, tmp_path: Path,
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    KeyringKeys().set_key(ApiEnvironment.CUSTOM, demo_data.DEMO_API_KEY)
    export = tmp_path / "reservations.csv"
    export.write_text(export_text, encoding="utf-8")
    dev = ["--dev-dir", str(tmp_path / "dev")]
    code = main([*dev, "gate", "load", "--export", str(export), "--venue", str(festival.FESTIVAL_VENUE_ID),
                 "--date", first_evening.isoformat(), "--url", festival_emulator.base_url])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Liste chargée : 3000 contremarques" in out
    entries, _, _ = parse_export(export_text)
    token = min(e.token for e in entries if e.day == first_evening and e.status.value == "CONFIRMED")
    festival_emulator.stop()  # the network is gone: scans and status work from the gate's file
    assert main([*dev, "gate", "scan", token, "--enter"]) == 0
    out = capsys.readouterr().out
    assert "Entrée" in out and "Nom indisponible" in out
    assert main([*dev, "gate", "scan", token]) == 3
    assert "Déjà entrée à" in capsys.readouterr().out
    assert main([*dev, "gate", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["entered_by_gate"] == {"A": next(e.quantity for e in entries if e.token == token)}
    assert status["loaded_at"] and first_evening.isoformat() in status["expected_by_day"]


def test_demo_prints_each_kind_of_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dev-dir", str(tmp_path), "gate", "demo"]) == 0
    out = capsys.readouterr().out
    for text in ("Déjà entrée à", "Pas pour cette date / ce spectacle", "Inconnue : vérifier", "attendue(s)"):
        assert text in out
