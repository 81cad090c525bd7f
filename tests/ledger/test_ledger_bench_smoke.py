"""The ledger benchmark runs end to end with tiny numbers and prints its tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pos_client.ledger.local_server import find_bin_dir

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_ledger.py"


def test_bench_ledger_prints_claims_replication_and_catch_up() -> None:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (./run installs Debian's postgresql)")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--tills",
            "2",
            "--claims",
            "5",
            "--records",
            "30",
            "--outage-records",
            "9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:] for line in done.stdout.splitlines() if "|" in line
    }
    assert rows["distinct bookings, claim + done"][1].strip() == "10"
    assert rows["same bookings (races)"][1].strip() == "10"
    assert rows["push of a full journal"][0].strip() == "30"
    (catch_up,) = [name for name in rows if name.startswith("catch-up after an outage")]
    assert "lag shown: 9 records" in catch_up and rows[catch_up][0].strip() == "9"


MULTITILL = BENCH.with_name("bench_multitill.py")


@pytest.mark.slow
def test_bench_multitill_runs_counters_kills_an_outage_and_prints_its_tables() -> None:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (./run installs Debian's postgresql)")
    done = subprocess.run(
        [
            sys.executable,
            str(MULTITILL),
            "--tills",
            "2",
            "--seconds",
            "4",
            "--bookings",
            "6",
            "--kills",
            "1",
            "--outage",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in done.stdout.splitlines()
        if "|" in line
    }
    assert rows["SIGKILLs of tills"] == "1"
    assert rows["tills, seconds, bookings (at the start + arrived)"].startswith("2, 4.0, 6 + ")
    for name in (
        "bookings validated on the server",
        "payment lines in the ledger",
        "lost (validated, no line)",
        "429 answered (over 200 in a sliding minute)",
        "double validations attempted, ledger up",
        "ledger catch-up after the outage (s)",
    ):
        assert rows[name] != "", name
    assert int(rows["payment lines in the ledger"]) >= 1
    # Never two lines for one booking, never a line for a booking the server did not validate.
    assert rows["duplicated (two lines or more)"] == "0" and rows["false (a line, not validated)"] == "0"
    assert int(rows["tills (all lives): scans"]) >= 2  # the tills' own counters went through scans
