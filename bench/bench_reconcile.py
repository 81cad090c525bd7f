"""Reconciliation bench: reading, importing and matching a big reimbursement file.

    python bench/bench_reconcile.py [--rows 20000] [--repeat 3] [--dir DIR]

Builds ``--rows`` validations (plain ``LedgerLine`` records, spread over one fortnight) and the pass
Culture file reimbursing them (newest header version, generated), then times, per repeat: reading
and checking the file, importing it into a fresh reimbursement store (SQLite beside the journal),
importing the same lines again from another header version (all known: nothing added), and matching
them with the validations. Prints median and max per step, and rows per second at the median.
Nothing is asserted (tests/reconcile/test_reconcile_bench_smoke.py smoke-runs it with tiny numbers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.app.demo_reimbursements import GeneratedLine, reimbursement_file_bytes
from pos_client.domain.ledger import Operation
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.matcher import LedgerLine, reconcile
from pos_client.reconcile.reader import read_reimbursement_bytes
from pos_client.reconcile.store import ReimbursementStore

PARIS = ZoneInfo("Europe/Paris")
PERIOD = (date(2026, 11, 1), date(2026, 11, 15))
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def token(number: int) -> str:
    letters = []
    for _ in range(6):
        number, digit = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


def build(rows: int) -> tuple[list[LedgerLine], list[GeneratedLine]]:
    lines, generated = [], []
    start = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
    step = timedelta(days=14) / max(rows, 1)
    for number in range(rows):
        when = start + step * number
        price = 500 + number % 3000
        code = token(number + 1_000_000)
        lines.append(
            LedgerLine(
                "caisse-1", code, Operation.USE, price, price, 1, when, when.date(), f"Offre {number % 97}"
            )
        )
        rate = Decimal(95) if number % 10 == 0 else Decimal(100)
        generated.append(
            GeneratedLine(code, when, price, rate, price * int(rate) // 100, f"Offre {number % 97}", PERIOD)
        )
    return lines, generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    lines, generated = build(args.rows)
    newest = reimbursement_file_bytes(generated, HeaderVersion.STRUCTURE)
    older = reimbursement_file_bytes(generated, HeaderVersion.COMPTE_BANCAIRE)
    steps: dict[str, list[float]] = {"read": [], "import": [], "import again": [], "match": []}
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for attempt in range(args.repeat):
            began = time.perf_counter()
            file = read_reimbursement_bytes(newest, "f.csv")
            steps["read"].append(time.perf_counter() - began)
            again = read_reimbursement_bytes(older, "g.csv")
            with ReimbursementStore(Path(folder) / f"r{attempt}.sqlite3") as store:
                began = time.perf_counter()
                store.import_files([file])
                steps["import"].append(time.perf_counter() - began)
                began = time.perf_counter()
                store.import_files([again])
                steps["import again"].append(time.perf_counter() - began)
                rows = store.rows()
            began = time.perf_counter()
            reconcile(lines, rows)
            steps["match"].append(time.perf_counter() - began)
    print(f"reimbursement file: {args.rows} lines, {len(newest) / 1e6:.1f} MB; {args.repeat} repeat(s)")
    print("| step | rows | median s | max s | rows/s |")
    print("|---|---|---|---|---|")
    for name, values in steps.items():
        median = statistics.median(values)
        rate = args.rows / median if median else float("inf")
        print(f"| {name} | {args.rows} | {median:.3f} | {max(values):.3f} | {rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
