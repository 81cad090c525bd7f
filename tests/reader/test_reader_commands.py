"""``pos-client parse``: the reader's command-line face (in process, and once as a real process)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pos_client.cli import main
from pos_client.paths import AppPaths


def _parse(tmp_path: Path, *args: str) -> int:
    return main(["--dev-dir", str(tmp_path), "parse", *args])


def test_token_is_printed_with_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _parse(tmp_path, "PASSCULTURE:v2;EAN13:9782070368228;TOKEN:352uw4") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "352UW4"
    assert "v2" in out[1] and "9782070368228" in out[1]


def test_repair_is_printed_with_its_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _parse(tmp_path, "PQSSCULTUREMv\"mTOKENM\"(éUZ'") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "352UW4"
    assert "us-on-fr-azerty" in out[1]
    assert "douchette" in out[2]


def test_rejection_message_goes_to_stderr_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _parse(tmp_path, "9782070368228") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "code-barres d'un livre" in captured.err


def test_stdin_and_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("##]Q1PASSCULTURE:v3;TOKEN:352UW4\r\n"))
    assert _parse(tmp_path, "--prefix", "##", "-") == 0
    assert capsys.readouterr().out.splitlines()[0] == "352UW4"


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _parse(tmp_path, "--json", "PQSSCULTUREMv\"mTOKENM\"(éUZ'") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["token"] == "352UW4" and document["repair"] == "us-on-fr-azerty"
    assert _parse(tmp_path, "--json", "https://passculture.app/") == 2
    document = json.loads(capsys.readouterr().out)
    assert document["rejection"] == "web_link" and document["message"]


def test_real_process_reads_stdin(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "parse", "-"],
        input=b"PASSCULTURE:v3;TOKEN:352UW4\r\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().splitlines()[0] == "352UW4"
    rejected = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "parse", "PASSCULTURE:v3;TOKEN:35"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert rejected.returncode == 2
    assert "incomplète" in rejected.stderr.decode()


def test_layout_option_and_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbled = "PQSSCULTUREMvémTOKENMè(éUZQ"  # v2: "è" is 7 on the legacy AZERTY, 3 on the new one
    assert _parse(tmp_path, garbled) == 2
    assert "plusieurs façons" in capsys.readouterr().err
    assert _parse(tmp_path, "--layout", "fr-afnor", garbled) == 0
    assert capsys.readouterr().out.startswith("352UWA\n")
    settings_file = AppPaths.under(tmp_path).settings_file
    settings_file.write_text('[scanner]\nhost_layout = "fr"\nprefix = "##"\n', encoding="utf-8")
    assert _parse(tmp_path, "##" + garbled) == 0
    assert capsys.readouterr().out.startswith("752UWA\n")


def test_a_configured_prefix_or_suffix_that_belongs_to_the_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _parse(tmp_path, "--prefix", "A", "ABCDEF") == 0
    assert capsys.readouterr().out.splitlines()[0] == "ABCDEF"
    assert _parse(tmp_path, "--suffix", "4", "352UW4") == 0
    assert capsys.readouterr().out.splitlines()[0] == "352UW4"
    assert _parse(tmp_path, "--prefix", "A", "AABCDEF") == 0  # added by the scanner: taken off
    assert capsys.readouterr().out.splitlines()[0] == "ABCDEF"
