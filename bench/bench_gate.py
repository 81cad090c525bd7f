"""Gate mode under a festival's load: gate processes admitting entrants against the emulator.

    python bench/bench_gate.py [--gates 10] [--seconds 60] [--rate 1.0]

The emulator serves the festival (3000 bookings, three evenings) with the key's limit of 200 requests
a minute. Each gate is its own process: it opens from the pro portal's export (names in memory),
claims entries in one shared file (``FileClaims``, standing in for the shared ledger), refreshes the
list and sends validations (« valider à l'entrée » on) in the background within its share of the
key's budget, and presents ``--rate`` entrants a second. Every fifth second two neighbouring gates
are shown the same code within 0.3 s. In the middle third the network is cut (every API request is
dropped before it reaches the routes); in the last sixth the shared claims are cut too, so the two
gates of a duplicate decide alone, and reconcile when the claims come back.

Printed: scan -> verdict p50/p99 per gate (target p99 <= 5 ms; the claims lookup included), the
most requests seen by the emulator in any 60 s window (the key allows 200), double entries admitted
(with the claims up, and with them down, with how many were listed as late re-entries), and entries
lost (admitted but not in the gate's file). Nothing is asserted (tests/gate/test_bench_gate_smoke.py
smoke-runs it with 2 gates for a few seconds).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.emulator import RunningEmulator, festival  # after the path set-up above
from pos_client.emulator.faults import Fault, FaultKind

DUPLICATE_EVERY_S = 5


@dataclass
class GateResult:
    name: str
    scan_ms: list[float] = field(default_factory=list)
    admitted: list[tuple[str, bool]] = field(default_factory=list)  # (token, claims were up)
    refused_reentries: int = 0
    late_reentries: int = 0
    recorded: int = 0
    validations: dict[str, int] = field(default_factory=dict)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))] if ordered else 0.0


def run_gate(args: dict[str, Any]) -> GateResult:
    """One gate process: open, present the schedule at its times, reconcile, report."""
    from pos_client.api.client import BookingsClient
    from pos_client.app.gate import GateSetup, open_gate, share_of_key
    from pos_client.domain.gate import AlreadyClaimed, ClaimResult, ClaimsUnavailable
    from pos_client.emulator import demo_data
    from pos_client.gate.budget import MinuteBudget
    from pos_client.gate.claims import FileClaims
    from pos_client.gate.verdict import VerdictKind

    logging.getLogger().setLevel(logging.ERROR)  # a cut network logs every failed request
    logging.getLogger().addHandler(logging.NullHandler())
    flag = Path(args["claims_down_flag"])

    class FlaggedClaims(FileClaims):
        """The shared claims, unreachable while the bench's flag file exists."""

        def claim(self, token: str, gate: str, at: datetime) -> ClaimResult:
            return ClaimsUnavailable("coupé") if flag.exists() else super().claim(token, gate, at)

        def who_entered(self, token: str) -> AlreadyClaimed | ClaimsUnavailable | None:
            return ClaimsUnavailable("coupé") if flag.exists() else super().who_entered(token)

    result = GateResult(args["name"])
    with BookingsClient(args["base_url"], demo_data.DEMO_API_KEY, read_attempts=1, read_timeout_s=2.0) as api:
        setup = GateSetup(
            name=args["name"], venue_id=festival.FESTIVAL_VENUE_ID, store_path=Path(args["store"]),
            days=frozenset({datetime.fromisoformat(args["day"]).date()}), export_text=args["export"],
            claims=FlaggedClaims(Path(args["claims"])), budget=MinuteBudget(share_of_key(args["gates"])),
            validate_on_entry=True, refresh_every_s=10.0,
        )  # fmt: skip
        session = open_gate(setup, api, tick_s=0.25)
        gate = session.gate
        start = args["start_at"]
        for offset, token in args["schedule"]:
            delay = start + offset - time.time()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            verdict = gate.scan(token)
            result.scan_ms.append((time.perf_counter() - began) * 1000)
            if verdict.kind is VerdictKind.ADMIT:
                final = gate.confirm(verdict)  # the ID checked: one key
                if final.kind is VerdictKind.ADMIT:
                    result.admitted.append((token, not flag.exists()))
                else:
                    result.refused_reentries += 1
            elif verdict.kind is VerdictKind.ALREADY_IN:
                result.refused_reentries += 1
        while flag.exists() and time.time() < args["end_at"] + 5:
            time.sleep(0.1)
        result.late_reentries = len(gate.reconcile_claims())
        session.close()
    from pos_client.gate.store import GateStore

    store = GateStore(Path(args["store"]))
    result.recorded = len(store.entries())
    result.validations = store.validation_counts()
    store.close()
    return result


