"""Crash test of the journal: a till process SIGKILLed at random moments never loses or doubles a sale.

The test process serves the API emulator (a real HTTP server on loopback) and a cash register
receiver (stdlib ``http.server`` that records every id it is given, and now and then refuses a
record or loses its acknowledgement). ``crash_child.py`` validates bookings created through the
emulator's HTTP control API, writing the real SQLite journal and handing payments off to a folder and
to the receiver; the test kills it with SIGKILL after a random delay, at least ``KILLS`` times,
restarting it each time (each start settles open intents, then delivers the outbox), and lets it
finish at the end. Some PATCHes also lose their answer (emulator fault after the commit) or fail
before it, so crashes mix with ambiguous answers.

Checks at the end: every booking the emulator shows as USED has exactly one done USE intent and one
payment in the journal, and every done USE intent is a booking the emulator shows as USED; no intent
is left open; every payment reached both channels, and every copy a channel received (a record can
be delivered twice when the till dies before noting the acknowledgement) carries the payment's id.

The random seed is fixed (``CRASH_SEED`` overrides it) and printed in every failure message.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from pos_client.emulator import RunningEmulator, demo_data

CHILD = Path(__file__).with_name("crash_child.py")
SEED = int(os.environ.get("CRASH_SEED", "20261123"))
KILLS = 55
BOOKINGS_PER_BATCH = 40
KILL_DELAY_MAX_S = 0.25
CHILD_READY_TIMEOUT_S = 15.0
CHILD_RUN_TIMEOUT_S = 60.0
FINAL_RUNS = 5
EXIT_INCOMPLETE = 8  # crash_child: some token could not be validated this time


@dataclass
class Receiver:
    """What the fake cash register received: (Idempotency-Key, JSON document) per acknowledged POST."""

    rng: random.Random
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: int = 0
    lost_acks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A child killed mid-request resets its connection: expected here, not worth a traceback.
        pass


def _handler_for(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            document = json.loads(body)
            key = self.headers.get("Idempotency-Key", "")
            with receiver.lock:
                roll = receiver.rng.random()
                if roll < 0.1:  # the register is busy: nothing recorded, the till must retry
                    receiver.refused += 1
                    status = 503
                else:
                    receiver.received.append((key, document))
                    if roll < 0.2:  # recorded, but the acknowledgement is lost: a repeat will come
                        receiver.lost_acks += 1
                        status = 500
                    else:
                        status = 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver(random.Random(SEED + 1))
    server = _QuietServer(("127.0.0.1", 0), _handler_for(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/payments"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="empty", rate_limit_per_minute=1_000_000) as running:
        yield running


def _create_bookings(control: httpx.Client, rng: random.Random, count: int) -> list[str]:
    tokens = []
    for number in range(count):
        answer = control.post(
            "/_control/bookings",
            json={
                "venue_id": demo_data.BOOKSHOP_VENUE_ID,
                "offer_name": f"Livre {number}",
                "price_cents": rng.randrange(100, 5000),
                "quantity": rng.choice((1, 1, 1, 2)),
                "ean": f"978{rng.randrange(10**9, 10**10)}",
            },
        )
        assert answer.status_code == 201, answer.text
        tokens.append(answer.json()["token"])
    return tokens


def _maybe_inject_fault(control: httpx.Client, rng: random.Random) -> None:
    roll = rng.random()
    kind = "DROP_AFTER_COMMIT" if roll < 0.15 else "DROP_BEFORE_COMMIT" if roll < 0.25 else None
    if kind is not None:
        answer = control.post(
            "/_control/faults", json={"kind": kind, "method": "PATCH", "path_contains": "/use"}
        )
        assert answer.status_code == 204, answer.text


def _wait_ready(child: subprocess.Popen[bytes]) -> bool:
    """True once the child printed READY; False if it ended first."""
    assert child.stdout is not None
    deadline = time.monotonic() + CHILD_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        readable, _, _ = select.select([child.stdout], [], [], deadline - time.monotonic())
        if readable:
            line = child.stdout.readline()
            if line.strip() == b"READY":
                return True
            if not line:
                return False
    raise AssertionError(f"the child did not start within {CHILD_READY_TIMEOUT_S} s (seed {SEED})")


@dataclass
class Run:
    killed: bool
    returncode: int
    stderr: str


def test_sigkilled_till_never_loses_or_doubles_a_sale(
    tmp_path: Path, emulator: RunningEmulator, receiver: tuple[Receiver, str]
) -> None:
    rng = random.Random(SEED)
    receiver_state, receiver_url = receiver
    journal_path = tmp_path / "journal.sqlite3"
    folder = tmp_path / "caisse"
    tokens_file = tmp_path / "tokens.txt"
    runs: list[Run] = []
    started = time.monotonic()

    def context() -> str:
        tail = "; ".join(
            f"rc={run.returncode} {run.stderr.strip()[-300:]}" for run in runs[-3:] if run.stderr
        )
        return f"seed {SEED} (CRASH_SEED={SEED} to replay), {len(runs)} runs; last errors: {tail}"

    def run_child(kill_after_s: float | None) -> Run:
        child = subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                "--journal", str(journal_path),
                "--api", emulator.base_url,
                "--api-key", demo_data.DEMO_API_KEY,
                "--tokens", str(tokens_file),
                "--folder", str(folder),
                "--receiver", receiver_url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        killed = False
        try:
            if _wait_ready(child) and kill_after_s is not None:
                try:
                    child.wait(timeout=kill_after_s)
                except subprocess.TimeoutExpired:
                    child.send_signal(signal.SIGKILL)
                    killed = True
            _, stderr = child.communicate(timeout=CHILD_RUN_TIMEOUT_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        run = Run(killed, child.returncode, stderr.decode("utf-8", "replace"))
        runs.append(run)
        assert killed or run.returncode in (0, EXIT_INCOMPLETE), f"child failed: {context()}"
        return run

    with httpx.Client(base_url=emulator.base_url, headers=emulator.control_headers, timeout=10.0) as control:
        tokens = _create_bookings(control, rng, BOOKINGS_PER_BATCH)
        tokens_file.write_text("\n".join(tokens) + "\n", encoding="ascii")
        kills = 0
        while kills < KILLS:
            _maybe_inject_fault(control, rng)
            run = run_child(rng.uniform(0.0, KILL_DELAY_MAX_S))
            kills += run.killed
            if not run.killed and run.returncode == 0:  # all done before the kill: more work
                tokens += _create_bookings(control, rng, BOOKINGS_PER_BATCH)
                tokens_file.write_text("\n".join(tokens) + "\n", encoding="ascii")
        control.delete("/_control/faults")
        for _ in range(FINAL_RUNS):
            if run_child(None).returncode == 0:
                break
        else:
            raise AssertionError(f"the till never finished after the kills: {context()}")
        emulator_status = {
            token: control.get(f"/_control/bookings/{token}").json()["status"] for token in tokens
        }
    elapsed_s = time.monotonic() - started

    with sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True) as db:
        done_use = Counter(
            token
            for (token,) in db.execute(
                "SELECT i.token FROM intents i JOIN resolutions r ON r.intent_id = i.id"
                " WHERE i.operation = 'use' AND r.resolution = 'done'"
            )
        )
        payments = {uid: token for uid, token in db.execute("SELECT uid, token FROM payments")}
        payments_per_token = Counter(payments.values())
        open_intents = db.execute(
            "SELECT count(*) FROM intents WHERE id NOT IN (SELECT intent_id FROM resolutions)"
        ).fetchone()[0]
        settled_by_reread = db.execute(
            "SELECT count(*) FROM resolutions WHERE confirmed_by_reread = 1 OR detail LIKE 'not applied%'"
        ).fetchone()[0]
        delivered = Counter(channel for (channel,) in db.execute("SELECT channel FROM deliveries"))
    db.close()

    used = {token for token, status in emulator_status.items() if status == "USED"}
    summary = (
        f"{context()}; {elapsed_s:.1f} s, {len(tokens)} bookings, {sum(run.killed for run in runs)} kills, "
        f"{settled_by_reread} intents settled by a start-up re-read, "
        f"receiver refused {receiver_state.refused} and lost {receiver_state.lost_acks} acks"
    )
    print(summary)
    assert sum(run.killed for run in runs) >= KILLS, summary
    assert used == set(tokens), f"not every booking was validated: {summary}"
    assert open_intents == 0, summary
    # Exactly one done USE row and one payment per used booking; none for a booking not used.
    assert set(done_use) == used and set(done_use.values()) == {1}, f"{done_use.most_common(3)}: {summary}"
    assert set(payments_per_token) == used and set(payments_per_token.values()) == {1}, summary
    assert delivered == {"folder": len(payments), "http": len(payments)}, f"{delivered}: {summary}"

    # HTTP: every payment received, every copy under its own id (key and body agree).
    ids_per_token: dict[str, set[str]] = defaultdict(set)
    for key, document in receiver_state.received:
        assert key == document["id"], summary
        ids_per_token[document["token"]].add(document["id"])
    assert ids_per_token == {token: {uid} for uid, token in payments.items()}, summary

    # Folder: one complete file per payment, named and filled with its id; only temporary
    # ``.part`` files of a drop cut short may be left beside them (the register ignores those).
    files_per_token: dict[str, set[str]] = defaultdict(set)
    for path in folder.iterdir():
        if path.name.startswith(".pos-client-") and path.name.endswith(".part"):
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        assert path.name.endswith(f"-{document['id']}.json"), summary
        files_per_token[document["token"]].add(document["id"])
    assert files_per_token == {token: {uid} for uid, token in payments.items()}, summary


def test_an_intent_left_open_is_not_paid_again_after_a_later_validation(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    """A start-up whose re-read failed (network down) leaves a USE intent open; the cashier then
    validates the same contremarque (the API shows it unused, so the first attempt never went
    through); at the next start-up the re-read shows it used, by the second validation only."""
    from pos_client.api.client import BookingsClient
    from pos_client.api.limiter import RequestLimiter
    from pos_client.counter.changes import run_change
    from pos_client.counter.settlement import settle_open_intents
    from pos_client.domain.ledger import Operation
    from pos_client.domain.outcomes import Found, Validated
    from pos_client.domain.scan import RawScan, Transport
    from pos_client.journal import open_journal

    token = emulator.control.create_booking(offer_name="Livre", price_cents=1290)
    scan = RawScan(text=token, transport=Transport.TYPED, source_id="typed")
    with (
        open_journal(tmp_path / "journal.sqlite3", till="caisse-1") as journal,
        BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY, limiter=RequestLimiter(1000)) as api,
    ):
        lookup = api.get_booking(token)
        assert isinstance(lookup, Found)
        first = journal.begin(
            Operation.USE,
            lookup.booking,
            transport=scan.transport,
            source_id=scan.source_id,
            id_checked_at=None,
        )
        journal.resolve_unknown(first, "connexion perdue, relecture impossible")
        second = run_change(api, journal, Operation.USE, lookup.booking, scan, None)
        assert isinstance(second.outcome, Validated) and second.payment is not None

        settle_open_intents(api, journal)

        assert journal.open_intents() == []
        sales = [row for row in journal.payments_between(date.min, date.max) if row.record.token == token]
        assert len(sales) == 1, f"{len(sales)} payment records for one validation of {token}"
