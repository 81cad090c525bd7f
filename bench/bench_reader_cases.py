"""The contremarque reader on the real inputs of issue 17, per case: right, wrong token, refused.

    python bench/bench_reader_cases.py [--n 300] [--seed 17]

Each case draws ``--n`` inputs with a fixed seed (random tokens, v3 and v2 payloads) and reads them
with ``read_contremarque`` (PC layout unknown, as at a till that never set it). For inputs that
carry a token, "right" is that token, "wrong" another token, "refused" a rejection; for inputs that
must be refused (different codes glued, ambiguous prefixes, a book's barcode behind a dead-key AIM),
"right" is a rejection and any token is "wrong". "wrong" must be 0 everywhere. The last column is
the median reading time. Nothing is asserted here (tests/reader/test_reader_bench.py smoke-runs it;
the tests check the rules).
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.scanner.layouts import ALL_REPAIRS, repair_by_id
from pos_client.scanner.payload import TOKEN_ALPHABET, Contremarque, read_contremarque

Case = Callable[[random.Random], tuple[str, str | None]]  # (input, expected token or None)


def token(rng: random.Random) -> str:
    return "".join(rng.choice(TOKEN_ALPHABET) for _ in range(6))


def payload(rng: random.Random, value: str) -> str:
    if rng.random() < 0.25:
        ean = "".join(rng.choice(string.digits) for _ in range(13))
        return f"PASSCULTURE:v2;EAN13:{ean};TOKEN:{value}"
    return f"PASSCULTURE:v3;TOKEN:{value}"


def garbled(repair_id: str, prefix: str = "") -> Case:
    repair = repair_by_id(repair_id)

    def make(rng: random.Random) -> tuple[str, str | None]:
        value = token(rng)
        typed = repair.garble(prefix + payload(rng, value))
        assert typed is not None
        return typed + rng.choice(["", "\r", "\r\n"]), value

    return make


def any_layout(rng: random.Random) -> tuple[str, str | None]:
    value = token(rng)
    typed = rng.choice(ALL_REPAIRS).garble(payload(rng, value))
    assert typed is not None
    return typed, value


def dead_key_aim(windows: bool) -> Case:
    repair = repair_by_id("us-on-ch-fr-qwertz")

    def make(rng: random.Random) -> tuple[str, str | None]:
        value = token(rng)
        rest = repair.garble(payload(rng, value)) or ""
        modifier = rng.choice("0123456")
        return ("¨Q" if windows else "") + modifier + rest + "\r", value

    return make


def unconfigured_prefix(rng: random.Random) -> tuple[str, str | None]:
    value = token(rng)
    prefix = rng.choice([">>", "<", "QR:", "DATA=", "#", "*", "ID:", ">"])
    return prefix + payload(rng, value) + "\r", value


def ambiguous_prefix(rng: random.Random) -> tuple[str, str | None]:
    lead = rng.choice(["x", "AB", "TOKEN:", "EN:", ";", "ABCDEF", "A1B2"])
    return lead + payload(rng, token(rng)), None


def glued_same(rng: random.Random) -> tuple[str, str | None]:
    value = token(rng)
    text = payload(rng, value)
    separator = rng.choice(["", "\r", "\n", "\r\n", "\t"])
    repair = rng.choice([None, *ALL_REPAIRS])
    if repair is not None:
        text = repair.garble(text) or text
    return separator.join([text] * rng.choice([2, 3])) + separator, value


def glued_different(rng: random.Random) -> tuple[str, str | None]:
    first, second = token(rng), token(rng)
    while second == first:
        second = token(rng)
    separator = rng.choice(["", "\r", "\r\n"])
    return payload(rng, first) + separator + payload(rng, second), None


def book_behind_dead_aim(rng: random.Random) -> tuple[str, str | None]:
    return "Ë0" + "978" + "".join(rng.choice(string.digits) for _ in range(10)), None


CASES: dict[str, Case] = {
    "clean payload": lambda rng: (lambda v: (payload(rng, v) + "\r", v))(token(rng)),
    "any layout repair (21 pairs)": any_layout,
    "Caps Lock, Linux fr (É)": garbled("us-on-fr-azerty+capslock-linux"),
    "Caps Lock, Windows fr (digits)": garbled("us-on-fr-azerty+capslock"),
    "Caps Lock, Linux ch-fr": garbled("us-on-ch-fr-qwertz+capslock-linux"),
    "dead-key AIM, Linux (1PASS...)": dead_key_aim(windows=False),
    "dead-key AIM, Windows (¨Q1PASS...)": dead_key_aim(windows=True),
    "unconfigured short prefix": unconfigured_prefix,
    "unconfigured prefix on fr PC": garbled("us-on-fr-azerty", ">>"),
    "same code glued (continuous)": glued_same,
    "different codes glued (refuse)": glued_different,
    "ambiguous prefix (refuse)": ambiguous_prefix,
    "book EAN behind Ë0 (refuse)": book_behind_dead_aim,
}


def run(n: int, seed: int) -> list[tuple[str, int, int, int, int, float]]:
    rows = []
    for name, case in CASES.items():
        rng = random.Random(f"{seed}:{name}")
        right = wrong = refused = 0
        times: list[float] = []
        for _ in range(n):
            text, expected = case(rng)
            start = time.perf_counter_ns()
            result = read_contremarque(text)
            times.append((time.perf_counter_ns() - start) / 1000)
            got = result.token if isinstance(result, Contremarque) else None
            if got == expected:
                right += 1
            elif got is not None:
                wrong += 1
            else:
                refused += 1
        rows.append((name, n, right, wrong, refused, statistics.median(times)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=300, help="inputs per case")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    print(f"read_contremarque on issue 17's inputs, {args.n} per case, seed {args.seed}, PC layout unknown")
    header = f"{'case':<38}{'inputs':>7}{'right':>7}{'wrong':>7}{'refused':>9}{'median µs':>11}"
    print(header)
    print("-" * len(header))
    rows = run(args.n, args.seed)
    for name, count, right, wrong, refused, median in rows:
        print(f"{name:<38}{count:>7}{right:>7}{wrong:>7}{refused:>9}{median:>11.0f}")
    print(
        f"{'all':<38}{sum(r[1] for r in rows):>7}{sum(r[2] for r in rows):>7}"
        f"{sum(r[3] for r in rows):>7}{sum(r[4] for r in rows):>9}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
