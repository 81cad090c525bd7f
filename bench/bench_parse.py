"""Parse time of the contremarque reader per input, by input class.

    python bench/bench_parse.py [--rounds 2000]

Classes: clean payloads (v3, v2 with EAN, vN, typed token, with scanner decorations), garbled
payloads (one per layout repair: the reader tries the plain reading first, then the repairs) and
rejected inputs (book barcode, web link, other QR, truncated, control characters, long text). Each
input is parsed ``--rounds`` times, each call timed with ``perf_counter_ns``; the table gives the
median and p99 per call for each class, the worst input of the class, and the ratio to the clean
median. Nothing is asserted here (tests/reader/test_reader_bench.py only smoke-runs it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.scanner.layouts import ALL_REPAIRS
from pos_client.scanner.payload import Contremarque, read_contremarque

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"

CLEAN = [
    PAYLOAD,
    "PASSCULTURE:v2;EAN13:9782070368228;TOKEN:ABCDEF",
    "PASSCULTURE:v7;SEAT:A12;VENUE:42;TOKEN:GHJK23",
    " 352uw4 ",
    "\x02]Q1PASSCULTURE:v3;TOKEN:352UW4\r\n\x03",
]
REJECTED = [
    "9782070368228",
    "https://passculture.app/reservation/123",
    "WIFI:S:musee;T:WPA;P:secret;;",
    "PASSCULTURE:v3;TOKEN:35",
    "PASSCULTURE:v3;\x07TOKEN:352UW4",
    "x" * 250,
]


def garbled_inputs() -> list[str]:
    inputs: list[str] = []
    for repair in ALL_REPAIRS:
        garbled = repair.garble(PAYLOAD)
        if garbled is not None and garbled not in inputs:
            inputs.append(garbled)
    return inputs


def time_input(text: str, rounds: int) -> list[int]:
    samples: list[int] = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        read_contremarque(text)
        samples.append(time.perf_counter_ns() - start)
    return samples


def p99(samples: Sequence[int]) -> float:
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])


def run(rounds: int) -> list[tuple[str, int, float, float, float]]:
    """(class, inputs, median µs, p99 µs, worst input's median µs) per class."""
    rows: list[tuple[str, int, float, float, float]] = []
    for name, inputs in (("clean", CLEAN), ("garbled", garbled_inputs()), ("rejected", REJECTED)):
        all_samples: list[int] = []
        worst = 0.0
        for text in inputs:
            samples = time_input(text, rounds)
            all_samples.extend(samples)
            worst = max(worst, statistics.median(samples))
        median_us = statistics.median(all_samples) / 1000
        rows.append((name, len(inputs), median_us, p99(all_samples) / 1000, worst / 1000))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=2000, help="calls per input")
    args = parser.parse_args(argv)
    for text in CLEAN + garbled_inputs():
        if not isinstance(read_contremarque(text), Contremarque):
            print(f"unexpected rejection of {text!r}")
            return 1
    rows = run(args.rounds)
    clean_median = rows[0][2]
    print(f"read_contremarque, {args.rounds} calls per input, {len(ALL_REPAIRS)} layout repairs")
    header = f"{'class':<10}{'inputs':>7}{'median µs':>12}{'p99 µs':>10}{'worst µs':>10}{'x clean':>9}"
    print(header)
    print("-" * len(header))
    for name, count, median, high, worst in rows:
        print(f"{name:<10}{count:>7}{median:>12.1f}{high:>10.1f}{worst:>10.1f}{median / clean_median:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
