"""Runs the workflow's slow work (API, journal) on a thread pool and hands results back on the GUI
thread, so the window never waits on the network or the disk.

``QtTaskRunner`` implements ``pos_client.domain.ports.TaskRunner``: ``work`` runs on a ``QThreadPool``
thread; ``done(result)`` (or ``failed(exception)`` when ``work`` raised) is delivered through a queued
signal to an object living on the GUI thread, so a job never ends without an answer.
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
    failed = Signal(object, object)  # (failed callback, exception)

    @Slot(object, object)
    def deliver(self, done: Callable[[Any], None], result: Any) -> None:
        done(result)

    @Slot(object, object)
    def deliver_failure(self, failed: Callable[[Exception], None], exc: Exception) -> None:
        failed(exc)


class _Job(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None,
    ) -> None:
        super().__init__()
        self._relay = relay
        self._work = work
        self._done = done
        self._failed = failed

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # the pool thread would swallow it: log it, and answer the caller
            log.exception("background job failed")
            if self._failed is not None:
                self._relay.failed.emit(self._failed, exc)
            return
        self._relay.finished.emit(self._done, result)


class QtTaskRunner:
    """A ``TaskRunner`` on a private ``QThreadPool`` (a few threads: lookups never queue behind a
    slow validation)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        self._relay = _Relay(parent)
        self._relay.finished.connect(self._relay.deliver)
        self._relay.failed.connect(self._relay.deliver_failure)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self.submitted = 0

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``work`` on the pool; ``done(result)`` on the GUI thread, or ``failed(exception)`` when
        ``work`` raised (without ``failed`` the exception is only logged)."""
        self.submitted += 1
        self._pool.start(_Job(self._relay, work, done, failed))

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait for running jobs (shutdown, tests). Results still arrive through the event loop."""
        return bool(self._pool.waitForDone(timeout_ms))
