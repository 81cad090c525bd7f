"""Fixtures for the hardening tests (issue 15): the tests folder on the path for ``hostile_server``,
and a dev folder whose API key is in the protected key file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pos_client.api.key_file import KEY_FOLDER, FileKeys
from pos_client.emulator import demo_data
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/hostile_server.py


@pytest.fixture
def dev(tmp_path: Path) -> Path:
    """A ``--dev-dir`` using the emulator (custom server) with its demo key in the key file."""
    root = tmp_path / "dev"
    paths = AppPaths.under(root)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text('[api]\nenvironment = "custom"\nkey_storage = "file"\n', encoding="utf-8")
    FileKeys(paths.config_dir / KEY_FOLDER).set_key(ApiEnvironment.CUSTOM, demo_data.DEMO_API_KEY)
    return root
