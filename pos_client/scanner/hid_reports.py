"""Decoding USB HID POS (usage page 0x8C) barcode reports, from the makers' documented layouts.

Bytes are as hidapi returns them: the report ID first (numbered reports), then the report. Long
codes come in several reports, each flagged "more follows"; :class:`HidReportAssembler` joins them.

Two layouts are known:

* ``HONEYWELL`` (Honeywell / Metrologic / Hand Held Products, VIDs 0c2e and 0536), as observed by
  two independent projects (NielsLeenheer/WebHidBarcodeScanner, HenkVanAsselt/python_hon_usbhid):
  ``02 | length | AIM id (3) | data (up to 56) | ... | code id @61 | more @63`` in a 64-byte
  report. The unit must first be switched to this mode with feature report ``FE 01``.
* ``POS_STANDARD``: the "Scanned Data Report" of the USB HID Point of Sale Usage Tables 1.02,
  which the other makers' HID POS modes follow (Newland ``xx10`` PIDs, Zebra, Datalogic):
  ``02 | symbology id 1-3 (3) | decoded data (56, NUL-padded) | continued flag (bit 0)``. There
  is no length byte: trailing NULs are padding.

Data bytes are kept verbatim (``raw``); the text keeps printable ASCII only (a terminator CR the
scanner was told to append, NUL padding and noise go), as for serial scanners.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "HONEYWELL_CODE_IDS",
    "HONEYWELL_VENDOR_IDS",
    "HidPacket",
    "HidReportAssembler",
    "HidReportFormat",
    "HidScanData",
    "decode_report",
    "format_for_vendor",
]

SCANNED_DATA_REPORT_ID = 0x02
HONEYWELL_VENDOR_IDS = frozenset({0x0C2E, 0x0536})
HONEYWELL_DATA_MAX = 56
HONEYWELL_CODE_ID_OFFSET = 61  # counted with the report ID byte
HONEYWELL_MORE_OFFSET = 63
POS_DATA_OFFSET = 4
POS_DATA_MAX = 56
POS_CONTINUED_OFFSET = POS_DATA_OFFSET + POS_DATA_MAX
# Honeywell's one-byte code identifiers for the 2D codes a contremarque could be printed as.
HONEYWELL_CODE_IDS = {0x73: "qr-code", 0x77: "data-matrix", 0x7A: "aztec", 0x72: "pdf417"}
MAX_SCAN_BYTES = 4096


class HidReportFormat(Enum):
    HONEYWELL = "honeywell"
    POS_STANDARD = "pos_standard"


def format_for_vendor(vendor_id: int) -> HidReportFormat:
    return HidReportFormat.HONEYWELL if vendor_id in HONEYWELL_VENDOR_IDS else HidReportFormat.POS_STANDARD


@dataclass(frozen=True)
class HidPacket:
    """One scanned-data report, decoded."""

    data: bytes
    symbology: str | None  # AIM identifier ("]Q1") when the report carried a plausible one
    more: bool  # more reports of the same scan follow
    code_name: str | None = None  # maker-specific symbology name, when known


@dataclass(frozen=True)
class HidScanData:
    """A complete scan, joined from one or more packets."""

    raw: bytes
    text: str
    symbology: str | None
    code_name: str | None


def _aim(chunk: bytes) -> str | None:
    if len(chunk) == 3 and chunk[0] == ord("]") and all(0x20 < b < 0x7F for b in chunk):
        return chunk.decode("ascii")
    return None


def decode_report(report: bytes, fmt: HidReportFormat) -> HidPacket | None:
    """Decode one report; None when it is not a scanned-data report (status, attribute...)."""
    if len(report) < POS_DATA_OFFSET + 1 or report[0] != SCANNED_DATA_REPORT_ID:
        return None
    if fmt is HidReportFormat.HONEYWELL:
        length = min(report[1], HONEYWELL_DATA_MAX, max(0, len(report) - 5))
        data = bytes(report[5 : 5 + length])
        more = len(report) > HONEYWELL_MORE_OFFSET and report[HONEYWELL_MORE_OFFSET] != 0
        code_id = report[HONEYWELL_CODE_ID_OFFSET] if len(report) > HONEYWELL_CODE_ID_OFFSET else 0
        return HidPacket(data, _aim(bytes(report[2:5])), more, HONEYWELL_CODE_IDS.get(code_id))
    data = bytes(report[POS_DATA_OFFSET:POS_CONTINUED_OFFSET]).rstrip(b"\x00")
    more = len(report) > POS_CONTINUED_OFFSET and bool(report[POS_CONTINUED_OFFSET] & 0x01)
    return HidPacket(data, _aim(bytes(report[1:4])), more)


def _text(raw: bytes) -> str:
    return bytes(b for b in raw if 0x20 <= b <= 0x7E).decode("ascii")


class HidReportAssembler:
    """Joins the packets of a multi-report scan. Not thread-safe: one per reading thread."""

    def __init__(self, fmt: HidReportFormat) -> None:
        self.format = fmt
        self._parts: list[HidPacket] = []

    @property
    def pending(self) -> bool:
        return bool(self._parts)

    def feed(self, report: bytes) -> HidScanData | None:
        packet = decode_report(report, self.format)
        if packet is None:
            return None
        self._parts.append(packet)
        if packet.more and sum(len(p.data) for p in self._parts) < MAX_SCAN_BYTES:
            return None
        parts, self._parts = self._parts, []
        raw = b"".join(p.data for p in parts)
        text = _text(raw)
        if not text.strip():
            return None
        return HidScanData(raw, text, parts[0].symbology, parts[0].code_name)

    def reset(self) -> None:
        self._parts = []
