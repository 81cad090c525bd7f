"""Two counters sharing a real PostgreSQL ledger through the ``BookingClaims`` port: a booking being
validated at one till is refused at the other at once, a validated one names the till that did it,
two tills racing send one validation, and with the ledger stopped each till works alone."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_fixtures import LedgerDb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "counter"))

from counter_fakes import Rig, scan

from pos_client.counter.view import State
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import AlreadyValidated
from pos_client.ledger.booking_claims import LedgerBookingClaims
from pos_client.ledger.claims import ClaimAnswer, Claims, ClaimState

TOKEN = "352UW4"


@pytest.fixture
def tills(ledger_db: LedgerDb) -> Iterator[tuple[Rig, Rig]]:
    """Two counters (caisse 1, caisse 2), each with its own role's link to one ledger."""
    with (
        ledger_db.link("till_a", till="caisse 1") as link_a,
        ledger_db.link("till_b", till="caisse 2") as link_b,
    ):
        yield (
            Rig(claims=LedgerBookingClaims(Claims(link_a))),
            Rig(claims=LedgerBookingClaims(Claims(link_b))),
        )


def _validate(rig: Rig) -> None:
    rig.card(TOKEN)
    assert rig.counter.confirm_id_check(TOKEN) and rig.counter.validate(TOKEN)
    rig.runner.run_all()


def test_another_till_is_told_at_once_and_sends_nothing(tills: tuple[Rig, Rig]) -> None:
    first, second = tills
    seen_at_caisse_2 = []

    def caisse_2_scans_while_caisse_1_sends() -> None:
        second.counter.scan(scan(TOKEN))
        second.runner.run_all()
        seen_at_caisse_2.append(second.counter.view)

    first.api.on_change = caisse_2_scans_while_caisse_1_sends
    _validate(first)
    assert first.counter.state is State.VALIDATED
    [view] = seen_at_caisse_2
    assert view.state is State.REFUSED and "en cours de validation à la caisse « caisse 1 »" in view.detail
    # Validated now: a later scan at caisse 2 (the API says "already validated") names caisse 1.
    second.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    second.counter.dismiss()
    second.counter.scan(scan(TOKEN))
    second.runner.run_all()
    assert second.counter.view.title == "Déjà faite à une autre caisse"
    assert "validée à la caisse « caisse 1 »" in second.counter.view.detail
    assert second.api.count("use") == 0 and second.journal.payments == []


def test_two_tills_racing_on_one_card_send_one_validation(tills: tuple[Rig, Rig]) -> None:
    first, second = tills
    first.card(TOKEN)
    second.card(TOKEN)
    for rig in (first, second):
        assert rig.counter.confirm_id_check(TOKEN) and rig.counter.validate(TOKEN)
    first.runner.run_all()
    second.runner.run_all()
    assert first.api.count("use") + second.api.count("use") == 1
    assert len(first.journal.payments) + len(second.journal.payments) == 1


def test_with_the_ledger_stopped_each_till_works_alone(ledger_db: LedgerDb) -> None:
    with ledger_db.link("till_a", till="caisse 1", port=1) as link:  # nothing listens on port 1
        claims = LedgerBookingClaims(Claims(link))
        rig = Rig(claims=claims)
        _validate(rig)
    assert rig.counter.state is State.VALIDATED and rig.api.count("use") == 1
    assert claims.reachable is False


def test_a_claim_is_held_for_as_long_as_its_change_takes(ledger_db: LedgerDb) -> None:
    """A change slower than the lease (a budget wait, a slow server): its lease is renewed while it
    lasts, so another till is still told "en cours" and never takes the booking over."""
    lease_s = 0.6
    told: list[ClaimAnswer] = []
    with (
        ledger_db.link("till_a", till="caisse 1") as link_a,
        ledger_db.link("till_b", till="caisse 2") as link_b,
    ):
        slow = Rig(claims=LedgerBookingClaims(Claims(link_a, lease_s=lease_s)))

        def caisse_2_claims_after_two_leases() -> None:
            time.sleep(2 * lease_s + 0.3)
            told.append(Claims(link_b).claim(TOKEN, Operation.USE))

        slow.api.on_change = caisse_2_claims_after_two_leases
        _validate(slow)
    assert slow.counter.state is State.VALIDATED
    [answer] = told
    assert not answer.granted and answer.state is ClaimState.HELD and answer.till == "caisse 1"
    assert answer.taken_over_from is None
