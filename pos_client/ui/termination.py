"""Stop the till cleanly on SIGTERM (shutdown, logout, ``systemctl stop``, ``kill``).

Python runs a signal handler only between byte codes, and the Qt event loop runs in C++: the signal
would wait for the next Python call. ``signal.set_wakeup_fd`` writes the signal number to a socket a
``QSocketNotifier`` watches, so the event loop wakes at once and the handler asks the till to close
the way the window's own close does: the window closes (scanners stopped, a change in flight
awaited), then the caller's ``ExitStack`` closes the hand-off and the journal, and the process exits
with code 0. SIGINT (Ctrl+C in a terminal) gets the same treatment.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from PySide6.QtCore import QSocketNotifier

from pos_client.host_os import HostOs, current_host_os

__all__ = ["StopRequest", "stop_on_termination"]

log = logging.getLogger(__name__)

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """Whether a stop signal came, and which."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal_name is not None


@contextmanager
def stop_on_termination(stop: Callable[[], None]) -> Iterator[StopRequest]:
    """While inside, SIGTERM and SIGINT call ``stop()`` from the Qt event loop (once) and are noted
    in the returned ``StopRequest``; the previous handlers come back on exit. Does nothing on
    Windows (no SIGTERM from a session end there) or outside the main thread."""
    request = StopRequest()
    if current_host_os() is HostOs.WINDOWS:
        yield request
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread: Qt's loop is elsewhere, leave signals alone
        reader.close()
        writer.close()
        yield request
        return

    def on_signal(number: int, _frame: FrameType | None) -> None:
        # Runs when Python next runs byte code: the notifier below makes that happen at once.
        if request.requested:
            return
        request.signal_name = signal.Signals(number).name
        log.warning("%s reçu : fermeture de la caisse (journal, transmission et douchettes fermés)",
                    request.signal_name)
        stop()

    def drain() -> None:
        try:
            while reader.recv(64):
                pass
        except OSError:
            pass  # BlockingIOError: drained

    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(drain)
    previous = {number: signal.signal(number, on_signal) for number in HANDLED_SIGNALS}
    try:
        yield request
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        reader.close()
        writer.close()
