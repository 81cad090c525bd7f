"""Multi-till simulation (issue 18): 8 till processes, one ledger, one API key, the emulator.

    python bench/bench_multitill.py [--tills 8] [--seconds 120] [--bookings 80] [--new-every 1.5]
                                    [--kills 6] [--outage 6] [--seed 1]

Starts a throwaway PostgreSQL ledger and the API emulator (its own 200 requests/minute limit per
key on), creates ``--bookings`` bookings (then one more every ``--new-every`` s), and runs
``--tills`` processes of ``bench/multitill_till.py``: each is the program's own Qt-free counter
composed as the application composes it (real HTTP client whose budget is the key's shared bucket,
real SQLite journal, ledger claims, replication worker), scanning bookings of the shared set at
random for ``--seconds`` (races on every booking; most scans end up on bookings already validated,
which the ledger answers without a request). Meanwhile it SIGKILLs a random till ``--kills`` times
(restarting it: it settles its open intents, the ledger first) and stops the ledger for ``--outage``
seconds in the middle (the tills go on as single tills). Then it prints:

- payments: bookings validated on the server vs payment lines in the ledger (lost, duplicated,
  false: all must be 0), and intents left open;
- double validations attempted on the server (a second PATCH use of one booking; the real server
  answers 500 to overlapping ones): while the ledger was up, and during the outage (+ one lease);
- the request rate the emulator saw: its 429 answers (it refuses above 200 in any sliding minute),
  the most requests seen in a sliding minute and in each minute of the run (sampled every 0.5 s);
- the ledger's catch-up time after the outage: from its restart until every till's records
  written before the restart are in it;
- what the tills' screens said (scans per till, told by the ledger, validated...).

Nothing is asserted (tests/ledger/test_ledger_bench_smoke.py runs it with tiny numbers).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # after the path set-up above

from pos_client.emulator import RunningEmulator, demo_data
from pos_client.ledger.claims import DEFAULT_LEASE_S
from pos_client.ledger.local_server import LocalPostgres
from pos_client.ledger.schema import migrate
from pos_client.paths import AppPaths

TILL_SCRIPT = Path(__file__).with_name("multitill_till.py")
PASSWORD = "simulation-till-password"
USE_PREFIX = "/public/bookings/v1/use/token/"


def prepare_ledger(server: LocalPostgres, tills: int) -> None:
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE sim_ledger")
        admin.execute("CREATE ROLE pos_till NOLOGIN")
        for number in range(tills):
            admin.execute(
                f"CREATE ROLE sim_till_{number} LOGIN PASSWORD '{PASSWORD}' IN ROLE pos_till".encode()
            )
    with psycopg.connect(server.conninfo("sim_ledger"), autocommit=True) as owner:
        migrate(owner)


class Tills:
    """The till processes; a killed one is started again with the same journal and role."""

    def __init__(self, folder: Path, base: dict[str, object], count: int) -> None:
        self.folder = folder
        self.base = base
        self.processes: dict[int, subprocess.Popen[str]] = {}
        self.results: list[dict[str, int]] = []
        self.kills = 0
        for number in range(count):
            self.start(number)
        for number in range(count):
            self.wait_ready(number)

    def config_file(self, number: int) -> Path:
        path = self.folder / f"till-{number}.json"
        config = {
            **self.base,
            "role": f"sim_till_{number}",
            "till": f"caisse {number + 1}",
            "root": str(till_root(self.folder, number)),
            "seed": int(str(self.base["seed"])) * 100 + number * 10 + self.kills,
        }
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    def start(self, number: int) -> None:
        self.processes[number] = subprocess.Popen(
            [sys.executable, str(TILL_SCRIPT), str(self.config_file(number))],
            stdout=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self, number: int) -> None:
        stdout = self.processes[number].stdout
        assert stdout is not None
        line = stdout.readline()
        if json.loads(line or "{}") != {"ready": True}:
            raise RuntimeError(f"till {number} did not start")

    def kill_and_restart(self, number: int) -> None:
        process = self.processes[number]
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
        self.kills += 1
        self.start(number)
        self.wait_ready(number)

    def finish(self, timeout_s: float) -> None:
        """Collect each till's counters; one still running after ``timeout_s`` (or on an
        interruption) is killed, never left behind."""
        for process in self.processes.values():
            try:
                out, _ = process.communicate(timeout=timeout_s)
            except BaseException:
                process.kill()
                process.communicate()
                raise
            if process.returncode == 0 and out.strip():
                self.results.append(json.loads(out.strip().splitlines()[-1]))


def till_root(folder: Path, number: int) -> Path:
    """The folder of one till's files (its settings, its journal...), as ``--dev-dir`` would be."""
    return folder / f"till-{number}"


