"""``pos-client parse TEXT``: the contremarque reader's command-line face, for support and scripts.

Prints the token (and the EAN, the payload format and any layout repair with its advice), or the
rejection message on stderr. ``-`` reads the text from stdin (one scan: the whole input, so a
scanner's CR/LF suffix is handled like in the till). Exit codes: 0 a token was read, 2 rejected.

The scanner prefix/suffix and the PC's layout come from the settings (``[scanner]``) unless
``--prefix``, ``--suffix``, ``--layout`` are given. With ``--json`` the output is one JSON
object, for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from pos_client.scanner.payload import Contremarque, read_contremarque

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["EXIT_REJECTED", "EXIT_TOKEN", "register"]

EXIT_TOKEN = 0
EXIT_REJECTED = 2


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


def _cmd_parse(args: argparse.Namespace, context: AppContext) -> int:
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
        return EXIT_TOKEN if isinstance(result, Contremarque) else EXIT_REJECTED
    if not isinstance(result, Contremarque):
        print(result.message, file=sys.stderr)
        return EXIT_REJECTED
    print(result.token)
    details = [f"format : {result.format.value}"]
    if result.ean is not None:
        details.append(f"EAN-13 : {result.ean}")
    if result.repair is not None:
        details.append(f"correction de clavier : {result.repair}")
    print(" ; ".join(details))
    if result.repair_advice is not None:
        print(result.repair_advice)
    return EXIT_TOKEN
