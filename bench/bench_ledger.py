"""Ledger bench: claims per second, replication throughput, catch-up time after an outage.

    python bench/bench_ledger.py [--tills 4] [--claims 400] [--records 20000] [--outage-records 5000]

Starts its own throwaway PostgreSQL (``pos_client.ledger.local_server``: Debian's ``postgresql``,
TCP on 127.0.0.1, fsync off, so the numbers are the protocol's and the SQL's, not a disk's), creates
a ledger and ``--tills`` till roles, then measures:

1. claims: ``--tills`` threads, each with its own connection, claim-then-done distinct tokens
   (the counter's path when there is no race), then all claim the same tokens (a race on every
   booking: one wins); latency per call (median, p99) and claims per second overall;
2. replication: a journal holding ``--records`` records (sales written by one bulk SQL transaction
   in the real journal schema, the feed's triggers numbering them) pushed to the ledger in batches
   of 500; records per second;
3. catch-up: the ledger is stopped, ``--outage-records`` more records are written, the ledger is
   started again; time from its start to the till being up to date (reconnect + push), and the lag
   the till reported during the outage.

Nothing is asserted (tests/ledger/test_ledger_bench_smoke.py smoke-runs it with tiny numbers).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # after the path set-up above

from pos_client.domain.ledger import Operation
from pos_client.journal import open_journal
from pos_client.ledger.claims import Claims
from pos_client.ledger.connection import LedgerConfig, LedgerLink
from pos_client.ledger.local_server import LocalPostgres
from pos_client.ledger.replication import Replicator
from pos_client.ledger.schema import migrate

PASSWORD = "bench-till-password-0123"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def link_for(server: LocalPostgres, role: str) -> LedgerLink:
    config = LedgerConfig("127.0.0.1", server.port, "bench_ledger", role, role, sslmode="disable")
    return LedgerLink(config, lambda: PASSWORD, retry_after_s=0.0)


def prepare(server: LocalPostgres, tills: int) -> None:
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE bench_ledger")
        admin.execute("CREATE ROLE pos_till NOLOGIN")
        for number in range(tills):
            admin.execute(
                f"CREATE ROLE bench_till_{number} LOGIN PASSWORD '{PASSWORD}' IN ROLE pos_till".encode()
            )
    with psycopg.connect(server.conninfo("bench_ledger"), autocommit=True) as owner:
        migrate(owner)


def run_claims(
    server: LocalPostgres, tills: int, per_till: int, *, contested: bool
) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(tills + 1)
    prefix = uuid.uuid4().hex[:4]

    def till(number: int) -> None:
        own: list[float] = []
        with link_for(server, f"bench_till_{number}") as link:
            claims = Claims(link)
            claims.live_claim("warm")
            barrier.wait()
            for index in range(per_till):
                token = f"{prefix}{index}" if contested else f"{prefix}{number}-{index}"
                start = time.perf_counter()
                answer = claims.claim(token, Operation.USE)
                if answer.granted:
                    claims.done(answer.claim_id)
                own.append(time.perf_counter() - start)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=till, args=(n,)) for n in range(tills)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start


def fill_journal(path: Path, sales: int, first: int) -> None:
    """``sales`` sales (intent, outcome, payment: 3 feed records each) in one SQL transaction."""
    import sqlite3

    now = "2026-11-23T09:30:00.000000+00:00"
    with closing(sqlite3.connect(path)) as db, db:
        for number in range(first, first + sales):
            intent_id = db.execute(
                "INSERT INTO intents (operation, token, booking_id, offer_name, ean, unit_price_cents,"
                " quantity, till, transport, source_id, created_at, local_day, venue_id, venue_name)"
                " VALUES ('use', ?, ?, 'Livre', '9782070612758', 1250, 1, 'bench', 'keyboard', 'bench', ?,"
                " '2026-11-23', 5401, 'Librairie')",
                (f"B{number:05d}"[-6:], number, now),
            ).lastrowid
            db.execute("INSERT INTO resolutions VALUES (?, 'done', '', 0, ?)", (intent_id, now))
            db.execute(
                "INSERT INTO payments (uid, intent_id, operation, payment_mode, token, booking_id,"
                " offer_name, ean, unit_price_cents, quantity, amount_cents, till, transport, recorded_at,"
                " local_day, resolved_at) VALUES (?, ?, 'use', 'pass Culture', ?, ?, 'Livre', NULL, 1250,"
                " 1, 1250, 'bench', 'keyboard', ?, '2026-11-23', ?)",
                (str(uuid.uuid4()), intent_id, f"B{number:05d}"[-6:], number, now, now),
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tills", type=int, default=4)
    parser.add_argument("--claims", type=int, default=400, help="claims per till")
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--outage-records", type=int, default=5000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the replicator's outage warning is expected here

    server = LocalPostgres.start()
    try:
        prepare(server, args.tills)
        print("| claims | tills | calls | median ms | p99 ms | claims/s |")
        print("|---|---|---|---|---|---|")
        for contested in (False, True):
            latencies, elapsed = run_claims(server, args.tills, args.claims, contested=contested)
            name = "same bookings (races)" if contested else "distinct bookings, claim + done"
            print(
                f"| {name} | {args.tills} | {len(latencies)} | {statistics.median(latencies) * 1000:.2f} | "
                f"{percentile(latencies, 0.99) * 1000:.2f} | {len(latencies) / elapsed:,.0f} |"
            )

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "journal.sqlite3"
            with open_journal(path, till="bench") as journal, link_for(server, "bench_till_0") as link:
                sales = max(1, args.records // 3)
                fill_journal(path, sales, 1)
                replicator = Replicator(journal, link)
                start = time.perf_counter()
                status = replicator.push()
                elapsed = time.perf_counter() - start
                print()
                print("| replication | records | seconds | records/s |")
                print("|---|---|---|---|")
                print(
                    f"| push of a full journal | {sales * 3} | {elapsed:.2f} | {sales * 3 / elapsed:,.0f} |"
                )
                assert status.up_to_date, status

                server.stop(keep=True)
                outage_sales = max(1, args.outage_records // 3)
                fill_journal(path, outage_sales, sales + 1)
                during = replicator.push()
                server.start_again()
                link.reset_backoff()
                start = time.perf_counter()
                caught = replicator.push()
                elapsed = time.perf_counter() - start
                print(
                    f"| catch-up after an outage (lag shown: {during.behind} records) | {outage_sales * 3} | "
                    f"{elapsed:.2f} | {outage_sales * 3 / elapsed:,.0f} |"
                )
                assert caught.up_to_date, caught
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
