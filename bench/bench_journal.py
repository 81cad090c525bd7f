"""Journal bench: write latency of a sale, and export time for a big journal.

    python bench/bench_journal.py [--n 500] [--rows 100000] [--repeat 3] [--dir DIR]

1. Write latency, on a real journal file (WAL, ``synchronous=FULL``: every commit waits for the
   disk), exactly as the counter writes a sale: ``begin`` (the intent, before the request) and
   ``resolve_done`` (the resolution and its payment record, after the answer). Printed per step and
   for the whole sale: median, p99, max.
2. Export time for ``--rows`` payment records (spread over 30 days) to CSV (French spreadsheet:
   BOM, ``;``, decimal comma) and JSON lines, through ``write_export`` (temporary file, fsync,
   rename). The journal is filled by one bulk SQL transaction (a sale at a time would take minutes
   of fsyncs and measures nothing new); each export is then checked to hold every row.

The journal lives in a temporary folder under ``--dir`` (default: the system's temporary folder),
which must be on the disk the till would use for the numbers to mean anything. Nothing is asserted
(tests/journal/test_journal_bench_smoke.py only smoke-runs it with tiny numbers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.journal import SqliteJournal, open_journal
from pos_client.journal.export import ExportFormat, write_export

FIRST_DAY = date(2026, 11, 1)
DAYS = 30
NOBODY = Beneficiary(first_name="", last_name="", birth_date=None, email="", phone_number="", postal_code="")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def booking(number: int) -> Booking:
    return Booking(
        id=number,
        token=f"B{number % 100_000:05d}",
        status=BookingStatus.CONFIRMED,
        quantity=1 + number % 2,
        unit_price_cents=100 + number % 4900,
        offer_id=10,
        offer_name=f"Livre numéro {number}",
        offer_ean="9782070612758",
        stock_id=20,
        price_category_id=None,
        price_category_label=None,
        venue_id=5401,
        venue_name="Librairie",
        offer_address=None,
        offer_department_code="75",
        creation_date=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        confirmation_date=None,
        beneficiary=NOBODY,
    )


def measure_writes(journal: SqliteJournal, n: int) -> dict[str, list[float]]:
    """Milliseconds per step of ``n`` sales, written as the counter writes them."""
    steps: dict[str, list[float]] = {"begin (intent)": [], "resolve_done + payment": [], "whole sale": []}
    for number in range(n):
        sold = booking(number)
        start = time.perf_counter()
        intent = journal.begin(
            Operation.USE, sold, transport=Transport.SERIAL, source_id="serial:bench", id_checked_at=None
        )
        middle = time.perf_counter()
        payment = journal.resolve_done(intent)
        end = time.perf_counter()
        assert payment is not None and payment.amount_cents == sold.total_cents
        steps["begin (intent)"].append((middle - start) * 1000)
        steps["resolve_done + payment"].append((end - middle) * 1000)
        steps["whole sale"].append((end - start) * 1000)
    return steps


def fill(journal: SqliteJournal, rows: int) -> None:
    """``rows`` validated sales (intent, resolution, payment), in one transaction, spread over days."""
    intents = []
    resolutions = []
    payments = []
    start = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, 8, tzinfo=UTC)
    step = timedelta(days=DAYS) / rows
    for number in range(1, rows + 1):
        sold = booking(number)
        moment = start + step * number
        at = moment.isoformat(timespec="microseconds")
        day = moment.astimezone().date().isoformat()
        amount = sold.total_cents
        common = (sold.token, sold.id, sold.offer_name, sold.offer_ean, sold.unit_price_cents, sold.quantity)
        intents.append((number, "use", *common, journal.till, "serial", "serial:bench", at, at, day))
        resolutions.append((number, "done", "", 0, at))
        recorded = (amount, journal.till, "serial", at, day)
        payments.append((str(uuid.uuid4()), number, "use", "pass Culture", *common, *recorded))
    with journal._transaction() as db:  # the bench's bulk fill only; the till writes a sale at a time
        db.executemany(
            "INSERT INTO intents (id, operation, token, booking_id, offer_name, ean, unit_price_cents,"
            " quantity, till, transport, source_id, id_checked_at, created_at, local_day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            intents,
        )
        db.executemany("INSERT INTO resolutions VALUES (?, ?, ?, ?, ?)", resolutions)
        db.executemany(
            "INSERT INTO payments (uid, intent_id, operation, payment_mode, token, booking_id, offer_name,"
            " ean, unit_price_cents, quantity, amount_cents, till, transport, recorded_at, local_day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            payments,
        )


def measure_exports(journal: SqliteJournal, rows: int, repeat: int, folder: Path) -> list[str]:
    lines = []
    last_day = FIRST_DAY + timedelta(days=DAYS + 1)
    for fmt in ExportFormat:
        seconds = []
        size = 0
        for attempt in range(repeat):
            target = folder / f"export-{attempt}.{fmt.value}"
            start = time.perf_counter()
            count = write_export(journal, FIRST_DAY - timedelta(days=1), last_day, fmt, target)
            seconds.append(time.perf_counter() - start)
            assert count == rows, (count, rows)
            size = target.stat().st_size
            lines_written = target.read_bytes().count(b"\n")
            assert lines_written == rows + (fmt is ExportFormat.CSV), (lines_written, rows)
            target.unlink()
        median = statistics.median(seconds)
        lines.append(
            f"| {fmt.value:<6} | {rows:>8} | {median:>9.3f} | {max(seconds):>9.3f} | "
            f"{rows / median:>10.0f} | {size / 1e6:>8.1f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=500, help="sales written one by one (latency)")
    parser.add_argument("--rows", type=int, default=100_000, help="payment records to export")
    parser.add_argument("--repeat", type=int, default=3, help="exports per format (median reported)")
    parser.add_argument("--dir", type=Path, default=None, help="where the temporary journal lives")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-journal-", dir=args.dir) as tmp:
        folder = Path(tmp)
        print(f"journal in {folder} (WAL, synchronous=FULL)")
        with open_journal(folder / "latency.sqlite3", till="bench") as journal:
            steps = measure_writes(journal, args.n)
        print(f"| {'write step':<24} | {'n':>5} | {'median ms':>9} | {'p99 ms':>9} | {'max ms':>9} |")
        print(f"|{'-' * 26}|{'-' * 7}|{'-' * 11}|{'-' * 11}|{'-' * 11}|")
        for name, values in steps.items():
            print(
                f"| {name:<24} | {len(values):>5} | {statistics.median(values):>9.3f} | "
                f"{percentile(values, 0.99):>9.3f} | {max(values):>9.3f} |"
            )
        print()
        with open_journal(folder / "export.sqlite3", till="bench") as journal:
            start = time.perf_counter()
            fill(journal, args.rows)
            fill_s = time.perf_counter() - start
            print(f"filled {args.rows} payment records in {fill_s:.2f} s (one bulk transaction)")
            widths = {"format": 6, "rows": 8, "median s": 9, "max s": 9, "rows/s": 10, "MB": 8}
            print("| " + " | ".join(f"{name:>{width}}" for name, width in widths.items()) + " |")
            print(f"|{'-' * 8}|{'-' * 10}|{'-' * 11}|{'-' * 11}|{'-' * 12}|{'-' * 10}|")
            for line in measure_exports(journal, args.rows, args.repeat, folder):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
