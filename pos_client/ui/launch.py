"""Start the window, after checking what Qt needs (a display) with a readable message.

Importing Qt without a display aborts the process with a cryptic "could not connect to display"
core dump, so the check happens before the first PySide6 import.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from pos_client.app.exits import Exit
from pos_client.host_os import HostOs, current_host_os

if TYPE_CHECKING:
    from pos_client.app.context import AppContext

__all__ = ["NO_DISPLAY_MESSAGE", "has_display", "launch_gui"]

NO_DISPLAY_MESSAGE = """\
pos-client : aucun écran graphique n'est disponible (ni DISPLAY ni WAYLAND_DISPLAY).
La caisse est une fenêtre : lancez-la depuis une session de bureau.

Sur une machine sans écran (serveur, conteneur), lancez-la dans un écran virtuel :
    xvfb-run -a ./run demo          (paquet Debian « xvfb »)
ou vérifiez l'installation sans fenêtre :
    .venv/bin/pos-client --self-test

No display found (neither DISPLAY nor WAYLAND_DISPLAY): run pos-client from a desktop session,
or under a virtual screen with `xvfb-run -a ./run demo`.
"""


def has_display() -> bool:
    if current_host_os() is not HostOs.LINUX:
        return True  # Windows and macOS always have their native platform plugin.
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in {"offscreen", "minimal", "vnc"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_gui(context: AppContext, *, demo: bool) -> int:
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return Exit.NO_DISPLAY
    from pos_client.ui.app import run_app

    return run_app(context, demo=demo)


def launch_gate(context: AppContext, *, demo: bool) -> int:
    """``pos-client --gate``: the gate window (``pos_client.ui.gate_app``)."""
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return Exit.NO_DISPLAY
    from pos_client.ui.gate_app import run_gate_app

    return run_gate_app(context, demo=demo)
