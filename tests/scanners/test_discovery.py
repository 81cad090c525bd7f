"""Device listing from recorded enumerations (pyserial comports, hidapi enumerate, pyusb find),
and the ``pos-client scanners`` command."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from serial_ports import Port

from pos_client.cli import main
from pos_client.scanner.discovery import (
    DeviceKind,
    ScannerMode,
    discover,
    guess_mode,
    list_hid_devices,
    list_serial_ports,
    list_usb_devices,
)
from pos_client.scanner.discovery_report import format_discovery

# What comports() returned on a Linux till with a Honeywell in CDC mode, a no-name CDC scanner,
# an Arduino and the PC's legacy UARTs.
COMPORTS = [
    Port("/dev/ttyS0"),
    Port("/dev/ttyACM0", 0x0C2E, 0x0720, "Honeywell Scanner", "Honeywell", "Voyager 1450g"),
    Port("/dev/ttyACM1", 0x0483, 0x5740, "Barcode Scanner Virtual COM", "STM", "Barcode Scanner"),
    Port("/dev/ttyACM2", 0x2341, 0x0043, "Arduino Uno", "Arduino", "Arduino Uno"),
    Port("COM4", None, None, "Port de communication (COM4)"),
]

# hidapi enumerate() on a till with a Newland in HID POS mode, a Honeywell keyboard-mode scanner,
# a real keyboard and a mouse.
HID_ENUMERATION: list[dict[str, Any]] = [
    {
        "vendor_id": 0x1EAB,
        "product_id": 0x8210,
        "usage_page": 0x8C,
        "usage": 0x02,
        "path": b"/dev/hidraw4",
        "product_string": "FM30",
        "manufacturer_string": "Newland",
    },
    {
        "vendor_id": 0x1EAB,
        "product_id": 0x8210,
        "usage_page": 0x8C,
        "usage": 0x02,
        "path": b"/dev/hidraw5",
        "product_string": "FM30",
        "manufacturer_string": "Newland",
    },
    {
        "vendor_id": 0x0C2E,
        "product_id": 0x0204,
        "usage_page": 0x01,
        "usage": 0x06,
        "path": b"/dev/hidraw1",
        "product_string": "Honeywell Scanner",
        "manufacturer_string": "Honeywell",
    },
    {
        "vendor_id": 0x046D,
        "product_id": 0xC31C,
        "usage_page": 0x01,
        "usage": 0x06,
        "path": b"/dev/hidraw0",
        "product_string": "USB Keyboard",
        "manufacturer_string": "Logitech",
    },
    {
        "vendor_id": 0x046D,
        "product_id": 0xC077,
        "usage_page": 0x01,
        "usage": 0x02,
        "path": b"/dev/hidraw2",
        "product_string": "USB Optical Mouse",
        "manufacturer_string": "Logitech",
    },
]


@dataclass
class Interface:
    bInterfaceClass: int
    bInterfaceProtocol: int


@dataclass
class UsbDevice:
    idVendor: int
    idProduct: int
    product: str | None
    manufacturer: str | None
    interfaces: list[Interface] = field(default_factory=list)
    bus: int = 1
    address: int = 7

    def __iter__(self) -> Any:
        return iter([self.interfaces])


class Unreadable(UsbDevice):
    """A device whose strings need permissions we do not have."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("product", "manufacturer"):
            raise ValueError("The device has no langid (permission?)")
        return super().__getattribute__(name)


USB_DEVICES = [
    UsbDevice(0x05E0, 0x1200, "Symbol Bar Code Scanner", "Symbol Technologies"),
    UsbDevice(0x1EAB, 0x8206, "Newland Scanner", "Newland"),
    Unreadable(0x0C2E, 0x0999, None, None, [Interface(3, 0)]),
    UsbDevice(0x0483, 0x5740, "2D Barcode Scanner", "STM", [Interface(2, 1), Interface(10, 0)]),
    UsbDevice(0x1234, 0x0001, "Handheld Scanner", "Acme", [Interface(3, 1)]),
    UsbDevice(0x046D, 0xC31C, "USB Keyboard", "Logitech", [Interface(3, 1)]),
]