def journals(folder: Path) -> list[Path]:
    return sorted(AppPaths.under(root).journal_file for root in folder.glob("till-*") if root.is_dir())


def feed_heads(folder: Path) -> dict[str, int]:
    """Each journal's uid and last feed position, read from the files (the tills write them)."""
    heads: dict[str, int] = {}
    for path in journals(folder):
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
            (uid,) = db.execute("SELECT uid FROM journal_identity").fetchone()
            (last,) = db.execute("SELECT coalesce(max(seq), 0) FROM feed").fetchone()
        heads[str(uid)] = int(last)
    return heads


def ledger_heads(server: LocalPostgres) -> dict[str, int]:
    query = (
        "SELECT journal_uid, max(seq) FROM (SELECT journal_uid, seq FROM ledger.intents UNION ALL"
        " SELECT journal_uid, seq FROM ledger.outcomes UNION ALL"
        " SELECT journal_uid, seq FROM ledger.payments) AS records GROUP BY journal_uid"
    )
    with psycopg.connect(server.conninfo("sim_ledger"), autocommit=True, connect_timeout=5) as admin:
        return {str(uid): int(str(last)) for uid, last in admin.execute(query).fetchall()}


def wait_caught_up(
    server: LocalPostgres, target: dict[str, int], started: float, timeout_s: float
) -> float | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            heads = ledger_heads(server)
        except psycopg.Error:
            heads = {}
        if all(heads.get(uid, 0) >= last for uid, last in target.items()):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def sample_requests(
    emulator: RunningEmulator, samples: list[tuple[float, int]], stop: threading.Event
) -> None:
    while not stop.is_set():
        samples.append((time.monotonic(), len(emulator.control.requests_seen())))
        stop.wait(0.5)


def max_per_minute(samples: list[tuple[float, int]]) -> int:
    best = 0
    for index, (moment, count) in enumerate(samples):
        earlier = [c for m, c in samples[: index + 1] if moment - m <= 60.0]
        best = max(best, count - min(earlier))
    return best


