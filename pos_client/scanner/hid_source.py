"""USB HID POS scanners (usage page 0x8C), read with hidapi on a thread of their own.

HID POS is not a keyboard: nothing is typed into any window, no layout applies, and Windows lets
a user program open it without a driver swap. hidapi's wheel has two modules on Linux: ``hid``
(bundled libusb, would detach the kernel driver) and ``hidraw`` (the kernel hidraw nodes, which
the udev rules open to the logged-in user): ``hidraw`` is used on Linux, ``hid`` elsewhere.

Like the serial source, the source reports "débranchée" when a read fails and reopens the device
by itself (every ``retry_s``) when it comes back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pos_client.domain.scan import RawScan, ScanSink, SourceState, StatusSink, Transport
from pos_client.host_os import HostOs, current_host_os, hid_module_name
from pos_client.scanner.hid_reports import (
    HidReportAssembler,
    HidReportFormat,
    format_for_vendor,
)
from pos_client.scanner.source_thread import ThreadedSource

__all__ = [
    "BARCODE_SCANNER_USAGE",
    "HID_POS_USAGE_PAGE",
    "HidDevice",
    "HidScanSource",
    "hid_backend",
    "parse_vid_pid",
]

log = logging.getLogger(__name__)

HID_POS_USAGE_PAGE = 0x8C
BARCODE_SCANNER_USAGE = 0x02
REPORT_SIZE = 64
# Honeywell units send scans as HID POS reports only after this feature report (FE 01).
HONEYWELL_HID_POS_FEATURE = (0xFE, 0x01)


class HidDevice(Protocol):
    """The part of hidapi's ``device`` used here (tests pass a recorded-data stand-in)."""

    def open_path(self, path: bytes) -> None: ...

    def read(self, max_length: int, timeout_ms: int = 0) -> Sequence[int]: ...

    def send_feature_report(self, data: Sequence[int]) -> int: ...

    def close(self) -> None: ...


class _HidModule(Protocol):
    def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict[str, Any]]: ...

    def device(self) -> HidDevice: ...


def hid_backend(host: HostOs | None = None) -> _HidModule:
    """hidapi's module for ``host`` (default: this OS), as ``host_os.hid_module_name`` names it:
    ``hidraw`` on Linux, ``hid`` elsewhere. Imported lazily: the till starts without it."""
    if hid_module_name(host or current_host_os()) == "hidraw":
        import hidraw

        module: _HidModule = hidraw
    else:
        import hid

        module = hid
    return module


def parse_vid_pid(text: str) -> tuple[int, int]:
    """``"0c2e:0b8f"`` -> (0x0C2E, 0x0B8F); ValueError with a French message otherwise."""
    vid, sep, pid = text.strip().partition(":")
    try:
        if not sep:
            raise ValueError(text)
        return int(vid, 16), int(pid, 16)
    except ValueError:
        raise ValueError(
            f"Périphérique HID « {text} » : attendu VID:PID en hexadécimal (0c2e:0b8f)."
        ) from None


class HidScanSource(ThreadedSource):
    """One HID POS scanner, chosen by VID:PID (first matching barcode-scanner interface)."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        retry_s: float = 0.25,
        report_format: HidReportFormat | None = None,
        on_report: Callable[[bytes], None] | None = None,
        backend: Callable[[], _HidModule] = hid_backend,
    ) -> None:
        super().__init__(retry_s)
        self._vid = vendor_id
        self._pid = product_id
        self._format = report_format or format_for_vendor(vendor_id)
        self._on_report = on_report
        self._backend = backend

    @property
    def source_id(self) -> str:
        return f"hid:{self._vid:04x}:{self._pid:04x}"

    # ------------------------------------------------------------------ thread

    def _find_path(self, module: _HidModule) -> bytes | None:
        for info in module.enumerate(self._vid, self._pid):
            usage_page = info.get("usage_page", 0)
            # Some backends report no usage (0): accept the interface then, the reports decide.
            if usage_page in (HID_POS_USAGE_PAGE, 0):
                path = info.get("path")
                if isinstance(path, bytes):
                    return path
        return None

    def _run(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        self._report(on_status, SourceState.STARTING)
        try:
            module = self._backend()
        except ImportError as exc:
            message = f"Lecture HID POS indisponible (hidapi absent : {exc})."
            self._report(on_status, SourceState.ERROR, message)
            return
        while not self._stop.is_set():
            path = self._find_path(module)
            if path is None:
                self._report(on_status, SourceState.DISCONNECTED, "Douchette HID débranchée.")
                self._stop.wait(self._retry_s)
                continue
            device = module.device()
            try:
                device.open_path(path)
            except OSError as exc:
                self._report(
                    on_status,
                    SourceState.ERROR,
                    f"La douchette HID ne s'ouvre pas ({exc}). Sous Linux, installez les règles udev "
                    "de pos-client (drivers/linux/install-udev-rules.sh) et rebranchez-la.",
                )
                self._stop.wait(self._retry_s)
                continue
            self._report(on_status, SourceState.CONNECTED)
            try:
                self._read_until_error(device, on_scan)
            except OSError as exc:
                log.info("%s: read failed (%s)", self.source_id, exc)
                self._report(
                    on_status,
                    SourceState.DISCONNECTED,
                    "Douchette HID débranchée : rebranchez-la, elle sera reprise.",
                )
            finally:
                device.close()
            self._stop.wait(self._retry_s)
        self._report(on_status, SourceState.STOPPED)

    def _read_until_error(self, device: HidDevice, on_scan: ScanSink) -> None:
        if self._format is HidReportFormat.HONEYWELL:
            try:
                device.send_feature_report(list(HONEYWELL_HID_POS_FEATURE))
            except OSError as exc:  # older units are in HID POS mode already
                log.info("%s: feature report FE 01 refused (%s)", self.source_id, exc)
        assembler = HidReportAssembler(self._format)
        while not self._stop.is_set():
            report = bytes(device.read(REPORT_SIZE, 100))
            if not report:
                continue
            if self._on_report is not None:
                self._on_report(report)
            self._tap_raw(report)
            scan = assembler.feed(report)
            if scan is not None:
                on_scan(
                    RawScan(
                        text=scan.text,
                        transport=Transport.HID_POS,
                        source_id=self.source_id,
                        received_at=time.monotonic(),
                        raw=scan.raw,
                        symbology=scan.symbology,
                    )
                )
