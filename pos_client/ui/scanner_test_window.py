"""« Tester le scanner »: what arrives from the scanners, live, what the reader made of it, and
plain advice for the cashier or the person installing the till.

The window shows:

* keys from the keyboard capture, with the gap to the previous key, the native scan code, the
  character decoded from the physical key, and what the capture did (held, let through,
  swallowed);
* serial bytes in hex and HID reports in hex, per source;
* each scan: its source, its text as received, its layout-independent text, and the reader's
  verdict (token, or why not);
* advice in plain French (``advice_for``): layout mismatch, missing Enter suffix, slow Bluetooth
  scanner, rejected code...

Feeding it: ``show_key`` (from ``KeyboardCapture.set_on_key``), ``show_raw(source_id, data)``
(the scan bridge's ``raw_received``, already on the GUI thread) or ``feed_raw`` (the same from
any thread, e.g. ``build_hardware_sources(raw_sink=...)``), ``show_scan(scan)`` (the scan
bridge). ``MainWindow.attach_scanner_test`` connects all three to the running till's sources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_client.domain.scan import RawScan, Transport
from pos_client.scanner.discovery import Discovery, discover
from pos_client.scanner.keyboard_burst import Fate
from pos_client.scanner.payload import Contremarque, Rejection, read_scan
from pos_client.ui.keyboard_capture import KeyTrace

__all__ = ["ScannerTestWindow", "advice_for", "describe_key", "hex_dump"]

_FATES = {Fate.HOLD: "retenue", Fate.PASS: "laissée passer", Fate.SWALLOW: "avalée (fin de lecture)"}
SLOW_GAP_MS = 30.0
MAX_LOG_LINES = 2000


def hex_dump(data: bytes, limit: int = 96) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:limit])
    return shown + (f" … (+{len(data) - limit} octets)" if len(data) > limit else "")


def describe_key(trace: KeyTrace) -> str:
    gap = "     —" if trace.gap_ms is None else f"{trace.gap_ms:+6.0f} ms"
    text = repr(trace.text) if trace.text else "(rien)"
    native = f"code natif {trace.native_code}" if trace.native_code else "code natif inconnu"
    evdev = f" (evdev {trace.evdev_code})" if trace.evdev_code is not None else ""
    physical = f" → touche physique {trace.physical!r}" if trace.physical else ""
    return f"touche {gap}  {text:<6} {native}{evdev}{physical}  [{_FATES[trace.fate]}]"


def advice_for(scan: RawScan, result: Contremarque | Rejection, keys: Sequence[KeyTrace] = ()) -> list[str]:
    """Plain French advice about one scan (most useful first)."""
    advice: list[str] = []
    keyboard = scan.transport in (Transport.KEYBOARD, Transport.EVDEV)
    if isinstance(result, Contremarque):
        advice.append(f"Lecture correcte : contremarque {result.token}.")
        if result.repair_advice:
            advice.append(result.repair_advice)
    else:
        advice.append(f"Lecture refusée : {result.message}")
    if keyboard and scan.physical_text is not None and scan.physical_text != scan.text:
        advice.append(
            "La douchette est réglée sur une autre disposition de clavier que le PC (souvent "
            "QWERTY sur un PC AZERTY) : pos-client corrige en lisant les touches physiques. "
            "Pour un texte juste partout, scannez le code « clavier France / AZERTY » de son "
            "manuel, ou mieux, passez-la en mode série (USB CDC) ou HID POS."
        )
    if keyboard and keys:
        # Gaps inside the burst only: the first key's gap is to whatever was pressed before it.
        gaps = [k.gap_ms for k in keys[1:] if k.gap_ms is not None and k.fate is not Fate.PASS]
        if gaps and max(gaps) > SLOW_GAP_MS:
            advice.append(
                f"La douchette tape lentement (jusqu'à {max(gaps):.0f} ms entre deux touches, "
                "Bluetooth ?) : les contremarques sont reconnues quand même ; si d'autres codes "
                "arrivent coupés, augmentez « Écart maximal entre deux touches » (Réglages, onglet "
                "Douchettes)."
            )
        if keys[-1].fate is not Fate.SWALLOW:
            advice.append(
                "La douchette n'envoie pas Entrée après la lecture : ajoutez le suffixe CR (code "
                "« Add CR suffix » de son manuel), la lecture sera prise plus vite."
            )
    if scan.transport is Transport.KEYBOARD and isinstance(result, Contremarque):
        advice.append(
            "Mode clavier : la fenêtre de pos-client doit rester au premier plan pendant les lectures."
        )
    if scan.transport in (Transport.SERIAL, Transport.HID_POS) and isinstance(result, Contremarque):
        advice.append("Mode série ou HID POS : le réglage le plus sûr, rien à changer.")
    return advice


class _RawRelay(QObject):
    """Carries raw data from source threads to the GUI thread."""

    raw = Signal(str, bytes)


class ScannerTestWindow(QWidget):
    """The diagnostics window. Feed it with the methods below; it never opens a device itself."""

    def __init__(
        self,
        *,
        prefix: str = "",
        suffix: str = "",
        discover_devices: Callable[[], Discovery] = discover,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tester le scanner")
        self._prefix, self._suffix = prefix, suffix
        self._discover = discover_devices
        self._keys: list[KeyTrace] = []
        self._relay = _RawRelay(self)
        self._relay.raw.connect(self._show_raw)

        self.devices = QPlainTextEdit(readOnly=True)
        self.devices.setMaximumHeight(140)
        refresh = QPushButton("Rechercher les douchettes")
        refresh.clicked.connect(self.refresh_devices)
        clear = QPushButton("Effacer")
        clear.clicked.connect(self.clear)
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)
        self._following = True
        self.log.verticalScrollBar().rangeChanged.connect(self._on_log_range)
        self.log.verticalScrollBar().valueChanged.connect(self._on_log_scrolled)
        self.verdict = QLabel("Scannez une contremarque pour voir ce qui arrive.")
        self.verdict.setWordWrap(True)
        self.advice = QLabel("")
        self.advice.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(refresh)
        buttons.addWidget(clear)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Douchettes détectées :"))
        layout.addWidget(self.devices)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Ce qui arrive, en direct :"))
        layout.addWidget(self.log, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(self.advice)
        self.resize(720, 560)

    # ------------------------------------------------------------------ feeds
    def show_key(self, trace: KeyTrace) -> None:
        """A key seen by the keyboard capture (GUI thread)."""
        if trace.gap_ms is None or trace.gap_ms > 1000:
            self._keys = []
        self._keys.append(trace)
        self.log.appendPlainText(describe_key(trace))
        self._scroll_to_newest()

    def feed_raw(self, source_id: str, data: bytes) -> None:
        """Serial bytes or a HID report, as received; callable from any thread."""
        self._relay.raw.emit(source_id, bytes(data))

    def show_raw(self, source_id: str, data: bytes) -> None:
        """Serial bytes or a HID report, as received (GUI thread)."""
        self._show_raw(source_id, data)

    def show_scan(self, scan: RawScan) -> None:
        """A complete scan from any source (GUI thread)."""
        result = read_scan(scan, prefix=self._prefix, suffix=self._suffix)
        self.log.appendPlainText(f"lecture {scan.source_id} : texte reçu {scan.text!r}")
        if scan.physical_text is not None and scan.physical_text != scan.text:
            self.log.appendPlainText(f"    touches physiques : {scan.physical_text!r}")
        if scan.symbology:
            self.log.appendPlainText(f"    symbologie : {scan.symbology}")
        if isinstance(result, Contremarque):
            self.verdict.setText(f"✔ Contremarque lue : {result.token}")
        else:
            self.verdict.setText(f"✘ {result.message}")
        self._scroll_to_newest()
        # The scan is handed on while its Enter is pressed, before that key's own trace: advise once
        # it has arrived, so a scanner that sends Enter is not told it does not.
        QTimer.singleShot(0, lambda: self._advise(scan, result))

    def _advise(self, scan: RawScan, result: Contremarque | Rejection) -> None:
        keys = self._keys if scan.transport is Transport.KEYBOARD else []
        self.advice.setText("\n".join(f"• {line}" for line in advice_for(scan, result, keys)))
        self._keys = []
        self._scroll_to_newest()

    def _scroll_to_newest(self) -> None:
        self.log.moveCursor(QTextCursor.MoveOperation.End)
        self.log.ensureCursorVisible()
        self._following = True

    def _on_log_range(self, _minimum: int, maximum: int) -> None:
        # The log shrinks when the advice grows: keep following the newest line unless scrolled up.
        if self._following:
            self.log.verticalScrollBar().setValue(maximum)

    def _on_log_scrolled(self, value: int) -> None:
        self._following = value >= self.log.verticalScrollBar().maximum()

    def refresh_devices(self) -> None:
        from pos_client.scanner.discovery_report import format_discovery

        self.devices.setPlainText(format_discovery(self._discover()))

    def clear(self) -> None:
        self.log.clear()
        self._keys = []
        self.verdict.setText("Scannez une contremarque pour voir ce qui arrive.")
        self.advice.setText("")

    def _show_raw(self, source_id: str, data: bytes) -> None:
        kind = "rapport HID" if source_id.startswith("hid:") else "octets"
        self.log.appendPlainText(f"{kind} {source_id} : {hex_dump(data)}")