def per_minute(samples: list[tuple[float, int]]) -> list[int]:
    """Requests in each whole minute from the first sample (the last, partial one left out)."""
    if not samples:
        return []
    start = samples[0][0]
    at_minute: dict[int, int] = {}
    for moment, count in samples:
        at_minute.setdefault(int((moment - start) // 60), count)  # the first sample of each minute
    minutes = sorted(at_minute)
    return [at_minute[m + 1] - at_minute[m] for m in minutes if m + 1 in at_minute]


def lives_tallies(folder: Path, tills: int) -> list[Counter[str]]:
    """Each till's counts summed over its lives (a SIGKILLed life loses its last second at most)."""
    summed: list[Counter[str]] = []
    for number in range(tills):
        total: Counter[str] = Counter()
        for path in till_root(folder, number).glob("tally-*.json"):
            total.update(json.loads(path.read_text(encoding="utf-8")))
        summed.append(total)
    return summed


class Bookings:
    """The shared set of bookings, in a file the tills re-read: new ones keep coming during the run
    (customers arriving), so races, validations and requests go on through the outage."""

    def __init__(self, emulator: RunningEmulator, path: Path) -> None:
        self.emulator = emulator
        self.path = path
        self.tokens: list[str] = []

    def add(self) -> None:
        number = len(self.tokens)
        self.tokens.append(
            self.emulator.control.create_booking(offer_name=f"Livre {number}", price_cents=500 + 10 * number)
        )
        self.path.with_suffix(".tmp").write_text(json.dumps(self.tokens), encoding="utf-8")
        self.path.with_suffix(".tmp").replace(self.path)

    def keep_coming(self, every_s: float, until: float) -> None:
        if every_s <= 0:
            return
        while time.time() + every_s < until - 1:
            time.sleep(every_s)
            self.add()


def run(args: argparse.Namespace, server: LocalPostgres, emulator: RunningEmulator, folder: Path) -> None:
    rng = random.Random(args.seed)
    tokens = Bookings(emulator, folder / "tokens.json")
    for _ in range(args.bookings):
        tokens.add()
    samples: list[tuple[float, int]] = []
    stop_sampling = threading.Event()
    sampler = threading.Thread(target=sample_requests, args=(emulator, samples, stop_sampling), daemon=True)
    sampler.start()
    base = {
        "port": server.port,
        "dbname": "sim_ledger",
        "password": PASSWORD,
        "emulator": emulator.base_url,
        "api_key": demo_data.DEMO_API_KEY,
        "tokens_file": str(folder / "tokens.json"),
        "tills": args.tills,
        "seed": args.seed,
        "go_file": str(folder / "go.json"),
    }
    tills = Tills(folder, base, args.tills)
    try:
        until = time.time() + args.seconds  # from when every till is ready: their start-up is not the run
        go = folder / "go.json"
        go.with_suffix(".tmp").write_text(json.dumps({"until": until}), encoding="utf-8")
        go.with_suffix(".tmp").replace(go)
        arrivals = threading.Thread(target=tokens.keep_coming, args=(args.new_every, until), daemon=True)
        arrivals.start()
        catch_up, outage_window = drive(args, server, emulator, folder, tills, rng, until)
        arrivals.join()
    finally:
        tills.finish(120.0)
        stop_sampling.set()
        sampler.join()
    report(args, server, emulator, folder, tokens.tokens, tills, outage_window, catch_up, samples)


def outage(
    args: argparse.Namespace,
    server: LocalPostgres,
    emulator: RunningEmulator,
    folder: Path,
    result: dict[str, object],
    until: float,
) -> None:
    """Stop the ledger for ``args.outage`` s, start it again, time the tills' catch-up."""
    first = len(emulator.control.requests_seen())
    server.stop(keep=True)
    time.sleep(args.outage)
    target = feed_heads(folder)
    server.start_again()
    restarted = time.monotonic()
    result["catch_up"] = wait_caught_up(server, target, restarted, 60.0)
    # Claims taken while the ledger was down do not exist: one lease after it is back, the tills'
    # own claims of that time have all lapsed (the window ends with the run at the latest).
    lease_over = min(restarted + DEFAULT_LEASE_S, time.monotonic() + max(0.0, until - time.time()))
    time.sleep(max(0.0, lease_over - time.monotonic()))
    result["window"] = (first, len(emulator.control.requests_seen()))


def drive(
    args: argparse.Namespace,
    server: LocalPostgres,
    emulator: RunningEmulator,
    folder: Path,
    tills: Tills,
    rng: random.Random,
    until: float,
) -> tuple[float | None, tuple[int, int]]:
    """SIGKILLs, and the ledger outage beside them, until the tills' time (``until``, wall clock) is up."""
    start = time.monotonic()
    kill_at = sorted(rng.uniform(0.1, 0.8) * args.seconds for _ in range(args.kills))
    outage_at = 0.45 * args.seconds
    result: dict[str, object] = {"catch_up": None, "window": (0, 0)}
    outage_thread = threading.Thread(target=outage, args=(args, server, emulator, folder, result, until))
    while time.time() < until - 1:
        elapsed = time.monotonic() - start
        if not outage_thread.is_alive() and outage_thread.ident is None and elapsed >= outage_at:
            outage_thread.start()
        if kill_at and elapsed >= kill_at[0]:
            kill_at.pop(0)
            tills.kill_and_restart(rng.randrange(args.tills))
        else:
            time.sleep(0.2)
    if outage_thread.ident is not None:
        outage_thread.join()
    catch_up = result["catch_up"]
    window = result["window"]
    assert isinstance(window, tuple)
    return (None if catch_up is None else float(str(catch_up))), (int(window[0]), int(window[1]))


def report(
    args: argparse.Namespace,
    server: LocalPostgres,
    emulator: RunningEmulator,
    folder: Path,
    tokens: list[str],
    tills: Tills,
    outage_window: tuple[int, int],
    catch_up: float | None,
    samples: list[tuple[float, int]],
) -> None:
    used = {token for token in tokens if emulator.control.booking_state(token)["status"] == "USED"}
    with psycopg.connect(server.conninfo("sim_ledger"), autocommit=True) as admin:
        lines = Counter(
            str(token)
            for (token,) in admin.execute(
                "SELECT token FROM ledger.payments WHERE operation = 'use'"
            ).fetchall()
        )
    open_intents = 0
    for path in journals(folder):
        with closing(sqlite3.connect(path)) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM intents i LEFT JOIN resolutions r ON r.intent_id = i.id"
                " WHERE r.intent_id IS NULL"
            ).fetchone()
        open_intents += int(count)
    seen = emulator.control.requests_seen()
    uses: Counter[str] = Counter()
    doubles_up = doubles_down = 0
    for index, request in enumerate(seen):
        if request.method == "PATCH" and request.path.startswith(USE_PREFIX):
            token = request.path[len(USE_PREFIX) :]
            uses[token] += 1
            if uses[token] > 1:
                if outage_window[0] <= index < outage_window[1]:
                    doubles_down += 1
                else:
                    doubles_up += 1
    print("| payments | count |")
    print("|---|---|")
    print(f"| bookings validated on the server | {len(used)} |")
    print(f"| payment lines in the ledger | {sum(lines.values())} |")
    print(f"| lost (validated, no line) | {len(used - lines.keys())} |")
    print(f"| duplicated (two lines or more) | {sum(1 for n in lines.values() if n > 1)} |")
    print(f"| false (a line, not validated) | {len(lines.keys() - used)} |")
    print(f"| intents left open | {open_intents} |")
    print()
    print("| API | count |")
    print("|---|---|")
    print(f"| requests seen by the emulator | {len(seen)} |")
    print(f"| 429 answered (over 200 in a sliding minute) | {sum(1 for r in seen if r.status == 429)} |")
    print(f"| most requests in a sliding minute (sampled every 0.5 s) | {max_per_minute(samples)} |")
    print(f"| requests in each minute of the run | {' '.join(str(n) for n in per_minute(samples))} |")
    print(f"| double validations attempted, ledger up | {doubles_up} |")
    print(f"| double validations attempted, ledger down (+ one lease) | {doubles_down} |")
    print()
    shown = "not reached" if catch_up is None else f"{catch_up:.2f}"
    per_till = lives_tallies(folder, args.tills)
    scans = sorted(tally["scans"] for tally in per_till)
    totals: Counter[str] = Counter()
    for tally in per_till:
        totals.update(tally)
    print("| run | value |")
    print("|---|---|")
    print(
        f"| tills, seconds, bookings (at the start + arrived) | {args.tills}, {args.seconds}, {args.bookings}"
        f" + {len(tokens) - args.bookings} |"
    )
    print(f"| SIGKILLs of tills | {tills.kills} |")
    print(f"| ledger outage (s) | {args.outage} |")
    print(f"| ledger catch-up after the outage (s) | {shown} |")
    if scans:
        spread = f"{scans[0]} / {scans[len(scans) // 2]} / {scans[-1]}"
        print(f"| scans per till (all lives): min / median / max | {spread} |")
    for name, value in sorted(totals.items()):
        print(f"| tills (all lives): {name} | {value} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tills", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--bookings", type=int, default=80, help="bookings at the start")
    parser.add_argument("--new-every", type=float, default=1.5, help="a new booking every N s (0: none)")
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--outage", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    server = LocalPostgres.start()
    try:
        prepare_ledger(server, args.tills)
        with RunningEmulator.start(seed="demo") as emulator, tempfile.TemporaryDirectory() as folder:
            run(args, server, emulator, Path(folder))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
