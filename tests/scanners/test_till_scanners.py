"""The scanners inside the real till (``demo_till``: window, scan bridge, workflow, local emulator,
journal; Qt offscreen) with real pseudo-terminals as USB serial scanners:

* « Tester le scanner » opened from the settings shows the serial bytes in hex as they arrive;
* a scanner plugged in after start-up is adopted, and the status bar says so;
* a refused scanner setting keeps the till starting, with the warning in the status bar.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from serial_ports import Port

from pos_client.counter.view import State
from pos_client.domain.scan import SourceState
from pos_client.emulator import demo_data
from pos_client.scanner.discovery import build_hardware_sources
from pos_client.settings import Settings
from pos_client.ui.app import build_sources, demo_till
from pos_client.ui.keyboard_capture import KeyboardCapture
from pos_client.ui.scanner_test_window import ScannerTestWindow
from pos_client.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

TOKEN = demo_data.TOKENS["book"]
PAYLOAD = f"PASSCULTURE:v3;TOKEN:{TOKEN}".encode()


class NoKeys:
    def get_key(self, environment: object) -> str | None:
        return None

    def set_key(self, environment: object, key: str) -> None:
        raise AssertionError("no key is saved in these tests")


class Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def pty() -> Iterator[Pty]:
    made = Pty()
    yield made
    made.close()


def shown_bytes(tester: ScannerTestWindow, source_id: str) -> bytes:
    """The bytes the window shows for this source: its « octets » lines, hex decoded, in order."""
    head = f"octets {source_id} : "
    lines = [line[len(head) :] for line in tester.log.toPlainText().splitlines() if line.startswith(head)]
    return bytes.fromhex(" ".join(lines))


def settings_with(**scanner: object) -> Settings:
    return Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False}, scanner=scanner)


def test_tester_le_scanner_shows_the_serial_bytes_of_the_running_till(
    qtbot: QtBot, tmp_path: Path, pty: Pty
) -> None:
    settings = settings_with(serial_port=pty.path, hid_enabled=False)
    sources = build_sources(settings)  # as pos-client builds them: keyboard capture + serial port
    assert [s.source_id for s in sources] == ["keyboard", f"serial:{pty.path}"]
    with demo_till(tmp_path, settings, sources) as (window, _backend):
        qtbot.addWidget(window)
        window.show()
        serial_id = f"serial:{pty.path}"
        qtbot.waitUntil(
            lambda: (
                serial_id in window.source_statuses
                and window.source_statuses[serial_id].state is SourceState.CONNECTED
            ),
            timeout=5000,
        )
        dialog = SettingsDialog(settings, NoKeys(), window, attach_scanner_test=window.attach_scanner_test)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.mouseClick(dialog.test_scanner_button, Qt.MouseButton.LeftButton)
        tester = dialog.scanner_test_window
        assert isinstance(tester, ScannerTestWindow) and tester.isVisible()

        # The scanner sends the code in two writes, as a CDC scanner may; each chunk read is one
        # line of hex, in order.
        # Generous waits: on a loaded 2-core machine the pty, the source thread and the GUI thread
        # can each lag by seconds; the assertions are on content and order, never on time.
        os.write(pty.master, PAYLOAD[:11])
        qtbot.waitUntil(lambda: shown_bytes(tester, serial_id) == PAYLOAD[:11], timeout=20_000)
        os.write(pty.master, PAYLOAD[11:] + b"\r")
        qtbot.waitUntil(lambda: shown_bytes(tester, serial_id) == PAYLOAD + b"\r", timeout=20_000)
        qtbot.waitUntil(lambda: tester.verdict.text() == f"✔ Contremarque lue : {TOKEN}", timeout=20_000)
        assert f"lecture {serial_id}" in tester.log.toPlainText()
        # While « Tester le scanner » is open the scan is the test's only: no booking opens behind it.
        assert window.counter.state is State.READY
        dialog.reject()
        assert not tester.isVisible()


def test_a_scanner_plugged_in_after_start_is_shown_and_read(qtbot: QtBot, tmp_path: Path) -> None:
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    ports: list[Port] = []
    lock = threading.Lock()

    def comports() -> list[Port]:
        with lock:
            return list(ports)

    settings = settings_with(hid_enabled=False)
    sources = [
        KeyboardCapture(settings.scanner),
        *build_hardware_sources(settings.scanner, comports=comports, serial_by_id=by_id, auto_interval_s=0.1),
    ]
    plugged: Pty | None = None
    with demo_till(tmp_path / "till", settings, sources) as (window, _backend):
        qtbot.addWidget(window)
        window.show()
        label = window.scanners_label
        qtbot.waitUntil(lambda: "Douchette série (auto) : … recherche" in label.toolTip(), timeout=5000)
        assert label.text() == "Douchette clavier ✔ prête"  # searching is not trouble
        assert "branchez-la" in label.toolTip()
        try:
            plugged = Pty()
            link = by_id / "usb-Honeywell_Voyager_1450g_19140B4D0F-if00"
            link.symlink_to(plugged.path)
            with lock:
                ports.append(Port(plugged.path, 0x0C2E, 0x0720, "Honeywell Scanner", "Honeywell", "1450g"))
            qtbot.waitUntil(lambda: label.text() == "Lecteurs ✔ 2 prêts", timeout=5000)
            assert f"Douchette série ({link.name}) : ✔ prête" in label.toolTip()
            assert "recherche" not in label.toolTip()
            os.write(plugged.master, PAYLOAD + b"\r")
            qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
            assert window.counter.view.token == TOKEN
        finally:
            window.close()  # stops the sources before the pty goes
            if plugged is not None:
                plugged.close()


def test_refused_scanner_settings_start_the_till_with_a_warning(
    qtbot: QtBot, tmp_path: Path, pty: Pty
) -> None:
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(
        "[scanner]\n"
        "keyboard_max_gap_ms = 400\n"
        'scanner_layout = "klingon"\n'
        "keyboard_min_length = 0\n"
        f'serial_port = "{pty.path}"\n'
        "hid_enabled = false\n",
        encoding="utf-8",
    )
    settings = Settings.load(settings_file).with_values(ui={"sound_enabled": False})
    sources = build_sources(settings)  # used to raise ValueError here (gap 0 / unknown layout)
    with demo_till(tmp_path / "till", settings, sources) as (window, _backend):
        qtbot.addWidget(window)
        window.show()
        assert window.problem_label.isVisible()
        problems = window.problem_label.text()
        assert "scanner.keyboard_max_gap_ms = 400 refusé" in problems
        assert "scanner.scanner_layout = « klingon » refusé" in problems
        assert "scanner.keyboard_min_length = 0 refusé" in problems
        # The till reads scans with the defaults meanwhile.
        qtbot.waitUntil(
            lambda: (
                window.source_statuses.get(f"serial:{pty.path}") is not None
                and window.source_statuses[f"serial:{pty.path}"].state is SourceState.CONNECTED
            ),
            timeout=5000,
        )
        os.write(pty.master, PAYLOAD + b"\r")
        qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)


def test_the_status_bar_shows_a_searching_source_without_calling_it_trouble() -> None:
    from pos_client.domain.scan import SourceStatus
    from pos_client.i18n import Translator
    from pos_client.ui.status_bar import scanners_summary

    fr, en = Translator("fr"), Translator("en")
    keyboard = SourceStatus("keyboard", SourceState.CONNECTED)
    serial = SourceStatus("serial:auto", SourceState.SEARCHING, "Aucune douchette USB série détectée")
    hid = SourceStatus("hid:auto", SourceState.SEARCHING, "Aucune douchette HID POS détectée")
    text, tooltip = scanners_summary([keyboard, serial, hid], fr)
    assert text == "Douchette clavier ✔ prête"
    assert tooltip.splitlines()[1:] == [
        "Douchette série (auto) : … recherche — Aucune douchette USB série détectée [serial:auto]",
        "Douchette HID : … recherche — Aucune douchette HID POS détectée [hid:auto]",
    ]
    assert scanners_summary([serial, hid], fr)[0] == "Douchette série (auto) … recherche"
    assert scanners_summary([serial], en)[0] == "Serial scanner (auto) … searching"
    unplugged = SourceStatus("serial:/dev/ttyACM0", SourceState.DISCONNECTED, "débranchée")
    assert scanners_summary([keyboard, hid, unplugged], fr)[0].startswith("Lecteurs ⚠ 1/3 : Douchette série")
