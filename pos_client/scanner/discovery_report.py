"""The detected scanners as a French report, for support: ``pos-client scanners`` and the window's
scanner test both print it.

Lists USB serial ports (with VID:PID and the maker when known), HID POS interfaces, keyboard-mode
scanners of known makers, and the USB devices pyusb sees; then says which ones the till would
use with the settings given.
"""

from __future__ import annotations

from pos_client.scanner.discovery import DetectedDevice, Discovery, ScannerMode

__all__ = ["format_discovery"]

_ADVICE = {
    ScannerMode.KEYBOARD: "mode clavier : fonctionne, mais le mode série ou HID POS est plus sûr",
    ScannerMode.SERIAL: "mode série : lu directement par pos-client",
    ScannerMode.HID_POS: "mode HID POS : lu directement par pos-client",
    ScannerMode.VENDOR: "protocole du fabricant : passez la douchette en mode série ou HID POS",
    ScannerMode.UNKNOWN: "mode inconnu",
}


def _line(device: DetectedDevice) -> str:
    maker = f" — {device.maker}" if device.maker else ""
    hint = "" if device.likely_scanner else " (pas forcément une douchette)"
    where = f" [{device.path}]" if device.path else ""
    return (
        f"  {device.ident:<22} {device.vid_pid}  {device.description}{maker}{hint}{where}\n"
        f"      {_ADVICE[device.mode]}"
    )


def format_discovery(
    found: Discovery,
    *,
    serial_setting: str = "",
    hid_setting: str = "",
    serial_enabled: bool = True,
    hid_enabled: bool = True,
) -> str:
    """The text of ``pos-client scanners``: each section, then which devices the till would read
    with these settings (a reading turned off in the settings says so, never a port)."""
    sections = [
        ("Ports série", [d for d in found.devices if d.kind.value == "serial"]),
        ("HID (HID POS et claviers de douchette)", [d for d in found.devices if d.kind.value == "hid"]),
        ("USB (pyusb)", [d for d in found.devices if d.kind.value == "usb"]),
        ("Claviers evdev (Linux, lecture exclusive)", [d for d in found.devices if d.kind.value == "evdev"]),
    ]
    lines: list[str] = []
    for title, devices in sections:
        lines.append(f"{title} :")
        lines.extend(_line(d) for d in devices) if devices else lines.append("  (aucun)")
    if serial_enabled:
        lines.append(f"Port série utilisé : {_choice(serial_setting, found.default_serial_port())}")
    else:
        lines.append("Port série : lecture désactivée dans les réglages (serial_enabled = false)")
    if hid_enabled:
        hid_choice = _choice(hid_setting, found.default_hid_device(), "aucune")
        lines.append(f"Douchette HID POS utilisée : {hid_choice}")
    else:
        lines.append("Douchette HID POS : lecture désactivée dans les réglages (hid_enabled = false)")
    lines.append("Les douchettes en mode clavier sont captées dans la fenêtre de pos-client.")
    lines.extend(f"Note : {note}" for note in found.notes)
    return "\n".join(lines)


def _choice(setting: str, detected: str | None, none: str = "aucun") -> str:
    if setting:
        return setting
    if detected:
        return f"{detected} (automatique : la première détectée)"
    return f"{none} pour l'instant (automatique : la première branchée sera prise)"
