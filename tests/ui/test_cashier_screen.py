"""The cashier walk-through's defects (issue 16), each on the real window (pytest-qt): shortcuts that
never type and Échap that clears (M5), the card and ID check readable when the window is low (M7),
the double-click guard (m1), drawn icons (m2), a book's barcode read from the physical keys (m4),
refusals that say so (m9), one colour language and touch-sized buttons (m10), the scanned code on the
card without empty rows (m11), the status bar (m12), « Tester le scanner » keeping scans (m15) and a
« Taille des textes » that scales the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from counter_fakes import FakeApi, RecordingJournal
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, State, Tone
from pos_client.domain.scan import RawScan, Transport
from pos_client.scanner.payload import Rejection, RejectionReason, read_scan
from pos_client.settings import Settings
from pos_client.ui.look import TOUCH_MIN_PX
from pos_client.ui.main_window import MainWindow
from pos_client.ui.scanner_test_window import ScannerTestWindow

WindowFactory = Callable[..., MainWindow]
ISBN = "9782070612758"
# What a US-configured scanner types for an ISBN on an AZERTY PC (digits without Shift).
ISBN_ON_AZERTY = 'çè"éàçà&"é(-è'


def _card(qtbot: QtBot, window: MainWindow, token: str = "352UW4") -> None:
    window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)


def _alt(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    _active(qtbot, window)
    qtbot.keyClick(window.code_field.edit, key, Qt.KeyboardModifier.AltModifier)


def _active(qtbot: QtBot, window: MainWindow) -> None:
    """The window asks for the keyboard itself once shown (m16: no click needed without a WM)."""
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


# ----------------------------------------------------------------------------- M5
@pytest.mark.parametrize("key", [Qt.Key.Key_V, Qt.Key.Key_R, Qt.Key.Key_I, Qt.Key.Key_A, Qt.Key.Key_N])
def test_an_alt_shortcut_not_offered_never_types_its_letter_and_says_so(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal], key: Qt.Key
) -> None:
    window = make_window(*fake_backend)
    _alt(qtbot, window, key)
    assert window.code_field.edit.text() == ""
    assert "rien à faire" in window.code_field.error.text()


def test_alt_v_before_the_id_check_types_nothing_and_validates_nothing(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    _card(qtbot, window)
    _alt(qtbot, window, Qt.Key.Key_V)
    assert window.code_field.edit.text() == "" and window.counter.state is State.ID_CHECK
    assert api.count("use") == 0
    assert "confirmez d'abord la pièce d'identité" in window.code_field.error.text()


def test_escape_clears_what_was_typed_so_the_next_code_is_read(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _active(qtbot, window)
    qtbot.keyClicks(window.code_field.edit, "V")
    assert window.code_field.edit.text() == "V"
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Escape)
    assert window.code_field.edit.text() == "" and window.code_field.error.text() == ""
    qtbot.keyClicks(window.code_field.edit, "352UW4")
    qtbot.keyClick(window.code_field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)


# ----------------------------------------------------------------------------- M7
def _fully_visible(label: QLabel, viewport: QWidget) -> bool:
    """The label shows its whole text (no clipping) inside the visible part of the scroll area."""
    needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
    top_left = label.mapTo(viewport, QPoint(0, 0))
    return label.height() >= needed and viewport.rect().contains(QRect(top_left, label.size()))


@pytest.mark.parametrize("size", [(1024, 600), (800, 600)])
def test_the_id_check_is_readable_when_the_window_is_low(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_backend: tuple[FakeApi, RecordingJournal],
    size: tuple[int, int],
) -> None:
    window = make_window(*fake_backend)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    _card(qtbot, window)
    qtbot.wait(50)
    card = window.card
    viewport = window.left_scroll.viewport()
    assert _fully_visible(card.name, viewport) and _fully_visible(card.birth, viewport)
    assert card.name.geometry().bottom() < card.birth.geometry().top()  # never drawn over each other
    assert card.name.text() == "Camille Martin"


# ----------------------------------------------------------------------------- m1
def test_a_double_click_on_the_id_button_does_not_validate(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    _card(qtbot, window)
    qtbot.mouseClick(window.buttons[Action.CONFIRM_ID], Qt.MouseButton.LeftButton)
    assert window.buttons[Action.VALIDATE].isVisible()
    # The second click of the double-click lands on « Valider », which appeared under the pointer.
    qtbot.mouseClick(window.buttons[Action.VALIDATE], Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert window.counter.state is State.ID_CHECK and api.count("use") == 0
    qtbot.wait(round(window.click_guard_s() * 1000) + 50)
    qtbot.mouseClick(window.buttons[Action.VALIDATE], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)
    assert api.count("use") == 1


# ----------------------------------------------------------------------------- m2
def test_every_status_icon_is_drawn_not_a_font_glyph(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    api.latency_s = 0.3 if hasattr(api, "latency_s") else 0.0
    window = make_window(api, journal)
    shown: list[tuple[Tone, bool]] = []
    window.view_shown.connect(
        lambda view: shown.append((view.tone, not window.status_area.icon.pixmap().isNull()))
    )
    _card(qtbot, window)
    window.trigger(Action.DISMISS)
    assert window.status_area.icon.text() == ""
    assert {Tone.BUSY, Tone.NEXT, Tone.NEUTRAL} <= {tone for tone, _ in shown}
    assert all(drawn for _, drawn in shown)


# ----------------------------------------------------------------------------- m4
def test_a_book_barcode_from_a_us_scanner_on_azerty_is_called_a_book() -> None:
    scan = RawScan(ISBN_ON_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=ISBN)
    read = read_scan(scan)
    assert isinstance(read, Rejection) and read.reason is RejectionReason.BOOK_BARCODE


def test_a_book_barcode_is_not_called_unreadable(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.on_scan(RawScan(ISBN_ON_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=ISBN))
    view = window.counter.view
    assert view.state is State.INVALID_CODE
    assert view.title == "Ce n'est pas une contremarque" and "livre" in view.detail


# ----------------------------------------------------------------------------- m9
def test_a_book_barcode_scanned_on_a_card_is_said_not_silently_ignored(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _card(qtbot, window)
    window.on_scan(RawScan(ISBN, Transport.SERIAL, "serial:test"))
    assert window.counter.state is State.ID_CHECK  # the card stays
    assert window.status_area.notice.isVisibleTo(window)
    assert (
        "Lecture ignorée" in window.status_area.notice.text() and "livre" in window.status_area.notice.text()
    )


def test_alt_i_refused_within_a_scanner_burst_says_press_again(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.counter.config.burst_quiet_s = 60.0  # the Alt+I below is "just after" the scan, surely
    window.on_scan(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.KEYBOARD, "keyboard"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    _alt(qtbot, window, Qt.Key.Key_I)
    assert not window.counter.view.id_checked
    assert "appuyez de nouveau" in window.code_field.error.text()


# ----------------------------------------------------------------------------- m10
def test_one_colour_language_and_touch_sized_buttons(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.resize(1024, 768)
    _card(qtbot, window)
    assert window.counter.view.tone is Tone.NEXT  # a next step: blue, not the amber of trouble
    primary = window.buttons[Action.CONFIRM_ID]
    cancel = window.buttons[Action.CANCEL_BOOKING]
    close = window.buttons[Action.DISMISS]
    qtbot.wait(20)
    for button in (primary, cancel, close, window.camera_button):
        assert button.width() >= TOUCH_MIN_PX and button.height() >= TOUCH_MIN_PX
    assert primary.height() >= cancel.height() and primary.font().bold() and not cancel.font().bold()
    # The step forward first, the destructive action far away on the right.
    assert primary.x() < close.x() < cancel.x()
    assert cancel.x() - (close.x() + close.width()) > 100
    window.trigger(Action.CANCEL_BOOKING)
    assert window.counter.view.tone is Tone.NEXT  # a question, not the red failure style
    qtbot.mouseClick(window.buttons[Action.CONFIRM_ID], Qt.MouseButton.LeftButton)  # hidden: nothing
    window.trigger(Action.DISMISS)
    _card(qtbot, window)
    window.trigger(Action.CONFIRM_ID)
    qtbot.wait(20)
    assert window.buttons[Action.VALIDATE].geometry().topLeft() == primary.geometry().topLeft()


# ----------------------------------------------------------------------------- m11
def test_the_card_shows_the_scanned_code_and_no_empty_rows(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _card(qtbot, window)
    card = window.card
    assert card.token.text() == "352UW4" and card.token.isVisibleTo(window)
    assert not card.category.isVisibleTo(window)  # no price category for a book
    assert card.ean.isVisibleTo(window) and card.ean.text() == ISBN
    for row in (card.token, card.venue, card.booked_on):
        assert row.text() not in ("", "—")


# ----------------------------------------------------------------------------- m12
def test_the_status_bar_elides_and_names_a_custom_server(
    qtbot: QtBot, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    from pos_client.settings import Settings
    from pos_client.ui.app import build_window
    from pos_client.ui.status_bar import ElidedLabel

    api, journal = fake_backend
    window = build_window(
        api=api,
        journal=journal,
        settings=Settings(till_name="t").with_values(ui={"sound_enabled": False}),
        environment_label="personnalisé",
        server_address="http://127.0.0.1:18210",
    )
    qtbot.addWidget(window)
    assert isinstance(window.env_label, ElidedLabel)
    assert "127.0.0.1:18210" in window.env_label.text()
    window.close()


def test_a_background_settlement_says_the_connection_is_back(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.connection_label.setText("Connexion : en difficulté")
    window._on_intents_settled([(object(), object())])  # type: ignore[list-item]
    assert window.connection_label.text() == "Connexion : OK"


# ----------------------------------------------------------------------------- m15
def test_a_scan_made_in_the_scanner_test_opens_no_booking(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    test_window = ScannerTestWindow()
    qtbot.addWidget(test_window)
    window.attach_scanner_test(test_window)
    test_window.show()
    window.bridge.scanned.emit(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:test"))
    qtbot.wait(50)
    assert window.counter.state is State.READY and api.count("get") == 0
    qtbot.waitUntil(lambda: "352UW4" in test_window.advice.text(), timeout=2000)
    test_window.close()
    window.bridge.scanned.emit(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)


# ----------------------------------------------------------------------------- text size
def test_the_text_size_scales_titles_amounts_names_and_buttons(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    small = make_window(*fake_backend)
    sizes_small = _sizes(qtbot, small)
    small.close()
    original = QFont(app.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 1.5)
    app.setFont(bigger)  # what « Taille des textes » 1,5 does at start (ui/app.py)
    try:
        large = make_window(*fake_backend)
        sizes_large = _sizes(qtbot, large)
        large.close()
    finally:
        app.setFont(original)
    button_small, button_large = sizes_small.pop("button"), sizes_large.pop("button")
    assert TOUCH_MIN_PX <= button_small < button_large  # the 44 px floor, then it grows with the text
    for name, value in sizes_small.items():
        assert sizes_large[name] >= value * 1.3, name


def _sizes(qtbot: QtBot, window: MainWindow) -> dict[str, float]:
    _card(qtbot, window)
    return {
        "title": window.status_area.title.font().pointSizeF(),
        "name": window.card.name.font().pointSizeF(),
        "amount": window.card.total.font().pointSizeF(),
        "button": window.buttons[Action.CONFIRM_ID].minimumHeight(),
        "icon": window.status_area.icon_size(),
    }


# ----------------------------------------------------------------------------- m7
def test_a_cancelled_booking_says_it_may_have_expired() -> None:
    from pos_client.counter.messages import outcome_text
    from pos_client.domain.outcomes import Cancelled
    from pos_client.i18n import Translator

    _title, detail = outcome_text(Cancelled("EXPR7D"), token="EXPR7D", amount_cents=None)
    assert "retirée à temps" in detail.render(Translator("fr"))
    assert "not collected in time" in detail.render(Translator("en"))


# ----------------------------------------------------------------------------- m17
def test_the_export_message_counts_an_undo_apart_from_the_payments(tmp_path: Path) -> None:
    from datetime import date

    from pos_client.i18n import Translator
    from pos_client.journal.export import ExportFormat
    from pos_client.ui.export_dialog import ExportRequest, ExportResult, export_message

    request = ExportRequest(date(2026, 12, 1), date(2026, 12, 15), ExportFormat.CSV, tmp_path / "x.csv")
    text = export_message(ExportResult(request, 3, undone=1), Translator("fr"))
    assert "2 paiements" in text and "1 annulations de validation" in text and "3 paiements" not in text


def test_an_undone_validation_is_counted_as_an_undo_for_the_export(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    from datetime import date

    from pos_client.ui.export_dialog import undone_lines

    api, journal = fake_backend
    window = make_window(api, journal)
    _card(qtbot, window)
    window.trigger(Action.CONFIRM_ID)
    window.trigger(Action.VALIDATE)
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)
    window.trigger(Action.REVERT)
    window.trigger(Action.CONFIRM_REVERT)
    qtbot.waitUntil(lambda: window.counter.state is State.REVERTED, timeout=5000)
    today = date.today()
    assert len(journal.payments_between(today, today)) == 2
    assert undone_lines(journal, today, today) == 1


# ----------------------------------------------------------------------------- m6
def test_a_demo_restart_does_not_offer_a_code_already_validated(qtbot: QtBot, tmp_path: Path) -> None:
    from pos_client.emulator import demo_data
    from pos_client.settings import Settings
    from pos_client.ui.app import demo_till

    token = demo_data.TOKENS["book"]
    settings = Settings(till_name="demo").with_values(ui={"sound_enabled": False})
    with demo_till(tmp_path, settings) as (window, _backend):
        _card(qtbot, window, token)
        window.trigger(Action.CONFIRM_ID)
        window.trigger(Action.VALIDATE)
        qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=10000)
    with demo_till(tmp_path, settings) as (window, _backend):  # the emulator starts afresh
        window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:test"))
        qtbot.waitUntil(lambda: window.counter.state is not State.LOOKING_UP, timeout=10000)
        assert window.counter.state is State.ALREADY_VALIDATED


# ----------------------------------------------------------------------------- m10, m8
def test_ready_shows_the_three_steps_where_the_card_will_be(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    assert window.ready_steps.isVisible() and "pièce d'identité" in window.ready_steps.text()
    _card(qtbot, window)
    assert not window.ready_steps.isVisible()


def test_settings_are_listed_as_the_file_writes_them_not_as_python_enums() -> None:
    from pos_client.settings import Settings, describe

    text = describe(Settings())
    assert "api.environment = 'production'" in text and "ApiEnvironment." not in text


def test_a_key_pressed_while_the_booking_is_looked_up_says_to_press_again(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _active(qtbot, window)
    window.counter.scan(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:test"))
    assert window.counter.state is State.LOOKING_UP  # the answer comes back through the event loop
    _alt(qtbot, window, Qt.Key.Key_I)
    assert "appuyez de nouveau" in window.code_field.error.text()


# ----------------------------------------------------------------------------- the reader's words in English
def test_an_english_window_explains_a_book_barcode_in_english(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    settings = Settings(till_name="t").with_values(ui={"language": "en", "sound_enabled": False})
    window = make_window(*fake_backend, settings=settings)
    window.on_scan(RawScan(ISBN_ON_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=ISBN))
    view = window.counter.view
    assert view.state is State.INVALID_CODE
    assert view.detail.startswith("This is the barcode of a book or a product, not a booking code.")


def test_an_english_window_gives_the_layout_advice_in_english(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    settings = Settings(till_name="t").with_values(ui={"language": "en", "sound_enabled": False})
    window = make_window(*fake_backend, settings=settings)
    # A US scanner on a French AZERTY PC: repaired, and the cashier told why, in the window's language.
    window.on_scan(RawScan("PQSSCULTUREMv\"mTOKENM\"(éUZ'", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    notice = window.status_area.notice.text()
    expected = "The scanner is set to the « US QWERTY » keyboard while the computer uses « French AZERTY"
    assert expected in notice
