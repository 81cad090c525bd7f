"""Claims on a real PostgreSQL: answers for the cashier, races between threads and processes, and the
lease of a till killed while holding a claim."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from ledger_fixtures import CHILD, LedgerDb, child_env

from pos_client.domain.ledger import Operation
from pos_client.ledger.claims import Claims, ClaimState, till_phrase


def test_a_claimed_booking_is_refused_to_another_till_with_who_and_since(ledger_db: LedgerDb) -> None:
    with (
        ledger_db.link("till_a", till="caisse 1") as link_a,
        ledger_db.link("till_b", till="caisse 2") as link_b,
    ):
        first, second = Claims(link_a), Claims(link_b)
        mine = first.claim("AAAAA1", Operation.USE)
        assert mine.granted and mine.state is ClaimState.HELD and mine.taken_over_from is None
        other = second.claim("AAAAA1", Operation.USE)
        assert not other.granted and other.state is ClaimState.HELD and other.till == "caisse 1"
        assert other.message(UTC) == (
            f"Contremarque en cours de validation à la caisse 1 depuis {mine.since.astimezone(UTC):%H:%M} :"
            " rien n'a été envoyé."
        )
        # Claiming again from the same till renews its own claim.
        again = first.claim("AAAAA1", Operation.USE)
        assert again.granted and again.claim_id == mine.claim_id
        assert again.lease_until is not None and mine.lease_until is not None
        assert again.lease_until >= mine.lease_until
        # Done: the other till is told where and when, and sends nothing.
        assert second.done(mine.claim_id) is False  # not its claim
        assert first.done(mine.claim_id) is True
        after = second.claim("AAAAA1", Operation.USE)
        assert not after.granted and after.state is ClaimState.DONE and after.till == "caisse 1"
        assert after.message(UTC).startswith("Contremarque validée à la caisse 1 à ")
        seen = second.who_validated("AAAAA1")
        assert seen is not None and seen.till == "caisse 1" and seen.claim_id == mine.claim_id
        # A revert may be claimed (by any till: support) and, once done, frees the booking again.
        revert = second.claim("AAAAA1", Operation.KEEP)
        assert revert.granted
        assert second.done(revert.claim_id)
        assert second.who_validated("AAAAA1") is None
        assert first.claim("AAAAA1", Operation.USE).granted


def test_release_frees_the_booking_and_cancel_is_final(ledger_db: LedgerDb) -> None:
    with ledger_db.link("till_a") as link_a, ledger_db.link("till_b") as link_b:
        first, second = Claims(link_a), Claims(link_b)
        held = first.claim("BBBBB2", Operation.USE)
        assert first.release(held.claim_id) and not first.release(held.claim_id)
        assert first.live_claim("BBBBB2") is None
        taken = second.claim("BBBBB2", Operation.CANCEL)
        assert taken.granted and taken.taken_over_from is None
        live = first.live_claim("BBBBB2")
        assert live is not None and live.till == "caisse b" and not live.granted
        assert second.renew(taken.claim_id) is not None and first.renew(taken.claim_id) is None
        assert second.done(taken.claim_id)
        final = first.claim("BBBBB2", Operation.USE)
        assert not final.granted and final.state is ClaimState.DONE and final.operation is Operation.CANCEL
        assert "annulée à la caisse b" in final.message()


def test_till_phrase() -> None:
    assert till_phrase("caisse 2") == "la caisse 2"
    assert till_phrase("Caisse-3") == "la caisse 3"
    assert till_phrase("Accueil") == "la caisse Accueil"


def test_threads_racing_for_the_same_bookings_get_one_claim_each(ledger_db: LedgerDb) -> None:
    tokens = [f"RACE{n:02d}" for n in range(20)]
    roles = ["till_a", "till_b", "till_c", "till_d"] * 2
    granted: list[tuple[str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(roles))

    def till(index: int) -> None:
        with ledger_db.link(roles[index], till=f"caisse {index}") as link:
            claims = Claims(link)
            claims.live_claim("warm-up")  # connected before the race starts
            barrier.wait()
            for token in tokens:
                if claims.claim(token, Operation.USE).granted:
                    with lock:
                        granted.append((token, f"caisse {index}"))

    threads = [threading.Thread(target=till, args=(index,)) for index in range(len(roles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(token for token, _ in granted) == tokens  # each exactly once
    holders = dict(granted)
    rows = ledger_db.scalar("SELECT count(*) FROM ledger.claims WHERE ended IS NULL")
    assert rows == len(tokens)
    for token in tokens:
        held_by = ledger_db.scalar("SELECT till FROM ledger.claims WHERE token = %s", token)
        assert held_by == holders[token]


def test_processes_racing_for_the_same_bookings_get_one_claim_each(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    tokens = [f"PROC{n:02d}" for n in range(30)]
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
                "claim-race",
                str(go_file),
                ",".join(tokens if n % 2 else reversed(tokens)),
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
    results = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        results.append(json.loads(out)["granted"])
    won = sorted(token for granted in results for token in granted)
    assert won == tokens


def test_a_till_killed_while_holding_a_claim_loses_it_when_its_lease_ends(ledger_db: LedgerDb) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            str(ledger_db.server.port),
            ledger_db.dbname,
            "till_b",
            "caisse 2",
            "hold",
            "KILLED",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    ) as child:
        try:
            assert child.stdout is not None
            held = json.loads(child.stdout.readline())
            assert held["granted"]
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
    lease_until = ledger_db.scalar("SELECT lease_until FROM ledger.claims WHERE id = %s", held["claim_id"])
    assert isinstance(lease_until, datetime)
    with ledger_db.link("till_a", till="caisse 1") as link:
        claims = Claims(link)
        answers = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = claims.claim("KILLED", Operation.USE)
            answers.append(answer)
            if answer.granted:
                break
            time.sleep(0.2)
        final = answers[-1]
        assert final.granted and final.taken_over_from == "caisse 2"
        # Before the lease ran out the dead till's claim was shown, never granted over it.
        assert all(not a.granted and a.till == "caisse 2" for a in answers[:-1])
        assert final.since >= lease_until
    assert ledger_db.scalar("SELECT ended FROM ledger.claims WHERE id = %s", held["claim_id"]) == "expired"


def test_a_validation_made_without_a_claim_is_known_by_its_payment_line(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    from ledger_fixtures import new_journal, sell

    from pos_client.ledger.replication import Replicator

    with (
        new_journal(tmp_path, "caisse 3") as journal,
        ledger_db.link("till_c") as link_c,
        ledger_db.link("till_a") as link_a,
    ):
        sell(journal, "NOCLM1", 1)  # validated while the ledger was down: no claim
        Replicator(journal, link_c).push()
        answer = Claims(link_a).claim("NOCLM1", Operation.USE)
        assert not answer.granted and answer.state is ClaimState.DONE and answer.till == "caisse 3"
        assert answer.claim_id == 0 and "validée à la caisse 3" in answer.message()
        assert Claims(link_a).claim("NOCLM1", Operation.KEEP).granted  # a revert is still possible


def test_an_open_intent_is_settled_by_the_ledger_not_by_a_guess(ledger_db: LedgerDb, tmp_path: Path) -> None:
    from ledger_fixtures import new_journal, sell

    from pos_client.ledger.replication import Replicator

    with (
        new_journal(tmp_path, "caisse 3") as other,
        new_journal(tmp_path, "caisse 1") as mine,
        ledger_db.link("till_c", till="caisse 3") as link_c,
        ledger_db.link("till_a", till="caisse 1") as link_a,
    ):
        claims_a, claims_c = Claims(link_a), Claims(link_c)
        # Validated at till 3 with a claim: till 1's open intent for it was not its sale.
        done = claims_c.claim("SETTL1", Operation.USE)
        assert claims_c.done(done.claim_id)
        seen = claims_a.validated_elsewhere("SETTL1", mine.uid)
        assert seen is not None and seen.till == "caisse 3" and seen.claim_id == done.claim_id
        assert claims_c.validated_elsewhere("SETTL1", other.uid) is None  # its own
        # Validated at till 3 while the ledger was down: known by its replicated payment line.
        sell(other, "SETTL2", 2)
        Replicator(other, link_c).push()
        by_line = claims_a.validated_elsewhere("SETTL2", mine.uid)
        assert by_line is not None and by_line.till == "caisse 3" and by_line.claim_id == 0
        assert claims_c.validated_elsewhere("SETTL2", other.uid) is None
        assert claims_a.validated_elsewhere("NOBODY", mine.uid) is None
