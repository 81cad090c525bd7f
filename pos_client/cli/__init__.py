"""The command line: ``pos-client`` starts the till; subcommands serve support staff and scripts.

One thin module per command group in this package (``booking``, ``api_key``, ``journal``,
``scanners``, ``emulator``, ``diagnostics``; ``selftest`` is the ``--self-test`` face), each exposing
``register(subparsers)``; the table below is explicit (greppable, PyInstaller-safe), never
discovered by scanning files. A command's handler takes ``(args, context)`` and returns the process
exit status, a ``pos_client.app.exits.Exit``: 0 success, 1 unexpected failure, 2 bad input or usage
(argparse's own convention); commands document any further statuses they use.

Exit codes shared by every command: 0 success, 1 unexpected failure or unwritable output (a closed
pipe, a full disk: a French line, never a traceback, see ``pos_client.safety.output``), 2 bad input or
usage (argparse's own convention). Commands document any further codes they use.

At start every file and folder the process creates is its user's only, older ones are narrowed, and
temporary files left by a killed export are deleted (``pos_client.safety.private_files``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

from pos_client import APP_NAME, __version__
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.cli.french_parser import FrenchArgumentParser
from pos_client.logs import setup_logging
from pos_client.paths import AppPaths
from pos_client.settings import Settings, SettingsError

__all__ = ["COMMANDS", "COMMAND_MODULES", "CommandHandler", "build_parser", "main"]

log = logging.getLogger(__name__)

# The module that registers each subcommand, in help order. Only the invoked command's module is
# imported (the till's window needs none of them: importing all cost ~1 s of start-up); help and
# unknown commands import them all. tests/test_cli.py checks this table against the modules.
COMMANDS: dict[str, str] = {
    "parse": "pos_client.cli.scanners",
    "scanners": "pos_client.cli.scanners",
    "booking": "pos_client.cli.booking",
    "api-key": "pos_client.cli.api_key",
    "export": "pos_client.cli.journal",
    "journal": "pos_client.cli.journal",
    "ledger": "pos_client.cli.ledger",
    "reconcile": "pos_client.cli.reconcile",
    "demo-reimbursement-file": "pos_client.cli.reconcile",
    "offer": "pos_client.cli.offer",
    "emulator": "pos_client.cli.emulator",
    "demo-codes": "pos_client.cli.emulator",
    "gate": "pos_client.cli.gate",
    "startup-probe": "pos_client.cli.diagnostics",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))
_OPTIONS_WITH_VALUE = ("--dev-dir",)


CommandHandler = Callable[[argparse.Namespace, AppContext], int]


class _Registrar(Protocol):
    def __call__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def _invoked_command(argv: Sequence[str]) -> str | None:
    """The first positional argument (the subcommand), skipping global options and their values."""
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg in _OPTIONS_WITH_VALUE:
            skip_next = True
        elif not arg.startswith("-"):
            return arg
    return None


def _modules_to_register(argv: Sequence[str] | None) -> tuple[str, ...]:
    if argv is None:
        return COMMAND_MODULES
    if any(arg in ("-h", "--help") for arg in argv):
        return COMMAND_MODULES
    command = _invoked_command(argv)
    if command is None or command == "settings":
        return ()
    module = COMMANDS.get(command)
    return COMMAND_MODULES if module is None else (module,)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the modules its subcommand needs are imported."""
    parser: argparse.ArgumentParser = FrenchArgumentParser(
        prog=APP_NAME,
        description="Caisse pass Culture : lit, vérifie, valide et enregistre les contremarques.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--dev-dir",
        metavar="DIR",
        help="garder réglages, journaux et données sous DIR (développement, essais)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="mode démo : la caisse parle à l'émulateur local, avec des réservations fictives",
    )
    parser.add_argument(
        "--self-test", action="store_true", help="vérifier l'installation et quitter"
    )
    parser.add_argument(
        "--gate", action="store_true", help="contrôle d'entrée plein écran (festivals, concerts, musées)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé sur stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE")
    settings_parser = subparsers.add_parser("settings", help="afficher les réglages et leur sens")
    settings_parser.set_defaults(handler=_cmd_settings)
    for module_name in _modules_to_register(argv):
        module = importlib.import_module(module_name)
        register: _Registrar = module.register
        register(subparsers)
    return parser


def _cmd_settings(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.settings import describe

    print(f"# {context.paths.settings_file}")
    print(describe(context.settings))
    return Exit.OK


def main(argv: Sequence[str] | None = None) -> int:
    from pos_client.safety.output import run_guarded

    return run_guarded(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    from pos_client.safety import private_files

    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    paths = AppPaths.resolve(args.dev_dir)
    private_files.restrict_new_files()
    try:
        paths.ensure()
    except OSError as exc:
        print(f"Impossible de créer les dossiers de pos-client : {exc}", file=sys.stderr)
        return Exit.FAILURE
    setup_logging(paths.log_file, verbose=args.verbose)
    folders = (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir)
    private_files.tighten_app_files(folders)
    registry = paths.cache_dir / "unfinished-files"
    private_files.clean_abandoned_temp_files(registry)
    private_files.set_temp_registry(registry)
    try:
        settings = Settings.load(paths.settings_file)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return Exit.USAGE
    context = AppContext(paths=paths, settings=settings)
    handler: CommandHandler | None = getattr(args, "handler", None)
    if handler is not None:
        log.info("command %s", args.command)
        return handler(args, context)
    if args.self_test:
        from pos_client.cli.selftest import run_self_test

        return run_self_test(context)
    if args.gate:
        from pos_client.ui.launch import launch_gate

        return launch_gate(context, demo=args.demo)
    from pos_client.ui.launch import launch_gui

    return launch_gui(context, demo=args.demo)
