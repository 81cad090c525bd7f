"""Fixtures of the ledger tests: one throwaway PostgreSQL server for the session, a fresh ledger
database per test, till roles, and journals with sales in them."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from pos_client.domain.booking import Beneficiary, Booking, BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.journal import SqliteJournal, open_journal
from pos_client.ledger.connection import LedgerConfig, LedgerLink
from pos_client.ledger.local_server import LocalPostgres, find_bin_dir
from pos_client.ledger.schema import migrate

CHILD = Path(__file__).with_name("ledger_child.py")
TILL_ROLES = ("till_a", "till_b", "till_c", "till_d")
ROLE_PASSWORD = "mot-de-passe-caisse-1234"
_database_numbers = itertools.count(1)


@dataclass
class LedgerDb:
    """One ledger database of the session's server."""

    server: LocalPostgres
    dbname: str

    def config(self, role: str = "till_a", *, till: str | None = None, **changes: object) -> LedgerConfig:
        base = LedgerConfig(
            host="127.0.0.1",
            port=self.server.port,
            dbname=self.dbname,
            user=role,
            till=till or role.replace("till_", "caisse "),
            sslmode="disable",
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def link(
        self,
        role: str = "till_a",
        *,
        till: str | None = None,
        password: str = ROLE_PASSWORD,
        **changes: object,
    ) -> LedgerLink:
        return LedgerLink(self.config(role, till=till, **changes), lambda: password, retry_after_s=0.0)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.server.conninfo(self.dbname), autocommit=True)

    def scalar(self, query: str, *params: object) -> object:
        with self.admin() as connection:
            row = connection.execute(query.encode(), params or None).fetchone()
        assert row is not None
        return row[0]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalPostgres]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (./run installs Debian's postgresql)")
    server = LocalPostgres.start()
    try:
        with psycopg.connect(server.conninfo(), autocommit=True) as admin:
            admin.execute("CREATE ROLE pos_till NOLOGIN")
            for role in (*TILL_ROLES, "tls_only"):
                admin.execute(
                    f"CREATE ROLE {role} LOGIN PASSWORD '{ROLE_PASSWORD}' IN ROLE pos_till".encode()
                )
            admin.execute(f"CREATE ROLE outsider LOGIN PASSWORD '{ROLE_PASSWORD}'".encode())
        yield server
    finally:
        server.stop()


@pytest.fixture
def ledger_db(pg_server: LocalPostgres) -> LedgerDb:
    dbname = f"ledger_{next(_database_numbers)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {dbname}".encode())
    with psycopg.connect(pg_server.conninfo(dbname), autocommit=True) as owner:
        migrate(owner)
    return LedgerDb(pg_server, dbname)


def child_env() -> dict[str, str]:
    """The environment of a till process (ledger_child.py): this worktree first on the path."""
    root = Path(__file__).resolve().parents[2]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def make_booking(
    token: str,
    booking_id: int,
    *,
    price_cents: int = 1250,
    venue_id: int = 5401,
    venue_name: str = "Librairie",
) -> Booking:
    return Booking(
        id=booking_id,
        token=token,
        status=BookingStatus.CONFIRMED,
        quantity=1,
        unit_price_cents=price_cents,
        offer_id=10,
        offer_name="Le Petit Prince",
        offer_ean="9782070612758",
        stock_id=20,
        price_category_id=None,
        price_category_label=None,
        venue_id=venue_id,
        venue_name=venue_name,
        offer_address=None,
        offer_department_code="75",
        creation_date=datetime(2026, 11, 1, 9, tzinfo=UTC),
        confirmation_date=None,
        beneficiary=Beneficiary(None, None, None, "", None, None),
    )


def sell(
    journal: SqliteJournal,
    token: str,
    booking_id: int,
    *,
    price_cents: int = 1250,
    venue_id: int = 5401,
    venue_name: str = "Librairie",
) -> None:
    """A validation that went through: intent, outcome and payment line in the journal."""
    sold = make_booking(token, booking_id, price_cents=price_cents, venue_id=venue_id, venue_name=venue_name)
    intent = journal.begin(
        Operation.USE, sold, transport=Transport.KEYBOARD, source_id="test", id_checked_at=None
    )
    journal.resolve_done(intent)


def new_journal(folder: Path, till: str) -> SqliteJournal:
    return open_journal(folder / f"{till}.sqlite3", till=till)
