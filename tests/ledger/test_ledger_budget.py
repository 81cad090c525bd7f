"""The request budget shared by the tills of one API key, kept in a real PostgreSQL: never above the
bucket's bound across processes, and a per-till share when the ledger cannot be reached."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ledger_fixtures import CHILD, LedgerDb, child_env

from pos_client.ledger.budget import SharedRateBudget


def test_the_bucket_never_grants_more_than_its_bound_across_processes(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    capacity, refill_per_s = 3, 20.0
    go_file = tmp_path / "go"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                str(ledger_db.server.port),
                ledger_db.dbname,
                role,
                f"caisse {n}",
                "bucket",
                str(go_file),
                "1.0",
                str(capacity),
                str(refill_per_s),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for n, role in enumerate(["till_a", "till_b", "till_c", "till_d"])
    ]
    for child in children:  # all connected, then all started at once
        assert child.stdout is not None and json.loads(child.stdout.readline()) == {"ready": True}
    go_file.touch()
    grants: list[datetime] = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        grants.extend(datetime.fromisoformat(text) for text in json.loads(out)["grants"])
    grants.sort()
    assert len(grants) > capacity
    # A bucket of C tokens refilled at r/s grants at most C + r*W in any span of W seconds.
    for window_s in (0.05, 0.25, 1.0):
        bound = capacity + refill_per_s * window_s
        for index, start in enumerate(grants):
            in_window = sum(1 for moment in grants[index:] if (moment - start).total_seconds() <= window_s)
            assert in_window <= bound, (window_s, start, in_window)
    tills = ledger_db.scalar("SELECT count(*) FROM ledger.rate_users")
    assert tills == 4


def test_the_budget_waits_on_the_ledger_and_counts_the_tills(ledger_db: LedgerDb) -> None:
    waits: list[float] = []
    with ledger_db.link("till_a") as link_a, ledger_db.link("till_b") as link_b:
        first = SharedRateBudget(
            link_a,
            base_url="http://x",
            api_key="k" * 20,
            per_minute=12,
            burst=2,
            window_s=60.0,
            max_wait_s=0.0,
            sleep=waits.append,
        )
        second = SharedRateBudget(
            link_b,
            base_url="http://x",
            api_key="k" * 20,
            per_minute=12,
            burst=2,
            window_s=60.0,
            max_wait_s=0.0,
            sleep=waits.append,
        )
        assert first.acquire() is None and second.acquire() is None  # the burst of 2, shared
        wait = first.acquire()
        assert wait is not None and 5 < wait <= 6 + 1e-6  # refilled 10 a minute: one every 6 s
        assert second.tills_seen == 2 and first.on_ledger and "toutes les caisses" in first.describe()
        other_key = SharedRateBudget(
            link_b,
            base_url="http://x",
            api_key="z" * 20,
            per_minute=12,
            burst=2,
            window_s=60.0,
            max_wait_s=0.0,
        )
        assert other_key.acquire() is None  # another key has its own budget
    assert waits == []


def test_with_the_ledger_down_each_till_gets_its_share_gradually(ledger_db: LedgerDb) -> None:
    now = [100.0]
    with ledger_db.link("till_a", port=1) as down:
        budget = SharedRateBudget(
            down,
            base_url="http://x",
            api_key="k" * 20,
            per_minute=10,
            burst=2,
            tills_sharing_key=2,
            max_wait_s=0.0,
            clock=lambda: now[0],
        )
        assert budget.fallback_per_minute == 4  # (10 - 2) / 2 tills
        assert budget.acquire() == 15.0  # just lost (or just started): the first after 60 / 4 s
        now[0] += 30.0
        assert [budget.acquire() for _ in range(3)] == [None, None, 15.0]  # half a minute: half the share
        assert not budget.on_ledger and "4 requêtes/min" in budget.describe()
        now[0] += 30.0
        assert [budget.acquire() for _ in range(3)] == [None, None, 30.0]  # the whole share, per minute
        now[0] += 30.0
        assert budget.acquire() is None


def test_requests_started_on_the_share_are_paid_back_when_the_ledger_returns(ledger_db: LedgerDb) -> None:
    now = [0.0]
    with ledger_db.link("till_a", port=1) as link:
        budget = SharedRateBudget(
            link,
            base_url="http://x",
            api_key="d" * 20,
            per_minute=6,
            burst=2,
            tills_sharing_key=2,
            max_wait_s=0.0,
            clock=lambda: now[0],
        )
        now[0] = 60.0
        assert [budget.acquire() for _ in range(3)][:2] == [None, None]  # the share: (6 - 2) // 2 = 2
        assert not budget.on_ledger
        link.config = ledger_db.config("till_a")  # the ledger is back
        link.reset_backoff()
        first = budget.acquire()
        # The bucket (2 tokens, refilled 4 a minute) was charged the 2 requests made alone: 2 - 2 = 0,
        # so the next start waits until 1 token has come back, about 15 s.
        assert budget.on_ledger and first is not None and 10 < first <= 15 + 1e-6
        second = budget.acquire()
        assert second is not None and second <= first  # charged once only
