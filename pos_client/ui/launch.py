"""Start the window, after checking what Qt needs (a display) with a readable message.

Importing Qt without a display aborts the process with a cryptic "could not connect to display"
core dump, so the check happens before the first PySide6 import.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["NO_DISPLAY_MESSAGE", "has_display", "launch_gui"]

EXIT_NO_DISPLAY = 3

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
    if not sys.platform.startswith("linux"):
        return True  # Windows and macOS always have their native platform plugin.
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in {"offscreen", "minimal", "vnc"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_gui(context: AppContext, *, demo: bool) -> int:
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return EXIT_NO_DISPLAY
    from pos_client.ui.app import run_app

    return run_app(context, demo=demo)
