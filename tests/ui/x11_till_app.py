"""A till window on the scripted API under a real X server, for tests/ui/test_x11_till.py.

Prints one JSON line per painted view ({"state": ..., "field": ...}) and reads commands on stdin:
"scan TOKEN" (a serial scan), "quit".
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "counter"))

from counter_fakes import FakeApi, LiveClock, RecordingJournal
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from pos_client.domain.scan import RawScan, Transport
from pos_client.settings import Settings
from pos_client.ui.app import build_window


class Commands(QObject):
    received = Signal(str)


def main() -> int:
    app = QApplication(sys.argv)
    events: list[str] = []
    window = build_window(
        api=FakeApi(events),
        journal=RecordingJournal(events, LiveClock()),
        settings=Settings(till_name="x11").with_values(ui={"sound_enabled": False}),
    )

    def report(kind: str) -> None:
        payload = {
            "kind": kind,
            "state": window.counter.state.value,
            "field": window.code_field.edit.text(),
            "active": window.isActiveWindow(),
        }
        print(json.dumps(payload), flush=True)

    window.view_shown.connect(lambda _view: report("view"))
    commands = Commands()

    def run(line: str) -> None:
        word, _, argument = line.partition(" ")
        if word == "scan":
            window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{argument}", Transport.SERIAL, "serial:x11"))
        elif word == "report":
            report("report")
        elif word == "quit":
            window.close()
            app.quit()

    commands.received.connect(run)

    def read_stdin() -> None:
        for line in sys.stdin:
            commands.received.emit(line.strip())

    threading.Thread(target=read_stdin, daemon=True).start()
    window.resize(1024, 700)
    window.show()
    report("shown")
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
