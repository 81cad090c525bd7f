"""A till configured with a ``[ledger]``: its backend claims bookings in the real PostgreSQL ledger
before each change and replicates its journal in the background (the composition in app/backend)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import keyring
import pytest
from ledger_fixtures import ROLE_PASSWORD, LedgerDb, sell
from test_ledger_cli import MemoryKeyring  # the client tests' memory keyring

from pos_client.app.backend import open_backend
from pos_client.app.context import AppContext
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import ClaimedElsewhere
from pos_client.domain.ports import ClaimTicket
from pos_client.i18n import Translator
from pos_client.ledger.claims import Claims
from pos_client.ledger.connection import LedgerConfig, LedgerPasswords
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings


class _NoKey:
    def get_key(self, environment: ApiEnvironment) -> str | None:
        return None


class _Key:
    def get_key(self, environment: ApiEnvironment) -> str | None:
        return "cle-de-test-0123456789"


@pytest.fixture
def passwords() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def test_a_configured_ledger_gives_the_counter_its_claims_and_replicates_the_journal(
    tmp_path: Path, ledger_db: LedgerDb, passwords: None
) -> None:
    settings = Settings(till_name="caisse 1").with_values(
        ledger={
            "enabled": True,
            "host": "127.0.0.1",
            "port": ledger_db.server.port,
            "dbname": ledger_db.dbname,
            "user": "till_a",
            "sslmode": "disable",
        }
    )
    LedgerPasswords().set(LedgerConfig.from_settings(settings), ROLE_PASSWORD)
    context = AppContext(paths=AppPaths.under(tmp_path), settings=settings)
    context.paths.ensure()
    with ExitStack() as stack:
        backend = open_backend(context, demo=False, keys=_Key(), stack=stack)
        assert backend.claims is not None and backend.ledger is not None
        # The key's request budget is the ledger's, shared with every till using the key.
        assert type(backend.api._limiter).__name__ == "SharedRateBudget"  # type: ignore[attr-defined]
        ticket = backend.claims.claim("LEDG01", Operation.USE)
        assert isinstance(ticket, ClaimTicket)
        with ledger_db.link("till_b", till="caisse 2") as other:
            refused = Claims(other).claim("LEDG01", Operation.USE)
        assert not refused.granted and refused.till == "caisse 1"
        backend.claims.finish(ticket, went_through=True)
        assert backend.claims.elsewhere("LEDG01", validated=True) is None  # its own validation
        sell(backend.journal, "LEDG01", 1)  # type: ignore[arg-type]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not ledger_db.scalar("SELECT count(*) FROM ledger.payments"):
            time.sleep(0.2)
        assert ledger_db.scalar("SELECT count(*) FROM ledger.payments") == 1  # replicated
        # The status bar's line: the replication's state and the day's total across the tills.
        assert backend.ledger_status is not None
        line = ""
        while time.monotonic() < deadline and "à jour" not in line:
            line = backend.ledger_status.line(date.today())
            time.sleep(0.2)
        assert line.startswith("Registre partagé : à jour.") and "Toutes caisses aujourd'hui" in line, line
        # In English too: the line's texts are the message catalogue's.
        english = backend.ledger_status.line(date.today(), Translator("en"))
        assert english.startswith("Shared ledger: up to date. All tills today: "), english


def test_without_a_ledger_the_till_is_alone(tmp_path: Path) -> None:
    context = AppContext(paths=AppPaths.under(tmp_path), settings=Settings(till_name="caisse 1"))
    context.paths.ensure()
    with ExitStack() as stack:
        backend = open_backend(context, demo=False, keys=_NoKey(), stack=stack)
        assert backend.claims is None


def test_claimed_elsewhere_names_the_other_till(ledger_db: LedgerDb) -> None:
    from pos_client.ledger.booking_claims import LedgerBookingClaims

    with (
        ledger_db.link("till_a", till="caisse 1") as mine,
        ledger_db.link("till_b", till="caisse 2") as other,
    ):
        Claims(other).claim("LEDG02", Operation.USE)
        answer = LedgerBookingClaims(Claims(mine)).claim("LEDG02", Operation.USE)
    assert isinstance(answer, ClaimedElsewhere) and answer.till == "caisse 2" and not answer.done
