"""The command line's last guard: a French message and an exit code, never a Python traceback.

A command's output can fail under it: the reader of a pipe went away (``pos-client settings | head
-1``: ``BrokenPipeError``), the disk is full (``> /dev/full``: ``OSError`` when the buffer is flushed),
a file cannot be read. And a bug is still a bug. ``run_guarded`` runs the command, flushes the
standard output inside the guard (an error there would otherwise surface at interpreter exit as
"Exception ignored"), and turns whatever escapes into one French line on the standard error, the
details (traceback included) going to the log file only.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import sys
from collections.abc import Callable

__all__ = ["EXIT_INTERRUPTED", "EXIT_OUTPUT", "run_guarded"]

log = logging.getLogger(__name__)

EXIT_OUTPUT = 1
EXIT_INTERRUPTED = 130


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


def _silence_stdout() -> None:
    """Point the standard output at the null device, so the interpreter's final flush of what is
    still buffered cannot fail again."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _describe_os_error(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"Écriture impossible : disque plein{where}."
    if exc.errno == errno.EPIPE or isinstance(exc, BrokenPipeError):
        return "Sortie fermée avant la fin (le programme qui la lisait s'est arrêté) : affichage interrompu."
    return f"Erreur d'entrée-sortie : {exc.strerror or type(exc).__name__}{where}."


def run_guarded(command: Callable[[], int], log_file: str = "") -> int:
    """``command()``'s exit code; any exception becomes a French message and a non-zero code."""
    try:
        code = command()
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        _say("Interrompu.")
        return EXIT_INTERRUPTED
    except OSError as exc:
        log.warning("output or file error: %r", exc)
        _silence_stdout()
        _say(_describe_os_error(exc))
        return EXIT_OUTPUT
    except Exception as exc:
        log.exception("unexpected failure")
        _silence_stdout()
        where = f" : détails dans {log_file}" if log_file else ""
        _say(f"Erreur inattendue de pos-client ({type(exc).__name__}){where}.")
        return 1
