"""The webcam bench runs end to end on a tiny corpus (its numbers are read by people, not asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_its_tables(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import bench_webcam

    # The bench pins its process to one core: keep the test runner's affinity as it was.
    monkeypatch.setattr(bench_webcam, "pin_to_one_core", lambda: "not pinned (test)")
    args = ["--per-condition", "1", "--latency-runs", "0", "--sizes", "640x480"]
    args += ["--sequences", "1", "--sequence-length", "2", "--stream-size", "640x480"]
    assert bench_webcam.main(args) == 0
    out = capsys.readouterr().out
    assert "| decode_frame |" in out and "| zxing plain |" in out and "| pyzbar plain |" in out
    assert "Decode rate per condition at 640x480" in out
    assert "p95 640x480 decode_frame" in out
    # The issue 17 table: per condition, before and after the glare fusion, and the targets line.
    for condition in ("plain", "blur", "glare", "occlusion", "low light", "none", "all"):
        assert f"| {condition} | + glare fusion |" in out
        assert f"| {condition} | one frame |" in out
    assert "- hand-held streams:" in out
    sys.modules.pop("bench_webcam", None)
