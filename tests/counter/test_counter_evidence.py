"""Who validated? After a lost answer and a re-read showing "already validated", the sale is this
till's only with evidence (its intent, no other till's claim); else it is recorded "à vérifier", with
no payment line, and shown so. Against the emulator (a real HTTP server) and the real SQLite journal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from pos_client.api.client import BookingsClient
from pos_client.counter.changes import run_change
from pos_client.counter.evidence import TillAlone
from pos_client.counter.settlement import settle_open
from pos_client.domain.ledger import Intent, IntentResolution, Operation
from pos_client.domain.outcomes import ClaimedElsewhere, Found, OutcomeUnknown, Validated, WrongServerAddress
from pos_client.domain.ports import ClaimTicket, LedgerWord
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data
from pos_client.journal import SqliteJournal, open_journal

TOKENS = demo_data.TOKENS
SCAN = RawScan(text="x", transport=Transport.SERIAL, source_id="serial:test")


class SharedClaims(TillAlone):
    """What the other tills' evidence answers (``OtherTills``): the tokens another till claimed, or
    None when it cannot be read (no ledger word: the read decides)."""

    def __init__(self, claimed: set[str] | None) -> None:
        self.claimed = claimed

    def claims(self, intent: Intent) -> bool | None:
        return None if self.claimed is None else intent.token in self.claimed


class UnreachableLedger:
    """The shared ledger's claims (the ``BookingClaims`` port) while the ledger cannot be reached."""

    def claim(self, token: str, operation: Operation) -> ClaimTicket | ClaimedElsewhere | None:
        return None

    def finish(self, ticket: ClaimTicket, *, went_through: bool | None) -> None:
        raise AssertionError("no claim was granted")

    def elsewhere(self, token: str, *, validated: bool) -> ClaimedElsewhere | None:
        return None

    def word(self, token: str) -> LedgerWord:
        return LedgerWord(reachable=False)

    def mark_done(self, token: str, operation: Operation) -> None:
        raise AssertionError("nothing is marked done in a ledger that cannot be reached")

    def held(self, ticket: ClaimTicket) -> AbstractContextManager[object]:
        raise AssertionError("no claim was granted")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[RunningEmulator, BookingsClient, SqliteJournal]]:
    with (
        RunningEmulator.start(seed="demo") as emulator,
        BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY, sleep=lambda _s: None) as client,
        open_journal(tmp_path / "journal.sqlite3", till="caisse-1") as journal,
    ):
        yield emulator, client, journal


def _found(client: BookingsClient, token: str) -> Found:
    found = client.get_booking(token)
    assert isinstance(found, Found)
    return found


def test_a_lost_validation_with_the_ledger_unreachable_is_to_be_checked(
    rig: tuple[RunningEmulator, BookingsClient, SqliteJournal],
) -> None:
    emulator, client, journal = rig
    token = TOKENS["book"]
    booking = _found(client, token).booking
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    result = run_change(client, journal, Operation.USE, booking, SCAN, None, UnreachableLedger())
    assert result.outcome == Validated(token, confirmed_by_reread=True)
    assert result.to_check and result.payment is None
    assert journal.open_intents() == []
    [line] = journal.to_check_lines()
    assert (line.token, line.amount_cents) == (token, 790)
    assert "impossible de consulter les autres caisses" in line.detail
    assert journal.validated_by_this_till(token) is None  # not this till's sale


def test_alone_its_own_intent_is_the_evidence(
    rig: tuple[RunningEmulator, BookingsClient, SqliteJournal],
) -> None:
    emulator, client, journal = rig
    token = TOKENS["book"]
    booking = _found(client, token).booking
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    result = run_change(client, journal, Operation.USE, booking, SCAN, None)  # no ledger: alone
    assert not result.to_check and result.payment is not None and result.payment.amount_cents == 790


def test_the_settlement_asks_the_same_evidence(
    rig: tuple[RunningEmulator, BookingsClient, SqliteJournal],
) -> None:
    emulator, client, journal = rig
    token = TOKENS["book_2"]
    booking = _found(client, token).booking
    # The answer and the re-read are both lost: unknown, the intent stays open.
    emulator.control.set_rate_limit(0)  # every read refused (429); the faulted change is not limited
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    result = run_change(client, journal, Operation.USE, booking, SCAN, None)
    assert isinstance(result.outcome, OutcomeUnknown)
    emulator.control.set_rate_limit(1000)
    [settled] = settle_open(client, journal, others=SharedClaims({token}))
    assert settled.resolution is IntentResolution.DONE and settled.to_check and settled.payment is None
    assert [line.token for line in journal.to_check_lines()] == [token]


def test_a_wrong_server_address_never_records_a_refusal(
    rig: tuple[RunningEmulator, BookingsClient, SqliteJournal],
) -> None:
    emulator, client, journal = rig
    token = TOKENS["book"]
    booking = _found(client, token).booking
    with BookingsClient(emulator.base_url + "/api", demo_data.DEMO_API_KEY, sleep=lambda _s: None) as wrong:
        result = run_change(wrong, journal, Operation.USE, booking, SCAN, None)
    assert isinstance(result.outcome, WrongServerAddress) and result.payment is None
    [intent] = journal.open_intents()  # not "refused": nothing reached the bookings routes
    assert intent.resolution is IntentResolution.UNKNOWN
    # Once the address is right, a re-read settles it: the booking was never validated.
    [settled] = settle_open(client, journal)
    assert settled.resolution is IntentResolution.REFUSED
    assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
