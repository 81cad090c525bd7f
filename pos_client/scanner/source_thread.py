"""What the serial, HID POS and evdev sources share: a reading thread of their own, started and
stopped by the ``ScanSource`` protocol, status reports sent only when they change (a source
retrying an unplugged device every 0.25 s must not flood the status bar), and the raw tap
(``set_on_raw``) that « Tester le scanner » reads serial bytes and HID reports from."""

from __future__ import annotations

import logging
import threading

from pos_client.domain.scan import RawSink, ScanSink, SourceState, SourceStatus, StatusSink

__all__ = ["ThreadedSource"]

log = logging.getLogger(__name__)


class ThreadedSource:
    """Base of the sources that own a thread. Subclasses define ``source_id`` and ``_run``, which
    loops until ``self._stop`` is set and waits with ``self._stop.wait(...)``."""

    _join_timeout_s = 5.0  # how long ``stop`` waits for the thread

    def __init__(self, retry_s: float) -> None:
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_status: tuple[SourceState, str] | None = None
        self._on_raw: RawSink | None = None

    @property
    def source_id(self) -> str:
        raise NotImplementedError

    def start(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        if self._thread is not None:
            raise RuntimeError("source already started")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(on_scan, on_status), name=f"scanner-{self.source_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._join_timeout_s)
            self._thread = None

    def set_on_raw(self, sink: RawSink | None) -> None:
        """See ``RawTapping``: ``sink(source_id, data)`` for every chunk read, on this thread."""
        self._on_raw = sink  # one attribute store: safe while the thread runs

    def _tap_raw(self, data: bytes) -> None:
        sink = self._on_raw
        if sink is not None:
            try:
                sink(self.source_id, data)
            except Exception:  # a diagnostics window must never stop the reading
                log.exception("%s: raw sink failed", self.source_id)

    def _run(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        raise NotImplementedError

    def _report(self, on_status: StatusSink, state: SourceState, message: str = "") -> None:
        if self._last_status == (state, message):
            return
        self._last_status = (state, message)
        if state is not SourceState.CONNECTED:
            log.info("%s: %s %s", self.source_id, state.value, message)
        on_status(SourceStatus(self.source_id, state, message))
