"""The Qt side of the X11 end-to-end test, run in its own process on the test's Xvfb display.

A window with a code field (focused), a default button and the keyboard capture installed.
It reports on stdout, one JSON object per line:
  {"event": "ready", "window": <X window id>}
  {"event": "scan", "text": ..., "physical": ..., "token": ... or null, "text_token": ... or null,
   "rejection": ...}                   (text_token: what the layout's text alone reads as)
  {"event": "field", "text": ...}      the code field's text changed
  {"event": "return", "text": ...}     Enter reached the code field
  {"event": "button"}                  the default button was pressed
  {"event": "key", "t": ..., "text": ..., "physical": ...}   each key press (with --keys)
It quits when its stdin reads "quit" (or closes).

``x11_capture_app.py till <dir>`` runs the real till window instead (demo backend: local API
emulator, the real client and journal under <dir>), with the keyboard capture as its scan source, and reports
  {"event": "ready", "window": ...}
  {"event": "view", "state": ..., "token": ..., "offer": ... or null}   each view shown
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QSocketNotifier
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pos_client.domain.scan import RawScan
from pos_client.scanner.payload import Contremarque, read_contremarque, read_scan
from pos_client.settings import ScannerSettings, Settings
from pos_client.ui.keyboard_capture import KeyboardCapture, install_keyboard_capture


def say(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def wait_until_exposed(app: QApplication, window: QWidget) -> None:
    """Report "ready" only once the X server shows the window: focusing an unmapped window fails."""
    deadline = time.monotonic() + 20
    handle = window.windowHandle()
    while (handle is None or not handle.isExposed()) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        handle = window.windowHandle()


def quit_on_stdin(app: QApplication) -> QSocketNotifier:
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def on_stdin() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            stdin.setEnabled(False)
            app.quit()

    stdin.activated.connect(on_stdin)
    return stdin


def till(root: Path) -> int:
    from pos_client.ui.app import demo_till

    app = QApplication(sys.argv[:1])
    settings = Settings(till_name="caisse-x11").with_values(ui={"sound_enabled": False})
    capture = KeyboardCapture(settings.scanner)
    with demo_till(root, settings, sources=[capture]) as (window, _backend):

        def on_view(view: Any) -> None:
            offer = view.booking.offer_name if view.booking is not None else None
            say(event="view", state=view.state.name, token=view.token, offer=offer)

        window.view_shown.connect(on_view)
        stdin = quit_on_stdin(app)
        window.show()
        window.activateWindow()
        window.code_field.edit.setFocus()
        wait_until_exposed(app, window)
        say(event="ready", window=int(window.winId()))
        code = app.exec()
        stdin.setEnabled(False)
    return code


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "till":
        return till(Path(sys.argv[2]))
    app = QApplication(sys.argv[:1])
    window = QWidget()
    window.setWindowTitle("pos-client x11 capture test")
    layout = QVBoxLayout(window)
    field = QLineEdit()
    button = QPushButton("Valider")
    layout.addWidget(field)
    layout.addWidget(button)
    field.textChanged.connect(lambda text: say(event="field", text=text))
    field.returnPressed.connect(lambda: say(event="return", text=field.text()))
    button.clicked.connect(lambda: say(event="button"))
    button.setAutoDefault(True)

    def on_scan(scan: RawScan) -> None:
        result = read_scan(scan)
        token = result.token if isinstance(result, Contremarque) else None
        rejection = None if isinstance(result, Contremarque) else result.message
        from_text = read_contremarque(scan.text)
        text_token = from_text.token if isinstance(from_text, Contremarque) else None
        say(
            event="scan",
            text=scan.text,
            physical=scan.physical_text,
            token=token,
            text_token=text_token,
            rejection=rejection,
        )

    settings = ScannerSettings(scanner_layout=sys.argv[1] if len(sys.argv) > 1 else "us")
    capture = install_keyboard_capture(app, settings, on_scan)
    assert capture is not None
    if "--keys" in sys.argv:  # also report every key press as the capture saw it
        capture.set_on_key(
            lambda key: say(event="key", t=key.timestamp_ms, text=key.text, physical=key.physical)
        )

    stdin = quit_on_stdin(app)
    window.resize(400, 120)
    window.show()
    window.activateWindow()
    field.setFocus()
    wait_until_exposed(app, window)
    say(event="ready", window=int(window.winId()))
    code = app.exec()
    stdin.setEnabled(False)
    capture.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
