"""Smoke run of ``bench/bench_startup.py`` (one tiny run of the plain install): the real window in
demo mode starts offscreen, reports its stages and memory, and the table is printed."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.gui


def _load_bench(project_root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pos_client_bench_startup", project_root / "bench" / "bench_startup.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_bench_startup_prints_its_table(project_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load_bench(project_root)
    assert bench.main(["--runs", "1", "--scans", "3", "--idle-s", "0.1", "--only", "install"]) == 0
    out = capsys.readouterr().out
    row = re.search(
        r"^plain install +1 +([\d.]+)s +([\d.]+)s .* +([\d.]+) +\d+% +3 +([\d.]+) ", out, re.MULTILINE
    )
    assert row is not None, out
    ready_s, idle_mb, after_mb = float(row.group(2)), float(row.group(3)), float(row.group(4))
    assert 0 < ready_s < bench.PROBE_TIMEOUT_S
    assert 30 < idle_mb < 2000 and 30 < after_mb < 2000  # megabytes of a real Qt process
    stages = re.search(r"^  plain install +([\d.]+) s \+ ([\d.]+) s \+ ([\d.]+) s$", out, re.MULTILINE)
    assert stages is not None, out
    assert sum(float(stages.group(i)) for i in (1, 2, 3)) == pytest.approx(ready_s, abs=0.02)
