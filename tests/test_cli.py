"""The command line: the subcommand table matches the modules, and only what is invoked is imported."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from pos_client import APP_NAME, __version__, cli


@pytest.mark.parametrize("module_name", cli.COMMAND_MODULES)
def test_each_module_registers_exactly_its_commands(module_name: str) -> None:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    importlib.import_module(module_name).register(subparsers)
    expected = {name for name, module in cli.COMMANDS.items() if module == module_name}
    assert set(subparsers.choices) == expected


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], None),
        (["--demo"], None),
        (["--dev-dir", "parse", "--self-test"], None),  # "parse" is the folder here, not a command
        (["--dev-dir", "/tmp/x", "parse", "ABCDEF"], "parse"),
        (["-v", "booking", "show", "ABCDEF"], "booking"),
    ],
)
def test_the_invoked_command_is_found(argv: list[str], command: str | None) -> None:
    assert cli._invoked_command(argv) == command


def _imported_command_modules(argv: list[str]) -> list[str]:
    code = (
        "import sys; from pos_client import cli; "
        f"cli.build_parser({argv!r}); "
        "print(','.join(m for m in cli.COMMAND_MODULES if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_window_imports_no_command_module() -> None:
    assert _imported_command_modules(["--demo"]) == []


def test_a_command_imports_only_its_module() -> None:
    assert _imported_command_modules(["parse", "ABCDEF"]) == ["pos_client.cli.scanners"]


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for command in cli.COMMANDS:
        assert command in result.stdout


def test_unknown_command_is_refused_with_the_list(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "vendre"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "parse" in result.stderr and "booking" in result.stderr


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pos_client", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == f"{APP_NAME} {__version__}"
