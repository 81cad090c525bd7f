"""The application-wide capture of keyboard-wedge scanners: a Qt event filter around the plain-Python
burst classifier (``pos_client.scanner.keyboard_burst``).

Installed once on the QApplication (``install_keyboard_capture``), it sees every key press before
any widget or shortcut does, whichever widget has the focus:

* printable keys are held back while they may be the start of a scanner burst (by rhythm, or by
  content: the beginning of a pass Culture header); when the classifier says a person typed them,
  they are replayed unchanged, in order, to the window they were typed in (a delay of at most
  ~90 ms, or until the next key for a key that could begin a header, at most ~290 ms);
* a recognised burst and its terminator (Enter/Tab) are swallowed: nothing lands in a text field,
  no focused or default button is pressed, no shortcut fires;
* each burst becomes a ``RawScan`` with the text as the PC's layout produced it *and* the text
  decoded from the physical keys (``QKeyEvent.nativeScanCode()``) with the scanner's configured
  layout, so a US scanner on an AZERTY PC reads right (``physical_text``).

Events are taken at the QWindow level (their first delivery), never again at widget level, and
their own timestamps drive the timing. The capture is also a ``ScanSource`` (id ``keyboard``),
so it fits the scan bridge like any other source.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication

from pos_client.domain.scan import RawScan, ScanSink, SourceState, SourceStatus, StatusSink, Transport
from pos_client.scanner.keyboard_burst import (
    Burst,
    BurstClassifier,
    Decision,
    Fate,
    KeyKind,
    Keystroke,
    PayloadContent,
)
from pos_client.scanner.keymap import NativeKeyOrigin, character_for, evdev_code_from_native
from pos_client.settings import ScannerSettings

__all__ = ["TYPING_FIELD_PROPERTY", "KeyTrace", "KeyboardCapture", "install_keyboard_capture"]

log = logging.getLogger(__name__)

SOURCE_ID = "keyboard"
# A widget with this property set to True is typed into, never scanned into: fast typing there (a
# password manager's auto-type of the API key, a fast typist) goes to the field unchanged.
TYPING_FIELD_PROPERTY = "pos_typing_field"
_TERMINATOR_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab})
_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
        Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R,
    }
)
_CHORD_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


@dataclass(frozen=True)
class KeyTrace:
    """One key press as the capture saw it (for the "Tester le scanner" window)."""

    timestamp_ms: float
    gap_ms: float | None
    text: str
    native_code: int
    evdev_code: int | None
    physical: str | None
    fate: Fate


@dataclass(frozen=True)
class _HeldKey:
    """What it takes to replay a key press and its release."""

    window: QWindow
    key: int
    modifiers: Qt.KeyboardModifier
    native_scan_code: int
    native_virtual_key: int
    native_modifiers: int
    text: str

    def events(self) -> tuple[QKeyEvent, QKeyEvent]:
        def make(kind: QEvent.Type) -> QKeyEvent:
            return QKeyEvent(
                kind,
                self.key,
                self.modifiers,
                self.native_scan_code,
                self.native_virtual_key,
                self.native_modifiers,
                self.text,
            )

        return make(QEvent.Type.KeyPress), make(QEvent.Type.KeyRelease)


def _typing_field_has_focus() -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and focus.property(TYPING_FIELD_PROPERTY) is True


def _native_origin() -> NativeKeyOrigin | None:
    platform = QGuiApplication.platformName()
    if platform == "windows":
        return NativeKeyOrigin.WINDOWS
    if platform in ("xcb", "wayland"):
        return NativeKeyOrigin.XKB
    return None  # offscreen, minimal...: no native scan codes


class KeyboardCapture(QObject):
    """The event filter. Keep a reference to it for the application's lifetime."""

    def __init__(
        self,
        settings: ScannerSettings,
        *,
        on_key: Callable[[KeyTrace], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._layout = settings.scanner_layout or "us"
        character_for(30, shift=False, layout=self._layout)  # a bad layout name fails here, early
        self._classifier = BurstClassifier(
            max_gap_ms=settings.keyboard_max_gap_ms,
            min_length=settings.keyboard_min_length,
            content=PayloadContent(settings.prefix, settings.suffix, settings.host_layout),
        )
        self._on_key = on_key
        self._on_scan: ScanSink | None = None
        self._on_status: StatusSink | None = None
        self._origin = _native_origin()
        self._swallowed_releases: set[tuple[int, int]] = set()
        self._replaying = False
        self._last_press_ms: float | None = None
        self._presses = 0  # key presses seen: did one come in while the silence was being checked?
        self._override_ident: tuple[object, ...] | None = None  # the key whose override was decided
        self._override_claimed = False
        self._silence = QTimer(self)
        self._silence.setSingleShot(True)
        self._silence.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5 % early
        self._silence.setObjectName("keyboard-capture-silence")
        self._silence.timeout.connect(self._on_silence_timeout)

    # ------------------------------------------------------------------ ScanSource
    @property
    def source_id(self) -> str:
        return SOURCE_ID

    def start(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("a QApplication must exist before the keyboard capture starts")
        self._on_scan, self._on_status = on_scan, on_status
        self._origin = _native_origin()
        app.installEventFilter(self)
        on_status(SourceStatus(SOURCE_ID, SourceState.CONNECTED))

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._silence.stop()
        self._replay(self._classifier.reset())
        if self._on_status is not None:
            self._on_status(SourceStatus(SOURCE_ID, SourceState.STOPPED))
        self._on_scan = None

    def set_on_key(self, on_key: Callable[[KeyTrace], None] | None) -> None:
        self._on_key = on_key

    # ------------------------------------------------------------------ Qt
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application comes here (about a hundred paint, show and layout events
        # for each card shown): the type check first, as it costs a tenth of ``event.type()``.
        if self._replaying or not isinstance(event, QKeyEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or not isinstance(watched, QWindow):
            return False  # the same key event, delivered on to a widget: decided at the window already
        if _typing_field_has_focus():
            if self._classifier.pending:
                self._replay(self._classifier.reset())
            return False
        if kind == QEvent.Type.KeyRelease:
            ident = (event.key(), event.nativeScanCode())
            if ident in self._swallowed_releases:
                self._swallowed_releases.discard(ident)
                return True
            return False
        return self._on_press(watched, event)

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        """Claim keys we are going to hold, so no shortcut fires on a scanner's keystroke. The same
        override goes to the focused widget and to each of its parents: decided once per key."""
        ident = (event.key(), event.timestamp(), event.nativeScanCode(), event.modifiers())
        if ident != self._override_ident:
            self._override_ident = ident
            if _typing_field_has_focus():
                if self._classifier.pending:
                    self._replay(self._classifier.reset())
                self._override_claimed = False
            elif event.key() in _MODIFIER_KEYS:
                self._override_claimed = False  # never held (nor decoded: twenty Shift per scan)
            else:
                self._override_claimed = self._classifier.would_hold(self._keystroke(event, None))
        if self._override_claimed:
            event.accept()
        return self._override_claimed

    def _keystroke(self, event: QKeyEvent, window: QWindow | None) -> Keystroke:
        key = event.key()
        native = event.nativeScanCode()
        evdev = evdev_code_from_native(native, self._origin) if self._origin else None
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        physical = character_for(evdev, shift=shift, layout=self._layout) if evdev is not None else None
        text = event.text()
        if key in _MODIFIER_KEYS:
            kind = KeyKind.MODIFIER
        elif event.isAutoRepeat() or event.modifiers() & _CHORD_MODIFIERS:
            kind = KeyKind.OTHER  # a held key or a shortcut chord: a person
        elif key in _TERMINATOR_KEYS:
            kind = KeyKind.TERMINATOR
        elif (text and text.isprintable()) or (physical is not None and physical.isprintable()):
            kind = KeyKind.CHARACTER  # (a dead key has no text but a physical character)
        else:
            kind = KeyKind.OTHER
        held = None
        if window is not None:
            held = _HeldKey(
                window,
                key,
                event.modifiers(),
                native,
                event.nativeVirtualKey(),
                event.nativeModifiers(),
                text,
            )
        return Keystroke(kind, float(event.timestamp()), text, physical, native, held)

    def _on_press(self, window: QWindow, event: QKeyEvent) -> bool:
        self._presses += 1
        if event.key() in _MODIFIER_KEYS and self._on_key is None:
            # Shift alone (twenty of them in a scan): the classifier passes it untouched, no need to
            # decode it; only the silence restarts, as for any key.
            if self._classifier.pending:
                self._silence.start(int(self._classifier.silence_ms))
            return False
        key = self._keystroke(event, window)
        decision = self._classifier.press(key)
        self._apply(decision)
        fate = decision.fate or Fate.PASS  # press() always decides; None only comes from silence()
        if self._on_key is not None:
            gap = None if self._last_press_ms is None else key.timestamp_ms - self._last_press_ms
            evdev = evdev_code_from_native(key.native_code, self._origin) if self._origin else None
            self._on_key(
                KeyTrace(key.timestamp_ms, gap, key.text, key.native_code, evdev, key.physical, fate)
            )
        if key.kind is not KeyKind.MODIFIER:
            self._last_press_ms = key.timestamp_ms
        if self._classifier.pending:  # the silence follows the candidate's state
            self._silence.start(int(self._classifier.silence_ms))
        else:
            self._silence.stop()
        if fate is Fate.PASS:
            return False
        self._swallowed_releases.add((event.key(), event.nativeScanCode()))
        return True

    def _on_silence_timeout(self) -> None:
        # The timer counts on the GUI thread's clock, the keys on their own timestamps. A GUI thread
        # held up (a loaded till) wakes with this timer due and the scanner's next keys, typed in
        # time, still waiting in the queue: let them in first, or the held first key of a scan would
        # go to the code field. A key let in decides by its timestamp, and re-arms the timer.
        presses = self._presses
        QCoreApplication.processEvents()
        if self._presses == presses:
            self._apply(self._classifier.silence())

    def _apply(self, decision: Decision) -> None:
        self._replay(decision.release)
        for scan in decision.scans:
            self._emit(scan)

    def _replay(self, keys: tuple[Keystroke, ...]) -> None:
        if not keys:
            return
        self._replaying = True
        try:
            for key in keys:
                held = key.payload
                if not isinstance(held, _HeldKey):
                    continue
                # The real release may still come: it must then pass, since the press is replayed.
                self._swallowed_releases.discard((held.key, held.native_scan_code))
                press, release = held.events()
                QCoreApplication.sendEvent(held.window, press)
                QCoreApplication.sendEvent(held.window, release)
        finally:
            self._replaying = False

    def _emit(self, burst: Burst) -> None:
        scan = RawScan(
            text=burst.text,
            transport=Transport.KEYBOARD,
            source_id=SOURCE_ID,
            received_at=time.monotonic(),
            physical_text=burst.physical_text,
        )
        log.info("keyboard burst: %d keys in %.0f ms", len(burst.keys), burst.last_ms - burst.first_ms)
        if self._on_scan is not None:
            self._on_scan(scan)


def install_keyboard_capture(
    app: QCoreApplication,
    settings: ScannerSettings,
    on_scan: ScanSink,
    on_status: StatusSink | None = None,
) -> KeyboardCapture | None:
    """Create and install the capture on ``app`` (one call from the main window).

    Returns None when the settings turn keyboard capture off. Keep the returned object alive.
    """
    if not settings.keyboard_capture:
        return None
    capture = KeyboardCapture(settings, parent=app)
    capture.start(on_scan, on_status or (lambda status: None))
    return capture
