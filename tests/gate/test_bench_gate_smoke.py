"""The gate bench runs end to end with 2 gates on a throwaway PostgreSQL for a few seconds (numbers are
not checked: performance is the bench's business, not the suite's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pos_client.ledger.local_server import find_bin_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_gate


def test_bench_gate_prints_its_table() -> None:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (./run installs Debian's postgresql)")
    text = "\n".join(bench_gate.run(gates=2, seconds=5, rate=1.0))
    assert "scan -> verdict, all gates: p50" in text and "most in any 60 s window" in text
    assert "double entries admitted with the ledger up: 0" in text
    assert "not in the ledger after reconciliation 0" in text and "not in the gate's file 0" in text
