"""Fixtures of the ledger tests (a real PostgreSQL server started for the session)."""

from ledger_fixtures import ledger_db, pg_server

__all__ = ["ledger_db", "pg_server"]
