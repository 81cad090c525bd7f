"""``pos-client [--demo] startup-probe``: the window's start-up time and memory (a diagnostic, used by
``bench/bench_startup.py``; see ``pos_client.ui.startup_probe``).

Exit statuses: those of the window; 3 when there is no display.
"""

from __future__ import annotations

import argparse
import sys

from pos_client.app.context import AppContext
from pos_client.app.exits import Exit

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    probe = subparsers.add_parser(
        "startup-probe",
        help="diagnostic : ouvrir la caisse, mesurer son démarrage et sa mémoire, puis quitter",
    )
    probe.add_argument("--scans", type=int, default=0, help="lectures à simuler après la mesure au repos")
    probe.add_argument("--idle-s", type=float, default=1.0, help="temps de repos avant la mesure (s)")
    probe.set_defaults(handler=_cmd_startup_probe)


def _cmd_startup_probe(args: argparse.Namespace, context: AppContext) -> int:
    from pos_client.ui.launch import has_display, no_display_message

    if not has_display():
        sys.stderr.write(no_display_message())
        return Exit.NO_DISPLAY
    # Qt is imported only now that a display is known to be there.
    from pos_client.ui.startup_probe import run_startup_probe

    return run_startup_probe(context, demo=args.demo, scans=max(0, args.scans), idle_s=max(0.0, args.idle_s))
