"""What the cashier walk-through of 2026-12 found on the real window (docs/walkthrough-2026-12.md),
each on the window itself (pytest-qt): a refused key's explanation goes when the screen moves on;
the status bar's buttons and the tools never show a cut text at 1024 px."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from counter_fakes import FakeApi, RecordingJournal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from pos_client.counter.view import State
from pos_client.domain.scan import RawScan, Transport
from pos_client.settings import Settings
from pos_client.ui.app import demo_till
from pos_client.ui.look import TOUCH_MIN_PX
from pos_client.ui.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


def _card(qtbot: QtBot, window: MainWindow) -> None:
    window.on_scan(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)


def _alt(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    qtbot.keyClick(window.code_field.edit, key, Qt.KeyboardModifier.AltModifier)


def test_a_refused_keys_explanation_goes_once_the_screen_moves_on(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    _card(qtbot, window)
    _alt(qtbot, window, Qt.Key.Key_V)  # before the ID check: refused, and said
    assert "confirmez d'abord" in window.code_field.error.text()
    _alt(qtbot, window, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: window.counter.view.id_checked, timeout=3000)
    assert window.code_field.error.text() == ""  # "confirm the ID first" would now be wrong


def test_a_refused_keys_explanation_stays_while_the_screen_does(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    _alt(qtbot, window, Qt.Key.Key_V)
    window.counter.tick()  # the same screen, shown again
    QApplication.processEvents()
    assert "rien à faire" in window.code_field.error.text()


def test_at_1024_no_status_bar_button_or_tool_shows_a_cut_text(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False})
    with demo_till(tmp_path, settings) as (window, _backend):  # every tool: export, F6, F7, camera
        qtbot.addWidget(window)
        window.resize(1024, 768)
        window.show()
        qtbot.waitExposed(window)
        window.tools.open_panel()  # the tools are behind « Outils » (800x600: tests/ui/test_screen_fit.py)
        qtbot.waitUntil(window.tools.panel.isVisible, timeout=3000)
        buttons = [b for b in window.statusBar().findChildren(QPushButton) if b.isVisible()]
        buttons += [b for b in window.tools.panel.tools() if b.isVisible()]
        assert len(buttons) >= 5
        for button in buttons:
            needed = button.fontMetrics().horizontalAdvance(button.text()) + 12
            assert button.width() >= needed, f"{button.text()!r} cut: {button.width()} < {needed} px"
            assert button.height() >= TOUCH_MIN_PX
        assert window.camera_button.text() == "Caméra (F3)"  # key at hand
        window.tools.panel.hide()
