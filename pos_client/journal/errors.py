"""The journal's failures, translated at its boundary: no ``sqlite3`` name leaves the package.

Like qutebrowser's ``raise_sqlite_error``: what the shop can act on (disk full or read-only, the file
locked by another program, damaged, missing, the journal closed at exit) is ``JournalUnavailable``;
anything else (a SQL error, a constraint broken) is a fault of the program, ``JournalBug``. Both carry
a French sentence for the cashier; the original error is chained for the log.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pos_client.domain.ports import JournalBug, JournalError, JournalUnavailable

__all__ = ["JournalClosedError", "translated", "translated_error"]

P = ParamSpec("P")
R = TypeVar("R")

# SQLite primary result codes (the low byte of ``sqlite_errorcode``) the shop can act on.
_KNOWN = {
    3: "accès refusé au fichier du journal",  # SQLITE_PERM
    5: "journal occupé par un autre programme",  # SQLITE_BUSY
    6: "journal verrouillé",  # SQLITE_LOCKED
    7: "mémoire insuffisante",  # SQLITE_NOMEM
    8: "journal en lecture seule",  # SQLITE_READONLY
    10: "erreur de lecture ou d'écriture sur le disque",  # SQLITE_IOERR
    11: "fichier du journal endommagé",  # SQLITE_CORRUPT
    13: "disque plein",  # SQLITE_FULL
    14: "fichier du journal impossible à ouvrir",  # SQLITE_CANTOPEN
    15: "verrou du journal perdu",  # SQLITE_PROTOCOL
    26: "ce fichier n'est pas un journal",  # SQLITE_NOTADB
}


class JournalClosedError(JournalUnavailable):
    """The journal was closed (the till is stopping)."""

    def __init__(self, message: str = "journal fermé") -> None:
        super().__init__(message)


def translated_error(exc: BaseException) -> JournalError | None:
    """The journal error ``exc`` stands for, or None when it is none of the journal's business."""
    if isinstance(exc, JournalError):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        reason = _KNOWN.get(code & 0xFF) if isinstance(code, int) else None
        if reason is None and isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            reason = _KNOWN[5]
        if reason is not None:
            return JournalUnavailable(reason)
        return JournalBug(f"erreur interne du journal ({type(exc).__name__})")
    if isinstance(exc, OverflowError):  # an integer a 64-bit column cannot hold
        return JournalBug("nombre trop grand pour le journal")
    if isinstance(exc, OSError):
        return JournalUnavailable(f"fichier du journal inaccessible ({exc.strerror or type(exc).__name__})")
    return None


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """``method`` raising only ``JournalError`` (SQLite and OS errors translated, the cause chained)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (sqlite3.Error, OSError, OverflowError) as exc:
            error = translated_error(exc)
            assert error is not None
            raise error from exc

    return wrapper
