"""Runs the workflow's slow work (API, journal) on a thread pool and hands results back on the GUI
thread, so the window never waits on the network or the disk.

``QtTaskRunner`` implements ``pos_client.workflow.TaskRunner``: ``work`` runs on a ``QThreadPool``
thread; ``done(result)`` is delivered through a queued signal to an object living on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

__all__ = ["QtTaskRunner"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from pool threads reach it queued."""

    finished = Signal(object, object)  # (done callback, result)

    @Slot(object, object)
    def deliver(self, done: Callable[[Any], None], result: Any) -> None:
        done(result)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        super().__init__()
        self._relay = relay
        self._work = work
        self._done = done

    def run(self) -> None:
        try:
            result = self._work()
        except Exception:  # a bug in a job is logged (the pool thread would swallow it)
            log.exception("background job failed")
            return
        self._relay.finished.emit(self._done, result)


class QtTaskRunner:
    """A ``TaskRunner`` on a private ``QThreadPool`` (a few threads: lookups never queue behind a
    slow validation)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        self._relay = _Relay(parent)
        self._relay.finished.connect(self._relay.deliver)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self.submitted = 0

    def submit(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        self.submitted += 1
        self._pool.start(_Job(self._relay, work, done))

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait for running jobs (shutdown, tests). Results still arrive through the event loop."""
        return bool(self._pool.waitForDone(timeout_ms))
