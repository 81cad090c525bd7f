"""The GUI thread's share of scan to card (issue 16), on the real window (pytest-qt): the card's view
lays the window out once, from the event loop, never once per widget it shows; the card is never
painted before it is laid out; the keyboard capture looks at key events only; the start-up's objects
are frozen out of the garbage collector; the card's date reads "at" in English. Times are measured by
``bench/bench_scan_to_card.py``, not here."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from counter_fakes import FakeApi, RecordingJournal, make_booking
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from pos_client.counter.view import CounterView, State
from pos_client.domain.scan import RawScan, Transport
from pos_client.i18n import Translator
from pos_client.settings import Settings
from pos_client.ui.counter_widgets import BookingCard
from pos_client.ui.keyboard_capture import KeyboardCapture
from pos_client.ui.main_window import MainWindow
from pos_client.ui.pauses import settle_after_start

WindowFactory = Callable[..., MainWindow]


class LayoutSpy(QObject):
    """Counts the geometry changes (Resize, Move) of widgets inside ``root``, app-wide."""

    def __init__(self, root: QWidget) -> None:
        super().__init__()
        self.root = root
        self.changes = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        moved = event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
        if moved and isinstance(watched, QWidget) and self.root.isAncestorOf(watched):
            self.changes += 1
        return False


def _views(window: MainWindow) -> dict[State, CounterView]:
    seen: dict[State, CounterView] = {}
    window.view_shown.connect(lambda view: seen.__setitem__(view.state, view))
    return seen


def _card_view(qtbot: QtBot, window: MainWindow) -> tuple[CounterView, CounterView]:
    window.resize(1024, 768)  # the card fits: no scroll bar comes and goes with it
    seen = _views(window)
    window.on_scan(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    window.counter.dismiss()
    qtbot.waitUntil(lambda: State.READY in seen, timeout=5000)
    return seen[State.READY], seen[State.ID_CHECK]


def test_a_card_view_lays_the_window_out_from_the_event_loop_not_once_per_widget_shown(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _ready, card = _card_view(qtbot, window)
    for _ in range(3):
        QApplication.processEvents()
    spy = LayoutSpy(window)
    QApplication.instance().installEventFilter(spy)  # type: ignore[union-attr]
    try:
        window._on_view(card)  # the card, its rows, three buttons shown; the ready steps hidden
        during_view = spy.changes
        qtbot.waitUntil(lambda: spy.changes > during_view, timeout=3000)
    finally:
        QApplication.instance().removeEventFilter(spy)  # type: ignore[union-attr]
    assert during_view == 0, f"{during_view} geometry changes while the view was being set"
    assert window.card.isVisible() and window.card.height() > 0


def test_the_card_is_never_painted_before_it_is_laid_out(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    ready, card = _card_view(qtbot, window)
    painted_at: list[QSize] = []

    class PaintSizes(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() == QEvent.Type.Paint:
                painted_at.append(window.card.size())
            return False

    watch = PaintSizes()
    window.card.installEventFilter(watch)
    for _ in range(3):
        window._on_view(card)
        qtbot.waitUntil(lambda: bool(painted_at), timeout=3000)
        for _ in range(5):
            QApplication.processEvents()
        assert set(painted_at) == {window.card.size()}, "painted at a size it did not keep"
        window._on_view(ready)
        for _ in range(5):
            QApplication.processEvents()
        painted_at.clear()
    window.card.removeEventFilter(watch)


def test_the_keyboard_capture_asks_a_non_key_event_nothing(qtbot: QtBot) -> None:
    class CountingEvent(QEvent):
        asked = 0

        def type(self) -> QEvent.Type:  # Qt's name
            CountingEvent.asked += 1
            return super().type()

    capture = KeyboardCapture(Settings().scanner)
    widget = QWidget()
    qtbot.addWidget(widget)
    for kind in (QEvent.Type.Paint, QEvent.Type.Show, QEvent.Type.LayoutRequest, QEvent.Type.Resize):
        assert capture.eventFilter(widget, CountingEvent(kind)) is False
    assert CountingEvent.asked == 0  # about a hundred of these per card shown: each must cost nothing
    key = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
    assert capture.eventFilter(widget, key) is False  # a key event is still looked at (not a window)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite collects as usual


@pytest.mark.usefixtures("unfrozen")
def test_the_start_up_objects_are_frozen_out_of_the_garbage_collector() -> None:
    gc.unfreeze()
    kept = [object() for _ in range(10)]
    frozen = settle_after_start()
    assert frozen == gc.get_freeze_count() >= len(kept)
    assert gc.get_count()[2] == 0  # nothing left for a full pass to walk right after


def test_the_card_says_at_in_english_and_a_in_french(qtbot: QtBot) -> None:
    booking = make_booking()
    moment = datetime(2026, 12, 2, 9, 48, tzinfo=UTC)
    booking = type(booking)(**{**booking.__dict__, "creation_date": moment})
    local = moment.astimezone()
    for language, word in (("en", "at"), ("fr", "à")):
        card = BookingCard(Translator(language))
        qtbot.addWidget(card)
        card.show_booking(booking, id_checked=False, show_identity=True, token="352UW4")
        assert card.booked_on.text() == f"{local:%d/%m/%Y} {word} {local:%H:%M}"
