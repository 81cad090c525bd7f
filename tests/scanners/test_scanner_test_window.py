"""The « Tester le scanner » window (offscreen): live keys, raw bytes from a source thread, the
reader's verdict, and plain advice."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot
from us_scanner_keys import ON_FRENCH_AZERTY, PAYLOAD

from pos_client.domain.scan import RawScan, Transport
from pos_client.scanner.discovery import Discovery
from pos_client.scanner.keyboard_burst import Fate
from pos_client.scanner.payload import read_scan
from pos_client.ui.keyboard_capture import KeyTrace
from pos_client.ui.scanner_test_window import ScannerTestWindow, advice_for, describe_key, hex_dump

pytestmark = pytest.mark.gui


def traces(gap: float, *, enter: bool) -> list[KeyTrace]:
    keys = [KeyTrace(i * gap, None if i == 0 else gap, "a", 38, 30, "a", Fate.HOLD) for i in range(27)]
    if enter:
        keys.append(KeyTrace(27 * gap, gap, "\r", 36, 28, "\r", Fate.SWALLOW))
    return keys


def test_advice_for_a_us_scanner_on_an_azerty_pc_without_suffix() -> None:
    scan = RawScan(ON_FRENCH_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=PAYLOAD)
    advice = advice_for(scan, read_scan(scan), traces(45, enter=False))
    assert advice[0] == "Lecture correcte : contremarque 352UW4."
    text = "\n".join(advice)
    assert "QWERTY sur un PC AZERTY" in text
    assert "suffixe CR" in text
    assert "lentement" in text


def test_advice_for_serial_and_for_a_rejection() -> None:
    serial = RawScan(PAYLOAD, Transport.SERIAL, "serial:COM3")
    assert "rien à changer" in advice_for(serial, read_scan(serial))[-1]
    book = RawScan("9782070612758", Transport.HID_POS, "hid:0c2e:0b8f")
    assert advice_for(book, read_scan(book))[0].startswith("Lecture refusée : ")


def test_describe_key_and_hex_dump() -> None:
    line = describe_key(KeyTrace(0, 6.0, "Q", 38, 30, "A", Fate.HOLD))
    assert "+6 ms" in line and "code natif 38 (evdev 30)" in line and "'A'" in line and "retenue" in line
    assert "code natif inconnu" in describe_key(KeyTrace(0, None, "", 0, None, None, Fate.PASS))
    assert hex_dump(b"PA\r") == "50 41 0d"
    assert hex_dump(bytes(100), limit=2).endswith("(+98 octets)")


def test_window_shows_keys_raw_bytes_scans_and_devices(qtbot: QtBot) -> None:
    window = ScannerTestWindow(discover_devices=lambda: Discovery(()))
    qtbot.addWidget(window)
    window.show()
    for trace in traces(6, enter=True):
        window.show_key(trace)
    sender = threading.Thread(target=window.feed_raw, args=("serial:/dev/ttyACM0", b"PASS\r"))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: "50 41 53 53 0d" in window.log.toPlainText(), timeout=2000)
    window.show_scan(RawScan(ON_FRENCH_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=PAYLOAD))
    assert "352UW4" in window.verdict.text()
    assert "touches physiques" in window.log.toPlainText()
    qtbot.waitUntil(lambda: "QWERTY" in window.advice.text(), timeout=2000)
    assert "suffixe CR" not in window.advice.text()  # this scanner sent Enter
    window.feed_raw("hid:0c2e:0b8f", b"\x02\x1b")
    qtbot.waitUntil(lambda: "rapport HID hid:0c2e:0b8f : 02 1b" in window.log.toPlainText(), timeout=2000)
    window.show_scan(RawScan("hello", Transport.SERIAL, "serial:COM3", symbology="]Q1"))
    assert window.verdict.text().startswith("✘")
    window.refresh_devices()
    assert "(aucun)" in window.devices.toPlainText()
    window.clear()
    assert window.log.toPlainText() == "" and window.advice.text() == ""


def test_a_perfect_scan_gets_no_wrong_advice_and_the_log_shows_the_newest_line(qtbot: QtBot) -> None:
    """m3: a 5 ms scan ending in Enter, 20 s after the previous key: neither "slow" nor "no Enter"; the
    advice names the setting as the dialog shows it; the live log follows the newest line."""
    window = ScannerTestWindow(discover_devices=lambda: Discovery(()))
    qtbot.addWidget(window)
    window.show()
    for line in range(200):
        window.log.appendPlainText(f"ligne {line}")
    keys = [KeyTrace(20000 + i * 5, 20000.0 if i == 0 else 5, "a", 38, 30, "a", Fate.HOLD) for i in range(27)]
    for trace in keys:
        window.show_key(trace)
    scan = RawScan(ON_FRENCH_AZERTY, Transport.KEYBOARD, "keyboard", physical_text=PAYLOAD)
    window.show_scan(scan)  # handed on while Enter is pressed, before Enter's own trace
    window.show_key(KeyTrace(20135, 5, "\r", 36, 28, "\r", Fate.SWALLOW))
    qtbot.waitUntil(lambda: "QWERTY" in window.advice.text(), timeout=2000)
    advice = window.advice.text()
    assert "lentement" not in advice and "suffixe CR" not in advice
    assert "keyboard_max_gap_ms" not in "\n".join(advice_for(scan, read_scan(scan), traces(45, enter=False)))
    bar = window.log.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
