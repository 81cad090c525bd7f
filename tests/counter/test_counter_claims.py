"""The counter with a shared ledger's claims (the ``BookingClaims`` port): a till claims a booking
before sending a change; another till is told at once and sends nothing; with the ledger unreachable
the till works alone. ``SharedClaims`` keeps the port's rules in memory for two counters; the ledger's
own implementation is tested against a real PostgreSQL in tests/ledger."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from counter_fakes import Rig, scan

from pos_client.counter.view import State
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import AlreadyValidated, ClaimedElsewhere
from pos_client.domain.ports import ClaimTicket, LedgerWord

TOKEN = "352UW4"


@dataclass
class _Claim:
    till: str
    operation: Operation
    at: datetime
    done: bool = False


@dataclass
class SharedClaims:
    """One ledger's claims as the port promises them, shared by the tills of a test."""

    now: datetime
    claims: dict[str, _Claim] = field(default_factory=dict)
    reachable: bool = True
    dead_tills: set[str] = field(default_factory=set)

    def for_till(self, till: str) -> TillClaims:
        return TillClaims(self, till)


@dataclass
class TillClaims:
    ledger: SharedClaims
    till: str

    def claim(self, token: str, operation: Operation) -> ClaimTicket | ClaimedElsewhere | None:
        if not self.ledger.reachable:
            return None
        held = self.ledger.claims.get(token)
        taken_over = None
        if held is not None and held.till != self.till:
            if held.till not in self.ledger.dead_tills or held.done:
                return ClaimedElsewhere(token, held.operation.value, held.till, held.at, held.done)
            taken_over = held.till  # its lease ended with its till
        self.ledger.claims[token] = _Claim(self.till, operation, self.ledger.now)
        return ClaimTicket(1, token, taken_over)

    def finish(self, ticket: ClaimTicket, *, went_through: bool | None) -> None:
        claim = self.ledger.claims.get(ticket.token)
        if claim is None or claim.till != self.till or went_through is None:
            return
        if went_through:
            claim.done = True
        else:
            del self.ledger.claims[ticket.token]

    def elsewhere(self, token: str, *, validated: bool) -> ClaimedElsewhere | None:
        claim = self.ledger.claims.get(token)
        if claim is None or claim.till == self.till or claim.done is not validated:
            return None
        if not claim.done and claim.till in self.ledger.dead_tills:
            return None  # a lapsed lease holds nothing
        return ClaimedElsewhere(token, claim.operation.value, claim.till, claim.at, claim.done)

    def word(self, token: str) -> LedgerWord:
        if not self.ledger.reachable:
            return LedgerWord(reachable=False)
        claim = self.ledger.claims.get(token)
        if claim is None or (not claim.done and claim.till in self.ledger.dead_tills):
            return LedgerWord(reachable=True)
        if claim.till == self.till:
            here = claim.at if claim.done and claim.operation is Operation.USE else None
            return LedgerWord(reachable=True, validated_here_at=here)
        if claim.done and claim.operation is not Operation.USE:
            return LedgerWord(reachable=True)
        told = ClaimedElsewhere(token, claim.operation.value, claim.till, claim.at, claim.done)
        return LedgerWord(reachable=True, elsewhere=told)

    def held(self, ticket: ClaimTicket) -> AbstractContextManager[object]:
        return nullcontext()  # leases never run out here: only dead tills lose their claims

    def mark_done(self, token: str, operation: Operation) -> None:
        if self.ledger.reachable:
            self.ledger.claims[token] = _Claim(self.till, operation, self.ledger.now, done=True)


def _till(ledger: SharedClaims, name: str) -> Rig:
    return Rig(claims=ledger.for_till(name))


def _validate(rig: Rig, *, run: bool = True) -> None:
    rig.card(TOKEN)
    assert rig.counter.confirm_id_check(TOKEN)
    assert rig.counter.validate(TOKEN)
    if run:
        rig.runner.run_all()


