"""The shortcut-key bench (review m18) runs end to end under its own Xvfb with N=1 (numbers are not
checked: benches measure)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_scan_to_card
import bench_shortcut_keys

pytestmark = [
    pytest.mark.x11,
    pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb (Debian: xvfb)"),
]


def test_bench_shortcut_keys_runs_with_n_1() -> None:
    script = bench_shortcut_keys.__file__
    lines = bench_scan_to_card.run_under_xvfb(n=1, gap_ms=5.0, timeout_s=120, script=script)
    text = "\n".join(lines)
    assert "Alt+I -> Valider painted" in text and "Échap -> Prêt painted" in text and "median ms" in text