def test_serial_ports_skip_legacy_uarts_and_recognise_scanners() -> None:
    devices = {d.ident: d for d in list_serial_ports(lambda: COMPORTS)}
    assert set(devices) == {"/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyACM2", "COM4"}
    honeywell = devices["/dev/ttyACM0"]
    assert honeywell.likely_scanner and honeywell.maker.startswith("Honeywell")
    assert honeywell.mode is ScannerMode.SERIAL and honeywell.vid_pid == "0c2e:0720"
    assert devices["/dev/ttyACM1"].likely_scanner  # no-name, recognised by its product string
    assert devices["/dev/ttyACM1"].maker == "STMicroelectronics"
    assert not devices["/dev/ttyACM2"].likely_scanner
    assert devices["COM4"].vid_pid == "----:----"


def test_hid_lists_pos_interfaces_once_and_scanner_keyboards_only() -> None:
    devices = list_hid_devices(lambda: HID_ENUMERATION)
    assert [(d.ident, d.mode) for d in devices] == [
        ("1eab:8210", ScannerMode.HID_POS),
        ("0c2e:0204", ScannerMode.KEYBOARD),
    ]
    assert devices[0].path == "/dev/hidraw4"


def test_usb_listing_modes_and_unreadable_strings() -> None:
    devices, note = list_usb_devices(lambda: USB_DEVICES)
    assert note == ""
    modes = {d.ident: d.mode for d in devices}
    assert modes == {
        "05e0:1200": ScannerMode.KEYBOARD,  # from the PID table
        "1eab:8206": ScannerMode.SERIAL,  # Newland xx06
        "0c2e:0999": ScannerMode.HID_POS,  # non-keyboard HID interface
        "0483:5740": ScannerMode.SERIAL,  # CDC interfaces
        "1234:0001": ScannerMode.KEYBOARD,  # boot keyboard interface
    }
    assert all(d.kind is DeviceKind.USB for d in devices)


def test_usb_listing_without_backend_is_a_note() -> None:
    def no_backend() -> list[Any]:
        raise RuntimeError("No backend available")

    devices, note = list_usb_devices(no_backend)
    assert devices == [] and "No backend available" in note


@pytest.mark.parametrize(
    ("vid", "pid", "mode"),
    [
        (0x1EAB, 0x8203, ScannerMode.KEYBOARD),
        (0x1EAB, 0x8210, ScannerMode.HID_POS),
        (0x05E0, 0x1701, ScannerMode.SERIAL),
        (0x05E0, 0x1900, ScannerMode.VENDOR),
        (0x0C2E, 0x0B8F, ScannerMode.HID_POS),
        (0x9999, 0x0001, ScannerMode.UNKNOWN),
        (None, None, ScannerMode.UNKNOWN),
    ],
)
def test_guess_mode(vid: int | None, pid: int | None, mode: ScannerMode) -> None:
    assert guess_mode(vid, pid) is mode


def test_discover_defaults_and_text() -> None:
    def hid_missing() -> list[dict[str, Any]]:
        raise ImportError("No module named 'hidraw'")

    found = discover(lambda: COMPORTS, lambda: HID_ENUMERATION, list)
    assert found.default_serial_port() == "/dev/ttyACM0"
    assert found.default_hid_device() == "1eab:8210"
    text = format_discovery(found)
    assert "Port série utilisé : /dev/ttyACM0" in text
    assert "mode HID POS" in text
    degraded = discover(list, hid_missing, list)
    assert degraded.default_serial_port() is None
    assert any("hidapi" in note for note in degraded.notes)
    assert "(aucun)" in format_discovery(degraded, serial_setting="COM3")
    assert "Port série utilisé : COM3" in format_discovery(degraded, serial_setting="COM3")


