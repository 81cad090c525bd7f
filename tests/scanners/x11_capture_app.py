"""The Qt side of the X11 end-to-end test, run in its own process on the test's Xvfb display.

A window with a code field (focused), a default button and the keyboard capture installed.
It reports on stdout, one JSON object per line:
  {"event": "ready", "window": <X window id>}
  {"event": "scan", "text": ..., "physical": ..., "token": ... or null, "rejection": ...}
  {"event": "field", "text": ...}      the code field's text changed
  {"event": "return", "text": ...}     Enter reached the code field
  {"event": "button"}                  the default button was pressed
It quits when its stdin reads "quit" (or closes).
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pos_client.scanner.payload import Contremarque, read_scan
from pos_client.scanner.source import RawScan
from pos_client.settings import ScannerSettings
from pos_client.ui.keyboard_capture import install_keyboard_capture


def say(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
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
        say(event="scan", text=scan.text, physical=scan.physical_text, token=token, rejection=rejection)

    settings = ScannerSettings(scanner_layout=sys.argv[1] if len(sys.argv) > 1 else "us")
    capture = install_keyboard_capture(app, settings, on_scan)
    assert capture is not None

    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def on_stdin() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            stdin.setEnabled(False)
            app.quit()

    stdin.activated.connect(on_stdin)
    window.resize(400, 120)
    window.show()
    window.activateWindow()
    field.setFocus()
    app.processEvents()
    say(event="ready", window=int(window.winId()))
    code = app.exec()
    capture.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
