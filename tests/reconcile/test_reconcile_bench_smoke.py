"""The reconciliation bench runs end to end with tiny numbers and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_reconcile.py"


def test_bench_reconcile_prints_every_step(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "50", "--repeat", "1", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:] for line in done.stdout.splitlines() if "|" in line
    }
    assert {"read", "import", "import again", "match"} <= rows.keys()
    assert rows["match"][0].strip() == "50"
    assert list(tmp_path.iterdir()) == []
