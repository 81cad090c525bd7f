"""The counter bench runs end to end with a tiny N (numbers are not checked: benches measure)."""

from __future__ import annotations

import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_counter


def test_bench_counter_runs_with_a_tiny_n(qtbot: QtBot) -> None:
    lines = bench_counter.run(n=2, burst=6)
    text = "\n".join(lines)
    assert "scan -> card painted" in text and "Validate -> success painted" in text
    assert "longest GUI-thread stall" in text
