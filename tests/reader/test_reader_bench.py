"""Smoke runs of bench/bench_parse.py and bench/bench_reader_cases.py with tiny sizes (timings are not
checked; the reader-cases bench must show no wrong token)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_parse.py"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_parse", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_parse", module)
    spec.loader.exec_module(module)
    return module


def test_bench_prints_one_row_per_class(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load_bench()
    assert bench.main(["--rounds", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    classes = [line.split()[0] for line in lines[3:]]
    assert classes == ["clean", "garbled", "rejected"]
    assert all(len(line.split()) == 6 for line in lines[3:])


def test_reader_cases_bench_prints_one_row_per_case_and_no_wrong_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = BENCH.parent / "bench_reader_cases.py"
    spec = importlib.util.spec_from_file_location("bench_reader_cases", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_reader_cases", bench)
    spec.loader.exec_module(bench)
    assert bench.main(["--n", "5"]) == 0
    rows = capsys.readouterr().out.splitlines()[3:]
    assert len(rows) == len(bench.CASES) + 1
    assert all(int(row[38:].split()[2]) == 0 for row in rows)  # the "wrong" column
