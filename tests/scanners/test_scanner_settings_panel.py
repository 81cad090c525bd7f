"""The settings panel for scanners (offscreen): detected devices to pick, automatic default,
a saved but unplugged choice kept, and the edited settings."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from pos_client.scanner.discovery import DetectedDevice, DeviceKind, Discovery, ScannerMode
from pos_client.settings import ScannerSettings
from pos_client.ui.scanner_settings_panel import ScannerSourcesPanel

pytestmark = pytest.mark.gui


def device(kind: DeviceKind, ident: str, *, scanner: bool, mode: ScannerMode) -> DetectedDevice:
    return DetectedDevice(kind, ident, 0x0C2E, 0x0720, "Voyager", "Honeywell", scanner, mode)


FOUND = Discovery(
    (
        device(DeviceKind.SERIAL, "/dev/ttyACM0", scanner=True, mode=ScannerMode.SERIAL),
        device(DeviceKind.SERIAL, "/dev/ttyUSB0", scanner=False, mode=ScannerMode.SERIAL),
        device(DeviceKind.HID, "1eab:8210", scanner=True, mode=ScannerMode.HID_POS),
        device(DeviceKind.HID, "0c2e:0204", scanner=True, mode=ScannerMode.KEYBOARD),
        device(
            DeviceKind.EVDEV,
            "/dev/input/by-id/usb-Scanner-event-kbd",
            scanner=True,
            mode=ScannerMode.KEYBOARD,
        ),
    )
)


def test_defaults_are_automatic_and_devices_are_listed(qtbot: QtBot) -> None:
    panel = ScannerSourcesPanel(ScannerSettings(), discover_devices=lambda: FOUND)
    qtbot.addWidget(panel)
    ports = [panel.serial_port.itemData(i) for i in range(panel.serial_port.count())]
    assert ports == ["", "/dev/ttyACM0", "/dev/ttyUSB0"]  # scanners first
    hids = [panel.hid_device.itemData(i) for i in range(panel.hid_device.count())]
    assert hids == ["", "1eab:8210"]  # keyboard-mode interfaces are not HID POS sources
    assert panel.result(ScannerSettings()) == ScannerSettings()


def test_choices_are_applied_and_an_unplugged_choice_is_kept(qtbot: QtBot) -> None:
    saved = ScannerSettings(serial_port="COM7", scanner_layout="fr", keyboard_max_gap_ms=120)
    panel = ScannerSourcesPanel(saved, discover_devices=lambda: FOUND)
    qtbot.addWidget(panel)
    assert panel.serial_port.currentData() == "COM7"
    assert "non branchée" in panel.serial_port.currentText()
    assert panel.layout_choice.currentData() == "fr-azerty"
    panel.hid_device.setCurrentIndex(panel.hid_device.findData("1eab:8210"))
    panel.keyboard.setChecked(False)
    panel.evdev.setCurrentIndex(panel.evdev.findData("/dev/input/by-id/usb-Scanner-event-kbd"))
    panel.refresh()  # a new search keeps the current picks
    result = panel.result(saved)
    assert (result.serial_port, result.hid_device, result.keyboard_capture) == ("COM7", "1eab:8210", False)
    assert (result.scanner_layout, result.keyboard_max_gap_ms) == ("fr-azerty", 120)
    assert result.evdev_exclusive == "/dev/input/by-id/usb-Scanner-event-kbd"
    assert result.guard_window_s == saved.guard_window_s


def test_unknown_saved_layout_falls_back_to_us(qtbot: QtBot) -> None:
    panel = ScannerSourcesPanel(
        ScannerSettings(scanner_layout="klingon"), discover_devices=lambda: Discovery(())
    )
    qtbot.addWidget(panel)
    assert panel.layout_choice.currentData() == "us"
