"""``pos-client reconcile`` and ``demo-reimbursement-file`` through the real command line."""

from __future__ import annotations

import codecs
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pos_client import cli
from pos_client.app.demo_reimbursements import GeneratedLine, write_reimbursement_file
from pos_client.journal import SqliteJournal
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.output import ACCOUNTANT_COLUMNS, formula_safe
from pos_client.reconcile.store import store_path_for


@pytest.fixture
def closed_journal(scenario_journal: SqliteJournal, scenario: list[GeneratedLine]) -> Path:
    """The scenario's journal, closed (the command opens it itself), its lines generated first."""
    scenario_journal.close()
    return scenario_journal.path


def _run(tmp_path: Path, *argv: str) -> int:
    return cli.main(["--dev-dir", str(tmp_path / "dev"), *argv])


def test_reconcile_writes_the_accountants_csv(
    tmp_path: Path, closed_journal: Path, scenario: list[GeneratedLine], capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "remboursements_pass_culture.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.STRUCTURE)
    out = tmp_path / "rapprochement.csv"
    code = _run(
        tmp_path,
        "reconcile",
        str(source),
        "--journal",
        str(closed_journal),
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert code == 0
    err = capsys.readouterr().err
    assert f"remboursements_pass_culture.csv : {len(scenario)} ligne(s) nouvelle(s)" in err
    assert "ne sont pas copiés" in err
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data[3:].decode(), newline=""), delimiter=";"))
    assert tuple(rows[0]) == ACCOUNTANT_COLUMNS
    by_token = {row[2]: dict(zip(ACCOUNTANT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_token["PETPR2"]["statut"] == "barème réduit"
    book = by_token["PETPR2"]
    assert (book["vente caisse"], book["remboursé"], book["écart"]) == (
        "7,90", "7,50", "-0,40",
    )  # fmt: skip
    assert by_token["FSSE5C"]["statut"] == "à réclamer"
    assert by_token["DEJAV7"]["vente caisse"] == ""
    assert store_path_for(closed_journal).exists()


def test_the_same_file_again_changes_nothing_and_json_reports_it(
    tmp_path: Path, closed_journal: Path, scenario: list[GeneratedLine], capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.POINT_DE_REMBOURSEMENT)
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for out in (first, second):
        assert (
            _run(
                tmp_path,
                "reconcile",
                str(source),
                "--journal",
                str(closed_journal),
                "--format",
                "json",
                "--out",
                str(out),
            )
            == 0
        )
    assert "f.csv : déjà importé le" in capsys.readouterr().err
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text(encoding="utf-8"))
    november = document["fortnights"][0]
    assert (november["expected_cents"], november["reimbursed_cents"], november["to_claim"]) == (7080, 5840, 1)
    assert {item["token"]: item["category"] for item in document["items"]}["MUSE4M"] == "overpaid"


def test_a_broken_file_exits_2_with_its_message_and_keeps_nothing(
    tmp_path: Path, closed_journal: Path, scenario: list[GeneratedLine], capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.STRUCTURE)
    source.write_bytes(source.read_bytes().replace("Barème".encode(), b"Bareme du lieu"))
    assert _run(tmp_path, "reconcile", str(source), "--journal", str(closed_journal)) == 2
    assert capsys.readouterr().err.strip() == (
        "Fichier « f.csv », ligne 1, colonne « Barème » : colonne absente de l'en-tête. Rien n'a été importé."
    )
    assert not store_path_for(closed_journal).exists()


def test_the_table_goes_to_the_standard_output(
    tmp_path: Path, closed_journal: Path, scenario: list[GeneratedLine]
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.ANNEE_VIREMENT)
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path / "dev"), "reconcile", str(source),
         "--journal", str(closed_journal)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    table = result.stdout.decode("utf-8")
    assert "du 01/11/2026 au 15/11/2026 oui          70,80      58,40    -12,40  1 (15,00\u00a0€)" in table
    assert "[à réclamer] FSSE5C" in table


def test_demo_reimbursement_file_for_the_demo_journal(
    tmp_path: Path, closed_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo.csv"
    for version in ("annee-virement", "structure"):
        code = _run(tmp_path, "demo-reimbursement-file", str(out), "--journal", str(closed_journal),
                    "--header-version", version)  # fmt: skip
        assert code == 0
        assert f"(version {version})" in capsys.readouterr().out
    assert _run(tmp_path, "reconcile", str(out), "--journal", str(closed_journal), "--format", "json",
                "--out", str(tmp_path / "r.json")) == 0  # fmt: skip
    categories = {item["category"] for item in json.loads((tmp_path / "r.json").read_text())["items"]}
    assert {
        "to_claim",
        "reduced_rate",
        "amount_differs",
        "overpaid",
        "not_in_journal",
        "collective",
    } <= categories


def test_demo_reimbursement_file_without_a_demo_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, "demo-reimbursement-file", str(tmp_path / "x.csv")) == 2
    assert "validez d'abord quelques contremarques avec « pos-client --demo »" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Le Petit Prince", "Le Petit Prince")],
)  # fmt: skip
def test_formula_safety(text: str, safe: str) -> None:
    assert formula_safe(text) == safe


