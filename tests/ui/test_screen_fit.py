"""The till at 1024x600 and 800x600 (issue 16, what the walk-through of 2026-12 left): the tools sit
behind « Outils », so the status bar fits 800 px with its lines elided (full text in the tooltip);
every visible button of the window, the tools included, is a 44x44 px touch target; a narrow window
gives the card the history's room. On the real demo till (emulator, journal, offer desk)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, State
from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.settings import Settings
from pos_client.ui.app import demo_till
from pos_client.ui.look import TOUCH_MIN_PX
from pos_client.ui.main_window import MainWindow, handoff_text
from pos_client.ui.status_bar import ElidedLabel

SIZES = [(1024, 600), (800, 600)]


@contextmanager
def shown_till(qtbot: QtBot, root: Path, size: tuple[int, int], language: str = "fr") -> Iterator[MainWindow]:
    settings = Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False, "language": language}
    )
    with demo_till(root, settings) as (window, _backend):  # every tool: camera, export, F6, F7, settings
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        try:
            yield window
        finally:
            window.tools.panel.hide()
            window.close()


def busiest_status_bar(window: MainWindow) -> None:
    """Start-up trouble, an undelivered hand-off and three scanners, one in trouble."""
    window.problem_label.setText("Le trousseau du système est inaccessible (pas de session D-Bus). " * 2)
    window.problem_label.setVisible(True)
    window._show_handoff(handoff_text({"http": 12}, {"http": "caisse injoignable (ConnectError) " * 3}))
    for source_id, state in (
        ("keyboard", SourceState.CONNECTED),
        ("serial:/dev/serial/by-id/usb-Honeywell_Imaging_1900_ttyACM0", SourceState.DISCONNECTED),
        ("hid:0c2e:0b8f", SourceState.ERROR),
    ):
        window._on_source_status(SourceStatus(source_id, state, "Accès refusé à /dev/hidraw3"))
    QApplication.processEvents()


def touch_problems(widgets: list[QAbstractButton]) -> list[str]:
    return [
        f"{button.objectName() or button.text()!r} {button.width()}x{button.height()}"
        for button in widgets
        if button.isVisible() and (button.width() < TOUCH_MIN_PX or button.height() < TOUCH_MIN_PX)
    ]


def visible_buttons(window: MainWindow) -> list[QAbstractButton]:
    found = window.findChildren(QAbstractButton) + window.tools.panel.findChildren(QAbstractButton)
    return [button for button in dict.fromkeys(found) if button.isVisible()]


def card(qtbot: QtBot, window: MainWindow, token: str = "DUCN2A") -> None:
    window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:test"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=5000)


# ----------------------------------------------------------------------------- 1. status bar
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_busiest_status_bar_fits_with_its_lines_elided_and_the_tools_behind_one_button(
    qtbot: QtBot, tmp_path: Path, size: tuple[int, int], language: str
) -> None:
    with shown_till(qtbot, tmp_path, size, language) as window:
        busiest_status_bar(window)
        qtbot.wait(20)
        bar = window.statusBar()
        assert window.width() == size[0] and bar.minimumSizeHint().width() <= size[0]
        items = [child for child in bar.findChildren(QWidget) if child.isVisible() and child.parent() is bar]
        assert window.tools in items and len(items) >= 7
        for item in items:  # nothing drawn past the bar's right edge (the cut « Offre sur-mesure »)
            assert item.geometry().right() <= bar.width(), (item.objectName(), item.geometry(), bar.width())
        # The one button of the bar is « Outils »; every line elides with "…" and keeps its full text.
        assert [b for b in bar.findChildren(QAbstractButton) if b.isVisible()] == [window.tools]
        for label in (window.connection_label, window.key_label, window.env_label, window.problem_label):
            assert isinstance(label, ElidedLabel) and label.toolTip() == label.text()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_tool_is_a_touch_away_and_keeps_its_key(
    qtbot: QtBot, tmp_path: Path, size: tuple[int, int]
) -> None:
    with shown_till(qtbot, tmp_path, size) as window:
        tools = window.tools.panel.tools()
        names = [tool.text() for tool in tools]
        assert names == [
            "Caméra (F3)", "Exporter… (F4)", "Remboursements… (F6)", "Réglages (F2)", "Offre sur-mesure (F7)"
        ]  # fmt: skip
        keys = {shortcut.key().toString() for shortcut in window.findChildren(QShortcut)}
        assert {"F2", "F3", "F4", "F6", "F7"} <= keys  # each tool's key works without the panel
        qtbot.mouseClick(window.tools, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.tools.panel.isVisible, timeout=3000)
        for tool in tools:  # the full text, never cut, on a touch-sized button
            assert tool.isVisible() and tool.height() >= TOUCH_MIN_PX and tool.width() >= TOUCH_MIN_PX
            assert tool.width() >= tool.fontMetrics().horizontalAdvance(tool.text()) + 12, tool.text()
        asked: list[bool] = []
        window.settings_requested.connect(lambda: asked.append(True))
        qtbot.mouseClick(window.settings_tool, Qt.MouseButton.LeftButton)
        assert asked == [True] and not window.tools.panel.isVisible()  # the panel closes after a tool
        qtbot.mouseClick(window.tools, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.tools.panel.isVisible, timeout=3000)
        qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.export_dialog is not None and window.export_dialog.isVisible())
        assert window.export_dialog is not None
        window.export_dialog.reject()


# ----------------------------------------------------------------------------- 2. touch targets
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_visible_button_of_the_window_is_a_touch_target(
    qtbot: QtBot, tmp_path: Path, size: tuple[int, int]
) -> None:
    with shown_till(qtbot, tmp_path, size) as window:
        seen: set[str] = set()

        def check(step: str) -> None:
            qtbot.wait(20)
            buttons = visible_buttons(window)
            seen.update(button.objectName() for button in buttons)
            assert touch_problems(buttons) == [], step

        check("ready")
        card(qtbot, window)
        check("ID check")
        window.trigger(Action.CANCEL_BOOKING)
        check("cancel question")
        window.trigger(Action.DISMISS)
        card(qtbot, window)
        window.trigger(Action.CONFIRM_ID)
        check("ID checked")
        window.tools.open_panel()
        qtbot.waitUntil(window.tools.panel.isVisible, timeout=3000)
        check("tools open")
        assert {"tools_button", "offer_button", "camera_button", "action_confirm_id"} <= seen, seen


# ----------------------------------------------------------------------------- 3. the card's room
def test_a_narrow_window_gives_the_card_the_historys_room(qtbot: QtBot, tmp_path: Path) -> None:
    with shown_till(qtbot, tmp_path, (1024, 600)) as window:
        card(qtbot, window)
        window.trigger(Action.CONFIRM_ID)
        qtbot.waitUntil(lambda: Action.VALIDATE in window.counter.view.actions, timeout=3000)
        qtbot.wait(600)  # past the click guard: Valider is a deliberate press
        window.trigger(Action.VALIDATE)
        qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=5000)
        qtbot.waitUntil(lambda: window.history.table.rowCount() == 1, timeout=5000)
        table = window.history.table
        wide_history = window.history.width()
        assert wide_history >= 0.35 * window.width()  # 1024 px: the whole table, 2/5
        assert not any(table.isColumnHidden(column) for column in range(4))
        window.resize(800, 600)
        qtbot.waitUntil(lambda: window.width() == 800, timeout=3000)
        qtbot.wait(50)
        assert window.history.width() <= 0.27 * window.width(), window.history.width()
        assert window.left_scroll.width() >= 2.5 * window.history.width()
        assert [table.isColumnHidden(column) for column in range(4)] == [True, False, True, False]
        assert not table.horizontalScrollBar().isVisible()  # contremarque and amount fit
        assert window.history.total.wordWrap() and window.history.total.isVisible()
        window.resize(1024, 600)
        qtbot.waitUntil(lambda: window.width() == 1024, timeout=3000)
        assert not table.isColumnHidden(2)  # back to the whole table


# ----------------------------------------------------------------------------- camera on a narrow screen
@pytest.mark.parametrize("language", ["fr", "en"])
def test_with_the_camera_open_at_800x600_the_card_and_its_buttons_fit(
    qtbot: QtBot, tmp_path: Path, language: str
) -> None:
    with shown_till(qtbot, tmp_path, (800, 600), language) as window:
        window.show_camera(True)
        card(qtbot, window)
        QApplication.processEvents()
        assert window.camera_dock is not None and window.camera_dock.isVisible()
        assert not window.history.isVisible()  # the card takes the history's room
        assert window.camera_dock.width() <= 300
        cut = [
            button.text()
            for button in window.action_bar.buttons.values()
            if button.isVisible()
            and button.fontMetrics().horizontalAdvance(button.text()) > button.contentsRect().width()
        ]
        assert cut == []
        window.show_camera(False)
        QApplication.processEvents()
        assert window.history.isVisible()
