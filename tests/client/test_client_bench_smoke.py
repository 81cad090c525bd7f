"""The API benchmark runs end to end with a tiny N and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_api.py"


def test_bench_api_prints_a_row_per_operation_and_concurrency() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "8", "--concurrency", "1", "4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "median ms" in lines[0] and "p99 ms" in lines[0] and "req/s" in lines[0]
    rows = [line.split() for line in lines[2:]]
    assert [(row[0], row[1]) for row in rows] == [
        ("lookup", "1"),
        ("validate", "1"),
        ("lookup", "4"),
        ("validate", "4"),
    ]
    assert all(row[-1] == "0" for row in rows)  # no failed request