def test_the_accountants_csv_never_lets_a_cell_run_as_a_formula() -> None:
    from datetime import date, datetime
    from decimal import Decimal

    from reconcile_fixtures import PARIS

    from pos_client.app.demo_reimbursements import reimbursement_file_bytes
    from pos_client.domain.ledger import Operation
    from pos_client.reconcile.matcher import LedgerLine, reconcile
    from pos_client.reconcile.output import report_csv_bytes
    from pos_client.reconcile.reader import read_reimbursement_bytes

    when = datetime(2026, 11, 3, 10, tzinfo=PARIS)
    line = LedgerLine(
        "=caisse", "ABC123", Operation.USE, 1000, 1000, 1, when, date(2026, 11, 3), '=HYPERLINK("x")'
    )
    generated = GeneratedLine(
        "ABC123", when, 1000, Decimal(100), 1000, "offre", (date(2026, 11, 1), date(2026, 11, 15)),
        transfer="+VIR1", invoice_ref="@F1", price_category="-10 %",
    )  # fmt: skip
    rows = read_reimbursement_bytes(
        reimbursement_file_bytes([generated], HeaderVersion.STRUCTURE), "f.csv"
    ).rows
    data = report_csv_bytes(reconcile([line], rows))
    cells = list(csv.reader(io.StringIO(data[3:].decode(), newline=""), delimiter=";"))[1]
    record = dict(zip(ACCOUNTANT_COLUMNS, cells, strict=True))
    assert (record["offre"], record["caisse"], record["n° de virement"], record["n° de justificatif"]) == (
        "'=HYPERLINK(\"x\")", "'=caisse", "'+VIR1", "'@F1",
    )  # fmt: skip
    assert record["écart"] == "0,00" and record["vente caisse"] == "10,00"


def test_demo_mode_uses_the_demo_journal_beside_the_till_journal(
    tmp_path: Path, closed_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    data = tmp_path / "dev" / "data"
    data.mkdir(parents=True)
    shutil.copy(closed_journal, data / "demo-journal.sqlite3")
    out = tmp_path / "demo.csv"
    assert _run(tmp_path, "--demo", "demo-reimbursement-file", str(out)) == 0
    assert (
        _run(tmp_path, "--demo", "reconcile", str(out), "--format", "json", "--out", str(tmp_path / "r.json"))
        == 0
    )
    assert (data / "demo-journal.remboursements.sqlite3").exists()
    assert not (data / "journal.remboursements.sqlite3").exists()
    capsys.readouterr()
    assert _run(tmp_path, "reconcile", str(out), "--format", "json", "--out", str(tmp_path / "s.json")) == 0
    assert "Aucun journal de caisse à" in capsys.readouterr().err


def test_the_next_transfers_incidents_settle_the_overpayment(tmp_path: Path, closed_journal: Path) -> None:
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    assert _run(tmp_path, "demo-reimbursement-file", str(first), "--journal", str(closed_journal)) == 0
    assert (
        _run(
            tmp_path, "demo-reimbursement-file", str(second), "--journal", str(closed_journal), "--incidents"
        )
        == 0
    )
    out = tmp_path / "r.json"
    journal = ("--journal", str(closed_journal))
    assert (
        _run(tmp_path, "reconcile", str(first), str(second), *journal, "--format", "json", "--out", str(out))
        == 0
    )
    items = {item["token"]: item for item in json.loads(out.read_text())["items"]}
    assert items["MUSE4M"]["category"] == "overpaid_settled"
    assert items["MUSE4M"]["transfers"] == "VIR12345, VIR12346"
