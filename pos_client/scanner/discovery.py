"""Finding scanners: serial ports (pyserial), HID POS interfaces (hidapi), USB devices (pyusb).

Each lister takes its enumeration function as a parameter (the real one by default), so the
listing logic is tested from recorded enumerations. Nothing here opens a device.

Choosing the till's sources (``build_hardware_sources``) lists nothing on the caller's thread:
with the default automatic settings each source looks for its scanner on its own thread, with
the cheap listers only (pyserial, hidapi), again every 1.5 s until one is plugged in
(``source_auto``). pyusb, which can take a while (string descriptors, many devices), is for the
diagnostics only (``pos-client scanners``, the settings, « Tester le scanner »).

Known makers are recognised by USB vendor ID, and for some models the product ID says which mode
the scanner is in (it changes with the mode: Newland ``xx03`` keyboard / ``xx06`` serial /
``xx10`` HID POS, Zebra ``1200`` keyboard / ``1701`` serial...). Many no-name scanners enumerate
with their USB chip maker's IDs, so a VID match is only a hint: product strings ("scanner",
"barcode") count too, and the cashier can always pick a port by hand.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from pos_client.host_os import HostOs, SerialPortNameError, current_host_os, normalize_serial_port
from pos_client.scanner.source import RawSink, RawTapping, ScanSource
from pos_client.scanner.source_auto import AUTO_INTERVAL_S, AutoDetectSource, Finder
from pos_client.settings import ScannerSettings

__all__ = [
    "KNOWN_VENDORS",
    "SERIAL_BY_ID",
    "DetectedDevice",
    "DeviceKind",
    "Discovery",
    "ScannerMode",
    "build_hardware_sources",
    "configured_serial_port",
    "discover",
    "guess_mode",
    "hid_pos_finder",
    "list_evdev_scanners",
    "list_hid_devices",
    "list_serial_ports",
    "list_usb_devices",
    "serial_scanner_finder",
    "stable_serial_path",
]

log = logging.getLogger(__name__)


class ScannerMode(Enum):
    KEYBOARD = "clavier"
    SERIAL = "série (port COM virtuel)"
    HID_POS = "HID POS"
    VENDOR = "protocole du fabricant (OPOS, IBM, SNAPI)"
    UNKNOWN = "inconnu"


class DeviceKind(Enum):
    SERIAL = "serial"
    HID = "hid"
    USB = "usb"
    EVDEV = "evdev"  # a keyboard-mode scanner's /dev/input node (Linux exclusive capture)


KNOWN_VENDORS: dict[int, str] = {
    0x0C2E: "Honeywell (Metrologic)",
    0x0536: "Honeywell (Hand Held Products)",
    0x05E0: "Zebra (Symbol)",
    0x05F9: "Datalogic",
    0x080C: "Datalogic",
    0x1EAB: "Newland",
    0x065A: "Opticon",
    0x27DD: "Mindeo",
}
# USB chip makers that no-name scanners often keep: a hint, never proof.
CHIP_VENDORS: dict[int, str] = {
    0x0483: "STMicroelectronics",
    0x1A86: "QinHeng (CH340)",
    0x0403: "FTDI",
    0x10C4: "Silicon Labs",
    0x067B: "Prolific",
}
_MODES_BY_ID: dict[tuple[int, int], ScannerMode] = {
    (0x05E0, 0x1200): ScannerMode.KEYBOARD,
    (0x05E0, 0x1300): ScannerMode.VENDOR,
    (0x05E0, 0x1400): ScannerMode.VENDOR,
    (0x05E0, 0x0600): ScannerMode.SERIAL,
    (0x05E0, 0x1701): ScannerMode.SERIAL,
    (0x05E0, 0x1900): ScannerMode.VENDOR,
    (0x0C2E, 0x0204): ScannerMode.KEYBOARD,
    (0x0C2E, 0x0700): ScannerMode.SERIAL,
    (0x0C2E, 0x0720): ScannerMode.SERIAL,
    (0x0C2E, 0x0007): ScannerMode.VENDOR,
    (0x0C2E, 0x0B8F): ScannerMode.HID_POS,
    (0x05F9, 0x2206): ScannerMode.KEYBOARD,
    (0x05F9, 0x4204): ScannerMode.SERIAL,
    (0x05F9, 0x1206): ScannerMode.VENDOR,
    (0x065A, 0x0001): ScannerMode.KEYBOARD,
    (0x065A, 0x0009): ScannerMode.SERIAL,
    (0x27DD, 0x0002): ScannerMode.SERIAL,
}
_NEWLAND_SUFFIX_MODES = {0x03: ScannerMode.KEYBOARD, 0x06: ScannerMode.SERIAL, 0x10: ScannerMode.HID_POS}
_SCANNER_WORDS = (
    "scanner",
    "barcode",
    "bar code",
    "code reader",
    "douchette",
    "imager",
    "voyager",
    "gryphon",
)
HID_POS_USAGE_PAGE = 0x8C
GENERIC_DESKTOP_PAGE = 0x01
KEYBOARD_USAGE = 0x06


def guess_mode(vendor_id: int | None, product_id: int | None) -> ScannerMode:
    """The mode a known scanner is in, from its USB IDs (UNKNOWN when the IDs do not say)."""
    if vendor_id is None or product_id is None:
        return ScannerMode.UNKNOWN
    if vendor_id == 0x1EAB:
        return _NEWLAND_SUFFIX_MODES.get(product_id & 0xFF, ScannerMode.UNKNOWN)
    return _MODES_BY_ID.get((vendor_id, product_id), ScannerMode.UNKNOWN)


def _maker(vendor_id: int | None) -> str:
    if vendor_id is None:
        return ""
    return KNOWN_VENDORS.get(vendor_id) or CHIP_VENDORS.get(vendor_id, "")


def _looks_like_scanner(vendor_id: int | None, *texts: str | None) -> bool:
    if vendor_id in KNOWN_VENDORS:
        return True
    joined = " ".join(t for t in texts if t).lower()
    return any(word in joined for word in _SCANNER_WORDS)


@dataclass(frozen=True)
class DetectedDevice:
    """One device as listed to the cashier and in ``pos-client scanners``."""

    kind: DeviceKind
    ident: str  # what the settings store: a port ("COM3", "/dev/ttyACM0") or "vid:pid"
    vendor_id: int | None
    product_id: int | None
    description: str
    maker: str
    likely_scanner: bool
    mode: ScannerMode
    path: str = ""  # hidraw path / USB bus address, for diagnostics

    @property
    def vid_pid(self) -> str:
        if self.vendor_id is None or self.product_id is None:
            return "----:----"
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True)
class Discovery:
    devices: tuple[DetectedDevice, ...]
    notes: tuple[str, ...] = field(default=())  # French, e.g. "pyusb : aucun backend libusb"

    def serial_scanners(self) -> list[DetectedDevice]:
        return [d for d in self.devices if d.kind is DeviceKind.SERIAL and d.likely_scanner]

    def hid_pos_scanners(self) -> list[DetectedDevice]:
        return [d for d in self.devices if d.kind is DeviceKind.HID and d.mode is ScannerMode.HID_POS]

    def default_serial_port(self) -> str | None:
        found = self.serial_scanners()
        return found[0].ident if found else None

    def default_hid_device(self) -> str | None:
        found = self.hid_pos_scanners()
        return found[0].ident if found else None


# ---------------------------------------------------------------------------- serial
class _PortInfo(Protocol):
    device: str
    vid: int | None
    pid: int | None
    description: str
    manufacturer: str | None
    product: str | None


def _default_comports() -> Sequence[_PortInfo]:
    from serial.tools import list_ports

    ports: Sequence[_PortInfo] = list_ports.comports()
    return ports


# Consoles and built-in UARTs that are never scanners (Raspberry Pi 5 debug port, PC COM1...).
_IGNORED_PORTS = ("/dev/ttyAMA10",)


def list_serial_ports(
    comports: Callable[[], Iterable[_PortInfo]] = _default_comports,
) -> list[DetectedDevice]:
    devices = []
    for port in comports():
        if port.device in _IGNORED_PORTS:
            continue
        if port.vid is None and not port.device.upper().startswith("COM"):
            continue  # Linux lists every legacy /dev/ttyS*: only USB ports can be our scanners
        mode = guess_mode(port.vid, port.pid)
        devices.append(
            DetectedDevice(
                kind=DeviceKind.SERIAL,
                ident=port.device,
                vendor_id=port.vid,
                product_id=port.pid,
                description=port.product or port.description or port.device,
                maker=_maker(port.vid) or (port.manufacturer or ""),
                likely_scanner=_looks_like_scanner(
                    port.vid, port.product, port.description, port.manufacturer
                ),
                mode=ScannerMode.SERIAL if mode is ScannerMode.UNKNOWN else mode,
            )
        )
    return devices


# ---------------------------------------------------------------------------- HID
def _default_hid_enumerate() -> list[dict[str, Any]]:
    from pos_client.scanner.hid_source import hid_backend

    found: list[dict[str, Any]] = hid_backend().enumerate(0, 0)
    return found


def list_hid_devices(
    enumerate_hid: Callable[[], Iterable[dict[str, Any]]] = _default_hid_enumerate,
) -> list[DetectedDevice]:
    """HID POS interfaces, and the keyboard interfaces of known scanner makers."""
    devices = []
    seen: set[tuple[str, int]] = set()
    for info in enumerate_hid():
        vid = int(info.get("vendor_id", 0))
        pid = int(info.get("product_id", 0))
        page = int(info.get("usage_page", 0))
        usage = int(info.get("usage", 0))
        product = str(info.get("product_string") or "")
        maker_string = str(info.get("manufacturer_string") or "")
        if page == HID_POS_USAGE_PAGE:
            mode = ScannerMode.HID_POS
        elif (
            page == GENERIC_DESKTOP_PAGE
            and usage == KEYBOARD_USAGE
            and _looks_like_scanner(vid, product, maker_string)
        ):
            mode = ScannerMode.KEYBOARD
        else:
            continue
        ident = f"{vid:04x}:{pid:04x}"
        if (ident, page) in seen:
            continue
        seen.add((ident, page))
        path = info.get("path", b"")
        devices.append(
            DetectedDevice(
                kind=DeviceKind.HID,
                ident=ident,
                vendor_id=vid,
                product_id=pid,
                description=product or "périphérique HID",
                maker=_maker(vid) or maker_string,
                likely_scanner=True,
                mode=mode,
                path=path.decode(errors="replace") if isinstance(path, bytes) else str(path),
            )
        )
    return devices


# ---------------------------------------------------------------------------- USB (pyusb)
USB_CLASS_CDC = 0x02
USB_CLASS_HID = 0x03
USB_CLASS_CDC_DATA = 0x0A
HID_PROTOCOL_KEYBOARD = 1


def _default_usb_find() -> Iterable[Any]:
    # With libusb-package's library first: pyusb alone finds no libusb on Windows (usb_backend).
    from pos_client.scanner.usb_backend import find_usb_devices

    return find_usb_devices()


def _usb_string(device: Any, attribute: str) -> str:
    try:
        value = getattr(device, attribute)
    except (ValueError, NotImplementedError, OSError, AttributeError) as exc:
        # No permission to read string descriptors, or no language ID: the IDs still tell a lot.
        log.debug("usb string %s unreadable: %s", attribute, exc)
        return ""
    return str(value or "")


def _usb_mode_from_interfaces(device: Any) -> ScannerMode:
    classes: set[tuple[int, int]] = set()
    try:
        for configuration in device:
            for interface in configuration:
                classes.add((int(interface.bInterfaceClass), int(interface.bInterfaceProtocol)))
    except (ValueError, NotImplementedError, OSError) as exc:
        log.debug("usb configuration unreadable: %s", exc)
        return ScannerMode.UNKNOWN
    if any(cls in (USB_CLASS_CDC, USB_CLASS_CDC_DATA) for cls, _ in classes):
        return ScannerMode.SERIAL
    if (USB_CLASS_HID, HID_PROTOCOL_KEYBOARD) in classes:
        return ScannerMode.KEYBOARD
    if any(cls == USB_CLASS_HID for cls, _ in classes):
        return ScannerMode.HID_POS  # a non-keyboard HID interface on a scanner: most likely POS
    return ScannerMode.UNKNOWN


def list_usb_devices(
    find: Callable[[], Iterable[Any]] = _default_usb_find,
) -> tuple[list[DetectedDevice], str]:
    """USB devices that look like scanners, with their likely mode; and a note if pyusb cannot list."""
    try:
        found = list(find())
    except Exception as exc:  # noqa: BLE001 - pyusb raises NoBackendError, ImportError, USBError...
        return [], f"Liste USB indisponible (pyusb : {exc})."
    devices = []
    for device in found:
        vid, pid = int(device.idVendor), int(device.idProduct)
        product = _usb_string(device, "product")
        manufacturer = _usb_string(device, "manufacturer")
        if not _looks_like_scanner(vid, product, manufacturer):
            continue
        mode = guess_mode(vid, pid)
        if mode is ScannerMode.UNKNOWN:
            mode = _usb_mode_from_interfaces(device)
        devices.append(
            DetectedDevice(
                kind=DeviceKind.USB,
                ident=f"{vid:04x}:{pid:04x}",
                vendor_id=vid,
                product_id=pid,
                description=product or "périphérique USB",
                maker=_maker(vid) or manufacturer,
                likely_scanner=True,
                mode=mode,
                path=f"bus {getattr(device, 'bus', '?')} adresse {getattr(device, 'address', '?')}",
            )
        )
    return devices, ""


# ---------------------------------------------------------------------------- evdev (Linux)
INPUT_BY_ID = Path("/dev/input/by-id")
_MAKER_WORDS = (
    "honeywell",
    "metrologic",
    "hand_held",
    "zebra",
    "symbol",
    "datalogic",
    "newland",
    "opticon",
    "mindeo",
)


def list_evdev_scanners(by_id: Path = INPUT_BY_ID) -> list[DetectedDevice]:
    """Keyboard-mode scanners' event nodes (``/dev/input/by-id/*-event-kbd`` whose name says
    scanner or a scanner maker): the paths the exclusive evdev capture can be given."""
    if not by_id.is_dir():
        return []
    devices = []
    for node in sorted(by_id.glob("*-event-kbd")):
        name = node.name.lower()
        if not any(word in name for word in (*_SCANNER_WORDS, *_MAKER_WORDS)):
            continue
        description = node.name.removeprefix("usb-").removesuffix("-event-kbd").replace("_", " ")
        devices.append(
            DetectedDevice(
                kind=DeviceKind.EVDEV,
                ident=str(node),
                vendor_id=None,
                product_id=None,
                description=description,
                maker="",
                likely_scanner=True,
                mode=ScannerMode.KEYBOARD,
            )
        )
    return devices


def discover(
    comports: Callable[[], Iterable[_PortInfo]] = _default_comports,
    enumerate_hid: Callable[[], Iterable[dict[str, Any]]] = _default_hid_enumerate,
    find_usb: Callable[[], Iterable[Any]] = _default_usb_find,
    input_by_id: Path = INPUT_BY_ID,
    *,
    with_usb: bool = True,
) -> Discovery:
    """Everything at once; a lister that fails becomes a note, never an exception.

    ``with_usb=False`` skips pyusb (slow, and never needed to choose a source)."""
    devices: list[DetectedDevice] = []
    notes: list[str] = []
    try:
        devices += list_serial_ports(comports)
    except OSError as exc:
        notes.append(f"Liste des ports série indisponible : {exc}")
    try:
        devices += list_hid_devices(enumerate_hid)
    except (ImportError, OSError) as exc:
        notes.append(f"Liste HID indisponible (hidapi : {exc}).")
    if with_usb:
        usb_devices, usb_note = list_usb_devices(find_usb)
        devices += usb_devices
        if usb_note:
            notes.append(usb_note)
    try:
        devices += list_evdev_scanners(input_by_id)
    except OSError as exc:
        notes.append(f"Liste des claviers evdev indisponible : {exc}")
    return Discovery(tuple(devices), tuple(notes))


# ---------------------------------------------------------------------------- automatic mode
SERIAL_BY_ID = Path("/dev/serial/by-id")


def stable_serial_path(device: str, by_id: Path = SERIAL_BY_ID) -> str:
    """The ``/dev/serial/by-id/...`` link of a Linux serial node when there is one (it names the
    scanner and survives a replug that renumbers ``ttyACM0`` to ``ttyACM1``); else ``device``."""
    try:
        if not by_id.is_dir():
            return device
        target = os.path.realpath(device)
        for link in sorted(by_id.iterdir()):
            if os.path.realpath(link) == target:
                return str(link)
    except OSError as exc:
        log.debug("by-id lookup for %s failed: %s", device, exc)
    return device


def serial_scanner_finder(
    comports: Callable[[], Iterable[_PortInfo]] = _default_comports, by_id: Path = SERIAL_BY_ID
) -> Finder:
    """The serial ports that look like scanners, by-id paths first choice (pyserial only)."""

    def find() -> list[str]:
        return [stable_serial_path(d.ident, by_id) for d in list_serial_ports(comports) if d.likely_scanner]

    return find


def hid_pos_finder(
    enumerate_hid: Callable[[], Iterable[dict[str, Any]]] = _default_hid_enumerate,
) -> Finder:
    """The HID POS scanners present, as "vid:pid" (hidapi only)."""

    def find() -> list[str]:
        return [d.ident for d in list_hid_devices(enumerate_hid) if d.mode is ScannerMode.HID_POS]

    return find


SERIAL_SEARCHING = (
    "Aucune douchette USB série détectée pour l'instant : branchez-la, elle sera prise toute seule."
)
HID_SEARCHING = (
    "Aucune douchette HID POS détectée pour l'instant : branchez-la, elle sera prise toute seule."
)


def configured_serial_port(setting: str, host: HostOs | None = None) -> str:
    """The ``scanner.serial_port`` setting as pyserial opens it on ``host`` (default: this OS):
    ``com3`` / ``\\\\.\\COM10`` -> ``COM3`` / ``COM10`` on Windows, ``ttyACM0`` ->
    ``/dev/ttyACM0`` on Linux (``host_os.normalize_serial_port``). A name that cannot be right on
    this OS is logged and kept as typed: the source then says it cannot open it."""
    try:
        return normalize_serial_port(setting, host or current_host_os())
    except SerialPortNameError as exc:
        log.warning("scanner.serial_port : %s", exc)
        return setting.strip()


def build_hardware_sources(
    settings: ScannerSettings,
    found: Discovery | None = None,
    *,
    raw_sink: RawSink | None = None,
    comports: Callable[[], Iterable[_PortInfo]] = _default_comports,
    enumerate_hid: Callable[[], Iterable[dict[str, Any]]] = _default_hid_enumerate,
    serial_by_id: Path = SERIAL_BY_ID,
    auto_interval_s: float = AUTO_INTERVAL_S,
) -> list[ScanSource]:
    """The serial, HID POS and evdev sources the settings ask for (the keyboard capture is Qt's,
    see ``pos_client.ui.keyboard_capture``). Returns at once: nothing is listed or opened here.

    An empty ``serial_port`` / ``hid_device`` means automatic, the default: an
    ``AutoDetectSource`` finds the first scanner on its own thread and keeps looking every
    ``auto_interval_s`` until one is plugged in (``comports`` / ``enumerate_hid`` /
    ``serial_by_id`` are its listers, replaceable in tests). With ``found`` given (a discovery
    made already), its first scanner is used instead, without any search. ``raw_sink`` sees
    every serial chunk and HID report (the "Tester le scanner" window), called from the sources'
    threads; the scan bridge sets its own (``RawTapping``).
    """
    from pos_client.scanner.evdev_source import EvdevScanSource
    from pos_client.scanner.hid_source import HidScanSource, parse_vid_pid
    from pos_client.scanner.serial_source import SerialScanSource

    def serial_source(port: str) -> ScanSource:
        return SerialScanSource(
            port, terminator=settings.serial_terminator, silence_s=settings.serial_silence_ms / 1000
        )

    def hid_source(ident: str) -> ScanSource:
        vid, pid = parse_vid_pid(ident)
        return HidScanSource(vid, pid)

    def chosen(
        configured: str,
        make: Callable[[str], ScanSource],
        default_found: Callable[[Discovery], str | None],
        auto: Callable[[], ScanSource],
    ) -> ScanSource | None:
        """The configured device, else the discovery's first scanner, else an automatic search."""
        if configured:
            return make(configured)
        if found is not None:
            ident = default_found(found)
            return make(ident) if ident else None
        return auto()

    candidates: list[ScanSource | None] = []
    if settings.serial_enabled:
        candidates.append(
            chosen(
                settings.serial_port and configured_serial_port(settings.serial_port),
                serial_source,
                Discovery.default_serial_port,
                lambda: AutoDetectSource(
                    "serial:auto",
                    serial_scanner_finder(comports, serial_by_id),
                    serial_source,
                    searching_message=SERIAL_SEARCHING,
                    interval_s=auto_interval_s,
                ),
            )
        )
    if settings.hid_enabled:
        try:
            candidates.append(
                chosen(
                    settings.hid_device,
                    hid_source,
                    Discovery.default_hid_device,
                    lambda: AutoDetectSource(
                        "hid:auto",
                        hid_pos_finder(enumerate_hid),
                        hid_source,
                        searching_message=HID_SEARCHING,
                        interval_s=auto_interval_s,
                    ),
                )
            )
        except ValueError as exc:  # a configured device that is no VID:PID
            log.warning("%s", exc)
    sources = [source for source in candidates if source is not None]
    if settings.evdev_exclusive:
        sources.append(EvdevScanSource(settings.evdev_exclusive, layout=settings.scanner_layout or "us"))
    if raw_sink is not None:
        for source in sources:
            if isinstance(source, RawTapping):
                source.set_on_raw(raw_sink)
    return sources
