"""The matcher on a real journal and generated files: every category, fortnights, transfers, tills."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from reconcile_fixtures import PARIS, StepClock, demo_bookings, record

from pos_client.app.demo_reimbursements import GeneratedLine, reimbursement_file_bytes
from pos_client.app.reconcile_journal import lines_from_journal
from pos_client.domain.ledger import Operation
from pos_client.journal import SqliteJournal
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.matcher import Category, LedgerLine, ReconciliationReport, reconcile
from pos_client.reconcile.reader import read_reimbursement_bytes

NOVEMBER_1 = (date(2026, 11, 1), date(2026, 11, 15))


def _report(
    ledger: list[LedgerLine], lines: list[GeneratedLine], version: HeaderVersion
) -> ReconciliationReport:
    file = read_reimbursement_bytes(reimbursement_file_bytes(lines, version), "f.csv")
    return reconcile(ledger, file.rows)


def _categories(report: ReconciliationReport) -> dict[str, Category]:
    return {item.token: item.category for item in report.items if item.token}


@pytest.mark.parametrize("version", [HeaderVersion.STRUCTURE, HeaderVersion.ANNEE_VIREMENT_TYPE])
def test_every_case_of_the_scenario_is_told(
    version: HeaderVersion, ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    report = _report(ledger, scenario, version)
    assert _categories(report) == {
        "PETPR2": Category.REDUCED_RATE,
        "ETRNGR": Category.FULL,
        "CNCRT4": Category.AMOUNT_DIFFERS,
        "DUCN2A": Category.AMOUNT_DIFFERS,
        "MUSE4M": Category.OVERPAID,
        "FSSE5C": Category.TO_CLAIM,
        "DEJAV7": Category.NOT_IN_JOURNAL,
        "CDACT5": Category.NOT_IN_JOURNAL,
        **({"SC0L4R": Category.COLLECTIVE} if version is HeaderVersion.ANNEE_VIREMENT_TYPE else {}),
    }
    items = {item.token: item for item in report.items}
    assert (items["PETPR2"].difference_cents, items["PETPR2"].rate_text) == (
        -40,
        "95 %" if version is HeaderVersion.STRUCTURE else "95%",
    )
    assert "barème 95" in items["PETPR2"].explanation
    assert "duo : pass Culture compte 1 place(s) à 7,00\u00a0€, la caisse 2" in items["DUCN2A"].explanation
    if version is HeaderVersion.STRUCTURE:
        assert "catégorie de tarif : « Tarif réduit » chez pass Culture, « Carré or » à la caisse" in (
            items["CNCRT4"].explanation
        )
    claim = items["FSSE5C"]
    assert claim.expected_cents == 1500 and claim.till == "caisse-1"
    expected = "Validée ici le 14/11/2026 à 16:05 (Concert : Les Nuits Électriques, 15,00\u00a0€)"
    assert expected in claim.explanation
    assert "À demander au support pass Culture" in claim.explanation
    assert items["MUSE4M"].reimbursed_cents == 2000 and "trop-perçu" in items["MUSE4M"].explanation
    assert len(report.in_category(Category.COLLECTIVE)) == 1
    (fortnight,) = [
        summary for summary in report.fortnights if (summary.first_day, summary.last_day) == NOVEMBER_1
    ]
    assert fortnight.covered
    assert (fortnight.expected_cents, fortnight.reimbursed_cents, fortnight.difference_cents) == (
        7080,
        5840,
        -1240,
    )
    assert (fortnight.to_claim, fortnight.to_claim_cents, fortnight.overpaid_cents) == (1, 1500, 2000)
    assert fortnight.elsewhere_cents == 990 + 500
    assert report.analysed_from == date(2026, 11, 1)


def test_transfers_are_summed_with_their_invoices(
    ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    lines = [*scenario, replace(scenario[1], transfer="VIR12399", invoice_ref="F26000150")]
    report = _report(ledger, lines, HeaderVersion.COMPTE_BANCAIRE)
    transfers = {summary.transfer: summary for summary in report.transfers}
    assert set(transfers) == {"VIR12345", "VIR12399"}
    assert transfers["VIR12345"].invoices == {"F26000123"}
    assert transfers["VIR12345"].reimbursed_cents == sum(line.reimbursed_cents for line in scenario)
    assert transfers["VIR12345"].periods == {NOVEMBER_1}


def test_a_validation_of_a_fortnight_no_file_pays_yet_is_awaited(
    scenario_journal: SqliteJournal, scenario: list[GeneratedLine]
) -> None:
    clock = StepClock()
    scenario_journal._clock = clock  # the fixture's journal, moved on to the 20th
    theatre = demo_bookings()["pending_event"]
    record(scenario_journal, clock, theatre, datetime(2026, 11, 20, 10, tzinfo=PARIS), Operation.USE)
    report = _report(lines_from_journal(scenario_journal), scenario, HeaderVersion.STRUCTURE)
    item = next(item for item in report.items if item.token == theatre.token)
    assert item.category is Category.AWAITING
    assert item.fortnight == (date(2026, 11, 16), date(2026, 11, 30))
    later = next(summary for summary in report.fortnights if summary.first_day == date(2026, 11, 16))
    assert not later.covered and later.expected_cents == 1500


def test_an_incident_reversal_settles_an_overpayment(
    ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    museum = next(line for line in scenario if line.token == "MUSE4M")
    reversal = replace(
        museum,
        incident=True,
        reimbursed_cents=-2000,
        transfer="VIR12400",
        invoice_ref="F26000200",
        period=(date(2026, 11, 16), date(2026, 11, 30)),
    )
    report = _report(ledger, [*scenario, reversal], HeaderVersion.STRUCTURE)
    item = next(item for item in report.items if item.token == "MUSE4M")
    assert item.category is Category.OVERPAID_SETTLED and item.reimbursed_cents == 0
    assert item.transfers == "VIR12345, VIR12400"


def test_a_shared_ledger_of_two_tills_matches_both(
    ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    other_till = LedgerLine(
        till="caisse-2", token="DEJAV7", operation=Operation.USE, amount_cents=990, unit_price_cents=990,
        quantity=1, validated_at=datetime(2026, 11, 7, 16, 30, tzinfo=PARIS), day=date(2026, 11, 7),
        offer_name="Les Misérables (tome 1)",
    )  # fmt: skip
    report = _report([*ledger, other_till], scenario, HeaderVersion.STRUCTURE)
    item = next(item for item in report.items if item.token == "DEJAV7")
    assert (item.category, item.till, item.difference_cents) == (Category.FULL, "caisse-2", 0)


def test_a_different_validation_date_is_said(ledger: list[LedgerLine], scenario: list[GeneratedLine]) -> None:
    moved = [
        replace(line, validated_at=datetime(2026, 11, 12, 9, tzinfo=PARIS))
        if line.token == "ETRNGR"
        else line
        for line in scenario
    ]
    item = next(
        item for item in _report(ledger, moved, HeaderVersion.STRUCTURE).items if item.token == "ETRNGR"
    )
    assert item.category is Category.FULL
    assert "Date de validation différente : 12/11/2026 chez pass Culture, 04/11/2026 ici." in item.explanation


def test_a_line_not_yet_sent_in_the_oldest_files(
    ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    pending = [replace(line, status="Remboursement impossible : Iban Non Fourni") for line in scenario]
    report = _report(ledger, pending, HeaderVersion.ANNEE_VIREMENT)
    item = next(item for item in report.items if item.token == "ETRNGR")
    assert item.category is Category.NOT_SENT
    assert "« Remboursement impossible : Iban Non Fourni »" in item.explanation


def test_no_file_means_nothing_to_report(ledger: list[LedgerLine]) -> None:
    report = reconcile(ledger, [])
    assert (report.items, report.analysed_from) == ((), None)


def test_validated_reverted_and_validated_again_is_matched_by_validation_date(
    scenario_journal: SqliteJournal, scenario: list[GeneratedLine]
) -> None:
    clock = StepClock()
    scenario_journal._clock = clock
    book = demo_bookings()["book_2"]  # validated on the 4th, reimbursed in the file
    record(scenario_journal, clock, book, datetime(2026, 11, 20, 10, tzinfo=PARIS), Operation.KEEP)
    record(scenario_journal, clock, book, datetime(2026, 11, 21, 10, tzinfo=PARIS), Operation.USE)
    report = _report(lines_from_journal(scenario_journal), scenario, HeaderVersion.STRUCTURE)
    items = [item for item in report.items if item.token == "ETRNGR"]
    assert [(item.category, item.fortnight[0]) for item in items] == [
        (Category.OVERPAID, date(2026, 11, 1)),  # the first validation: reimbursed, then reverted
        (Category.AWAITING, date(2026, 11, 16)),  # the second: its fortnight is not paid yet
    ]
