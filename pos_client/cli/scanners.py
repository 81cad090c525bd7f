"""``pos-client parse TEXT`` and ``pos-client scanners``: the reader's and the scanners' command-line
faces, for support and scripts.

``parse``: the contremarque reader.

Prints the token (and the EAN, the payload format and any layout repair with its advice), or the
rejection message on stderr. ``-`` reads the text from stdin (one scan: the whole input, so a
scanner's CR/LF suffix is handled like in the till). Exit codes: 0 a token was read, 2 rejected.

The scanner prefix/suffix and the PC's layout come from the settings (``[scanner]``) unless
``--prefix``, ``--suffix``, ``--layout`` are given. With ``--json`` the output is one JSON
object, for scripts.

``scanners``: the detected scanners and the mode each is likely in
(``pos_client.scanner.discovery_report``); ``--json`` gives the same as one JSON object. Exit
status 0, even with nothing found: that is an answer, not a failure.
"""

from __future__ import annotations

import argparse
import json
import sys

from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.scanner.discovery import Discovery, discover
from pos_client.scanner.discovery_report import format_discovery
from pos_client.scanner.payload import Contremarque, read_contremarque

__all__ = ["register"]



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="lire un texte de contremarque (QR, code tapé, lecture déformée) et afficher le code",
        description=(
            "Affiche le code de la contremarque et la correction de clavier éventuelle, ou la "
            "raison du refus. Code de sortie : 0 code lu, 2 refusé."
        ),
    )
    parser.add_argument("text", metavar="TEXTE", help="le texte lu, ou - pour le lire sur l'entrée standard")
    parser.add_argument("--prefix", help="préfixe ajouté par la douchette (défaut : les réglages)")
    parser.add_argument("--suffix", help="suffixe ajouté par la douchette (défaut : les réglages)")
    parser.add_argument(
        "--layout",
        help="disposition clavier du PC (fr, fr-afnor, be, ch-fr, ch, de, us ; défaut : les réglages)",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON (scripts)")
    parser.set_defaults(handler=_cmd_parse)
    scanners = subparsers.add_parser(
        "scanners",
        help="lister les douchettes détectées et leur mode probable",
        description="Liste les ports série USB, les douchettes HID POS et les appareils USB.",
    )
    scanners.add_argument("--json", action="store_true", help="sortie JSON (scripts)")
    scanners.set_defaults(handler=_cmd_scanners)


def _cmd_parse(args: argparse.Namespace, context: AppContext) -> Exit:
    text: str = sys.stdin.read() if args.text == "-" else args.text
    scanner = context.settings.scanner
    result = read_contremarque(
        text,
        prefix=scanner.prefix if args.prefix is None else args.prefix,
        suffix=scanner.suffix if args.suffix is None else args.suffix,
        host_layout=scanner.host_layout if args.layout is None else args.layout,
    )
    if args.json:
        if isinstance(result, Contremarque):
            document: dict[str, str | None] = {
                "token": result.token,
                "ean": result.ean,
                "format": result.format.value,
                "repair": result.repair,
                "repair_advice": result.repair_advice,
            }
        else:
            document = {"rejection": result.reason.value, "message": result.message}
        print(json.dumps(document, ensure_ascii=False))
        return Exit.OK if isinstance(result, Contremarque) else Exit.USAGE
    if not isinstance(result, Contremarque):
        print(result.message, file=sys.stderr)
        return Exit.USAGE
    print(result.token)
    details = [f"format : {result.format.value}"]
    if result.ean is not None:
        details.append(f"EAN-13 : {result.ean}")
    if result.repair is not None:
        details.append(f"correction de clavier : {result.repair}")
    print(" ; ".join(details))
    if result.repair_advice is not None:
        print(result.repair_advice)
    return Exit.OK


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


def _cmd_scanners(args: argparse.Namespace, context: AppContext) -> Exit:
    found = discover()
    scanner = context.settings.scanner
    text = (
        _as_json(found)
        if args.json
        else format_discovery(
            found,
            serial_setting=scanner.serial_port,
            hid_setting=scanner.hid_device,
            serial_enabled=scanner.serial_enabled,
            hid_enabled=scanner.hid_enabled,
        )
    )
    sys.stdout.write(text + "\n")
    return Exit.OK