def test_a_booking_being_validated_at_another_till_is_said_at_once_and_nothing_is_sent() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone())
    first, second = _till(ledger, "caisse 1"), _till(ledger, "caisse 2")
    views_meanwhile = []

    def caisse_2_scans_while_caisse_1_sends() -> None:
        second.counter.scan(scan(TOKEN))
        second.runner.run_all()
        views_meanwhile.append(second.counter.view)

    first.api.on_change = caisse_2_scans_while_caisse_1_sends
    _validate(first)
    assert first.counter.state is State.VALIDATED
    view = views_meanwhile[0]
    assert view.state is State.REFUSED and view.title == "En cours à une autre caisse : attendez"
    assert "en cours de validation à la caisse « caisse 1 »" in view.detail
    assert second.api.count("use") == 0 and second.journal.intents == []


def test_a_booking_validated_at_another_till_names_it_and_this_till_records_nothing() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone())
    first, second = _till(ledger, "caisse 1"), _till(ledger, "caisse 2")
    _validate(first)
    assert first.counter.state is State.VALIDATED and ledger.claims[TOKEN].done
    second.api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    second.counter.scan(scan(TOKEN))
    second.runner.run_all()
    view = second.counter.view
    assert view.title == "Déjà faite à une autre caisse"
    assert "validée à la caisse « caisse 1 »" in view.detail and second.journal.payments == []


def test_two_tills_racing_on_one_card_send_one_validation() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone())
    first, second = _till(ledger, "caisse 1"), _till(ledger, "caisse 2")
    first.card(TOKEN)
    second.card(TOKEN)  # both cards were open before either claimed
    for rig in (first, second):
        assert rig.counter.confirm_id_check(TOKEN) and rig.counter.validate(TOKEN)
    first.runner.run_all()
    second.runner.run_all()
    assert first.api.count("use") + second.api.count("use") == 1
    assert first.counter.state is State.VALIDATED and second.counter.state is State.REFUSED
    assert len(first.journal.payments) == 1 and second.journal.intents == []


def test_with_the_ledger_unreachable_the_till_works_alone() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone(), reachable=False)
    rig = _till(ledger, "caisse 1")
    _validate(rig)
    assert rig.counter.state is State.VALIDATED and rig.api.count("use") == 1


def test_a_claim_taken_over_from_a_dead_till_re_reads_before_sending() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone())
    # caisse 1 claimed, sent its validation, then died before saying how it ended; its lease lapsed.
    ledger.claims[TOKEN] = _Claim("caisse 1", Operation.USE, ledger.now)
    ledger.dead_tills.add("caisse 1")
    survivor = _till(ledger, "caisse 2")
    survivor.card(TOKEN)
    survivor.api.lookups[TOKEN] = AlreadyValidated(TOKEN)  # caisse 1's validation went through
    assert survivor.counter.confirm_id_check(TOKEN) and survivor.counter.validate(TOKEN)
    survivor.runner.run_all()
    assert survivor.api.count("use") == 0 and survivor.journal.intents == []
    assert survivor.counter.view.title == "Déjà faite à une autre caisse"
    assert "caisse « caisse 1 »" in survivor.counter.view.detail
    assert TOKEN not in ledger.claims  # released: the validation is caisse 1's, not this till's


def test_a_claim_taken_over_whose_change_never_went_through_is_sent() -> None:
    ledger = SharedClaims(now=datetime.now().astimezone())
    ledger.claims[TOKEN] = _Claim("caisse 1", Operation.USE, ledger.now)
    ledger.dead_tills.add("caisse 1")
    survivor = _till(ledger, "caisse 2")
    _validate(survivor)
    assert survivor.counter.state is State.VALIDATED and survivor.api.count("use") == 1
    assert ledger.claims[TOKEN].till == "caisse 2" and ledger.claims[TOKEN].done
