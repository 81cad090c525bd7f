"""The imported lines: idempotent imports, newer files update, all-or-nothing, no personal data kept."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from pos_client.app.demo_reimbursements import INVENTED_PERSONAL_DATA, GeneratedLine, write_reimbursement_file
from pos_client.app.reconcile import run_reconciliation
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.reader import ReimbursementFileError, read_reimbursement_file
from pos_client.reconcile.store import NotAReimbursementStoreError, ReimbursementStore, store_path_for


def _store_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_the_same_file_twice_changes_nothing(tmp_path: Path, scenario: list[GeneratedLine]) -> None:
    csv_path = tmp_path / "remboursements_pass_culture.csv"
    write_reimbursement_file(csv_path, scenario, HeaderVersion.STRUCTURE)
    file = read_reimbursement_file(csv_path)
    with ReimbursementStore(tmp_path / "r.sqlite3") as store:
        first = store.import_files([file])
        rows = store.rows()
        again = store.import_files([read_reimbursement_file(csv_path)])
        assert store.rows() == rows
        assert len(store.imports()) == 1
    assert (first[0].new_lines, first[0].already_imported_at) == (len(scenario), None)
    assert again[0].already_imported_at is not None and again[0].new_lines == 0


def test_the_same_lines_in_another_header_version_are_not_counted_twice(
    tmp_path: Path, scenario: list[GeneratedLine]
) -> None:
    older, newer = tmp_path / "old.csv", tmp_path / "new.csv"
    write_reimbursement_file(older, scenario, HeaderVersion.COMPTE_BANCAIRE)  # naive UTC times
    write_reimbursement_file(newer, scenario, HeaderVersion.STRUCTURE)  # local times with their offset
    with ReimbursementStore(tmp_path / "r.sqlite3") as store:
        store.import_files([read_reimbursement_file(older)])
        outcome = store.import_files([read_reimbursement_file(newer)])[0]
        assert len(store.rows()) == len(scenario)
    # The newer file's way of writing times and rates updates the lines; none is added.
    assert (outcome.new_lines, outcome.updated_lines + outcome.unchanged_lines) == (0, len(scenario))


def test_a_newer_file_updates_a_status_and_money_sent_is_never_unsent(
    tmp_path: Path, scenario: list[GeneratedLine]
) -> None:
    pending = [replace(line, status="Remboursement en cours") for line in scenario]
    paths = {name: tmp_path / f"{name}.csv" for name in ("pending", "sent", "pending_again")}
    write_reimbursement_file(paths["pending"], pending, HeaderVersion.ANNEE_VIREMENT_TYPE)
    write_reimbursement_file(paths["sent"], scenario, HeaderVersion.ANNEE_VIREMENT_TYPE)
    write_reimbursement_file(
        paths["pending_again"], [*pending, pending[0]], HeaderVersion.ANNEE_VIREMENT_TYPE
    )  # another download: other bytes, same lines (and one line twice, counted twice)
    with ReimbursementStore(tmp_path / "r.sqlite3") as store:
        store.import_files([read_reimbursement_file(paths["pending"])])
        assert not any(row.sent for row in store.rows())
        updated = store.import_files([read_reimbursement_file(paths["sent"])])[0]
        assert updated.updated_lines == len(scenario)
        assert all(row.sent for row in store.rows())
        later = store.import_files([read_reimbursement_file(paths["pending_again"])])[0]
        assert (later.new_lines, later.updated_lines) == (1, 0)
        assert sum(row.sent for row in store.rows()) == len(scenario)


def test_no_personal_data_reaches_the_store(tmp_path: Path, scenario: list[GeneratedLine]) -> None:
    store_path = tmp_path / "r.sqlite3"
    for version in HeaderVersion:
        if version is HeaderVersion.UNKNOWN:
            continue
        path = tmp_path / f"{version}.csv"
        write_reimbursement_file(path, scenario, version)
        assert all(word.encode() in path.read_bytes() for word in INVENTED_PERSONAL_DATA[:4])
        with ReimbursementStore(store_path) as store:
            store.import_files([read_reimbursement_file(path)])
    stored = _store_bytes(store_path)
    assert [word for word in INVENTED_PERSONAL_DATA if word.encode() in stored] == []


def test_a_broken_file_among_good_ones_keeps_nothing(
    tmp_path: Path, scenario: list[GeneratedLine], journal_path: Path
) -> None:
    good, broken = tmp_path / "good.csv", tmp_path / "broken.csv"
    write_reimbursement_file(good, scenario, HeaderVersion.STRUCTURE)
    broken.write_bytes(good.read_bytes().replace(b'"8,90"', b'"8,9,0"', 1))
    with pytest.raises(ReimbursementFileError, match=r"broken\.csv"):
        run_reconciliation([good, broken], journal_path, till="caisse-1")
    store_path = store_path_for(journal_path)
    if store_path.exists():
        with ReimbursementStore(store_path) as store:
            assert store.rows() == [] and store.imports() == []


def test_the_store_sits_beside_the_journal_and_refuses_a_foreign_file(tmp_path: Path) -> None:
    assert store_path_for(tmp_path / "journal.sqlite3") == tmp_path / "journal.remboursements.sqlite3"
    assert store_path_for(tmp_path / "demo-journal.sqlite3").name == "demo-journal.remboursements.sqlite3"
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    before = foreign.read_bytes()
    with pytest.raises(NotAReimbursementStoreError, match="n'a pas été modifié"):
        ReimbursementStore(foreign)
    assert foreign.read_bytes() == before
