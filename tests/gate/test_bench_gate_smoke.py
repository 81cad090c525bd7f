"""The gate bench runs end to end with 2 gates for a few seconds (numbers are not checked)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_gate


def test_bench_gate_prints_its_table() -> None:
    text = "\n".join(bench_gate.run(gates=2, seconds=4, rate=1.0))
    assert "scan -> verdict, all gates: p50" in text and "most in any 60 s window" in text
    assert "double entries admitted with the claims up" in text and "entries lost" in text
