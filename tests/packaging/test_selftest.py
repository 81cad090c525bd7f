"""``pos-client --self-test`` from the development install, and how it reports each check."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from selftest_report import assert_self_test_passed, check_statuses, clean_env

import pos_client
from pos_client.selftest import Check, CheckStatus, CheckWarning, MissingPart, Scenario, _require, run_checks

RUN_TIMEOUT_S = 120


def test_self_test_from_the_development_install(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path / "dev"), "--self-test"],
        # This tree's code, even when the venv's editable install points at another checkout.
        env=clean_env(tmp_path) | {"PYTHONPATH": str(Path(pos_client.__file__).resolve().parents[1])},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert_self_test_passed(result)
    assert "installation Python" in result.stdout
    statuses = check_statuses(result.stdout)
    if statuses["réservation"] == "ok":
        assert "PETPR2 trouvée" in result.stdout and "déjà validée" in result.stdout
    # The image shipped as package data (test_selftest_qr.py), and pyusb with its libusb.
    assert "MUSE4M lu par zxing-cpp dans l'image livrée selftest-contremarque.pbm" in result.stdout
    assert statuses["douchettes"] == "ok", result.stdout
    assert "pyusb (libusb-package " in result.stdout
    assert "texte lisible (7/7 caractères distincts" in result.stdout  # the glyph check ran


def test_self_test_fails_when_text_would_show_as_empty_boxes(tmp_path: Path) -> None:
    """No usable font (a minimal Debian installed with --no-install-recommends and no font package):
    Qt draws every character as the same box; the self-test says so and fails."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    env = clean_env(tmp_path) | {
        "FONTCONFIG_FILE": str(config),
        "QT_QPA_FONTDIR": str(tmp_path / "none"),
        "PYTHONPATH": str(Path(pos_client.__file__).resolve().parents[1]),  # this tree's code
    }
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path / "dev"), "--self-test"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert check_statuses(result.stdout)["qt"] == "FAIL", result.stdout
    assert "le texte s'affiche en carrés vides" in result.stdout
    assert "fonts-dejavu-core" in result.stdout


def _fails(message: str) -> str:
    raise MissingPart(message)


def _warns() -> str:
    raise CheckWarning("pas de trousseau")


def test_each_check_prints_one_line_with_its_status() -> None:
    out = io.StringIO()
    results = run_checks(
        [
            Check("bon", lambda: "tout va bien"),
            Check("manque", lambda: _fails("module manquant : pos_client.exemple")),
            Check("attention", _warns),
            Check("panne", lambda: str(1 // 0)),
        ],
        out,
    )
    statuses = [r.status for r in results]
    assert statuses == [CheckStatus.OK, CheckStatus.FAIL, CheckStatus.WARN, CheckStatus.FAIL]
    assert out.getvalue().splitlines() == [
        "ok   bon: tout va bien",
        "FAIL manque: module manquant : pos_client.exemple",
        "warn attention: pas de trousseau",
        "FAIL panne: ZeroDivisionError: integer division or modulo by zero",
    ]


def test_a_stuck_check_fails_after_its_time_limit_and_the_next_ones_still_run() -> None:
    release = threading.Event()
    try:
        out = io.StringIO()
        results = run_checks(
            [Check("bloqué", lambda: str(release.wait(30)), timeout_s=0.2), Check("suivant", lambda: "ok")],
            out,
        )
    finally:
        release.set()  # let the abandoned thread end
    assert results[0].status is CheckStatus.FAIL
    assert "pas de réponse après 0 s" in results[0].detail
    assert results[1].status is CheckStatus.OK


def test_require_names_a_missing_module_and_an_unwritten_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MissingPart, match=r"^module manquant : pos_client_pas_la "):
        _require("pos_client_pas_la")
    # An empty folder imports (a namespace package) but holds nothing yet.
    (tmp_path / "paquet_vide").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingPart, match=r"^module manquant : paquet_vide \(pas de open_journal\)"):
        _require("paquet_vide", "open_journal")


def test_payment_check_without_the_emulator_says_so(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        scenario = Scenario(stack, tmp_path)
        missing = r"^module manquant : pos_client\.journal|^l'émulateur n'a pas démarré"
        with pytest.raises((MissingPart, RuntimeError), match=missing):
            scenario.record_payment()


def test_the_payment_check_sells_through_the_counters_change_function(tmp_path: Path) -> None:
    # run_change, as the counter: the sale is recorded once, with the domain's euro format...
    with contextlib.ExitStack() as stack:
        scenario = Scenario(stack, tmp_path)
        scenario.open_journal()
        scenario.start_emulator()
        detail = scenario.record_payment()
        token = scenario.emulator_token(Scenario.SOLD_CASE)
        assert detail.startswith(f"{token} : opération notée, validée")
        assert "8,90\u00a0€" in detail
        assert scenario.emulator.control.booking_state(token)["status"] == "USED"


def test_the_payment_check_sends_nothing_when_the_journal_refuses_the_intent(tmp_path: Path) -> None:
    # ...and never sends a validation the journal could not note first (run_change's rule).
    with contextlib.ExitStack() as stack:
        scenario = Scenario(stack, tmp_path)
        scenario.open_journal()
        scenario.start_emulator()
        assert scenario.journal is not None
        scenario.journal.close()  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match=r"^le journal refuse l'opération, rien n'a été envoyé"):
            scenario.record_payment()
        token = scenario.emulator_token(Scenario.SOLD_CASE)
        assert scenario.emulator.control.booking_state(token)["status"] == "CONFIRMED"
        assert not [seen for seen in scenario.emulator.control.requests_seen() if seen.method == "PATCH"]
