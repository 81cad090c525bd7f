"""The emulator's control API needs the token printed at start, and a network bind needs a flag
(issue 15, defect 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pos_client.cli import main
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.control import CONTROL_TOKEN_HEADER

V1 = "/public/bookings/v1"


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_control_calls_without_the_token_are_refused(emulator: RunningEmulator, token: str | None) -> None:
    headers = {} if token is None else {CONTROL_TOKEN_HEADER: token}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10) as client:
        fault = client.post("/_control/faults", json={"kind": "SERVER_ERROR", "status_code": 503})
        created = client.post("/_control/bookings", json={"price_cents": 100})
        state = client.get(f"/_control/bookings/{demo_data.TOKENS['book']}")
        assert [fault.status_code, created.status_code, state.status_code] == [401, 401, 401]
        assert CONTROL_TOKEN_HEADER in fault.json()["error"]
        read = client.get(f"{V1}/token/{demo_data.TOKENS['book']}",
                          headers={"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"})  # fmt: skip
    assert read.status_code == 200  # no fault was injected


def test_each_emulator_has_its_own_token(emulator: RunningEmulator) -> None:
    with RunningEmulator.start(seed="empty") as other:
        assert other.control_token != emulator.control_token and len(other.control_token) >= 20
        answer = httpx.get(f"{other.base_url}/_control/clock", headers=emulator.control_headers, timeout=10)
        assert answer.status_code == 401
        answer = httpx.get(f"{other.base_url}/_control/clock", headers=other.control_headers, timeout=10)
        assert answer.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "shop-pc.example"])
def test_a_network_bind_needs_the_explicit_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["--dev-dir", str(tmp_path), "emulator", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "Adresse d'écoute refusée" in err and "--allow-network" in err


def test_the_command_prints_the_control_token(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "emulator", "--port", "0"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", env=env) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
            lines = [process.stdout.readline() for _ in range(4)]
            (control_line,) = [line for line in lines if CONTROL_TOKEN_HEADER in line]
            token = control_line.strip().rsplit(" ", 1)[-1]
            assert httpx.get(f"{url}/_control/clock", timeout=10).status_code == 401
            answer = httpx.get(f"{url}/_control/clock", headers={CONTROL_TOKEN_HEADER: token}, timeout=10)
            assert answer.status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            _, errors = process.communicate(timeout=15)
    assert process.returncode == 0, errors
