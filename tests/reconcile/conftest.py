"""Fixtures for the reconciliation tests: the scenario journal and its generated reimbursement lines."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reconcile_fixtures import PARIS, first_fortnight_journal

from pos_client.app.demo_reimbursements import GeneratedLine, demo_scenario, elsewhere_lines_from_emulator
from pos_client.app.reconcile_journal import lines_from_journal
from pos_client.journal import SqliteJournal
from pos_client.reconcile.matcher import LedgerLine

ELSEWHERE_AT = datetime(2026, 11, 7, 16, 30, tzinfo=PARIS)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal.sqlite3"


@pytest.fixture
def scenario_journal(journal_path: Path) -> Iterator[SqliteJournal]:
    journal = first_fortnight_journal(journal_path)
    yield journal
    journal.close()


@pytest.fixture
def ledger(scenario_journal: SqliteJournal) -> list[LedgerLine]:
    return lines_from_journal(scenario_journal)


@pytest.fixture
def scenario(ledger: list[LedgerLine]) -> list[GeneratedLine]:
    return demo_scenario(ledger, elsewhere_lines_from_emulator(on=ELSEWHERE_AT))
