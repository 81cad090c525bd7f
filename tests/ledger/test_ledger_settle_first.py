"""Open intents settled by asking the shared ledger first: two real counters (the real HTTP client
against the emulator, real SQLite journals) share a real PostgreSQL ledger. After a lost answer and a
restart, "already validated" is settled by the claims: another till's validation (no request, nothing
counted here), this till's own (the read finds it done; the ledger is then told, and the other till is
answered without a request), and, while the ledger is down, not at all (the intent stays open until
the ledger can tell; never "à vérifier" by a guess, never a sure sale)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from ledger_fixtures import LedgerDb

from pos_client.api.client import BookingsClient
from pos_client.counter.machine import Counter
from pos_client.counter.view import State
from pos_client.domain.ledger import IntentResolution
from pos_client.domain.ports import InlineRunner
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data
from pos_client.journal import SqliteJournal, open_journal
from pos_client.ledger.booking_claims import LedgerBookingClaims
from pos_client.ledger.claims import Claims

LEASE_S = 1.0


@dataclass
class Till:
    """One till: its journal file, its counter on the real client and its ledger claims."""

    journal: SqliteJournal
    counter: Counter
    claims: LedgerBookingClaims


class Shop:
    """The emulator, one ledger, and tills opened (and reopened, as after a restart) on it."""

    def __init__(
        self, emulator: RunningEmulator, ledger_db: LedgerDb, folder: Path, stack: ExitStack
    ) -> None:
        self.emulator = emulator
        self.ledger_db = ledger_db
        self.folder = folder
        self.stack = stack

    def till(self, number: int, *, ledger_port: int | None = None) -> Till:
        """Caisse ``number`` (role till_a, till_b...), on its journal file; ``ledger_port``: a port
        where no ledger listens (the ledger is down)."""
        role = ("till_a", "till_b")[number - 1]
        name = f"caisse {number}"
        port = {} if ledger_port is None else {"port": ledger_port}
        link = self.stack.enter_context(self.ledger_db.link(role, till=name, **port))
        journal = open_journal(self.folder / f"caisse-{number}.sqlite3", till=name)
        self.stack.callback(journal.close)
        client = BookingsClient(self.emulator.base_url, demo_data.DEMO_API_KEY, sleep=lambda _s: None)
        self.stack.callback(client.close)
        claims = LedgerBookingClaims(Claims(link, lease_s=LEASE_S), journal.uid)
        counter = Counter(client, journal, InlineRunner(), monotonic=time.monotonic, claims=claims)
        return Till(journal, counter, claims)

    def requests(self) -> int:
        return len(self.emulator.control.requests_seen())


@pytest.fixture
def shop(ledger_db: LedgerDb, tmp_path: Path) -> Iterator[Shop]:
    with RunningEmulator.start(seed="demo") as emulator, ExitStack() as stack:
        yield Shop(emulator, ledger_db, tmp_path, stack)


def _scan(till: Till, token: str) -> None:
    till.counter.dismiss()
    till.counter.scan(RawScan(text=token, transport=Transport.SERIAL, source_id="serial:test"))


def _validate(till: Till, token: str) -> None:
    _scan(till, token)
    assert till.counter.state is State.ID_CHECK, till.counter.view
    assert till.counter.confirm_id_check(token) and till.counter.validate(token)


def _lose_the_answer(shop: Shop, till: Till, token: str, *, applied: bool) -> None:
    """``till`` validates ``token``; the answer is lost (and so is the client's re-read): unknown."""
    control = shop.emulator.control
    kind = FaultKind.DROP_AFTER_COMMIT if applied else FaultKind.DROP_BEFORE_COMMIT
    _scan(till, token)
    assert till.counter.state is State.ID_CHECK
    control.set_rate_limit(0)  # the re-read after the lost answer is refused: the outcome stays unknown
    control.inject_fault(Fault(kind, path_contains="/use/"))
    assert till.counter.confirm_id_check(token) and till.counter.validate(token)
    control.set_rate_limit(1000)
    assert till.counter.state is State.OUTCOME_UNKNOWN, till.counter.view
    assert [intent.token for intent in till.journal.open_intents()] == [token]


def test_an_open_intent_validated_since_by_another_till_is_settled_by_the_ledger_without_a_request(
    shop: Shop,
) -> None:
    token = demo_data.TOKENS["book"]
    caisse_1, caisse_2 = shop.till(1), shop.till(2)
    _lose_the_answer(shop, caisse_1, token, applied=False)
    time.sleep(LEASE_S + 0.2)  # caisse 1's claim lapses (as if it had died)
    _validate(caisse_2, token)  # takes the claim over, re-reads (not applied), sends: its sale
    assert caisse_2.counter.state is State.VALIDATED
    caisse_1.journal.close()
    restarted = shop.till(1)
    before = shop.requests()
    assert restarted.counter.settle_in_background()
    assert shop.requests() == before  # the ledger told: no read was spent on it
    [intent] = [i for i in _intents(restarted.journal) if i[0] == token]
    assert intent[1] == IntentResolution.REFUSED.value and "caisse « caisse 2 »" in intent[2]
    assert restarted.journal.open_intents() == [] and _payments(restarted.journal) == []
    assert "validée à la caisse « caisse 2 »" in restarted.counter.view.notice
    assert len(_payments(caisse_2.journal)) == 1


def test_an_open_intent_that_went_through_is_this_tills_sale_and_the_other_till_is_told_at_once(
    shop: Shop,
) -> None:
    token = demo_data.TOKENS["book_2"]
    caisse_1, caisse_2 = shop.till(1), shop.till(2)
    _lose_the_answer(shop, caisse_1, token, applied=True)
    caisse_1.journal.close()
    restarted = shop.till(1)
    assert restarted.counter.settle_in_background()  # the ledger knows nothing: the re-read decides
    assert restarted.journal.open_intents() == [] and len(_payments(restarted.journal)) == 1
    assert restarted.journal.to_check_lines() == []
    # The ledger was told (claim done): caisse 2 is answered without a request, naming caisse 1.
    before = shop.requests()
    _scan(caisse_2, token)
    assert shop.requests() == before
    view = caisse_2.counter.view
    assert view.title == "Déjà faite à une autre caisse" and "validée à la caisse « caisse 1 »" in view.detail
    # And caisse 1 itself is told its own validation from its journal, without a request either.
    _scan(restarted, token)
    assert shop.requests() == before and restarted.counter.view.validated_by_this_till_at is not None


def test_with_the_ledger_down_a_validation_found_done_stays_open_until_the_ledger_tells(shop: Shop) -> None:
    token = demo_data.TOKENS["book"]
    caisse_1 = shop.till(1)
    _lose_the_answer(shop, caisse_1, token, applied=True)
    caisse_1.journal.close()
    alone = shop.till(1, ledger_port=1)  # nothing listens on port 1: the ledger is down
    assert alone.counter.settle_in_background()
    assert [i.token for i in alone.journal.open_intents()] == [token]  # not guessed either way
    assert _payments(alone.journal) == [] and alone.journal.to_check_lines() == []
    _scan(alone, token)  # the cashier scans it: told to check, nothing counted
    assert alone.counter.view.title == "Validée, peut-être par une autre caisse : à vérifier"
    assert "registre partagé" in alone.counter.view.detail
    assert [i.token for i in alone.journal.open_intents()] == [token]
    alone.journal.close()
    back = shop.till(1)
    assert back.counter.settle_in_background()
    assert back.journal.open_intents() == [] and len(_payments(back.journal)) == 1


def _intents(journal: SqliteJournal) -> list[tuple[str, str, str]]:
    """(token, resolution, detail) of every resolved intent, read from the journal file."""
    with closing(sqlite3.connect(journal.path)) as db:
        rows = db.execute(
            "SELECT i.token, r.resolution, coalesce(r.detail, '') FROM intents i"
            " JOIN resolutions r ON r.intent_id = i.id ORDER BY i.id"
        ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def _payments(journal: SqliteJournal) -> list[str]:
    return [row.record.token for row in journal.payments_between(date(2000, 1, 1), date(2100, 1, 1))]
