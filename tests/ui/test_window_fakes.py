"""The till window with a scripted API: code field texts, the ID-check gate, double clicks, shortcuts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from counter_fakes import FakeApi, RecordingJournal, make_booking
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, State
from pos_client.domain.outcomes import AuthMissing, Found
from pos_client.domain.scan import Transport
from pos_client.scanner.null_source import NullSource
from pos_client.ui.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


def wait_state(qtbot: QtBot, window: MainWindow, state: State) -> None:
    qtbot.waitUntil(lambda: window.counter.state is state, timeout=5000)


def test_code_field_speaks_like_the_official_desk(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    field = window.code_field
    assert window.status_area.title.text() == "Prêt : scannez une contremarque"
    assert field.hint.text() == "Caractères restants : 6/6"
    qtbot.keyClicks(field.edit, "35")
    assert field.edit.text() == "35" and field.hint.text() == "Caractères restants : 4/6"
    qtbot.keyClicks(field.edit, "u-")
    assert field.edit.text() == "35U-"
    assert field.error.text() == "Caractères valides : de A à Z et de 0 à 9"
    field.edit.clear()
    qtbot.keyClicks(field.edit, "ABCDEFG")
    assert field.error.text() == "La contremarque ne peut pas faire plus de 6 caractères"
    field.edit.clear()
    field.edit.insert("")
    qtbot.keyClicks(field.edit, "PASSCULTURE:v3;TOKEN:352UW4")
    assert field.edit.text() == "352UW4" and field.error.text() == ""


def test_typed_code_shows_the_card_and_the_id_gate(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    api.lookups["DUO234"] = Found(make_booking("DUO234", quantity=2, unit_price_cents=800))
    window = make_window(api, journal)
    qtbot.keyClicks(window.code_field.edit, "duo234")
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Return)
    wait_state(qtbot, window, State.ID_CHECK)
    card = window.card
    assert card.offer.text() == "Le Petit Prince" and card.duo.isVisible()
    assert card.total.text().startswith("16,00")
    assert card.name.text() == "Camille Martin" and "Né(e) le 02/05/2007" in card.birth.text()
    assert window.buttons[Action.CONFIRM_ID].isVisible() and not window.buttons[Action.VALIDATE].isVisible()
    # Enter (a scanner's trailing Enter) never validates.
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Return)
    assert window.counter.state is State.ID_CHECK and api.count("use") == 0
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.buttons[Action.VALIDATE].isVisible(), timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    wait_state(qtbot, window, State.VALIDATED)
    assert window.status_area.title.text() == "Contremarque validée"
    assert "16,00" in window.status_area.detail.text()
    assert card.name.text() == ""  # identity leaves the screen with the check
    qtbot.waitUntil(lambda: window.day_total_cents == 1600, timeout=2000)
    assert window.history.total.text() == "Total pass Culture du jour : 16,00\u00a0€"
    assert window.history.table.rowCount() == 1 and window.history.table.item(0, 1).text() == "DUO234"
    assert window.code_field.edit.hasFocus()


def test_double_click_on_validate_sends_one_request(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    window.code_field.submitted.emit("352UW4")
    wait_state(qtbot, window, State.ID_CHECK)
    qtbot.mouseClick(window.buttons[Action.CONFIRM_ID], Qt.MouseButton.LeftButton)
    button = window.buttons[Action.VALIDATE]
    qtbot.wait(round(window.click_guard_s() * 1000) + 50)  # a deliberate click, not a double-click's
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseDClick(button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, window, State.VALIDATED)
    assert api.count("use") == 1 and len(journal.payments) == 1


def test_a_source_reading_the_same_code_from_its_thread_looks_it_up_once(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    source = NullSource("serial:test")
    window = make_window(api, journal, sources=(source,))
    qtbot.waitUntil(lambda: "serial:test" in window.source_statuses, timeout=2000)
    assert window.scanners_label.text() == "Douchette série (test) ✔ prête"

    def burst() -> None:
        for _ in range(10):
            source.feed("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL)

    thread = threading.Thread(target=burst)
    thread.start()
    thread.join(5)
    wait_state(qtbot, window, State.ID_CHECK)
    qtbot.wait(50)
    assert api.count("get") == 1


def test_api_key_missing_asks_for_the_settings(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    api.lookups["352UW4"] = AuthMissing()
    window = make_window(api, journal)
    with qtbot.waitSignal(window.settings_requested, timeout=5000):
        window.code_field.submitted.emit("352UW4")
    assert window.status_area.title.text() == "Clé d'API manquante"
    assert window.buttons[Action.OPEN_SETTINGS].isVisible()
    assert window.key_label.text() == "Clé d'API : ••••cdef"


def test_revert_through_the_buttons(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    window.code_field.submitted.emit("352UW4")
    wait_state(qtbot, window, State.ID_CHECK)
    assert window.trigger(Action.CONFIRM_ID) and window.trigger(Action.VALIDATE)
    wait_state(qtbot, window, State.VALIDATED)
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    wait_state(qtbot, window, State.CONFIRM_REVERT)
    assert "Aucun remboursement" in window.status_area.detail.text()
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    wait_state(qtbot, window, State.REVERTED)
    assert [p.amount_cents for p in journal.payments] == [1250, -1250]
    qtbot.waitUntil(lambda: window.day_total_cents == 0, timeout=2000)


def test_escape_returns_to_ready(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.code_field.submitted.emit("352UW4")
    wait_state(qtbot, window, State.ID_CHECK)
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Escape)
    wait_state(qtbot, window, State.READY)
    assert not window.card.isVisible()
