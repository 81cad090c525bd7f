"""One till of the multi-till simulation (bench/bench_multitill.py), as its own process.

It does what the counter will do once the ledger is wired into it: for each scan of a booking taken
at random from the shared set, claim it in the ledger (when the ledger is reachable), read it,
write the intent to its own SQLite journal, validate it through the real HTTP client (whose request
budget is the ledger's shared bucket), settle the journal and end the claim. Its journal is
replicated by a ``ReplicationWorker``. At start (after a SIGKILL) and from time to time it settles
its open intents, asking the ledger first who validated ("settled by the claims, never by a
guess"), then re-reading the booking. Prints its counters as one JSON line when its time is up.

    python bench/multitill_till.py CONFIG_JSON
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pos_client.api.client import BookingsClient  # after the path set-up above
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import AlreadyValidated, Found, OutcomeUnknown, Validated
from pos_client.domain.scan import Transport
from pos_client.journal import SqliteJournal, open_journal
from pos_client.ledger.budget import SharedRateBudget
from pos_client.ledger.claims import Claims
from pos_client.ledger.connection import LedgerConfig, LedgerError, LedgerLink
from pos_client.ledger.replication import ReplicationWorker, Replicator


class SimTill:
    def __init__(self, config: dict[str, object]) -> None:
        self.name = str(config["till"])
        ledger = LedgerConfig(
            "127.0.0.1",
            int(str(config["port"])),
            str(config["dbname"]),
            str(config["role"]),
            self.name,
            sslmode="disable",
        )
        password = str(config["password"])
        self.claims_link = LedgerLink(ledger, lambda: password, retry_after_s=1.0)
        self.claims = Claims(self.claims_link, lease_s=float(str(config["lease_s"])))
        budget = SharedRateBudget(
            LedgerLink(ledger, lambda: password, retry_after_s=1.0),
            base_url=str(config["emulator"]),
            api_key=str(config["api_key"]),
            till=self.name,
            tills_sharing_key=int(str(config["tills"])),
            # As the till's own limiter: a cashier is told "trop de demandes" rather than kept
            # waiting; the claim's lease must outlast this wait plus the request.
            max_wait_s=5.0,
        )
        self.api = BookingsClient(
            str(config["emulator"]),
            str(config["api_key"]),
            till_name=self.name,
            limiter=budget,  # type: ignore[arg-type]  # the same acquire() shape
        )
        self.journal: SqliteJournal = open_journal(Path(str(config["journal"])), till=self.name)
        self.worker = ReplicationWorker(
            Replicator(self.journal, LedgerLink(ledger, lambda: password, retry_after_s=1.0)), interval_s=0.5
        )
        self.stats: Counter[str] = Counter()

    def settle(self) -> None:
        for intent in self.journal.open_intents():
            try:
                seen = self.claims.validated_elsewhere(intent.token, self.journal.uid)
                live = self.claims.live_claim(intent.token)
            except LedgerError:
                continue  # the ledger must tell whose validation it is: stays open until it can
            if seen is not None:
                self.journal.resolve_refused(intent, seen.message())
                self.stats["settled_as_other_till"] += 1
                continue
            if live is not None and live.till != self.name:
                continue  # another till is at it right now
            outcome = self.api.get_booking(intent.token)
            if isinstance(outcome, AlreadyValidated):
                self.journal.resolve_done(intent, confirmed_by_reread=True)
                self.stats["settled_done"] += 1
                self._mark_done(intent.token)
            elif isinstance(outcome, Found):
                self.journal.resolve_refused(intent, "not applied (re-read)")
                self.stats["settled_not_applied"] += 1

    def _mark_done(self, token: str) -> None:
        try:
            answer = self.claims.claim(token, Operation.USE)
            if answer.granted:
                self.claims.done(answer.claim_id)
        except LedgerError:
            pass

    def scan(self, token: str) -> None:
        self.stats["scans"] += 1
        try:
            answer = self.claims.claim(token, Operation.USE)
        except LedgerError:
            answer = None
            self.stats["scans_ledger_down"] += 1
        if answer is not None and not answer.granted:
            self.stats["told_by_ledger_" + answer.state.value] += 1
            return
        found = self.api.get_booking(token)
        if not isinstance(found, Found):
            self.stats["read_" + type(found).__name__] += 1
            self._end(answer, done=False)
            return
        if answer is not None and self.claims.renew(answer.claim_id) is None:
            self.stats["claim_lost_before_sending"] += 1  # its lease ran out: another till took over
            return
        intent = self.journal.begin(
            Operation.USE,
            found.booking,
            transport=Transport.COMMAND_LINE,
            source_id="simulation",
            id_checked_at=datetime.now(UTC),
        )
        outcome = self.api.validate(token)
        self.stats["validate_" + type(outcome).__name__] += 1
        if isinstance(outcome, Validated):
            self.journal.resolve_done(intent, confirmed_by_reread=outcome.confirmed_by_reread)
            self._end(answer, done=True)
        elif isinstance(outcome, OutcomeUnknown):
            self.journal.resolve_unknown(intent, outcome.detail)  # the claim runs to its lease
        else:
            self.journal.resolve_refused(intent, type(outcome).__name__)
            self._end(answer, done=False)
        self.worker.wake()

    def _end(self, answer: object, *, done: bool) -> None:
        if answer is None:
            return
        claim_id = answer.claim_id  # type: ignore[attr-defined]
        try:
            if done:
                self.claims.done(claim_id)
            else:
                self.claims.release(claim_id)
        except LedgerError:
            self.stats["claim_end_lost"] += 1

    def run(self, tokens: list[str], until: float, seed: int) -> None:
        rng = random.Random(seed)
        self.worker.start()
        self.settle()
        while time.time() < until:
            self.scan(rng.choice(tokens))
            if rng.random() < 0.05:
                self.settle()
        for _ in range(3):
            self.settle()
        self.worker.stop()
        status = self.worker.replicator.push()  # the final push before exit
        self.stats["left_behind"] = status.behind
        self.stats["open_intents"] = len(self.journal.open_intents())


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    till = SimTill(config)
    tokens = json.loads(Path(str(config["tokens_file"])).read_text(encoding="utf-8"))
    print(json.dumps({"ready": True}), flush=True)
    go_file = Path(str(config["go_file"]))  # written by the simulation once every till is ready
    deadline = time.monotonic() + 300
    while not go_file.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    until = float(json.loads(go_file.read_text(encoding="utf-8"))["until"])
    till.run(tokens, until, int(config["seed"]))
    print(json.dumps(dict(till.stats)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