def test_format_discovery_says_when_a_reading_is_off_or_automatic() -> None:
    found = discover(lambda: COMPORTS, lambda: HID_ENUMERATION, list)
    off = format_discovery(found, serial_enabled=False, hid_enabled=False)
    assert "Port série utilisé" not in off and "/dev/ttyACM0 (automatique" not in off
    assert "Port série : lecture désactivée dans les réglages (serial_enabled = false)" in off
    assert "Douchette HID POS : lecture désactivée dans les réglages (hid_enabled = false)" in off
    automatic = format_discovery(found)
    assert "Port série utilisé : /dev/ttyACM0 (automatique : la première détectée)" in automatic
    nothing = format_discovery(discover(list, list, list))
    assert "Port série utilisé : aucun pour l'instant (automatique : la première branchée" in nothing


def test_choosing_sources_never_asks_pyusb() -> None:
    def no_usb() -> list[object]:
        raise AssertionError("pyusb asked")

    found = discover(lambda: COMPORTS, lambda: HID_ENUMERATION, no_usb, with_usb=False)
    assert found.default_serial_port() == "/dev/ttyACM0" and found.notes == ()
    assert not [d for d in found.devices if d.kind is DeviceKind.USB]


def test_scanners_command_runs_on_this_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dev-dir", str(tmp_path), "scanners"]) == 0
    assert "Ports série :" in capsys.readouterr().out
    assert main(["--dev-dir", str(tmp_path), "scanners", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"devices", "default_serial_port", "default_hid_device", "notes"}


def test_build_hardware_sources_defaults_and_choices() -> None:
    from pos_client.scanner.discovery import build_hardware_sources
    from pos_client.settings import ScannerSettings

    found = discover(lambda: COMPORTS, lambda: HID_ENUMERATION, list)
    ids = [s.source_id for s in build_hardware_sources(ScannerSettings(), found)]
    assert ids == ["serial:/dev/ttyACM0", "hid:1eab:8210"]  # the first detected of each
    chosen = ScannerSettings(serial_port="COM3", hid_enabled=False, evdev_exclusive="/dev/input/event9")
    ids = [s.source_id for s in build_hardware_sources(chosen, found)]
    assert ids == ["serial:COM3", "evdev:/dev/input/event9"]
    nothing = build_hardware_sources(ScannerSettings(serial_enabled=False, hid_enabled=False), found)
    assert nothing == []
    # A malformed HID choice falls back to automatic (with a warning), never to no scanner.
    bad = ScannerSettings(serial_enabled=False, hid_device="bad")
    assert bad.fallbacks and [s.source_id for s in build_hardware_sources(bad, found)] == ["hid:1eab:8210"]


def test_evdev_scanner_nodes_are_listed_from_by_id(tmp_path: Path) -> None:
    from pos_client.scanner.discovery import list_evdev_scanners

    by_id = tmp_path / "by-id"
    by_id.mkdir()
    for name in (
        "usb-Honeywell_Imaging___Mobility_1900_19140B4D0F-event-kbd",
        "usb-Logitech_USB_Keyboard-event-kbd",
        "usb-SM_SM-2D_PRODUCT_HID_KBW_APP-000000000-if01-event-kbd",
        "usb-Newland_Barcode_Scanner-event-mouse",
        "usb-ACME_Barcode_Scanner-event-kbd",
    ):
        (by_id / name).symlink_to("/dev/null")
    devices = list_evdev_scanners(by_id)
    assert [d.description for d in devices] == [
        "ACME Barcode Scanner",
        "Honeywell Imaging   Mobility 1900 19140B4D0F",
    ]
    assert all(d.kind is DeviceKind.EVDEV and d.mode is ScannerMode.KEYBOARD for d in devices)
    assert list_evdev_scanners(tmp_path / "missing") == []
    found = discover(list, list, list, by_id)
    assert "Claviers evdev" in format_discovery(found)
    assert str(by_id / "usb-ACME_Barcode_Scanner-event-kbd") in format_discovery(found)
