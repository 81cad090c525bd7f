"""One till of the multi-till simulation (bench/bench_multitill.py), as its own process.

The till is the program's own: the Qt-free ``Counter`` composed as the application composes it
(``app.backend.open_backend`` from a ``[ledger]`` section and a custom server address, then
``app.counter.build_counter``): the real HTTP client against the emulator, whose request budget is the
key's shared bucket in the ledger, the real SQLite journal, the ledger's claims, the replication
worker. Nothing of the till's logic is here: the loop only plays the cashier, scanning a booking of
the shared set at random, confirming the ID check and validating when the counter shows a card, then
counting what the screen said. At start (also after a SIGKILL) it settles its open intents as the
window does at start-up, and the counter's ``tick`` does the rest. Prints its counts as one JSON line
when its time is up.

    python bench/multitill_till.py CONFIG_JSON
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
from collections import Counter as Tally
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The tests' in-memory keyring: the simulation's machine has no OS keyring to share.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "client"))

import keyring  # after the path set-up above
from memory_keyring import MemoryKeyring

from pos_client.app.backend import open_backend
from pos_client.app.context import AppContext
from pos_client.app.counter import build_counter
from pos_client.counter import messages as msg
from pos_client.counter.machine import Counter
from pos_client.counter.view import CounterView, State
from pos_client.domain.ports import InlineRunner
from pos_client.domain.scan import RawScan, Transport
from pos_client.ledger.connection import LedgerConfig, LedgerLink, LedgerPasswords
from pos_client.ledger.replication import Replicator
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings


class OneKey:
    """The API key every till shares (the platform's limit is per key)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get_key(self, environment: ApiEnvironment) -> str | None:
        return self.key


def till_settings(config: dict[str, object]) -> Settings:
    return Settings(till_name=str(config["till"])).with_values(
        api={"environment": ApiEnvironment.CUSTOM, "custom_url": str(config["emulator"])},
        ledger={
            "enabled": True,
            "host": "127.0.0.1",
            "port": int(str(config["port"])),
            "dbname": str(config["dbname"]),
            "user": str(config["role"]),
            "sslmode": "disable",
            "tills_sharing_key": int(str(config["tills"])),
        },
    )


def classify(view: CounterView) -> str:
    """What the screen told the cashier, as a counter name."""
    if view.title == msg.CLAIMED_DONE_TITLE.render():
        return "told by the ledger: done at another till"
    if view.title == msg.CLAIMED_TITLE.render():
        return "told by the ledger: in progress at another till"
    if view.state is State.ALREADY_VALIDATED and view.validated_by_this_till_at is not None:
        return "already validated by this till"
    return view.state.name.lower()


def scan(counter: Counter, token: str) -> str:
    """The cashier scans ``token``; on a card, confirms the ID and validates."""
    counter.dismiss()
    counter.scan(RawScan(text=token, transport=Transport.SERIAL, source_id="serial:simulation"))
    if counter.state is State.ID_CHECK:
        counter.confirm_id_check(token)
        counter.validate(token)
    return classify(counter.view)


def run(config: dict[str, object], tokens: list[str], until: float) -> Tally[str]:
    keyring.set_keyring(MemoryKeyring())
    settings = till_settings(config)
    ledger = LedgerConfig.from_settings(settings)
    password = str(config["password"])
    LedgerPasswords().set(ledger, password)
    context = AppContext(paths=AppPaths.under(Path(str(config["root"]))), settings=settings)
    context.paths.ensure()
    rng = random.Random(int(str(config["seed"])))
    tally: Tally[str] = Tally()
    with ExitStack() as stack:
        backend = open_backend(context, demo=False, keys=OneKey(str(config["api_key"])), stack=stack)
        counter = build_counter(backend.api, backend.journal, InlineRunner(), settings, claims=backend.claims)
        counter.settle_in_background()  # as the window does at start-up (after a SIGKILL too)
        tally_file = Path(str(config["root"])) / f"tally-{os.getpid()}.json"
        written_at = time.monotonic()
        tokens_file = Path(str(config["tokens_file"]))
        while time.time() < until:
            if time.monotonic() - written_at >= 1.0:  # new bookings keep coming
                tokens = json.loads(tokens_file.read_text(encoding="utf-8"))
            tally[scan(counter, rng.choice(tokens))] += 1
            tally["scans"] += 1
            counter.tick()
            if time.monotonic() - written_at >= 1.0:  # a SIGKILL loses at most a second's counts
                write_tally(tally_file, tally)
                written_at = time.monotonic()
        for _ in range(3):  # what the next start-up would settle
            counter.settle_in_background()
        # The push the next start would make (the worker's last round may not have run yet):
        # idempotent beside the worker's own.
        with LedgerLink(ledger, lambda: password) as link:
            left = Replicator(backend.journal, link).push().behind  # type: ignore[arg-type]
        tally["records left behind"] = left
        tally["intents left open"] = len(backend.journal.open_intents())
    write_tally(tally_file, tally)
    return tally


def write_tally(path: Path, tally: Tally[str]) -> None:
    """This life's counts so far, replaced whole (the simulation sums the lives of each till)."""
    path.with_suffix(".tmp").write_text(json.dumps(dict(tally)), encoding="utf-8")
    path.with_suffix(".tmp").replace(path)


def main(argv: list[str]) -> int:
    # The till's own warnings ("ledger unreachable, ... alone") are what the simulation provokes.
    logging.basicConfig(level=logging.ERROR)
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    tokens = json.loads(Path(str(config["tokens_file"])).read_text(encoding="utf-8"))
    print(json.dumps({"ready": True}), flush=True)
    go_file = Path(str(config["go_file"]))  # written by the simulation once every till is ready
    deadline = time.monotonic() + 300
    while not go_file.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    until = float(json.loads(go_file.read_text(encoding="utf-8"))["until"])
    print(json.dumps(dict(run(config, tokens, until))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
