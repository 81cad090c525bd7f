"""The Qt event filter on the offscreen platform, with key events carrying their own timestamps
(sent to the window like the platform does): bursts are swallowed, people's keys are replayed,
Enter after a burst presses nothing, shortcuts do not fire on scanner keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.settings import ScannerSettings
from pos_client.ui.keyboard_capture import KeyboardCapture, KeyTrace, install_keyboard_capture

pytestmark = pytest.mark.gui

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"


class Till:
    def __init__(self, qtbot: QtBot) -> None:
        self.window = QWidget()
        layout = QVBoxLayout(self.window)
        self.field = QLineEdit()
        self.button = QPushButton("Valider")
        layout.addWidget(self.field)
        layout.addWidget(self.button)
        self.clicks = 0
        self.button.clicked.connect(self._clicked)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.field.setFocus()
        self.now = 1000.0

    def _clicked(self) -> None:
        self.clicks += 1

    def key(
        self,
        key: int,
        text: str,
        *,
        gap_ms: float,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        self.now += gap_ms
        handle = self.window.windowHandle()
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, modifiers, text)
            event.setTimestamp(int(self.now))
            QCoreApplication.sendEvent(handle, event)

    def type(self, text: str, *, gap_ms: float) -> None:
        for char in text:
            key = ord(char.upper()) if char.isalnum() else Qt.Key.Key_unknown
            self.key(key, char, gap_ms=gap_ms)


@pytest.fixture
def till(qtbot: QtBot) -> Till:
    return Till(qtbot)


@pytest.fixture
def scans(qapp: QApplication) -> Iterator[tuple[list[RawScan], list[SourceStatus], KeyboardCapture]]:
    found: list[RawScan] = []
    statuses: list[SourceStatus] = []
    capture = install_keyboard_capture(qapp, ScannerSettings(), found.append, statuses.append)
    assert capture is not None
    yield found, statuses, capture
    capture.stop()
    capture.deleteLater()


def test_burst_and_enter_are_swallowed(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    found, statuses, _ = scans
    till.button.setFocus()  # the worst case: a focused button that Enter would press
    till.type(PAYLOAD, gap_ms=6)
    till.key(Qt.Key.Key_Return, "\r", gap_ms=6)
    assert [s.text for s in found] == [PAYLOAD]
    assert found[0].transport is Transport.KEYBOARD
    assert found[0].physical_text is None  # offscreen events carry no native scan code
    assert till.clicks == 0
    assert till.field.text() == ""
    assert statuses[0].state is SourceState.CONNECTED


def test_person_typing_reaches_the_field_in_order(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    found, _, _ = scans
    till.type("AB", gap_ms=150)
    till.key(Qt.Key.Key_Backspace, "", gap_ms=150)  # a non-character key releases what is held
    till.type("C2", gap_ms=150)
    qtbot.waitUntil(lambda: till.field.text() == "AC2", timeout=2000)
    assert found == []


def test_fast_short_typing_is_released_after_silence(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    found, _, _ = scans
    till.type("xyz", gap_ms=20)  # under the gap, but too short for a scan
    assert till.field.text() == ""  # held for now...
    qtbot.waitUntil(lambda: till.field.text() == "xyz", timeout=2000)  # ...then released
    assert found == []


def test_shortcut_does_not_fire_on_scanner_keys(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    fired: list[str] = []
    shortcut = QShortcut(QKeySequence("P"), till.window)
    shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcut.activated.connect(lambda: fired.append("P"))
    handle = till.window.windowHandle()
    override = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier, "P")
    override.setTimestamp(5000)
    assert QCoreApplication.sendEvent(handle, override)
    assert override.isAccepted()
    # A lone Enter is not claimed: the cashier's own shortcuts and default buttons still work.
    lone_enter = QKeyEvent(
        QEvent.Type.ShortcutOverride, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"
    )
    lone_enter.setTimestamp(9000)
    assert not scans[2].eventFilter(handle, lone_enter)
    assert fired == []


def test_key_traces_and_autorepeat(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    found, _, capture = scans
    traces: list[KeyTrace] = []
    capture.set_on_key(traces.append)
    handle = till.window.windowHandle()
    for i in range(8):  # a person holding a key: auto-repeat at 30 ms is not a scan
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a", i > 0)
        event.setTimestamp(20000 + 30 * i)
        QCoreApplication.sendEvent(handle, event)
    qtbot.waitUntil(lambda: till.field.text() == "a" * 8, timeout=2000)
    assert found == []
    assert len(traces) == 8 and traces[1].gap_ms == 30
    till.key(Qt.Key.Key_Shift, "", gap_ms=1)
    assert traces[-1].text == ""


def test_capture_off_in_settings(qapp: QApplication) -> None:
    assert install_keyboard_capture(qapp, ScannerSettings(keyboard_capture=False), lambda scan: None) is None


def test_bad_layout_falls_back_to_us_and_the_capture_still_starts(qapp: QApplication) -> None:
    settings = ScannerSettings(scanner_layout="klingon")
    assert settings.scanner_layout == "us"
    assert "scanner.scanner_layout" in settings.fallbacks[0]
    KeyboardCapture(settings)  # no ValueError: the till starts
    # A bad layout that bypassed the settings is still refused early by the capture itself.
    broken = ScannerSettings()
    object.__setattr__(broken, "scanner_layout", "klingon")
    with pytest.raises(ValueError, match="inconnue"):
        KeyboardCapture(broken)


def test_bluetooth_pace_without_suffix_is_a_scan_and_a_persons_word_is_not(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    """Default settings, Bluetooth pace (80 ms per key): the capture's silence timer follows the
    classifier's state, so a suffix-less scan is handed on once complete, and a cashier's "Paris"
    at the same pace reaches the field (the "r" shows it is no header)."""
    found, _, _ = scans
    till.type(PAYLOAD, gap_ms=80)
    assert till.field.text() == ""
    qtbot.waitUntil(lambda: [s.text for s in found] == [PAYLOAD], timeout=3000)
    till.now += 2000
    till.type("Paris", gap_ms=80)
    qtbot.waitUntil(lambda: till.field.text() == "Paris", timeout=3000)
    assert [s.text for s in found] == [PAYLOAD]


def test_a_silence_due_while_the_scanners_next_keys_wait_in_the_queue_keeps_the_first_key(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    """A loaded till: its GUI thread wakes late, with the silence timer due and the scanner's next
    keys (typed 5 ms apart, their timestamps say so) still in the event queue. The keys decide: the
    first key stays in the scan, never in the code field."""
    found, _, capture = scans
    till.type(PAYLOAD[0], gap_ms=5)  # handled: held, the silence timer armed
    handle = till.window.windowHandle()
    for char in PAYLOAD[1:] + "\r":  # typed in time, not yet handled
        till.now += 5
        key = ord(char.upper()) if char.isalnum() else Qt.Key.Key_unknown
        key = Qt.Key.Key_Return if char == "\r" else key
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            event.setTimestamp(int(till.now))
            QCoreApplication.postEvent(handle, event)
    capture._silence.timeout.emit()  # the timer's turn comes first
    qtbot.waitUntil(lambda: bool(found), timeout=2000)
    assert [scan.text for scan in found] == [PAYLOAD]
    assert till.field.text() == ""


def test_a_keys_shortcut_override_is_decided_once_for_the_widget_and_its_parents(
    till: Till, qtbot: QtBot, scans: tuple[list[RawScan], list[SourceStatus], KeyboardCapture]
) -> None:
    """Qt sends one key's ShortcutOverride to the focused widget, then to each parent: the capture
    decodes it once (a scan is ~50 keys, each override went to six receivers); Shift is never
    decoded. The claim is the same at every level."""
    _, _, capture = scans
    decoded: list[QKeyEvent] = []
    keystroke = capture._keystroke
    capture._keystroke = lambda event, window: decoded.append(event) or keystroke(event, window)  # type: ignore[method-assign]
    override = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier, "P")
    override.setTimestamp(5000)
    claims = [capture.eventFilter(receiver, override) for receiver in (till.field, till.window, till.button)]
    assert claims == [True, True, True] and len(decoded) == 1
    shift = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier, "")
    shift.setTimestamp(5001)
    assert capture.eventFilter(till.field, shift) is False and len(decoded) == 1
