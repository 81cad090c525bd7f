"""The journal benchmark runs end to end with tiny numbers and prints both of its tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_journal.py"


def test_bench_journal_prints_write_latency_and_export_tables(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "5", "--rows", "300", "--repeat", "1", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:] for line in done.stdout.splitlines() if "|" in line
    }
    assert {"begin (intent)", "resolve_done + payment", "whole sale", "csv", "jsonl"} <= rows.keys()
    assert rows["whole sale"][0].strip() == "5"
    assert [rows[fmt][0].strip() for fmt in ("csv", "jsonl")] == ["300", "300"]
    assert list(tmp_path.iterdir()) == []  # the temporary journal and exports are cleaned up
