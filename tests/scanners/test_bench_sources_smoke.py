"""The sources benchmark runs end to end (tiny N, in its own process: it sets its own Qt platform)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_sources.py"


def test_bench_sources_prints_a_row_per_source() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "2"], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "median ms" in lines[0] and "p99 ms" in lines[0]
    for source in ("serial (CR suffix)", "hid pos", "evdev exclusive", "keyboard capture (Enter)"):
        assert any(line.startswith(source) for line in lines), source
