"""Round trips of the API client against the emulator on loopback: lookup and validate.

    python bench/bench_api.py [--n 400] [--concurrency 1 8]

For each concurrency level, that many threads each use their own ``BookingsClient`` (one long-lived
``httpx.Client`` per till, as in the application) and share the work: ``lookup`` is
``get_booking`` on a readable booking, ``validate`` is ``validate`` on a fresh booking each time
(created through the emulator's control API before the clock starts). The emulator's rate limit and
the client-side limiter are lifted, so the numbers are the client + HTTP + emulator cost.

Printed as a table: median and p99 latency per request, and requests per second over the whole
run (wall clock). Nothing is asserted (tests/client/test_client_bench_smoke.py only smoke-runs it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.api.client import BookingsClient  # after the path set-up above
from pos_client.api.limiter import RequestLimiter
from pos_client.domain.outcomes import Found, Outcome, Validated
from pos_client.emulator import RunningEmulator, demo_data

UNLIMITED = 10**9


@dataclass(frozen=True)
class Row:
    operation: str
    clients: int
    requests: int
    median_ms: float
    p99_ms: float
    per_second: float
    failures: int


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _run(
    emulator: RunningEmulator,
    operation: str,
    tokens: list[str],
    clients: int,
    call: Callable[[BookingsClient, str], Outcome],
    expected: type,
) -> Row:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    shares = [tokens[index::clients] for index in range(clients)]
    limiter = RequestLimiter(UNLIMITED)
    tills = [
        BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY, till_name=f"bench-{index}", limiter=limiter)
        for index in range(clients)
    ]
    for till in tills:  # open the connection before the clock starts, as a running till has
        till.get_booking(demo_data.TOKENS["museum_pass"])
    start = threading.Barrier(clients + 1)

    def worker(till: BookingsClient, share: list[str]) -> None:
        start.wait()
        mine: list[float] = []
        bad = 0
        for token in share:
            began = time.perf_counter()
            outcome = call(till, token)
            mine.append((time.perf_counter() - began) * 1000)
            bad += not isinstance(outcome, expected)
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [
        threading.Thread(target=worker, args=(till, share)) for till, share in zip(tills, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for till in tills:
        till.close()
    return Row(
        operation,
        clients,
        len(latencies),
        statistics.median(latencies),
        _percentile(latencies, 0.99),
        len(latencies) / elapsed,
        failures[0],
    )


def bench(n: int, concurrency: list[int]) -> list[Row]:
    rows: list[Row] = []
    with RunningEmulator.start(seed="demo", rate_limit_per_minute=UNLIMITED) as emulator:
        for clients in concurrency:
            lookups = [demo_data.TOKENS["book"]] * n
            rows.append(_run(emulator, "lookup", lookups, clients, BookingsClient.get_booking, Found))
            fresh = [emulator.control.create_booking(offer_name="Livre du banc d'essai") for _ in range(n)]
            rows.append(_run(emulator, "validate", fresh, clients, BookingsClient.validate, Validated))
    return rows


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'operation':<10} {'clients':>7} {'requests':>8} {'median ms':>10} {'p99 ms':>8} "
        f"{'req/s':>8} {'failed':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.operation:<10} {row.clients:>7} {row.requests:>8} {row.median_ms:>10.2f} "
            f"{row.p99_ms:>8.2f} {row.per_second:>8.0f} {row.failures:>6}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=400, help="requests per operation and concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    print_table(bench(args.n, args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
