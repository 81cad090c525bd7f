"""Gate mode under a festival's load: gate processes on the shared ledger, against the emulator.

    python bench/bench_gate.py [--gates 10] [--seconds 600] [--rate 1.0]

A throwaway PostgreSQL (``LocalPostgres``, TLS ``verify-full``, one role per gate) holds the shared
ledger; the emulator serves the festival (grown so tonight has a code for every entrant) with the
key's limit of 200 requests a minute. Each gate is its own process, composed as ``pos-client --gate``
is with a ``[ledger]`` section (``join_ledger``): it opens from the pro portal's export (names in
memory), claims its entries in the ledger, reads every gate's counts from it, takes its API requests
(list refresh, validations with « valider à l'entrée » on) from the key's bucket in the ledger, shared
with the tills, and presents ``--rate`` entrants a second. Every fifth second two neighbouring gates
are shown the same code within 0.3 s. From 40 % to 60 % of the run the network is cut (every API
request dropped before it reaches the routes: 2 minutes of a 10-minute run); from 70 % to 90 % the
ledger's server is stopped (``pg_ctl stop -m immediate``) and started again, so the gates admit alone
and reconcile when it is back.

Printed: scan -> verdict p50/p99 per gate (target p99 <= 5 ms; the ledger read included), requests the
emulator saw per minute and in the worst 60 s window (the key allows 200), double entries admitted
(ledger up; ledger down, and how many were listed as late re-entries), entries lost (admitted but not
in the gate's file, or not in the ledger after reconciliation). Nothing is asserted
(tests/gate/test_bench_gate_smoke.py smoke-runs it with 2 gates for a few seconds).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
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

import psycopg  # after the path set-up above

from pos_client.emulator import RunningEmulator, festival
from pos_client.emulator.faults import Fault, FaultKind
from pos_client.ledger.local_server import LocalPostgres
from pos_client.ledger.schema import migrate

DUPLICATE_EVERY_S = 5
PASSWORD = "bench-gate-password-1234"
DBNAME = "gate_ledger"
API_CUT = (0.4, 0.6)  # fractions of the run
LEDGER_CUT = (0.7, 0.9)


@dataclass
class GateResult:
    name: str
    scan_ms: list[float] = field(default_factory=list)
    admitted: list[tuple[str, bool]] = field(default_factory=list)  # (token, claimed in the ledger at once)
    refused_reentries: int = 0
    late_reentries: list[tuple[str, str]] = field(default_factory=list)  # (token, first gate)
    recorded: int = 0
    unclaimed_at_end: int = 0
    validations: dict[str, int] = field(default_factory=dict)
    counted_gates: int = 0  # gates this gate's counters showed at the end (from the ledger)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))] if ordered else 0.0


def _settings(args: dict[str, Any]) -> Any:
    from pos_client.settings import LedgerSettings, Settings

    ledger = LedgerSettings(
        enabled=True, host="127.0.0.1", port=args["pg_port"], dbname=DBNAME, user=args["role"],
        sslmode="verify-full", sslrootcert=args["pg_cert"], tills_sharing_key=args["gates"],
    )  # fmt: skip
    return Settings(till_name=f"porte {args['name']}", ledger=ledger)


def _reconcile_until_done(session: Any, deadline: float) -> list[Any]:
    """After the schedule: claim what was admitted alone (the link may still be backing off)."""
    found: list[Any] = []
    while time.time() < deadline:
        found += session.gate.reconcile_claims()
        if all(entry.claimed for entry in session.gate.store.entries()):
            break
        time.sleep(0.5)
    return found


def _wait_for_start(folder: Path, name: str) -> float:
    """Say this gate is open, then wait for the common start time (every gate open first)."""
    (folder / f"ready-{name}").touch()
    start_file = folder / "start-at"
    while not start_file.exists():
        time.sleep(0.05)
    return float(start_file.read_text(encoding="ascii"))


def _start_when_ready(folder: Path, gates: int, timeout_s: float = 300.0) -> float:
    deadline = time.time() + timeout_s
    while len(list(folder.glob("ready-*"))) < gates and time.time() < deadline:
        time.sleep(0.1)
    start_at = time.time() + 2.0
    (folder / "start-at.tmp").write_text(repr(start_at), encoding="ascii")
    (folder / "start-at.tmp").rename(folder / "start-at")
    return start_at


def run_gate(args: dict[str, Any]) -> GateResult:
    """One gate process: open, present the schedule at its times, reconcile, report."""
    from pos_client.api.client import BookingsClient
    from pos_client.app.gate import GateSetup, favour_scans, join_ledger, open_gate
    from pos_client.emulator import demo_data
    from pos_client.gate.store import GateStore
    from pos_client.gate.verdict import VerdictKind

    logging.getLogger().setLevel(logging.ERROR)  # a cut network logs every failed request
    logging.getLogger().addHandler(logging.NullHandler())
    ledger_down = Path(args["ledger_down_flag"])
    result = GateResult(args["name"])
    favour_scans()  # as the window's process does
    setup = GateSetup(
        name=args["name"], venue_id=festival.FESTIVAL_VENUE_ID, store_path=Path(args["store"]),
        days=frozenset({datetime.fromisoformat(args["day"]).date()}), export_text=args["export"],
        gates_sharing_key=args["gates"], validate_on_entry=True, refresh_every_s=10.0,
    )  # fmt: skip
    api_key = demo_data.DEMO_API_KEY
    join_ledger(setup, _settings(args), api=(args["base_url"], api_key), password=lambda: PASSWORD)
    with BookingsClient(
        args["base_url"], api_key, read_attempts=1, read_timeout_s=2.0, limiter=setup.client_budget
    ) as api:
        session = open_gate(setup, api, tick_s=0.25)
        gate = session.gate
        start = _wait_for_start(Path(args["folder"]), args["name"])
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
                    result.admitted.append((token, not final.note))  # a note: admitted alone
                else:
                    result.refused_reentries += 1
            elif verdict.kind is VerdictKind.ALREADY_IN:
                result.refused_reentries += 1
        while ledger_down.exists() and time.time() < start + args["seconds"] + 30:
            time.sleep(0.1)
        session.worker.stop()  # its reconciliations so far are in the gate's file
        _reconcile_until_done(session, time.time() + 20)
        gate.refresh_shared_counts()
        result.counted_gates = len(gate.counters().entered_by_gate)
        session.close()
    store = GateStore(Path(args["store"]))
    entries = store.entries()
    result.recorded = len(entries)
    result.unclaimed_at_end = sum(not entry.claimed for entry in entries)
    result.late_reentries = [(late.token, late.first_gate) for late in store.late_reentries()]
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


def _prepare_ledger(server: LocalPostgres, gates: int) -> list[str]:
    roles = [f"gate_{chr(ord('a') + i)}" for i in range(gates)]
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {DBNAME}".encode())
        admin.execute("CREATE ROLE pos_till NOLOGIN")
        for role in roles:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}' IN ROLE pos_till".encode())
    with psycopg.connect(server.conninfo(DBNAME), autocommit=True) as owner:
        migrate(owner)
    return roles


def _tonight_tokens(emulator: RunningEmulator, needed: int) -> tuple[str, datetime, list[str]]:
    from pos_client.gate.roster import parse_export

    tonight = festival.festival_evenings(emulator.control.now())[0]

    def confirmed(export: str) -> list[str]:
        entries, _, _ = parse_export(export)
        return sorted(e.token for e in entries if e.day == tonight.date() and e.status.value == "CONFIRMED")

    export = emulator.control.festival_export()
    tokens = confirmed(export)
    if needed > len(tokens):  # a long run: more bookings tonight (about 3 % come out cancelled)
        emulator.control.add_festival_bookings(int((needed - len(tokens)) * 1.05) + 20)
        export = emulator.control.festival_export()
        tokens = confirmed(export)
    return export, tonight, tokens


def run(gates: int = 10, seconds: float = 60.0, rate: float = 1.0) -> list[str]:
    server = LocalPostgres.start()
    try:
        roles = _prepare_ledger(server, gates)
        with tempfile.TemporaryDirectory() as folder, RunningEmulator.start(seed="festival") as emulator:
            return _run(server, roles, emulator, Path(folder), gates, seconds, rate)
    finally:
        server.stop()


def _run(server: LocalPostgres, roles: list[str], emulator: RunningEmulator, root: Path,
         gates: int, seconds: float, rate: float) -> list[str]:  # fmt: skip
    needed = gates * int(seconds * rate) + int(seconds / DUPLICATE_EVERY_S) + 1
    export, tonight, tokens = _tonight_tokens(emulator, needed)
    schedules = _schedules(tokens, gates, seconds, rate)
    flag = root / "ledger-down"
    common = {
        "base_url": emulator.base_url, "export": export, "day": tonight.isoformat(), "gates": gates,
        "pg_port": server.port, "pg_cert": str(server.cert_file), "ledger_down_flag": str(flag),
        "folder": str(root), "seconds": seconds,
    }  # fmt: skip
    jobs = [
        {**common, "name": chr(ord("A") + i), "role": roles[i], "store": str(root / f"gate-{i}.sqlite3"),
         "schedule": schedules[i]}
        for i in range(gates)
    ]  # fmt: skip
    samples: list[tuple[float, int]] = []
    events: dict[str, float] = {}
    with multiprocessing.get_context("spawn").Pool(gates) as pool:
        pending = pool.map_async(run_gate, jobs)
        start_at = _start_when_ready(root, gates)  # the doors open once every gate is open
        api_cut = (start_at + API_CUT[0] * seconds, start_at + API_CUT[1] * seconds)
        ledger_cut = (start_at + LEDGER_CUT[0] * seconds, start_at + LEDGER_CUT[1] * seconds)
        while not pending.ready():
            now = time.time()
            samples.append((now, len(emulator.control.requests_seen())))
            if "api cut" not in events and now >= api_cut[0]:
                emulator.control.inject_fault(Fault(FaultKind.DROP_BEFORE_COMMIT, count=None))
                events["api cut"] = now
            elif "api back" not in events and now >= api_cut[1]:
                emulator.control.clear_faults()
                events["api back"] = now
            elif "ledger down" not in events and now >= ledger_cut[0]:
                flag.touch()
                server.stop(keep=True)
                events["ledger down"] = now
            elif "ledger back" not in events and now >= ledger_cut[1]:
                server.start_again()
                flag.unlink()
                events["ledger back"] = now
            time.sleep(0.25)
        if "ledger back" not in events and flag.exists():
            server.start_again()
            flag.unlink()
        results: list[GateResult] = pending.get()
    seen = emulator.control.requests_seen()
    with psycopg.connect(server.conninfo(DBNAME), autocommit=True) as admin:
        in_ledger = {str(row[0]) for row in admin.execute("SELECT token FROM ledger.gate_entries")}
    lines = [
        f"gate bench: {gates} gate processes, {rate:g} entrant/s each, {seconds:g} s, shared ledger on a "
        f"local PostgreSQL (TLS); network (API) cut {API_CUT[0] * seconds:g}-{API_CUT[1] * seconds:g} s, "
        f"ledger server stopped {LEDGER_CUT[0] * seconds:g}-{LEDGER_CUT[1] * seconds:g} s; one code at two "
        f"neighbouring gates 0.3 s apart every {DUPLICATE_EVERY_S} s",
        "",
    ]
    return lines + _table(results, samples, start_at, seconds, seen, in_ledger)


def _requests_per_minute(
    samples: list[tuple[float, int]], start_at: float, seconds: float
) -> tuple[int, list[int]]:
    worst = 0
    for index, (moment, total) in enumerate(samples):
        earlier = next((c for m, c in samples[: index + 1] if m >= moment - 60), 0)
        worst = max(worst, total - earlier)
    minutes = []
    for minute in range(int(seconds // 60) or 1):
        at = [c for m, c in samples if start_at + 60 * minute <= m < start_at + 60 * (minute + 1)]
        if at:
            minutes.append(at[-1] - at[0])
    return worst, minutes


def _table(results: list[GateResult], samples: list[tuple[float, int]], start_at: float, seconds: float,
           seen: list[Any], in_ledger: set[str]) -> list[str]:  # fmt: skip
    lines = [f"{'gate':<6}{'scans':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'admitted':>10}{'alone':>7}"
             f"{'refused':>9}{'late':>6}"]  # fmt: skip
    for r in results:
        lines.append(
            f"{r.name:<6}{len(r.scan_ms):>7}{statistics.median(r.scan_ms) if r.scan_ms else 0:>9.2f}"
            f"{_percentile(r.scan_ms, 0.99):>9.2f}{max(r.scan_ms, default=0):>9.2f}{len(r.admitted):>10}"
            f"{sum(not up for _, up in r.admitted):>7}{r.refused_reentries:>9}{len(r.late_reentries):>6}"
        )  # fmt: skip
    worst, minutes = _requests_per_minute(samples, start_at, seconds)
    by_token: Counter[str] = Counter()
    by_token_up: Counter[str] = Counter()
    for r in results:
        for token, up in r.admitted:
            by_token[token] += 1
            by_token_up[token] += up
    doubles = [t for t, n in by_token.items() if n > 1]
    doubles_up = [t for t in doubles if by_token_up[t] == by_token[t]]
    late_tokens = {token for r in results for token, _ in r.late_reentries}
    lost_file = sum(max(0, len(r.admitted) - r.recorded) for r in results)
    lost_ledger = len(set(by_token) - in_ledger)
    statuses = Counter(s[2] for s in seen)
    validations: Counter[str] = Counter()
    for r in results:
        validations.update(r.validations)
    all_ms = [ms for r in results for ms in r.scan_ms]
    lines += [
        "",
        f"scan -> verdict, all gates: p50 {statistics.median(all_ms) if all_ms else 0:.2f} ms, "
        f"p99 {_percentile(all_ms, 0.99):.2f} ms, max {max(all_ms, default=0):.2f} ms (target p99 <= 5 ms)",
        f"requests seen by the emulator: {len(seen)}; per minute: {minutes}; most in any 60 s window: "
        f"{worst} (key limit 200); answers: {dict(sorted(statuses.items()))}",
        f"double entries admitted with the ledger up: {len(doubles_up)}",
        f"double entries admitted with the ledger down: {len(doubles) - len(doubles_up)}, of which listed as "
        f"late re-entries (gate status) after reconciliation: {len(late_tokens & set(doubles))}",
        f"entries lost: not in the gate's file {lost_file}; not in the ledger after reconciliation "
        f"{lost_ledger} (unclaimed left in the gates' files: {sum(r.unclaimed_at_end for r in results)})",
        f"gates seen by each gate's counters at the end (from the ledger): "
        f"{sorted({r.counted_gates for r in results})}",
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
    print("\n".join(run(args.gates, args.seconds, args.rate)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
