"""« Exporter… » (F4) in the window, a journal the till must refuse at start-up, and Qt's own texts
(standard buttons) in the till's language."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from counter_fakes import FakeApi, LiveClock, RecordingJournal, StoredKey
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from pos_client.app.context import AppContext
from pos_client.counter.view import Action, State
from pos_client.domain.fortnight import fortnight_of
from pos_client.domain.scan import SourceState, SourceStatus
from pos_client.journal import SqliteJournal, open_journal
from pos_client.journal.export import (
    CSV_COLUMNS,
    READ_LABELS,
    ExportFormat,
    euros_with_comma,
    payment_document,
)
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui import app as app_module
from pos_client.ui.export_dialog import ExportDialog, ExportResult
from pos_client.ui.main_window import MainWindow, handoff_text
from pos_client.ui.qt_translations import install_qt_translation
from pos_client.ui.settings_dialog import SettingsDialog

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[SqliteJournal]:
    with open_journal(tmp_path / "journal.sqlite3", till="caisse-test") as opened:
        yield opened


def sell(qtbot: QtBot, window: MainWindow, token: str) -> None:
    window.code_field.submitted.emit(token)
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    assert window.trigger(Action.CONFIRM_ID)
    qtbot.waitUntil(lambda: Action.VALIDATE in window.counter.view.actions, timeout=5000)
    assert window.trigger(Action.VALIDATE)
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)


def open_export_with_f4(qtbot: QtBot, window: MainWindow) -> ExportDialog:
    window.activateWindow()  # a window's shortcuts answer once it is the active one
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F4)
    qtbot.waitUntil(
        lambda: window.export_dialog is not None and window.export_dialog.isVisible(), timeout=3000
    )
    assert window.export_dialog is not None
    return window.export_dialog


def export_through(qtbot: QtBot, window: MainWindow, dialog: ExportDialog) -> ExportResult:
    with qtbot.waitSignal(window.export_finished, timeout=10_000) as finished:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    result = finished.args[0]
    assert isinstance(result, ExportResult)
    return result


def close_message(qtbot: QtBot, window: MainWindow) -> str:
    """The message shown after an export: its text, then closed; the code field has the focus again."""
    box = window.export_message
    assert box is not None and box.isVisible()
    text = box.text()
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: window.export_message is None, timeout=3000)
    qtbot.waitUntil(window.code_field.edit.hasFocus, timeout=3000)
    return text


# ----------------------------------------------------------------------------- « Exporter… »
def test_f4_exports_the_current_fortnight_as_csv_that_reads_back_as_the_journal(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    window = make_window(FakeApi([]), journal)
    assert window.tools.offers(window.export_button) and window.export_button.text() == "Exporter… (F4)"
    sell(qtbot, window, "352UW4")
    sell(qtbot, window, "DUO234")

    dialog = open_export_with_f4(qtbot, window)
    first, last = fortnight_of(date.today())
    assert dialog.request().first_day == first and dialog.request().last_day == last
    assert dialog.request().fmt is ExportFormat.CSV
    assert dialog.path.text().endswith(f"paiements-pass-culture_{first.isoformat()}_{last.isoformat()}.csv")
    target = tmp_path / "exports" / "quinzaine.csv"
    dialog.path.setText(str(target))
    result = export_through(qtbot, window, dialog)

    assert result.count == 2 and result.request.path == target
    text = close_message(qtbot, window)
    assert text == (f"2 paiements pass Culture du {first:%d/%m/%Y} au {last:%d/%m/%Y} exportés dans {target}")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents right
    with target.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert tuple(lines[0]) == CSV_COLUMNS
    rows = journal.payments_between(first, last)
    assert len(rows) == 2 and len(lines) == 3
    column = {name: i for i, name in enumerate(CSV_COLUMNS)}
    for line, row in zip(lines[1:], rows, strict=True):
        assert line[column["identifiant"]] == row.record.uid
        assert line[column["contremarque"]] == row.record.token
        assert line[column["montant"]] == euros_with_comma(row.record.amount_cents) == "12,50"
        assert line[column["mode de paiement"]] == "pass Culture"
        assert line[column["lecture"]] == READ_LABELS[row.record.transport]  # French, not "keyboard"
        assert line[column["date"]] == date.today().isoformat()
    assert {line[column["contremarque"]] for line in lines[1:]} == {"352UW4", "DUO234"}
    assert window.export_dialog is None  # closed, and F4 opens a fresh one


def test_jsonl_export_of_a_chosen_day_matches_the_payment_documents(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    window = make_window(FakeApi([]), journal)
    sell(qtbot, window, "352UW4")
    dialog = window.open_export()
    assert dialog is not None
    today = date.today()
    dialog.first_day.setDate(dialog.first_day.date().fromString(today.isoformat(), "yyyy-MM-dd"))
    dialog.last_day.setDate(dialog.first_day.date())
    dialog.format.setCurrentIndex(dialog.format.findData(ExportFormat.JSONL))
    # The suggested name follows the dates and the format.
    assert dialog.path.text().endswith(f"paiements-pass-culture_{today.isoformat()}.jsonl")
    target = tmp_path / "jour.jsonl"
    dialog.path.setText(str(target))
    result = export_through(qtbot, window, dialog)
    assert result.count == 1
    assert "1 paiement pass Culture" in close_message(qtbot, window)
    documents = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert documents == [payment_document(row) for row in journal.payments_between(today, today)]
    assert documents[0]["token"] == "352UW4" and documents[0]["amount_cents"] == 1250


def test_an_export_that_cannot_be_written_says_why_in_french(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    window = make_window(FakeApi([]), journal)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    dialog = open_export_with_f4(qtbot, window)
    dialog.path.setText(str(blocker / "export.csv"))
    result = export_through(qtbot, window, dialog)
    assert result.count is None
    box = window.export_message
    assert box is not None and box.windowTitle() == "Export impossible"
    assert box.icon() is QMessageBox.Icon.Critical
    text = close_message(qtbot, window)
    assert text.startswith("Rien n'a été exporté. Le fichier ") and "n'a pas pu être écrit" in text
    assert not (blocker / "export.csv").exists() and blocker.read_text(encoding="utf-8").startswith("a file")
    # The till goes on: a code typed now is looked up.
    sell(qtbot, window, "352UW4")


def test_the_dialog_refuses_an_end_before_the_start(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    window = make_window(FakeApi([]), journal)
    dialog = open_export_with_f4(qtbot, window)
    dialog.last_day.setDate(dialog.first_day.date().addDays(-1))
    dialog.path.setText(str(tmp_path / "x.csv"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.error.text() == "La date de fin est avant la date de début."
    assert not (tmp_path / "x.csv").exists()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: window.export_dialog is None, timeout=3000)
    qtbot.waitUntil(window.code_field.edit.hasFocus, timeout=3000)


def test_no_export_without_a_journal_file(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(FakeApi([]), RecordingJournal([], LiveClock()))
    assert not window.tools.offers(window.export_button)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F4)
    assert window.export_dialog is None and window.open_export() is None


def test_the_export_speaks_english_when_asked(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    settings = Settings(till_name="t").with_values(ui={"language": "en", "sound_enabled": False})
    window = make_window(FakeApi([]), journal, settings=settings)
    assert window.export_button.text() == "Export… (F4)"
    dialog = open_export_with_f4(qtbot, window)
    assert dialog.windowTitle() == "Export the pass Culture payments"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Export"
    dialog.path.setText(str(tmp_path / "empty.csv"))
    assert export_through(qtbot, window, dialog).count == 0
    assert close_message(qtbot, window).startswith("No pass Culture payment from ")


# ----------------------------------------------------------------------------- a journal refused
def _newer_journal(path: Path) -> None:
    with open_journal(path, till="t"):
        pass
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()


def _foreign_file(path: Path) -> None:
    path.write_bytes(b"this is a spreadsheet, not a journal\n" * 200)


@pytest.mark.parametrize(
    ("make_file", "expected"),
    [
        (_newer_journal, "Ce journal de caisse a été écrit par une version plus récente de pos-client"),
        (_foreign_file, "Ce fichier n'est pas un journal de caisse pos-client"),
    ],
)
def test_a_journal_the_till_must_not_touch_is_refused_in_a_box_with_exit_code_3(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_file: Callable[[Path], None],
    expected: str,
) -> None:
    context = AppContext(
        paths=AppPaths.under(tmp_path),
        settings=Settings(till_name="t").with_values(
            ui={"sound_enabled": False},
            api={"environment": ApiEnvironment.CUSTOM, "custom_url": "http://127.0.0.1:9"},
        ),
    )
    context.paths.ensure()
    make_file(context.paths.journal_file)
    before = context.paths.journal_file.read_bytes()
    shown: list[tuple[QWidget | None, str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *rest: shown.append((parent, title, text))
    )
    code = app_module.run_app(context, demo=False, sources=(), keys=StoredKey("cle-de-test"))
    assert code == 3
    assert len(shown) == 1 and shown[0][0] is None and shown[0][1] == "Caisse pass Culture"
    assert shown[0][2].startswith(expected) and "n'a pas été modifié" in shown[0][2]
    assert context.paths.journal_file.read_bytes() == before  # untouched
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


# ----------------------------------------------------------------------------- Qt's own texts
def _button_texts(dialog: SettingsDialog) -> list[str]:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return [button.text().replace("&", "") for button in box.buttons()]


@pytest.mark.parametrize(
    ("language", "buttons", "environments", "language_label"),
    [
        (
            "fr",
            {"OK", "Annuler"},
            ["Production", "Intégration (tests)", "Personnalisée (émulateur, autre adresse)"],
            "Langue",
        ),
        (
            "en",
            {"OK", "Cancel"},
            ["Production", "Integration (tests)", "Custom (emulator, other address)"],
            "Language",
        ),
    ],
)
def test_settings_dialog_standard_buttons_and_names_follow_the_language(
    qtbot: QtBot, language: str, buttons: set[str], environments: list[str], language_label: str
) -> None:
    install_qt_translation(language)
    settings = Settings(till_name="t").with_values(ui={"language": language})
    dialog = SettingsDialog(settings, StoredKey(None))
    qtbot.addWidget(dialog)
    assert set(_button_texts(dialog)) == buttons
    combo = dialog.environment
    assert [combo.itemText(i) for i in range(combo.count())] == environments
    assert [combo.itemData(i) for i in range(combo.count())] == list(ApiEnvironment)
    form_labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert language_label in form_labels
    assert not any("prochain" in text or "next start" in text for text in form_labels)
    assert "URL (custom)" not in form_labels


def test_the_till_installs_qt_french_at_start_up(qtbot: QtBot, tmp_path: Path) -> None:
    install_qt_translation("en")
    context = AppContext(
        paths=AppPaths.under(tmp_path),
        settings=Settings(till_name="t").with_values(ui={"sound_enabled": False, "language": "fr"}),
    )
    context.paths.ensure()
    seen: list[list[str]] = []

    def read_and_quit() -> None:
        dialogs = [
            d for d in QApplication.topLevelWidgets() if isinstance(d, SettingsDialog) and d.isVisible()
        ]
        if not dialogs:
            QTimer.singleShot(20, read_and_quit)
            return
        seen.append(_button_texts(dialogs[0]))
        dialogs[0].reject()
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow) and window.isVisible():
                QTimer.singleShot(0, window.close)

    def open_settings() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, open_settings)
            return
        QTimer.singleShot(0, read_and_quit)
        windows[0].settings_requested.emit()

    QTimer.singleShot(20, open_settings)
    assert app_module.run_app(context, demo=True, sources=()) == 0
    assert seen and set(seen[0]) == {"OK", "Annuler"}


# ----------------------------------------------------------------------------- « Remboursements… »
def test_f6_reconciles_a_reimbursement_file_against_the_tills_payments(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, journal: SqliteJournal
) -> None:
    from pos_client.app.demo_reimbursements import demo_scenario, write_reimbursement_file
    from pos_client.app.reconcile_journal import lines_from_journal
    from pos_client.reconcile.formats import HeaderVersion

    window = make_window(FakeApi([]), journal)
    reconcile = window.reconcile_button  # a tool behind « Outils »
    assert window.tools.offers(reconcile) and reconcile.text() == "Remboursements… (F6)"
    sell(qtbot, window, "352UW4")
    source = tmp_path / "remboursements.csv"  # pass Culture pays this till's sale at a reduced rate
    write_reimbursement_file(source, demo_scenario(lines_from_journal(journal)), HeaderVersion.STRUCTURE)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None and window.reconcile_dialog.isVisible())
    dialog = window.reconcile_dialog
    assert dialog is not None and "ne sont pas copiés" in dialog.privacy.text()
    dialog.set_files([source])
    dialog.start()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    summary = [dialog.summary.item(0, column).text() for column in range(dialog.summary.columnCount())]
    assert summary[2:5] == ["12,50\u00a0€", "11,87\u00a0€", "-0,63\u00a0€"], summary  # 95 %
    dialog.reject()
    qtbot.waitUntil(lambda: window.reconcile_dialog is None, timeout=3000)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_export_button_keeps_the_busiest_status_bar_within_1024_px(
    qtbot: QtBot, make_window: WindowFactory, journal: SqliteJournal, language: str
) -> None:
    settings = Settings(till_name="t").with_values(ui={"sound_enabled": False, "language": language})
    window = make_window(FakeApi([]), journal, settings=settings)
    window.resize(1024, 768)
    window.problem_label.setText("Le trousseau du système est inaccessible (pas de session D-Bus). " * 2)
    window.problem_label.setVisible(True)
    undelivered = handoff_text({"http": 12}, {"http": "caisse injoignable (ConnectError) " * 3})
    window._show_handoff(undelivered)
    window._show_handoff(undelivered)
    for source_id, state in (
        ("keyboard", SourceState.CONNECTED),
        ("serial:/dev/serial/by-id/usb-Honeywell_Imaging_1900_ttyACM0", SourceState.DISCONNECTED),
        ("hid:0c2e:0b8f", SourceState.ERROR),
    ):
        window._on_source_status(SourceStatus(source_id, state, "Accès refusé à /dev/hidraw3 " * 3))
    QApplication.processEvents()
    assert window.tools.isVisible() and window.tools.offers(window.export_button)
    assert window.handoff_label.isVisible()
    assert window.statusBar().minimumSizeHint().width() <= 1024
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 768, f"{hint.width()}x{hint.height()}"
