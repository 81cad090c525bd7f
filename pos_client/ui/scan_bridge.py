"""The one place that turns scan sources' plain-Python callbacks into Qt signals on the GUI thread:
the sources made at start and the camera, added when it is switched on (``add``/``remove``).

Sources call their sinks from their own threads; emitting a signal from there queues the call to
the receivers living on the GUI thread. The same goes for the raw input of the sources that have
one (``RawTapping``: serial chunks, HID reports): ``raw_received`` carries it to « Tester le
scanner » while that window is open (``MainWindow.attach_scanner_test``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from pos_client.domain.scan import RawScan, RawTapping, ScanSource, SourceStatus

__all__ = ["ScanBridge"]

log = logging.getLogger(__name__)


class ScanBridge(QObject):
    """Signals:
    scanned(RawScan): a source read something.
    status_changed(SourceStatus): a source's health changed.
    raw_received(str, bytes): a source read these bytes (serial chunk, HID report), by source id.
    """

    scanned = Signal(object)
    status_changed = Signal(object)
    raw_received = Signal(str, bytes)

    def __init__(self, sources: Sequence[ScanSource], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sources = list(sources)
        self.statuses: dict[str, SourceStatus] = {}
        self.status_changed.connect(self._remember)

    @property
    def sources(self) -> list[ScanSource]:
        return list(self._sources)

    def _remember(self, status: SourceStatus) -> None:
        self.statuses[status.source_id] = status

    def _on_scan(self, scan: RawScan) -> None:
        self.scanned.emit(scan)

    def _on_status(self, status: SourceStatus) -> None:
        self.status_changed.emit(status)

    def _on_raw(self, source_id: str, data: bytes) -> None:
        self.raw_received.emit(source_id, bytes(data))

    def start(self) -> None:
        for source in self._sources:
            log.info("starting scan source %s", source.source_id)
            if isinstance(source, RawTapping):
                source.set_on_raw(self._on_raw)
            source.start(self._on_scan, self._on_status)

    def stop(self) -> None:
        for source in self._sources:
            source.stop()

    def add(self, source: ScanSource) -> None:
        """Start a source made after the window (the camera, switched on with F3) through this bridge."""
        log.info("starting scan source %s", source.source_id)
        self._sources.append(source)
        source.start(self._on_scan, self._on_status)

    def remove(self, source: ScanSource) -> None:
        """Stop a source added with ``add`` (the camera switched off or replaced)."""
        if source in self._sources:
            self._sources.remove(source)
        source.stop()
