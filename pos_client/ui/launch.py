"""Start the window, after checking what Qt needs (a display) with a readable message.

Importing Qt without a display aborts the process with a cryptic "could not connect to display"
core dump, so the check happens before the first PySide6 import. The advice names the commands that
exist for how this copy was installed: the Debian package (``pos-client`` on the PATH), a bundle
unpacked elsewhere (its full path), a source checkout (``./run demo``, ``.venv/bin/pos-client``) or
a Python install (``pos-client``).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from pos_client.app.exits import Exit
from pos_client.host_os import HostOs, current_host_os

if TYPE_CHECKING:
    from pos_client.app.context import AppContext

__all__ = ["InstallKind", "Installation", "has_display", "installation", "launch_gui", "no_display_message"]

PACKAGE_INSTALL_DIR = Path("/opt/pos-client")  # where the .deb puts the bundle (make_deb.INSTALL_DIR)


class InstallKind(Enum):
    DEBIAN_PACKAGE = "paquet Debian"
    BUNDLE = "programme autonome"
    SOURCE_CHECKOUT = "copie des sources"
    PYTHON_INSTALL = "installation Python"


@dataclass(frozen=True)
class Installation:
    kind: InstallKind
    demo_command: str  # starts the till in demo mode
    self_test_command: str  # checks the installation without a window


def installation(
    *, frozen: bool | None = None, executable: str | None = None, package_dir: Path | None = None
) -> Installation:
    """How this copy of pos-client was installed, and the commands that start it."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = sys.executable if executable is None else executable
    if frozen:
        program = Path(executable).resolve()
        if program.parent == PACKAGE_INSTALL_DIR:
            return Installation(InstallKind.DEBIAN_PACKAGE, "pos-client --demo", "pos-client --self-test")
        quoted = shlex.quote(str(program))
        return Installation(InstallKind.BUNDLE, f"{quoted} --demo", f"{quoted} --self-test")
    package_dir = Path(__file__).resolve().parents[1] if package_dir is None else package_dir
    checkout = package_dir.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "run").is_file():
        where = shlex.quote(str(checkout))
        return Installation(
            InstallKind.SOURCE_CHECKOUT, f"{where}/run demo", f"{where}/.venv/bin/pos-client --self-test"
        )
    return Installation(InstallKind.PYTHON_INSTALL, "pos-client --demo", "pos-client --self-test")


def no_display_message(install: Installation | None = None) -> str:
    """What to do without a display, in French then English, for this kind of installation."""
    install = installation() if install is None else install
    return f"""\
pos-client : aucun écran graphique n'est disponible (ni DISPLAY ni WAYLAND_DISPLAY).
La caisse est une fenêtre : lancez-la depuis une session de bureau (menu « pos-client »).

Sur une machine sans écran (serveur, conteneur), lancez-la dans un écran virtuel :
    xvfb-run -a {install.demo_command}          (paquet Debian « xvfb »)
ou vérifiez l'installation ({install.kind.value}) sans fenêtre :
    {install.self_test_command}

No display found (neither DISPLAY nor WAYLAND_DISPLAY): run pos-client from a desktop session,
or under a virtual screen with `xvfb-run -a {install.demo_command}`, or check the installation
with `{install.self_test_command}`.
"""


def has_display() -> bool:
    if current_host_os() is not HostOs.LINUX:
        return True  # Windows and macOS always have their native platform plugin.
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in {"offscreen", "minimal", "vnc"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_gui(context: AppContext, *, demo: bool) -> int:
    if not has_display():
        sys.stderr.write(no_display_message())
        return Exit.NO_DISPLAY
    from pos_client.ui.qt_messages import install_qt_message_log

    install_qt_message_log()  # Qt Multimedia's start-up chatter goes to the log, not the terminal
    from pos_client.ui.app import run_app

    return run_app(context, demo=demo)


def launch_gate(context: AppContext, *, demo: bool) -> int:
    """``pos-client --gate``: the gate window (``pos_client.ui.gate_app``)."""
    if not has_display():
        sys.stderr.write(no_display_message())
        return Exit.NO_DISPLAY
    from pos_client.ui.gate_app import run_gate_app

    return run_gate_app(context, demo=demo)
