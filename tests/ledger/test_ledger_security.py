"""The ledger's schema versions and its security on a real PostgreSQL: a newer schema refused, tills
that may only append, a wrong password, TLS required and verified."""

from __future__ import annotations

import logging
import subprocess
from datetime import date
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from ledger_fixtures import ROLE_PASSWORD, LedgerDb, new_journal, sell

from pos_client.domain.ledger import Operation
from pos_client.ledger.claims import Claims
from pos_client.ledger.connection import LedgerNotReady, LedgerRefused, LedgerTooNewError
from pos_client.ledger.replication import Replicator
from pos_client.ledger.reports import period_report
from pos_client.ledger.schema import SCHEMA_VERSION, migrate


def test_migrations_are_applied_once_and_a_newer_schema_is_refused_untouched(ledger_db: LedgerDb) -> None:
    with ledger_db.admin() as owner:
        assert migrate(owner) == SCHEMA_VERSION  # again: nothing to do
        owner.execute("UPDATE ledger.meta SET version = %s", (SCHEMA_VERSION + 1,))
        with pytest.raises(LedgerTooNewError) as refused:
            migrate(owner)
    assert "version plus récente de pos-client" in str(refused.value)
    assert f"schéma {SCHEMA_VERSION + 1}" in str(refused.value) and "n'a pas été modifié" in str(
        refused.value
    )
    assert ledger_db.scalar("SELECT version FROM ledger.meta") == SCHEMA_VERSION + 1
    with ledger_db.link("till_a") as link, pytest.raises(LedgerTooNewError):
        period_report(link, date.today(), date.today())  # a till checks the schema it talks to


def test_a_database_without_a_ledger_asks_for_init(ledger_db: LedgerDb) -> None:
    with ledger_db.admin() as owner:
        owner.execute("CREATE DATABASE empty_ledger")
    try:
        with (
            ledger_db.link("till_a", dbname="empty_ledger") as link,
            pytest.raises(LedgerNotReady) as not_ready,
        ):
            period_report(link, date.today(), date.today())
        assert "pos-client ledger init" in str(not_ready.value)
    finally:
        with ledger_db.admin() as owner:
            owner.execute("DROP DATABASE empty_ledger")


FORBIDDEN_TO_TILLS = (
    "UPDATE ledger.payments SET amount_cents = 0",
    "DELETE FROM ledger.payments",
    "DELETE FROM ledger.intents",
    "UPDATE ledger.outcomes SET detail = ''",
    "TRUNCATE ledger.payments",
    "UPDATE ledger.claims SET till = 'x'",
    "DELETE FROM ledger.claims",
    "INSERT INTO ledger.claims (token, operation, till, holder, claimed_at, lease_until)"
    " VALUES ('X', 'use', 'x', 'till_a', now(), now())",
    "UPDATE ledger.rate_buckets SET tokens = 1000",
    "SELECT * FROM ledger.rate_buckets",
    "CREATE TABLE ledger.mine (x int)",
    "UPDATE ledger.meta SET version = 0",
)


def test_a_till_may_append_records_but_never_change_them(ledger_db: LedgerDb, tmp_path: Path) -> None:
    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a") as link:
        sell(journal, "APPEND", 1)
        Replicator(journal, link).push()
        assert Claims(link).claim("OTHER1", Operation.USE).granted
    with psycopg.connect(
        host="127.0.0.1",
        port=ledger_db.server.port,
        dbname=ledger_db.dbname,
        user="till_a",
        password=ROLE_PASSWORD,
        sslmode="disable",
        autocommit=True,
    ) as till:
        for statement in FORBIDDEN_TO_TILLS:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                till.execute(statement.encode())
    assert ledger_db.scalar("SELECT sum(amount_cents) FROM ledger.payments") == 1250
    assert ledger_db.scalar("SELECT count(*) FROM ledger.claims WHERE till = 'caisse a'") == 1


