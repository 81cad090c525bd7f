"""The scan-to-card bench runs end to end under its own Xvfb with a tiny N (numbers are not checked:
benches measure)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_scan_to_card

pytestmark = [
    pytest.mark.x11,
    pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb (Debian: xvfb)"),
]


def test_bench_scan_to_card_runs_with_a_tiny_n() -> None:
    lines = bench_scan_to_card.run_under_xvfb(n=2, gap_ms=3.0, timeout_s=120)
    text = "\n".join(lines)
    assert "last key -> card" in text and "median ms" in text and "misreads:" in text
