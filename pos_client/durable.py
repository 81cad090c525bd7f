"""Durable writes: a rename that is on disk when it returns (exports, hand-off files), and the one
SQLite write transaction of every store (journal, gate, reconciliation, emulator).

Shared infrastructure (like ``host_os`` and ``paths``): the journal's exports and the hand-off's
folder drop both write a temporary file, flush it and rename it over the target.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pos_client.host_os import HostOs, current_host_os

__all__ = ["durable_replace", "immediate_transaction", "sync_directory"]


def durable_replace(source: str | Path, target: Path) -> None:
    """``os.replace(source, target)`` that is on disk when it returns: after a power cut the target is
    either the old file or the new one, never a rename that the journal believes done but the disk
    lost. POSIX: rename, then flush the folder's entries (``fsync`` of the folder). Windows, where a
    folder cannot be opened that way: ``MoveFileExW`` with ``MOVEFILE_WRITE_THROUGH``."""
    if current_host_os() is HostOs.WINDOWS:
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
        replace_existing, write_through = 0x1, 0x8
        if not kernel32.MoveFileExW(str(source), str(target), replace_existing | write_through):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined,unused-ignore]
        return
    os.replace(source, target)
    sync_directory(target.parent)


def sync_directory(folder: Path) -> None:
    """Flush ``folder``'s entries (a file just renamed into it) to disk. POSIX only."""
    handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextmanager
def immediate_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``db`` (opened with ``isolation_level=None``): ``BEGIN IMMEDIATE``
    takes the write lock at once, so a writer never fails half-way on a lock another process took
    after its reads; anything raised inside rolls everything back."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
