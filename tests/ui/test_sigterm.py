"""SIGTERM (shutdown, logout, ``systemctl stop``) closes a real running till cleanly (issue 22,
item 8): the journal, the hand-off and the scanners are closed, the log says so, exit code 0."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pos_client

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 15.0  # generous for a loaded CI machine; the time taken is printed (-s)


def wait_for_line(log: Path, text: str, process: subprocess.Popen[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.is_file() and text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"the till stopped before '{text}': {process.communicate()}")
        time.sleep(0.05)
    pytest.fail(f"no '{text}' in {log} after {timeout_s} s")


@pytest.mark.parametrize("signal_number", [signal.SIGTERM])
def test_sigterm_closes_the_running_till_cleanly(tmp_path: Path, signal_number: int) -> None:
    dev = tmp_path / "dev"
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(Path(pos_client.__file__).resolve().parents[1]),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(dev), "--demo"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    log = dev / "logs" / "pos-client.log"
    try:
        wait_for_line(log, "caisse prête", process, START_TIMEOUT_S)
        sent = time.monotonic()
        process.send_signal(signal_number)
        code = process.wait(timeout=EXIT_TIMEOUT_S)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
        _out, err = process.communicate()
    print(f"\nSIGTERM -> exit {code} in {took:.2f} s")
    assert code == 0, err
    text = log.read_text(encoding="utf-8")
    assert "SIGTERM reçu : fermeture de la caisse" in text
    assert "SIGTERM : caisse fermée proprement" in text
    assert "Traceback" not in err and "Traceback" not in text
    # The journal was closed: SQLite folds its write-ahead log back into the file on the last close.
    journal = dev / "data" / "demo-journal.sqlite3"
    assert journal.is_file()
    assert not journal.with_name(journal.name + "-wal").exists()
    with sqlite3.connect(journal) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
