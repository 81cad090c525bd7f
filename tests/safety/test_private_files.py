"""Permissions (issue 15, defect 10) and temporary files left by a killed export (defect 9)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pos_client.paths import AppPaths
from pos_client.safety.private_files import (
    clean_abandoned_temp_files,
    set_temp_registry,
    temporary_beside,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes (Windows: the profile's ACL)")


def _pos_client(dev: Path, *argv: str, **options: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(dev), *argv]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
        command, env=env, text=True, capture_output=True, timeout=60, check=False, **options
    )
    return done


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_everything_the_till_writes_is_its_users_only(dev: Path, tmp_path: Path) -> None:
    paths = AppPaths.under(dev)
    os.chmod(paths.settings_file, 0o644)  # as an older version left it under umask 022
    os.chmod(paths.config_dir, 0o755)
    done = _pos_client(dev, "journal", preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "export.csv"
    done = _pos_client(dev, "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out),
                       preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    assert done.returncode == 0, done.stderr
    for folder in (
        paths.config_dir,
        paths.data_dir,
        paths.log_dir,
        paths.cache_dir,
        paths.config_dir / "api-keys",
    ):
        assert _mode(folder) == 0o700, folder
    written = [
        paths.settings_file,
        paths.journal_file,
        paths.log_file,
        paths.config_dir / "api-keys" / "custom.key",
        out,
    ]
    written += list(paths.data_dir.glob("journal.sqlite3-*"))
    for path in written:
        assert _mode(path) == 0o600, path


@posix_only
def test_saved_settings_are_private(tmp_path: Path) -> None:
    from pos_client.settings import Settings

    os.umask(previous := os.umask(0o022))
    try:
        Settings().save(tmp_path / "config" / "settings.toml")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "config" / "settings.toml") == 0o600
    assert _mode(tmp_path / "config") == 0o700


_KILLED_EXPORT = """
import sys, time
from pos_client.journal import export

def stuck(journal, first_day, last_day, fmt, out):
    out.write(b"half an export")
    out.flush()
    print("WRITING", flush=True)
    time.sleep(120)

export.export_to_binary = stuck
from pos_client.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_export_leaves_nothing_after_the_next_start(dev: Path, tmp_path: Path) -> None:
    out_folder = tmp_path / "exports"
    out_folder.mkdir()
    command = [sys.executable, "-c", _KILLED_EXPORT, "--dev-dir", str(dev), "export", "--from", "2026-11-01",
               "--to", "2026-11-30", "--out", str(out_folder / "quinzaine.csv")]  # fmt: skip
    for _ in range(3):
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "WRITING", child.stderr.read() if child.stderr else ""
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    # Each start cleans what the previous kill left: only the last kill's temporary file is there.
    (left,) = out_folder.iterdir()
    assert left.name.startswith(".quinzaine.csv.") and left.read_bytes() == b"half an export"
    done = _pos_client(dev, "journal")  # the next start, any command
    assert done.returncode == 0, done.stderr
    assert list(out_folder.iterdir()) == []
    assert list((AppPaths.under(dev).cache_dir / "unfinished-files").iterdir()) == []


def test_a_running_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    set_temp_registry(registry)
    try:
        with temporary_beside(tmp_path / "export.csv") as (handle, temporary):
            os.close(handle)
            assert clean_abandoned_temp_files(registry) == 0  # its writer (this process) is alive
            assert temporary.exists()
            temporary.unlink()
    finally:
        set_temp_registry(None)
    assert list(registry.iterdir()) == []


def test_only_temporary_files_are_ever_deleted(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    registry.mkdir()
    precious = tmp_path / "quinzaine.csv"
    precious.write_text("keep me", encoding="utf-8")
    (registry / "999999999-abc").write_text(str(precious), encoding="utf-8")  # a dead pid, a forged note
    assert clean_abandoned_temp_files(registry) == 0
    assert precious.read_text(encoding="utf-8") == "keep me"
