"""Files and folders of the till readable by its user only, and no temporary file left by a crash.

POSIX: files are created ``0600`` and folders ``0700`` (``restrict_new_files`` sets the process's
umask to ``077`` at start, so SQLite's journal and its ``-wal``/``-shm`` files, the logs, the settings,
the hand-off files and the exports all get it), and ``tighten_app_files`` narrows what an older
version created world-readable. Windows: the files live in the user's own profile
(``%LOCALAPPDATA%``), whose inherited ACL already gives them to that user (and administrators) only.

A file written atomically goes through a temporary name beside its target; a process killed before
the rename would leave it there forever. ``temporary_beside`` notes each temporary file in a
registry folder (the till's cache) with the writer's process id while it exists, and
``clean_abandoned_temp_files`` (at every start) deletes those whose writer is dead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pos_client.host_os import HostOs, current_host_os

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "clean_abandoned_temp_files",
    "make_private",
    "private_folder",
    "restrict_new_files",
    "set_temp_registry",
    "temporary_beside",
    "tighten_app_files",
    "write_private_file",
]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_POSIX = current_host_os() is not HostOs.WINDOWS
_registry: Path | None = None


def restrict_new_files() -> None:
    """Files and folders this process creates from now on are its user's only (POSIX)."""
    if _POSIX:
        os.umask(0o077)


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if needed; ``folder`` itself becomes ``0700`` (POSIX)."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if _POSIX:
        os.chmod(folder, FOLDER_MODE)
    return folder


def make_private(path: Path) -> None:
    """``path`` readable by its owner only (POSIX; nothing on Windows), if it exists and is ours."""
    if not _POSIX:
        return
    try:
        info = path.lstat()
        if info.st_uid != os.getuid() or stat.S_ISLNK(info.st_mode):
            return
        mode = FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    except OSError as exc:
        log.warning("cannot narrow the permissions of %s: %s", path, exc.strerror or exc)


def tighten_app_files(folders: Iterable[Path]) -> None:
    """Narrow the folders of the till and everything in them to their owner (POSIX)."""
    if not _POSIX:
        return
    for folder in folders:
        if not folder.is_dir():
            continue
        make_private(folder)
        for path in folder.rglob("*"):
            make_private(path)


def set_temp_registry(folder: Path | None) -> None:
    """Where ``temporary_beside`` notes its temporary files (None: nowhere)."""
    global _registry
    _registry = folder


@contextlib.contextmanager
def temporary_beside(target: Path, *, suffix: str = ".tmp") -> Iterator[tuple[int, Path]]:
    """An open descriptor (``0600``) and the path of a new hidden file beside ``target``; the file is
    deleted if the block raises (the caller renames it over ``target`` on success). While it exists it
    is noted in the registry, so a kill leaves it to the next start's ``clean_abandoned_temp_files``.
    ``suffix``: what readers of that folder know to skip (the hand-off folder's contract: ``.part``)."""
    temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}{suffix}"
    note = _note(temporary)
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        handle = os.open(temporary, flags, FILE_MODE)
    except BaseException:
        _forget(note)
        raise
    try:
        yield handle, temporary
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(handle)  # usually closed already by the caller's file object
        temporary.unlink(missing_ok=True)
        raise
    finally:
        _forget(note)


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (temporary file flushed to disk, renamed), ``0600``."""
    with temporary_beside(path) as (handle, temporary):
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)


def _note(temporary: Path) -> Path | None:
    if _registry is None:
        return None
    try:
        private_folder(_registry)
        note = _registry / f"{os.getpid()}-{secrets.token_hex(6)}"
        note.write_text(str(temporary), encoding="utf-8")
    except OSError as exc:
        log.warning("cannot note the temporary file %s: %s", temporary, exc.strerror or exc)
        return None
    return note


def _forget(note: Path | None) -> None:
    if note is not None:
        with contextlib.suppress(OSError):
            note.unlink()


def clean_abandoned_temp_files(registry: Path) -> int:
    """Delete the temporary files whose writing process died (killed during an export); returns how
    many. Files of a process still running are left alone."""
    removed = 0
    if not registry.is_dir():
        return 0
    for note in registry.iterdir():
        pid_text = note.name.partition("-")[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            temporary = Path(note.read_text(encoding="utf-8").strip())
            # Only what ``temporary_beside`` names: a hidden "...tmp" file, never anything else.
            if temporary.name.startswith(".") and temporary.name.endswith(".tmp") and temporary.is_file():
                temporary.unlink()
                removed += 1
                log.info("removed %s, left by a process that was stopped", temporary)
            note.unlink()
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot clean %s: %s", note, exc)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if current_host_os() is HostOs.WINDOWS:
        import ctypes

        # WinDLL exists on Windows only (this branch), which mypy on Linux does not know.
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) == 0x102)  # WAIT_TIMEOUT: running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
