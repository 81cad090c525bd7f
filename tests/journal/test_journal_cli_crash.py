"""Crash test of the command line: ``booking validate`` SIGKILLed at random moments, then the command
line only (no window, no start-up settlement), ends with 0 lost, 0 duplicate and 0 false payments.

The emulator (a real HTTP server on loopback) holds 10 bookings; some validations lose their answer
after the commit, and validations keep their transaction open a little (the real server's race
window: an overlapping one answers 500). ``cli_crash_child.py`` runs the real command line in process
for every token and is killed after a random delay, ``KILLS`` times. Then the command line alone
recovers: ``booking validate`` of every token (it settles what was left open by its read of the code,
and validates the rest), then ``booking show`` of every token (a last read settles what a 500 left
unknown), then ``pos-client journal`` as a separate process, whose day total must be the sales'.

Checks: every booking the emulator shows as USED has exactly one payment line of its price in the
journal (0 lost, 0 duplicate), every payment line is of a USED booking (0 false payments), no intent is
left open. The random seed is fixed (``CLI_CRASH_SEED`` overrides it) and printed in failures.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from pos_client.domain.formats import format_euros
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data

CHILD = Path(__file__).with_name("cli_crash_child.py")
SEED = int(os.environ.get("CLI_CRASH_SEED", "20261202"))
BOOKINGS = 10
KILLS = 8
KILL_DELAY_MAX_S = 1.2
CHILD_TIMEOUT_S = 60.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    here = str(Path(__file__).parent)
    client_tests = str(Path(__file__).parent.parent / "client")  # memory_keyring
    root = str(Path(__file__).parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, here, client_tests, env.get("PYTHONPATH", "")])
    return env


def _child(dev_dir: Path, api: str, tokens: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), "--dev-dir", str(dev_dir), "--api", api,
         "--api-key", demo_data.DEMO_API_KEY, "--tokens", str(tokens), "--mode", mode],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip


def _wait_ready(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "READY", line


def test_cli_recovers_every_crash_with_no_lost_duplicate_or_false_payment(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    dev_dir = tmp_path / "till"
    with RunningEmulator.start(seed="empty", rate_limit_per_minute=1_000_000) as emulator:
        control = emulator.control
        control.set_realism(race_window_s=0.15)
        prices = {
            control.create_booking(offer_name=f"Livre {index}", price_cents=500 + index): 500 + index
            for index in range(BOOKINGS)
        }
        tokens_file = tmp_path / "tokens.txt"
        tokens_file.write_text("\n".join(prices), encoding="ascii")
        control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, count=3, path_contains="/use/"))
        kills = 0
        for _ in range(KILLS):
            child = _child(dev_dir, emulator.base_url, tokens_file, "validate")
            _wait_ready(child)
            time.sleep(rng.uniform(0.0, KILL_DELAY_MAX_S))
            if child.poll() is None:
                child.kill()
                kills += 1
            child.wait(CHILD_TIMEOUT_S)
            assert child.stdout is not None
            child.stdout.close()
        assert kills >= KILLS // 2, f"seed {SEED}: the children ended before being killed"
        time.sleep(0.3)  # the last killed request's transaction ends on the server
        logs = []
        for mode in ("validate", "show"):
            child = _child(dev_dir, emulator.base_url, tokens_file, mode)
            out, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
            assert child.returncode == 0, f"seed {SEED}: {out}"
            logs.append(out)
        states = {token: control.booking_state(token)["status"] for token in prices}
        journal = dev_dir / "data" / "journal.sqlite3"
        journal = journal if journal.exists() else next(dev_dir.rglob("journal*.sqlite3"))
        with sqlite3.connect(journal) as db:
            payments = db.execute("SELECT token, amount_cents FROM payments").fetchall()
            recovered = db.execute(
                "SELECT count(*) FROM resolutions WHERE confirmed_by_reread = 1 OR detail LIKE 'not applied%'"
            ).fetchone()[0]
            open_intents = db.execute(
                "SELECT i.id, i.token FROM intents i LEFT JOIN resolutions r ON r.intent_id = i.id"
                " WHERE r.intent_id IS NULL"
            ).fetchall()
        context = f"seed {SEED}, states {states}, payments {payments}, logs {logs}"
        assert open_intents == [], context
        print(f"seed {SEED}: {kills} kills, {recovered} intents settled by a re-read")
        assert recovered > 0, context  # the crashes and lost answers did leave work to the command line
        net = Counter[str]()
        for token, amount in payments:
            net[token] += amount
        used = {token for token, status in states.items() if status == "USED"}
        assert used == set(prices), context  # every booking was validated in the end
        assert {token: net[token] for token in used} == {token: prices[token] for token in used}, context
        assert len(payments) == len(used), context  # one line each: no duplicate, no false payment
        printed = subprocess.run(
            [sys.executable, "-m", "pos_client", "--dev-dir", str(dev_dir), "journal"],
            capture_output=True, text=True, env=_env(), timeout=CHILD_TIMEOUT_S, check=True,
        )  # fmt: skip
        total = sum(prices.values())
        euros = format_euros(total)
        assert f"Jour {date.today().isoformat()}" in printed.stdout
        assert f"total {euros}" in printed.stdout.splitlines()[0], (context, printed.stdout)
