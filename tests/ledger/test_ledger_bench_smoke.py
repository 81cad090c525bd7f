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
