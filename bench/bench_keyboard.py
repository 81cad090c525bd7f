"""The keyboard burst classifier on a corpus of timing traces, per case.

    python bench/bench_keyboard.py [--n 100] [--seed 17]

The corpus (``tests/scanners/keyboard_traces.py``) is generated from the timing models of issue 17
with a fixed seed (USB and Bluetooth scanners, hiccups, a person typing around a scan, fast
typists, auto-repeat, layout mismatches), plus a few hand-written recorded-style traces and traces
recorded from a real X server (xdotool under Xvfb, ``scripts/record_x11_key_traces.py``). Each trace
is replayed through ``BurstClassifier`` at the default settings, driven like the Qt adapter drives
it (silence timer included). Per case the table gives: traces whose scans read exactly the expected
tokens ("scans right"), traces whose person's keys reached the field exactly, in order ("typed
right"), tokens read that the trace does not carry ("wrong", must be 0), and the classifier's time
per key (median and p99, µs). A second block shows the same corpus with the Bluetooth override
(``keyboard_max_gap_ms = 150``, the old timing rule), for comparison. The "session" row replays
n/10 traces of every case, shuffled and 2 s apart, through one classifier (it adapts to the
scanners it meets): one trace, right or not as a whole. Nothing is asserted here
(tests/scanners/test_keyboard_traces.py does, and smoke-runs this script).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scanners"))

from keyboard_traces import CASES, RECORDED_STYLE, RECORDED_X11, Trace, generate, replay, score, session_trace  # noqa: E402

from pos_client.scanner.keyboard_burst import BurstClassifier  # noqa: E402


def run_case(traces: list[Trace], max_gap_ms: float) -> tuple[int, int, int, list[float]]:
    """(scans right, typed right, wrong tokens, µs per key of each trace)."""
    scans_right = typed_right = wrong = 0
    per_key: list[float] = []
    for trace in traces:
        classifier = BurstClassifier(max_gap_ms=max_gap_ms)
        start = time.perf_counter_ns()
        replayed = replay(classifier, trace.keys)
        per_key.append((time.perf_counter_ns() - start) / 1000 / max(1, len(trace.keys)))
        result = score(trace, replayed)
        scans_right += result.scans_right
        typed_right += result.typed_right
        wrong += result.wrong_tokens
    return scans_right, typed_right, wrong, per_key


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def table(n: int, seed: int, max_gap_ms: float) -> list[tuple[str, int, int, int, int, float, float]]:
    rows = []
    corpus = [(case, list(generate(case, n, seed))) for case in CASES]
    corpus.append(("recorded-style traces", list(RECORDED_STYLE)))
    corpus.append(("recorded under Xvfb (real X11 timestamps)", list(RECORDED_X11)))
    corpus.append(("session: all cases mixed, one classifier", [session_trace(max(1, n // 10), seed)]))
    for case, traces in corpus:
        scans_right, typed_right, wrong, per_key = run_case(traces, max_gap_ms)
        rows.append(
            (case, len(traces), scans_right, typed_right, wrong, statistics.median(per_key), p99(per_key))
        )
    return rows


def print_table(title: str, rows: list[tuple[str, int, int, int, int, float, float]]) -> None:
    print(title)
    header = (
        f"{'case':<42}{'traces':>7}{'scans right':>13}{'typed right':>13}{'wrong':>7}"
        f"{'µs/key med':>12}{'p99':>8}"
    )
    print(header)
    print("-" * len(header))
    for case, count, scans_right, typed_right, wrong, median, high in rows:
        print(f"{case:<42}{count:>7}{scans_right:>13}{typed_right:>13}{wrong:>7}{median:>12.0f}{high:>8.0f}")
    total = sum(row[1] for row in rows)
    print(
        f"{'all':<42}{total:>7}{sum(r[2] for r in rows):>13}{sum(r[3] for r in rows):>13}"
        f"{sum(r[4] for r in rows):>7}"
    )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=100, help="traces per generated case")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    print_table(
        f"Default settings (keyboard_max_gap_ms = 50), {args.n} traces per case, seed {args.seed}",
        table(args.n, args.seed, 50.0),
    )
    print_table(
        "Bluetooth override (keyboard_max_gap_ms = 150: the old timing rule for content-less scans)",
        table(args.n, args.seed, 150.0),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
