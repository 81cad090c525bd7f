"""« Remboursements… » on its own (pytest-qt): files picked, work off the GUI thread, the fortnights,
the items to look at, the privacy note, refusals and the accountant's CSV."""

from __future__ import annotations

import codecs
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from reconcile_fixtures import PARIS

from pos_client.app.demo_reimbursements import GeneratedLine, write_reimbursement_file
from pos_client.app.reconcile import ReconciliationRun
from pos_client.i18n import Translator
from pos_client.journal import SqliteJournal
from pos_client.reconcile.formats import HeaderVersion
from pos_client.reconcile.matcher import Category
from pos_client.reconcile.output import ACCOUNTANT_COLUMNS
from pos_client.reconcile.store import store_path_for
from pos_client.ui.reconcile_dialog import ReconcileDialog, reconciler_for, reconciler_for_journal


@pytest.fixture
def journal_file(scenario_journal: SqliteJournal, scenario: list[GeneratedLine]) -> Path:
    scenario_journal.close()
    return scenario_journal.path


def _dialog(qtbot: QtBot, journal_file: Path, tmp_path: Path, language: str = "fr") -> ReconcileDialog:
    dialog = ReconcileDialog(Translator(language), reconciler_for(journal_file, "caisse-1"), folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _cells(table: object, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]  # type: ignore[attr-defined]


def _run(qtbot: QtBot, dialog: ReconcileDialog) -> None:
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=20_000)


def test_the_fortnight_and_the_items_to_claim_are_shown_and_exported(
    qtbot: QtBot, journal_file: Path, tmp_path: Path, scenario: list[GeneratedLine]
) -> None:
    source = tmp_path / "remboursements_pass_culture.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.STRUCTURE)
    dialog = _dialog(qtbot, journal_file, tmp_path)
    assert "ne sont pas copiés" in dialog.privacy.text()
    dialog.set_files([source])
    assert dialog.files_label.text() == "Fichiers : remboursements_pass_culture.csv"
    _run(qtbot, dialog)
    assert dialog.status.text() == f"1 fichier(s) importé(s), {len(scenario)} ligne(s) nouvelle(s)."
    assert _cells(dialog.summary, 0) == [
        "du 01/11/2026 au 15/11/2026", "oui", "70,80\u00a0€", "58,40\u00a0€", "-12,40\u00a0€",
        "1 (15,00\u00a0€)",
        "20,00\u00a0€", "314,90\u00a0€",
    ]  # fmt: skip
    details = {
        _cells(dialog.details, row)[1]: _cells(dialog.details, row)
        for row in range(dialog.details.rowCount())
    }
    shown = (
        datetime(2026, 11, 14, 16, 5, tzinfo=PARIS).astimezone().strftime("%d/%m/%Y %H:%M")
    )  # the OS's zone
    assert details["FSSE5C"][:4] == ["à réclamer", "FSSE5C", shown, "-15,00\u00a0€"]
    assert details["MUSE4M"][0] == "trop-perçu"
    assert "ETRNGR" not in details  # reimbursed in full: nothing to look at
    out = tmp_path / "compta" / "rapprochement.csv"
    assert dialog.export_to(out)
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + ";".join(ACCOUNTANT_COLUMNS).encode())
    assert dialog.status.text() == f"Rapprochement exporté dans {out}"


def test_the_work_runs_off_the_gui_thread_and_a_file_twice_changes_nothing(
    qtbot: QtBot, journal_file: Path, tmp_path: Path, scenario: list[GeneratedLine]
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.ANNEE_VIREMENT_TYPE)
    threads: list[threading.Thread] = []
    inner = reconciler_for(journal_file, "caisse-1")

    def watched(files: Sequence[Path]) -> ReconciliationRun:
        threads.append(threading.current_thread())
        return inner(files)

    dialog = ReconcileDialog(Translator("fr"), watched, folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_files([source])
    _run(qtbot, dialog)
    _run(qtbot, dialog)
    assert threads and all(thread is not threading.main_thread() for thread in threads)
    assert (
        dialog.status.text()
        == "0 fichier(s) importé(s), 0 ligne(s) nouvelle(s). 1 fichier(s) déjà importé(s) : rien de changé."
    )
    assert dialog.summary.rowCount() >= 1


def test_a_refused_file_is_said_and_nothing_is_kept(
    qtbot: QtBot, journal_file: Path, tmp_path: Path, scenario: list[GeneratedLine]
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.STRUCTURE)
    source.write_bytes(source.read_bytes().decode("utf-8-sig").encode("cp1252", errors="replace"))
    dialog = _dialog(qtbot, journal_file, tmp_path)
    dialog.set_files([source])
    _run(qtbot, dialog)
    assert dialog.status.text().startswith("Fichier « f.csv », ligne 1 : le texte n'est pas en UTF-8")
    assert dialog.status.text().endswith("Rien n'a été importé.")
    assert not dialog.export_button.isEnabled()
    assert not store_path_for(journal_file).exists()


def test_the_dialog_speaks_english_when_asked(qtbot: QtBot, journal_file: Path, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, journal_file, tmp_path, language="en")
    assert dialog.windowTitle() == "pass Culture reimbursements"
    headers = [dialog.summary.horizontalHeaderItem(i).text() for i in range(dialog.summary.columnCount())]
    assert headers == [
        "Fortnight", "Paid", "Expected", "Reimbursed", "Difference", "To claim",
        "Overpaid", "Outside the tills",
    ]  # fmt: skip
    assert dialog.privacy.text().startswith("The names, addresses, SIRETs and IBANs")


def test_every_text_of_the_dialog_has_an_english_entry_with_the_same_placeholders() -> None:
    import ast
    import string

    import pos_client.ui.reconcile_dialog as module
    from pos_client.i18n import catalogue

    ENGLISH = catalogue("en")

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    texts = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "attr", "") in ("_tr",) or getattr(node.func, "id", "") == "tr")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    texts |= set(module.SUMMARY_COLUMNS) | set(module.DETAIL_COLUMNS) | {module.PRIVACY_TEXT}
    assert len(texts) >= 25
    assert sorted(text for text in texts if text not in ENGLISH) == []
    for french in texts:
        names = {name for _, name, _, _ in string.Formatter().parse(french) if name}
        assert names == {name for _, name, _, _ in string.Formatter().parse(ENGLISH[french]) if name}, french


def test_the_tills_open_journal_can_feed_the_dialog(
    qtbot: QtBot, scenario_journal: SqliteJournal, scenario: list[GeneratedLine], tmp_path: Path
) -> None:
    source = tmp_path / "f.csv"
    write_reimbursement_file(source, scenario, HeaderVersion.COMPTE_BANCAIRE)
    dialog = ReconcileDialog(Translator("fr"), reconciler_for_journal(scenario_journal), folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.set_files([source])
    _run(qtbot, dialog)
    assert dialog.report is not None and len(dialog.report.in_category(Category.TO_CLAIM)) == 1
    assert store_path_for(scenario_journal.path).exists()
