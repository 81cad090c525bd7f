"""The advice printed without a display names the commands of how pos-client was installed
(issue 22, item 7): the package has no ``./run`` nor ``.venv``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from selftest_report import clean_env

import pos_client
from pos_client.app.exits import Exit
from pos_client.ui.launch import InstallKind, installation, no_display_message


def test_debian_package_advice_names_the_command_on_the_path() -> None:
    install = installation(frozen=True, executable="/opt/pos-client/pos-client")
    assert install.kind is InstallKind.DEBIAN_PACKAGE
    message = no_display_message(install)
    assert "xvfb-run -a pos-client --demo" in message
    assert "    pos-client --self-test" in message
    assert "./run" not in message and ".venv" not in message and "/opt/" not in message


def test_bundle_unpacked_elsewhere_names_its_own_path(tmp_path: Path) -> None:
    program = tmp_path / "mon dossier" / "pos-client" / "pos-client"
    install = installation(frozen=True, executable=str(program))
    assert install.kind is InstallKind.BUNDLE
    message = no_display_message(install)
    assert f"xvfb-run -a '{program}' --demo" in message
    assert f"'{program}' --self-test" in message
    assert ".venv" not in message


def test_source_checkout_names_run_and_the_venv(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "run").write_text("#!/bin/sh\n", encoding="utf-8")
    install = installation(frozen=False, package_dir=tmp_path / "pos_client")
    assert install.kind is InstallKind.SOURCE_CHECKOUT
    message = no_display_message(install)
    assert f"xvfb-run -a {tmp_path}/run demo" in message
    assert f"{tmp_path}/.venv/bin/pos-client --self-test" in message


def test_python_install_names_the_console_script(tmp_path: Path) -> None:
    install = installation(frozen=False, package_dir=tmp_path / "site-packages" / "pos_client")
    assert install.kind is InstallKind.PYTHON_INSTALL
    assert "xvfb-run -a pos-client --demo" in no_display_message(install)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is an X11/Wayland matter")
def test_the_till_without_a_display_prints_the_advice_of_this_checkout(tmp_path: Path) -> None:
    checkout = Path(pos_client.__file__).resolve().parents[1]
    env = clean_env(tmp_path) | {"PYTHONPATH": str(checkout)}
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path / "dev"), "--demo"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == Exit.NO_DISPLAY
    assert "aucun écran graphique" in result.stderr
    assert f"{checkout}/.venv/bin/pos-client --self-test" in result.stderr
