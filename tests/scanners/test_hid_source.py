"""HID POS: report decoding from report bytes laid out as each maker documents them, and the
source's thread with a stand-in for the one thing that cannot exist here (a USB HID device),
replaying those bytes, including an unplug and a replug."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from recorded_hid_reports import VOYAGER_1602G_REVINF

from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.scanner.hid_reports import (
    HidReportAssembler,
    HidReportFormat,
    decode_report,
    format_for_vendor,
)
from pos_client.scanner.hid_source import HidScanSource, parse_vid_pid

PAYLOAD = b"PASSCULTURE:v3;TOKEN:352UW4"


def honeywell_report(data: bytes, *, more: bool = False, aim: bytes = b"]Q1", code_id: int = 0x73) -> bytes:
    """02 | len | AIM | data | pad | code id @61 | more @63 (64 bytes with the report ID)."""
    report = bytearray(64)
    report[0] = 0x02
    report[1] = len(data)
    report[2:5] = aim
    report[5 : 5 + len(data)] = data
    report[61] = code_id
    report[63] = 1 if more else 0
    return bytes(report)


def pos_standard_report(data: bytes, *, more: bool = False, aim: bytes = b"]Q1") -> bytes:
    """02 | symbology 1-3 | 56 data bytes NUL-padded | continued bit (HID POS usage tables 1.02)."""
    report = bytearray(61)
    report[0] = 0x02
    report[1:4] = aim
    report[4 : 4 + len(data)] = data
    report[60] = 1 if more else 0
    return bytes(report)


def test_honeywell_single_report() -> None:
    packet = decode_report(honeywell_report(PAYLOAD + b"\r"), HidReportFormat.HONEYWELL)
    assert packet is not None
    assert packet.data == PAYLOAD + b"\r"
    assert packet.symbology == "]Q1"
    assert packet.code_name == "qr-code"
    assert not packet.more
    scan = HidReportAssembler(HidReportFormat.HONEYWELL).feed(honeywell_report(PAYLOAD + b"\r"))
    assert scan is not None and scan.text == PAYLOAD.decode()


def test_honeywell_long_code_in_two_reports() -> None:
    long = b"PASSCULTURE:v2;EAN13:9782070612758;NOTE:" + b"x" * 40 + b";TOKEN:352UW4"
    assembler = HidReportAssembler(HidReportFormat.HONEYWELL)
    assert assembler.feed(honeywell_report(long[:56], more=True)) is None
    assert assembler.pending
    scan = assembler.feed(honeywell_report(long[56:]))
    assert scan is not None
    assert scan.raw == long
    assert not assembler.pending


def test_pos_standard_reports() -> None:
    assembler = HidReportAssembler(HidReportFormat.POS_STANDARD)
    scan = assembler.feed(pos_standard_report(PAYLOAD))
    assert scan is not None
    assert (scan.text, scan.symbology) == (PAYLOAD.decode(), "]Q1")
    long = PAYLOAD * 3
    assert assembler.feed(pos_standard_report(long[:56], more=True)) is None
    scan = assembler.feed(pos_standard_report(long[56:]))
    assert scan is not None and scan.raw == long


def test_recorded_voyager_reports_a_multi_report_message_then_an_ack() -> None:
    # Real bytes from a Honeywell Voyager 1602g (python_hon_usbhid's README): 6 reports of one
    # message, "more" set on the first 5, then the ACK of the command in a report of its own.
    assembler = HidReportAssembler(HidReportFormat.HONEYWELL)
    message, ack = VOYAGER_1602G_REVINF[:6], VOYAGER_1602G_REVINF[6]
    assert all(len(report) == 64 for report in VOYAGER_1602G_REVINF)
    for report in message[:-1]:
        assert assembler.feed(report) is None
        assert assembler.pending
    joined = assembler.feed(message[-1])
    assert joined is not None and not assembler.pending
    assert joined.symbology == "]X0"
    assert joined.raw.startswith(b"Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\n")
    assert joined.raw.endswith(b"Checksum: N/A\r\n")
    assert len(joined.raw) == 5 * 56 + 9  # 5 full reports and the 9-byte tail, length bytes obeyed
    assert "Serial Number: 15232B1F0C" in joined.text and "\r" not in joined.text
    acknowledged = assembler.feed(ack)
    assert acknowledged is not None
    assert (acknowledged.raw, acknowledged.text, acknowledged.symbology) == (b"REVINF\x06.", "REVINF.", "]Z6")


def test_other_reports_and_empty_scans_are_ignored() -> None:
    assembler = HidReportAssembler(HidReportFormat.POS_STANDARD)
    assert assembler.feed(bytes([0x04, 0x01, 0x00, 0x00, 0x00])) is None  # status report
    assert assembler.feed(b"\x02") is None  # truncated
    assert assembler.feed(pos_standard_report(b"\r\x00")) is None  # nothing printable
    no_aim = decode_report(pos_standard_report(PAYLOAD, aim=b"\x00\x00\x00"), HidReportFormat.POS_STANDARD)
    assert no_aim is not None and no_aim.symbology is None
    assembler.feed(pos_standard_report(b"ab", more=True))
    assembler.reset()
    assert not assembler.pending


def test_vendor_formats_and_vid_pid() -> None:
    assert format_for_vendor(0x0C2E) is HidReportFormat.HONEYWELL
    assert format_for_vendor(0x1EAB) is HidReportFormat.POS_STANDARD
    assert parse_vid_pid("0c2e:0B8F") == (0x0C2E, 0x0B8F)
    with pytest.raises(ValueError, match="VID:PID"):
        parse_vid_pid("honeywell")


class RecordedDevice:
    """Replays reports; then fails like an unplugged device."""

    def __init__(self, reports: list[bytes], bus: FakeHidBus) -> None:
        self._reports = list(reports)
        self._bus = bus
        self.features: list[list[int]] = []

    def open_path(self, path: bytes) -> None:
        if path != b"/dev/hidraw3":
            raise OSError("open failed")

    def send_feature_report(self, data: Sequence[int]) -> int:
        self.features.append(list(data))
        return len(data)

    def read(self, max_length: int, timeout_ms: int = 0) -> Sequence[int]:
        if self._reports:
            return list(self._reports.pop(0))[:max_length]
        if self._bus.unplug_after_replay:
            self._bus.plugged.clear()
            raise OSError("read error")
        self._bus.idle.wait(timeout_ms / 1000)
        return []

    def close(self) -> None:
        pass


class FakeHidBus:
    """Enumeration and devices of a hidapi module, from recorded data."""

    def __init__(self, sessions: list[list[bytes]]) -> None:
        self.sessions = sessions
        self.plugged = threading.Event()
        self.plugged.set()
        self.unplug_after_replay = True
        self.idle = threading.Event()
        self.devices: list[RecordedDevice] = []

    def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict[str, Any]]:
        if not self.plugged.is_set():
            return []
        return [
            {"path": b"/dev/hidraw2", "usage_page": 0x01, "vendor_id": vendor_id, "product_id": product_id},
            {"path": b"/dev/hidraw3", "usage_page": 0x8C, "vendor_id": vendor_id, "product_id": product_id},
        ]

    def device(self) -> RecordedDevice:
        reports = self.sessions.pop(0) if self.sessions else []
        self.unplug_after_replay = bool(self.sessions)
        device = RecordedDevice(reports, self)
        self.devices.append(device)
        return device


def test_source_reads_unplugs_and_comes_back() -> None:
    second = b"PASSCULTURE:v3;TOKEN:ABCDEF"
    bus = FakeHidBus([[honeywell_report(PAYLOAD + b"\r")], [honeywell_report(second)]])
    scans: queue.Queue[RawScan] = queue.Queue()
    statuses: queue.Queue[SourceStatus] = queue.Queue()
    reports: list[bytes] = []
    source = HidScanSource(0x0C2E, 0x0B8F, retry_s=0.05, on_report=reports.append, backend=lambda: bus)
    source.start(scans.put, statuses.put)
    try:
        first = scans.get(timeout=3)
        assert first.text == PAYLOAD.decode()
        assert first.transport is Transport.HID_POS
        assert first.source_id == "hid:0c2e:0b8f"
        assert first.symbology == "]Q1"
        seen = []
        while True:
            status = statuses.get(timeout=3)
            seen.append(status.state)
            if status.state is SourceState.DISCONNECTED:
                assert "débranchée" in status.message
                break
        bus.plugged.set()  # replug
        assert scans.get(timeout=3).text == "PASSCULTURE:v3;TOKEN:ABCDEF"
        assert bus.devices[0].features == [[0xFE, 0x01]]  # Honeywell switched to HID POS mode
        assert len(reports) >= 2
    finally:
        bus.idle.set()
        source.stop()
    assert seen[:2] == [SourceState.STARTING, SourceState.CONNECTED]


def test_source_without_hidapi_says_so() -> None:
    def missing() -> Any:
        raise ImportError("No module named 'hidraw'")

    statuses: queue.Queue[SourceStatus] = queue.Queue()
    source = HidScanSource(0x1EAB, 0x8210, backend=missing)
    source.start(lambda scan: None, statuses.put)
    source.stop()
    states = [statuses.get_nowait() for _ in range(statuses.qsize())]
    assert states[-1].state is SourceState.ERROR
    assert "hidapi" in states[-1].message


def test_source_hands_every_recorded_report_to_the_raw_tap() -> None:
    bus = FakeHidBus([list(VOYAGER_1602G_REVINF)])
    bus.unplug_after_replay = False
    scans: queue.Queue[RawScan] = queue.Queue()
    taps: queue.Queue[tuple[str, bytes]] = queue.Queue()
    source = HidScanSource(0x0C2E, 0x0B8F, retry_s=0.05, backend=lambda: bus)
    source.set_on_raw(lambda source_id, data: taps.put((source_id, data)))
    source.start(scans.put, lambda status: None)
    try:
        assert scans.get(timeout=3).symbology == "]X0"
        assert scans.get(timeout=3).text == "REVINF."
        tapped = [taps.get(timeout=3) for _ in VOYAGER_1602G_REVINF]
    finally:
        bus.idle.set()
        source.stop()
    assert tapped == [("hid:0c2e:0b8f", report) for report in VOYAGER_1602G_REVINF]
