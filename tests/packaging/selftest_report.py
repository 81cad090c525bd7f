"""What a ``--self-test`` report must say, shared by the tests that run it from the venv and from
the built bundle."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

# Every check of the self-test; "warn" is accepted (no keyring daemon in CI), "FAIL" is not.
SELF_TEST_CHECKS = (
    "version", "dossier de données", "qt", "journal", "émulateur", "réservation", "paiement", "qr",
    "trousseau", "douchettes",
)

# The self-test checks that exercise product modules still being written: while a module is not
# in the tree, its check must FAIL by naming it (and the self-test must exit non-zero).
PRODUCT_MODULES_OF_CHECK = {
    "journal": ("pos_client.journal",),
    "émulateur": ("pos_client.emulator",),
    "réservation": ("pos_client.emulator", "pos_client.api.client"),
    "paiement": ("pos_client.emulator", "pos_client.api.client", "pos_client.journal"),
    "qr": ("pos_client.scanner.webcam",),
}


def module_is_written(name: str) -> bool:
    # An empty folder is found as a namespace package (no origin): not written yet.
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin is not None


def checks_of_modules_not_built_yet() -> set[str]:
    return {
        check
        for check, modules in PRODUCT_MODULES_OF_CHECK.items()
        if not all(module_is_written(module) for module in modules)
    }


def check_statuses(stdout: str) -> dict[str, str]:
    return {
        match.group(2): match.group(1)
        for match in re.finditer(r"^(ok|warn|FAIL) +([^:]+):", stdout, flags=re.MULTILINE)
    }


def assert_self_test_passed(result: subprocess.CompletedProcess[str]) -> None:
    """Every check ran; the ones whose modules exist passed; the others failed naming the module."""
    report = result.stdout + result.stderr
    statuses = check_statuses(result.stdout)
    assert list(statuses) == list(SELF_TEST_CHECKS), report
    not_built = checks_of_modules_not_built_yet()
    for check in not_built:
        assert statuses[check] == "FAIL", report
        assert re.search(rf"^FAIL +{check}: module manquant", result.stdout, flags=re.MULTILINE), report
    assert (result.returncode == 0) == (not not_built), report
    others = {check: status for check, status in statuses.items() if check not in not_built}
    assert all(status in {"ok", "warn"} for status in others.values()), report
    for must_work in {"qt", "journal", "émulateur", "réservation", "paiement", "qr"} - not_built:
        assert statuses[must_work] == "ok", report
    summary = result.stdout.strip().splitlines()[-1]
    if not_built:
        assert summary.startswith("Auto-test en échec"), report
        assert all(check in summary for check in not_built), report
    else:
        assert summary.startswith("Auto-test réussi"), report


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No display, no D-Bus session, a scratch HOME: what a CI runner or a fresh account has."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test must choose offscreen by itself
    env["HOME"] = str(tmp_path / "home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "PYTHONPATH"):
        env.pop(name, None)
    return env
