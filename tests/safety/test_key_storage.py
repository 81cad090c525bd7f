"""Shop PCs without a system keyring (issue 15, defect 11): French messages, and the protected key
file chosen explicitly with ``--store file``; the key never in a log, the settings or an export."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from pos_client.api.key_file import FileKeys
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings

KEY = "k3y-0f-a-sh0p-w1th0ut-k3yr1ng-2026"
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _pos_client(root: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(root), *argv]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **NO_KEYRING}
    return subprocess.run(
        command, env=env, input=stdin, text=True, capture_output=True, timeout=60, check=False
    )


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("no_keyring")
def test_the_keyring_store_says_in_french_what_to_do() -> None:
    for action in (
        lambda: KeyringKeys().get_key(ApiEnvironment.PRODUCTION),
        lambda: KeyringKeys().set_key(ApiEnvironment.PRODUCTION, KEY),
        lambda: KeyringKeys().delete_key(ApiEnvironment.PRODUCTION),
    ):
        with pytest.raises(KeyStoreError) as caught:
            action()
        message = str(caught.value)
        assert "Aucun trousseau du système" in message and "--store file" in message
        assert "backend" not in message.lower()  # the library's English stays in the log


def test_a_shop_without_keyring_sets_its_key_in_the_protected_file(tmp_path: Path) -> None:
    root = tmp_path / "till"
    refused = _pos_client(root, "api-key", "set", "--env", "custom", stdin=KEY + "\n")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "--store file" in refused.stderr and "backend" not in refused.stderr.lower()
    done = _pos_client(root, "api-key", "set", "--env", "custom", "--store", "file", stdin=KEY + "\n")
    assert done.returncode == 0, done.stderr
    assert "Attention" in done.stderr and "lisible seulement par ce compte" in done.stderr
    paths = AppPaths.under(root)
    assert Settings.load(paths.settings_file).api.key_storage == "file"  # the choice is remembered
    key_file = paths.config_dir / "api-keys" / "custom.key"
    assert key_file.read_text(encoding="ascii").strip() == KEY
    if sys.platform != "win32":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    status = _pos_client(root, "api-key", "status", "--env", "custom")
    assert status.returncode == 0 and KEY[-4:] in status.stdout and KEY not in status.stdout


def test_the_key_file_serves_the_api_commands_and_never_leaks(tmp_path: Path) -> None:
    root = tmp_path / "till"
    paths = AppPaths.under(root)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text('[api]\nkey_storage = "file"\n', encoding="utf-8")
    FileKeys(paths.config_dir / "api-keys").set_key(ApiEnvironment.CUSTOM, demo_data.DEMO_API_KEY)
    with RunningEmulator.start(seed="demo") as emulator:
        token = demo_data.TOKENS["book"]
        shown = _pos_client(root, "-v", "booking", "show", token, "--url", emulator.base_url)
        validated = _pos_client(
            root, "booking", "validate", token, "--id-checked", "--url", emulator.base_url
        )
    assert shown.returncode == 0, shown.stderr
    assert validated.returncode == 0, validated.stderr
    export = tmp_path / "export.csv"
    assert (
        _pos_client(
            root, "export", "--from", "2020-01-01", "--to", "2040-01-01", "--out", str(export)
        ).returncode
        == 0
    )
    assert token in export.read_text(encoding="utf-8-sig")
    leaks = [
        path
        for path in [*root.rglob("*"), export]
        if path.is_file() and path.suffix != ".key" and demo_data.DEMO_API_KEY.encode() in path.read_bytes()
    ]
    assert leaks == []
    assert demo_data.DEMO_API_KEY not in shown.stdout + shown.stderr + validated.stdout + validated.stderr


def test_an_unreadable_key_file_is_a_french_error(tmp_path: Path) -> None:
    keys = FileKeys(tmp_path / "api-keys")
    (tmp_path / "api-keys" / "production.key").mkdir(parents=True)
    with pytest.raises(KeyStoreError, match="Fichier de la clé d'API illisible"):
        keys.get_key(ApiEnvironment.PRODUCTION)
    with pytest.raises(KeyStoreError, match="Impossible d'écrire le fichier de la clé d'API"):
        keys.set_key(ApiEnvironment.PRODUCTION, KEY)
    assert keys.get_key(ApiEnvironment.INTEGRATION) is None
    keys.set_key(ApiEnvironment.INTEGRATION, KEY)
    assert keys.get_key(ApiEnvironment.INTEGRATION) == KEY
    assert keys.delete_key(ApiEnvironment.INTEGRATION) and not keys.delete_key(ApiEnvironment.INTEGRATION)


@pytest.mark.gui
@pytest.mark.usefixtures("no_keyring")
def test_the_settings_dialog_wraps_a_long_keyring_error(qtbot: object) -> None:
    from pos_client.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), KeyringKeys())
    assert "Aucun trousseau du système" in dialog.key_state.text()
    assert dialog.key_state.wordWrap()
    dialog.adjustSize()
    assert dialog.width() < 1000  # it was 1840 px with the library's English message on one line
    dialog.deleteLater()
