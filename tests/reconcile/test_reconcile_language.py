"""« Remboursements… » in English (walk-through 2026-12: its dates still said « à », its categories and
explanations stayed French): the matcher writes French templates with their values (``FrenchText``),
the CSV and the command line keep the French text, the dialog renders them in the window's language
with the counter's translated moment (``WHEN_TEMPLATE``: "at" in English)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from pos_client.app.demo_reimbursements import GeneratedLine, write_reimbursement_file
from pos_client.i18n import FrenchText, Translator
from pos_client.journal import SqliteJournal
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.matcher import Category, LedgerLine, reconcile
from pos_client.reconcile.reader import read_reimbursement_file
from pos_client.ui.reconcile_dialog import ReconcileDialog, reconciler_for

FRENCH = re.compile(
    r"[éèêàùç]|\b(?:le|la|les|des|est|une|pas|ici|caisse|validée|remboursée|quinzaine)\b", re.I
)
ENGLISH = Translator("en")


def templates(text: FrenchText) -> Iterator[str]:
    yield text.template
    for value in text.values.values():
        if isinstance(value, FrenchText):
            yield from templates(value)


@pytest.mark.parametrize("version", [HeaderVersion.STRUCTURE, HeaderVersion.ANNEE_VIREMENT_TYPE])
def test_every_explanation_renders_in_english_and_stays_french(
    tmp_path: Path, version: HeaderVersion, ledger: list[LedgerLine], scenario: list[GeneratedLine]
) -> None:
    source = tmp_path / "remboursements.csv"
    write_reimbursement_file(source, scenario, version)
    report = reconcile(ledger, read_reimbursement_file(source).rows)
    assert len({item.category for item in report.items}) >= 5
    for item in report.items:
        text = item.explanation
        assert isinstance(text, FrenchText) and text.render(Translator("fr")) == text
        english = text.render(ENGLISH)
        assert english != text
        for template in templates(text):  # the words are translated; the values are data (a label)
            if template != "{text}{note}":
                shown = ENGLISH(template).format_map(defaultdict(lambda: "X"))
                assert not FRENCH.search(shown.replace("«", "").replace("»", "")), shown
        assert ENGLISH(item.category.value) != item.category.value
    claim = next(item for item in report.items if item.category is Category.TO_CLAIM)
    assert re.search(r"Validée ici le \d\d/\d\d/2026 à \d\d:\d\d \(", claim.explanation)  # French as before
    assert re.search(r"Validated here on \d\d/\d\d/2026 at \d\d:\d\d \(", claim.explanation.render(ENGLISH))


def test_the_english_dialog_shows_english_categories_and_explanations(
    qtbot: QtBot, tmp_path: Path, scenario_journal: SqliteJournal, scenario: list[GeneratedLine]
) -> None:
    scenario_journal.close()
    source = tmp_path / "remboursements.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.STRUCTURE)
    dialog = ReconcileDialog(ENGLISH, reconciler_for(scenario_journal.path, "caisse-1"), folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_files([source])
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    rows = {
        dialog.details.item(row, 1).text(): [
            dialog.details.item(row, column).text() for column in range(dialog.details.columnCount())
        ]
        for row in range(dialog.details.rowCount())
    }
    category, explanation = rows["FSSE5C"][0], rows["FSSE5C"][-1]
    assert category == "to claim" and explanation.startswith("Validated here on ")
    assert " at " in explanation and " à " not in explanation
    assert "but missing from the reimbursements of the fortnight from 01/11/2026 to 15/11/2026" in explanation
    for cells in rows.values():
        assert not FRENCH.search(cells[0]), cells  # the category