def _schedules(tokens: list[str], gates: int, seconds: float, rate: float) -> list[list[tuple[float, str]]]:
    """Per gate, (offset s, token): fresh codes at ``rate`` a second, plus a shared code at two
    neighbouring gates every ``DUPLICATE_EVERY_S`` seconds."""
    pool = iter(tokens)
    schedules: list[list[tuple[float, str]]] = [[] for _ in range(gates)]
    steps = int(seconds * rate)
    for step in range(steps):
        offset = step / rate
        for gate in range(gates):
            schedules[gate].append((offset + gate * 0.01, next(pool)))
        if gates > 1 and step % (DUPLICATE_EVERY_S * rate) == 0:
            first = (step // int(DUPLICATE_EVERY_S * rate)) % gates
            shared = next(pool)
            schedules[first].append((offset + 0.5, shared))
            schedules[(first + 1) % gates].append((offset + 0.8, shared))
    return [sorted(schedule) for schedule in schedules]


def run(gates: int = 10, seconds: float = 60.0, rate: float = 1.0) -> list[str]:
    with tempfile.TemporaryDirectory() as folder, RunningEmulator.start(seed="festival") as emulator:
        root = Path(folder)
        tonight = festival.festival_evenings(emulator.control.now())[0]
        export = festival.export_csv(emulator._state.store)
        from pos_client.gate.roster import parse_export

        entries, _, _ = parse_export(export)
        tokens = sorted(e.token for e in entries if e.day == tonight.date() and e.status.value == "CONFIRMED")
        needed = gates * int(seconds * rate) + int(seconds / DUPLICATE_EVERY_S) + 1
        if needed > len(tokens):
            return [f"too long: {needed} entrants needed, {len(tokens)} bookings tonight"]
        schedules = _schedules(tokens, gates, seconds, rate)
        flag = root / "claims-down"
        start_at = time.time() + 3.0 + 0.5 * gates  # processes start and open first
        common = {
            "base_url": emulator.base_url, "export": export, "day": tonight.isoformat(), "gates": gates,
            "claims": str(root / "claims.sqlite3"), "claims_down_flag": str(flag), "start_at": start_at,
            "end_at": start_at + seconds,
        }  # fmt: skip
        jobs = [
            {**common, "name": chr(ord("A") + i), "store": str(root / f"gate-{i}.sqlite3"),
             "schedule": schedules[i]}
            for i in range(gates)
        ]  # fmt: skip
        counts: list[tuple[float, int]] = []
        with multiprocessing.get_context("spawn").Pool(gates) as pool:
            pending = pool.map_async(run_gate, jobs)
            cut = (start_at + seconds / 3, start_at + 2 * seconds / 3)
            claims_cut = start_at + 5 * seconds / 6
            phase = "before"
            while not pending.ready():
                now = time.time()
                counts.append((now, len(emulator.control.requests_seen())))
                if phase == "before" and now >= cut[0]:
                    emulator.control.inject_fault(Fault(FaultKind.DROP_BEFORE_COMMIT, count=None))
                    phase = "cut"
                elif phase == "cut" and now >= cut[1]:
                    emulator.control.clear_faults()
                    phase = "after"
                elif phase == "after" and now >= claims_cut:
                    flag.touch()
                    phase = "claims-down"
                elif phase == "claims-down" and now >= start_at + seconds + 1:
                    os.unlink(flag)
                    phase = "done"
                time.sleep(0.25)
            if flag.exists():
                os.unlink(flag)
            results: list[GateResult] = pending.get()
        seen = emulator.control.requests_seen()
    return _table(results, counts, seen, gates, seconds, rate)


def _table(results: list[GateResult], counts: list[tuple[float, int]], seen: list[Any],
           gates: int, seconds: float, rate: float) -> list[str]:  # fmt: skip
    lines = [f"gate bench: {gates} gates, {rate:g} entrant/s each, {seconds:g} s"
             " (network cut in the middle third, shared claims cut in the last sixth)", ""]  # fmt: skip
    lines.append(
        f"{'gate':<6}{'scans':>7}{'p50 ms':>9}{'p99 ms':>9}{'admitted':>10}{'refused':>9}{'late':>6}"
    )
    for r in results:
        lines.append(
            f"{r.name:<6}{len(r.scan_ms):>7}{statistics.median(r.scan_ms) if r.scan_ms else 0:>9.2f}"
            f"{_percentile(r.scan_ms, 0.99):>9.2f}{len(r.admitted):>10}{r.refused_reentries:>9}"
            f"{r.late_reentries:>6}"
        )  # fmt: skip
    worst = 0
    for index, (moment, total) in enumerate(counts):
        earlier = next((c for m, c in counts[: index + 1] if m >= moment - 60), 0)
        worst = max(worst, total - earlier)
    by_token: Counter[str] = Counter()
    by_token_up: Counter[str] = Counter()
    for r in results:
        for token, up in r.admitted:
            by_token[token] += 1
            by_token_up[token] += up
    doubles = [t for t, n in by_token.items() if n > 1]
    doubles_up = [t for t in doubles if by_token_up[t] == by_token[t]]
    late = sum(r.late_reentries for r in results)
    lost = sum(max(0, len(r.admitted) - r.recorded) for r in results)
    statuses = Counter(s[2] for s in seen)
    validations: Counter[str] = Counter()
    for r in results:
        validations.update(r.validations)
    all_ms = [ms for r in results for ms in r.scan_ms]
    lines += [
        "",
        f"scan -> verdict, all gates: p50 {statistics.median(all_ms) if all_ms else 0:.2f} ms, "
        f"p99 {_percentile(all_ms, 0.99):.2f} ms (target p99 <= 5 ms)",
        f"requests seen by the emulator: {len(seen)}; most in any 60 s window: {worst} (key limit 200); "
        f"answers: {dict(sorted(statuses.items()))}",
        f"double entries admitted with the claims up: {len(doubles_up)}",
        f"double entries admitted with the claims down: {len(doubles) - len(doubles_up)}, "
        f"listed as late re-entries after reconciliation: {late}",
        f"entries lost (admitted, not in the gate's file): {lost}",
        f"validations (« valider à l'entrée » on; pending ones stay for the next start): "
        f"{dict(sorted(validations.items()))}",
    ]  # fmt: skip
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gates", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=1.0, help="entrants a second per gate")
    args = parser.parse_args()
    print("\n".join(run(args.gates, args.seconds, args.rate)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
