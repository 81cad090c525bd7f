"""Automatic mode: a scanner plugged in after start-up is picked up without a restart.

With the default settings (``serial_port = ""``, ``hid_device = ""``) the till does not pin a
device found once at start-up. ``AutoDetectSource`` looks on its own thread, at once and then
every ``interval_s`` (1.5 s), for the scanners present (a cheap lister: pyserial's port list or
hidapi's enumeration, never pyusb), and adopts the first one: it builds the real source for it
(serial or HID POS) and starts it with the same sinks. From then on the inner source owns the
device and its recovery (an unplugged scanner is retried every 0.25 s at the same path; on Linux
serial scanners are opened through their stable ``/dev/serial/by-id/...`` link).

While the adopted scanner is unplugged the lister keeps running: if it is still absent and
another scanner is present, that one is adopted instead (a scanner swapped for another, a Windows
COM port that came back under a new number).

Status: the auto source's own id (``serial:auto``, ``hid:auto``) says ``SEARCHING`` while
nothing is adopted, then ``STOPPED`` (hidden from the status bar) once the inner source reports
under its own id ("serial:/dev/serial/by-id/usb-Honeywell_...").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pos_client.scanner.source import (
    RawSink,
    RawTapping,
    ScanSink,
    ScanSource,
    SourceState,
    SourceStatus,
    StatusSink,
)
from pos_client.scanner.source_thread import ThreadedSource

__all__ = ["AUTO_INTERVAL_S", "AutoDetectSource", "Finder", "SourceMaker"]

log = logging.getLogger(__name__)

AUTO_INTERVAL_S = 1.5
Finder = Callable[[], list[str]]  # the scanners present now, best first (a port, "vid:pid")
SourceMaker = Callable[[str], ScanSource]


class AutoDetectSource(ThreadedSource):
    """A ``ScanSource`` that finds its device by itself, and keeps looking until it has one.

    Args:
        source_id: its own id while searching ("serial:auto").
        find: lists the idents of the scanners present now; an ``ImportError`` (library
            missing) stops the search with an error status, an ``OSError`` is retried.
        make: builds the source for one ident (not started).
        searching_message: the French status text while nothing is plugged in.
    """

    def __init__(
        self,
        source_id: str,
        find: Finder,
        make: SourceMaker,
        *,
        searching_message: str,
        interval_s: float = AUTO_INTERVAL_S,
    ) -> None:
        super().__init__(retry_s=interval_s)  # the search's interval
        self._source_id = source_id
        self._find = find
        self._make = make
        self._searching_message = searching_message
        self._lock = threading.Lock()
        self._inner: ScanSource | None = None
        self._ident: str | None = None
        self._inner_state: SourceState | None = None
        self._find_failure: str | None = None

    # Stopping also stops the adopted source, which waits for its own thread (5 s at most).
    _join_timeout_s = 10.0

    # ------------------------------------------------------------------ ScanSource
    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def adopted(self) -> str | None:
        """The ident of the scanner in use (None while searching)."""
        return self._ident

    def set_on_raw(self, sink: RawSink | None) -> None:
        with self._lock:
            self._on_raw = sink
            inner: object = self._inner
        if isinstance(inner, RawTapping):
            inner.set_on_raw(sink)

    # ------------------------------------------------------------------ thread
    def _run(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        self._report(on_status, SourceState.SEARCHING, self._searching_message)
        try:
            while not self._stop.is_set():
                if self._inner is None or self._inner_state is SourceState.DISCONNECTED:
                    try:
                        present = self._find()
                    except ImportError as exc:
                        self._report(
                            on_status,
                            SourceState.ERROR,
                            f"Recherche automatique impossible (bibliothèque absente : {exc}).",
                        )
                        return
                    except OSError as exc:
                        self._note_find_failure(str(exc))
                    else:
                        self._find_failure = None
                        self._consider(present, on_scan, on_status)
                self._stop.wait(self._retry_s)
        finally:
            self._drop_inner()
            self._report(on_status, SourceState.STOPPED)

    def _consider(self, present: list[str], on_scan: ScanSink, on_status: StatusSink) -> None:
        if not present:
            return
        if self._inner is None:
            self._adopt(present[0], on_scan, on_status)
        elif self._ident not in present:
            log.info("%s: %s is gone, %s is here: switching", self._source_id, self._ident, present[0])
            self._drop_inner()
            self._adopt(present[0], on_scan, on_status)

    def _adopt(self, ident: str, on_scan: ScanSink, on_status: StatusSink) -> None:
        inner = self._make(ident)
        log.info("%s: scanner found, using %s", self._source_id, inner.source_id)
        inner_id = inner.source_id

        def inner_status(status: SourceStatus) -> None:
            if status.source_id == inner_id:
                self._inner_state = status.state
            on_status(status)

        with self._lock:
            self._inner, self._ident, self._inner_state = inner, ident, SourceState.STARTING
            raw = self._on_raw
        if raw is not None and isinstance(inner, RawTapping):
            inner.set_on_raw(raw)
        # Hidden from the status bar from now on: the inner source speaks for the device.
        self._report(on_status, SourceState.STOPPED)
        inner.start(on_scan, inner_status)

    def _drop_inner(self) -> None:
        with self._lock:
            inner, self._inner, self._ident, self._inner_state = self._inner, None, None, None
        if inner is not None:
            inner.stop()

    def _note_find_failure(self, reason: str) -> None:
        if reason != self._find_failure:
            log.warning("%s: device listing failed: %s", self._source_id, reason)
            self._find_failure = reason