def test_a_till_cannot_write_in_another_tills_name(ledger_db: LedgerDb) -> None:
    with (
        psycopg.connect(
            host="127.0.0.1",
            port=ledger_db.server.port,
            dbname=ledger_db.dbname,
            user="till_a",
            password=ROLE_PASSWORD,
            sslmode="disable",
            autocommit=True,
        ) as till,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        till.execute(
            "INSERT INTO ledger.outcomes (journal_uid, seq, intent_id, resolution, detail,"
            " confirmed_by_reread, resolved_at, written_by) VALUES ('0123456789ab', 1, 1, 'done', '', false,"
            " now(), 'till_b')"
        )


def test_a_role_outside_the_tills_group_is_refused(ledger_db: LedgerDb) -> None:
    with ledger_db.link("outsider") as link, pytest.raises(LedgerRefused, match="refuse cette caisse"):
        Claims(link).claim("OUTSID", Operation.USE)


def test_a_wrong_password_is_refused_in_french_and_never_shown(
    ledger_db: LedgerDb, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    wrong = "pas-le-bon-mot-de-passe-42"
    caplog.set_level(logging.DEBUG)
    with ledger_db.link("till_a", password=wrong) as link:
        with pytest.raises(LedgerRefused) as refused:
            Claims(link).claim("PASSWD", Operation.USE)
        with new_journal(tmp_path, "caisse-1") as journal:
            status = Replicator(journal, link).push()
    assert str(refused.value).startswith("Mot de passe refusé par le registre partagé")
    assert wrong not in str(refused.value) and status.error is not None and wrong not in status.error
    assert wrong not in caplog.text and ROLE_PASSWORD not in caplog.text


def test_tls_verify_full_with_the_servers_certificate(ledger_db: LedgerDb) -> None:
    cert = str(ledger_db.server.cert_file)
    for host in ("localhost", "127.0.0.1"):
        with (
            ledger_db.link("tls_only", host=host, sslmode="verify-full", sslrootcert=cert) as link,
            link.transaction() as cursor,
        ):
            cursor.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            assert cursor.fetchone() == (True,)


def test_tls_required_for_a_role_and_an_unknown_certificate_refused(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    with ledger_db.link("tls_only", sslmode="disable") as plain, pytest.raises(LedgerRefused) as no_tls:
        Claims(plain).claim("NOTLS1", Operation.USE)
    assert "no encryption" in str(no_tls.value)
    # A certificate the till does not trust (signed by no root it knows) is refused.
    other_root = tmp_path / "other-root.crt"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tmp_path / "other.key"),
            "-out",
            str(other_root),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with (
        ledger_db.link(
            "tls_only", host="localhost", sslmode="verify-full", sslrootcert=str(other_root)
        ) as link,
        pytest.raises(LedgerRefused, match="TLS") as untrusted,
    ):
        Claims(link).claim("NOTLS2", Operation.USE)
    assert "certificate verify failed" in str(untrusted.value)


def test_the_schema_is_created_by_an_owner_that_is_not_a_superuser(ledger_db: LedgerDb) -> None:
    """As docs/ledger.md sets it up: the owner role owns the database and nothing more."""
    with ledger_db.admin() as admin:
        admin.execute(f"CREATE ROLE plain_owner LOGIN PASSWORD '{ROLE_PASSWORD}'".encode())
        admin.execute("CREATE DATABASE owned_ledger OWNER plain_owner")
    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=ledger_db.server.port,
            dbname="owned_ledger",
            user="plain_owner",
            password=ROLE_PASSWORD,
            sslmode="disable",
            autocommit=True,
        ) as owner:
            assert migrate(owner) == SCHEMA_VERSION
        with ledger_db.link("till_a", dbname="owned_ledger") as link:
            assert Claims(link).claim("OWNED1", Operation.USE).granted
        with ledger_db.link("outsider", dbname="owned_ledger") as link, pytest.raises(LedgerRefused):
            Claims(link).claim("OWNED2", Operation.USE)  # CONNECT is for pos_till only
    finally:
        with ledger_db.admin() as admin:
            admin.execute("DROP DATABASE owned_ledger WITH (FORCE)")
            admin.execute("DROP ROLE plain_owner")
