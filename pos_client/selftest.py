"""``pos-client --self-test``: check an installation end to end and say what is missing."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["run_self_test"]


def _check_python() -> str:
    return sys.version.split()[0]


def _check_data_folder(context: AppContext) -> str:
    with tempfile.NamedTemporaryFile(dir=context.paths.data_dir) as handle:
        handle.write(b"ok")
    return str(context.paths.data_dir)


def run_self_test(context: AppContext) -> int:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("python", _check_python),
        ("data folder", lambda: _check_data_folder(context)),
    ]
    failed = 0
    for name, check in checks:
        try:
            detail = check()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
            failed += 1
            print(f"FAIL {name}: {exc}")
        else:
            print(f"ok   {name}: {detail}")
    return 1 if failed else 0


