"""A scan source with no device: the till starts and is testable with no hardware."""

from __future__ import annotations

import threading

from pos_client.domain.scan import RawScan, ScanSink, SourceState, SourceStatus, StatusSink, Transport

__all__ = ["NullSource"]


class NullSource:
    """A source with no device; ``feed`` injects a scan (tests, the typed-code field)."""

    def __init__(self, source_id: str = "null") -> None:
        self._source_id = source_id
        self._lock = threading.Lock()
        self._on_scan: ScanSink | None = None

    @property
    def source_id(self) -> str:
        return self._source_id

    def start(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        with self._lock:
            self._on_scan = on_scan
        on_status(SourceStatus(self._source_id, SourceState.CONNECTED))

    def stop(self) -> None:
        with self._lock:
            self._on_scan = None

    def feed(self, text: str, transport: Transport = Transport.TYPED) -> None:
        """Inject a scan (tests, the typed-code field)."""
        with self._lock:
            sink = self._on_scan
        if sink is not None:
            sink(RawScan(text=text, transport=transport, source_id=self._source_id))
