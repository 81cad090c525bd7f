"""Reconciliation across tills: with a shared ledger, a reimbursement of a booking validated at
another till is matched to that till's payment line (replicated to a real PostgreSQL ledger), not
reported as "validated elsewhere"."""

from __future__ import annotations

from pathlib import Path

from ledger_fixtures import LedgerDb, new_journal, sell

from pos_client.app.demo_reimbursements import demo_scenario, write_reimbursement_file
from pos_client.app.reconcile import run_reconciliation
from pos_client.app.reconcile_journal import lines_from_journal, lines_of_other_tills
from pos_client.ledger.replication import Replicator
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.matcher import Category


def test_a_sale_of_another_till_is_matched_through_the_ledger(tmp_path: Path, ledger_db: LedgerDb) -> None:
    with new_journal(tmp_path, "caisse 1") as mine, new_journal(tmp_path, "caisse 2") as theirs:
        sell(theirs, "THEIR1", 2)
        sell(mine, "MINE01", 1)  # the latest validation: the generated file leaves it out (to claim)
        with ledger_db.link("till_b", till="caisse 2") as link:
            Replicator(theirs, link).push()
        file = tmp_path / "remboursements.csv"
        lines = lines_from_journal(mine) + lines_from_journal(theirs)
        write_reimbursement_file(file, demo_scenario(lines), HeaderVersion.STRUCTURE)
        path = mine.path
    alone = run_reconciliation([file], path, till="caisse 1")
    assert any(i.token == "THEIR1" and i.category is Category.NOT_IN_JOURNAL for i in alone.report.items)
    with ledger_db.link("till_a", till="caisse 1") as link:
        assert [line.token for line in lines_of_other_tills(link, "")] == ["THEIR1"]
        shared = run_reconciliation([file], path, till="caisse 1", ledger=link)
    assert not any(i.token == "THEIR1" and i.category is Category.NOT_IN_JOURNAL for i in shared.report.items)
