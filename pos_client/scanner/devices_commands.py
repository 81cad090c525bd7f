"""``pos-client scanners``: the detected scanners and the mode each is likely in, for support.

Lists USB serial ports (with VID:PID and the maker when known), HID POS interfaces, keyboard-mode
scanners of known makers, and the USB devices pyusb sees; then says which ones the till would
use by default. ``--json`` gives the same as one JSON object. Exit code 0 (even with nothing
found: that is an answer, not a failure).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from pos_client.scanner.discovery import DetectedDevice, Discovery, ScannerMode, discover

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["format_discovery", "register"]

_ADVICE = {
    ScannerMode.KEYBOARD: "mode clavier : fonctionne, mais le mode série ou HID POS est plus sûr",
    ScannerMode.SERIAL: "mode série : lu directement par pos-client",
    ScannerMode.HID_POS: "mode HID POS : lu directement par pos-client",
    ScannerMode.VENDOR: "protocole du fabricant : passez la douchette en mode série ou HID POS",
    ScannerMode.UNKNOWN: "mode inconnu",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scanners",
        help="lister les douchettes détectées et leur mode probable",
        description="Liste les ports série USB, les douchettes HID POS et les appareils USB.",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON (scripts)")
    parser.set_defaults(handler=_cmd_scanners)


def _line(device: DetectedDevice) -> str:
    maker = f" — {device.maker}" if device.maker else ""
    hint = "" if device.likely_scanner else " (pas forcément une douchette)"
    where = f" [{device.path}]" if device.path else ""
    return (
        f"  {device.ident:<22} {device.vid_pid}  {device.description}{maker}{hint}{where}\n"
        f"      {_ADVICE[device.mode]}"
    )


def format_discovery(found: Discovery, *, serial_setting: str = "", hid_setting: str = "") -> str:
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
    serial_choice = serial_setting or found.default_serial_port() or "aucun"
    hid_choice = hid_setting or found.default_hid_device() or "aucun"
    lines.append(f"Port série utilisé : {serial_choice}")
    lines.append(f"Douchette HID POS utilisée : {hid_choice}")
    lines.append("Les douchettes en mode clavier sont captées dans la fenêtre de pos-client.")
    lines.extend(f"Note : {note}" for note in found.notes)
    return "\n".join(lines)


def _as_json(found: Discovery) -> str:
    return json.dumps(
        {
            "devices": [
                {
                    "kind": d.kind.value,
                    "id": d.ident,
                    "vid_pid": d.vid_pid,
                    "description": d.description,
                    "maker": d.maker,
                    "likely_scanner": d.likely_scanner,
                    "mode": d.mode.name.lower(),
                    "path": d.path,
                }
                for d in found.devices
            ],
            "default_serial_port": found.default_serial_port(),
            "default_hid_device": found.default_hid_device(),
            "notes": list(found.notes),
        },
        ensure_ascii=False,
    )


def _cmd_scanners(args: argparse.Namespace, context: AppContext) -> int:
    found = discover()
    scanner = context.settings.scanner
    text = (
        _as_json(found)
        if args.json
        else format_discovery(found, serial_setting=scanner.serial_port, hid_setting=scanner.hid_device)
    )
    sys.stdout.write(text + "\n")
    return 0
