"""Command-line faces of the emulator: ``pos-client emulator`` and ``pos-client demo-codes``.

``emulator`` serves the fake pass Culture API in the foreground until Ctrl+C (exit 0); ``demo-codes``
writes a sheet of the demo QR codes (exit 0, or 2 for an unsupported file type or unwritable file).
The emulator's modules are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from pos_client.app.context import AppContext
from pos_client.app.exits import Exit

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "emulator", help="servir l'émulateur local de l'API pass Culture (essais, démo)"
    )
    serve.add_argument("--port", type=int, default=8088, help="port d'écoute (0 : un port libre)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1 par défaut : cette machine seule)"
    )
    serve.add_argument(
        "--allow-network",
        action="store_true",
        help="accepter une adresse d'écoute joignable depuis le réseau (clés de démo publiques)",
    )
    serve.add_argument(
        "--seed", choices=("demo", "empty", "festival"), default="demo", help="données de départ"
    )
    serve.add_argument("--db", type=Path, help="garder l'état dans ce fichier SQLite (sinon en mémoire)")
    serve.set_defaults(handler=_cmd_emulator)
    codes = subparsers.add_parser(
        "demo-codes", help="écrire les QR codes de démonstration (PDF ou PNG) avec le résultat attendu"
    )
    codes.add_argument("output", type=Path, help="fichier à écrire : OUT.pdf ou OUT.png")
    codes.set_defaults(handler=_cmd_demo_codes)


def _cmd_emulator(args: argparse.Namespace, context: AppContext) -> Exit:
    from pos_client.emulator import demo_data
    from pos_client.emulator.control import CONTROL_TOKEN_HEADER, EmulatorControl, new_control_token
    from pos_client.emulator.server import build_server, listening_socket, make_state

    if not _is_loopback(args.host) and not args.allow_network:
        print(
            f"Adresse d'écoute refusée : {args.host} rendrait l'émulateur (et ses clés de démo publiques) "
            "joignable depuis le réseau. Ajoutez --allow-network si c'est voulu.",
            file=sys.stderr,
        )
        return Exit.USAGE
    try:
        state = make_state(args.seed, args.db)
    except Exception as exc:  # noqa: BLE001 - any database trouble ends here with a message
        print(f"Impossible d'ouvrir la base de l'émulateur : {exc}", file=sys.stderr)
        return Exit.USAGE
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        state.store.close()
        print(f"Impossible d'écouter sur {args.host}:{args.port} : {exc}", file=sys.stderr)
        return Exit.USAGE
    host, port = sock.getsockname()[:2]
    if not ipaddress.ip_address(host).is_loopback:
        warning = "Attention : l'émulateur est joignable depuis le réseau (clés de démo publiques)."
        print(warning, file=sys.stderr)
    print(f"Émulateur de l'API pass Culture : http://{host}:{port}")
    print(f"Clé API de démo : {demo_data.DEMO_API_KEY}")
    print(f"Autre fournisseur : {demo_data.OTHER_PROVIDER_API_KEY}")
    print(f"Fournisseur inactif : {demo_data.INACTIVE_PROVIDER_API_KEY}")
    control_token = new_control_token()
    print(f"API de contrôle (/_control) : en-tête {CONTROL_TOKEN_HEADER}: {control_token}")
    if args.seed == "demo":
        for case, token in demo_data.TOKENS.items():
            print(f"  {token}  {case:<17} {demo_data.describe(case)}")
    if args.seed == "demo":
        from pos_client.emulator.products import DEMO_EANS

        print("EAN de démonstration (offre sur-mesure, F7) :")
        for case, (ean, what) in DEMO_EANS.items():
            print(f"  {ean}  {case:<13} {what}")
    print("Ctrl+C pour arrêter.", flush=True)
    server = build_server(state, EmulatorControl(state), control_token, log_level="info")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl+C it handled: stopping is the normal way out
    finally:
        sock.close()
        state.store.close()
    return Exit.OK


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def _cmd_demo_codes(args: argparse.Namespace, context: AppContext) -> Exit:
    from pos_client.emulator.codes_sheet import demo_entries, render_pdf, render_png

    output: Path = args.output
    suffix = output.suffix.lower()
    title = "pos-client : contremarques de démonstration (émulateur)"
    if suffix not in (".pdf", ".png"):
        print("Choisissez un fichier .pdf ou .png.", file=sys.stderr)
        return Exit.USAGE
    try:
        (render_pdf if suffix == ".pdf" else render_png)(demo_entries(), output, title)
    except OSError as exc:
        print(f"Impossible d'écrire {output} : {exc}", file=sys.stderr)
        return Exit.USAGE
    entries = demo_entries()
    eans = sum(entry.is_ean for entry in entries)
    print(f"{output} écrit : {len(entries) - eans} contremarques de démonstration et {eans} EAN de produits "
          "(offre sur-mesure, F7).")  # fmt: skip
    return Exit.OK
