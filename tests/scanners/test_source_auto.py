"""Automatic mode (hot-plug): a scanner plugged in after start-up is adopted without a restart.

Serial scanners are real pseudo-terminals that appear after the source started, listed by an
injected port lister (what pyserial's ``comports()`` would return once the scanner enumerates),
behind a ``/dev/serial/by-id``-style link that the source must prefer. HID POS scanners are a
recorded enumeration plus report bytes (no USB device here).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from serial_ports import Port

from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.scanner.discovery import (
    build_hardware_sources,
    hid_pos_finder,
    serial_scanner_finder,
    stable_serial_path,
)
from pos_client.scanner.hid_source import HidScanSource, parse_vid_pid
from pos_client.scanner.source_auto import AutoDetectSource
from pos_client.settings import ScannerSettings

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"


class PortLister:
    """Stands for ``serial.tools.list_ports.comports``: the ports of the moment; records the
    threads that asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ports: list[Port] = []
        self.calls = 0
        self.threads: set[str] = set()

    def set(self, *ports: Port) -> None:
        with self._lock:
            self._ports = list(ports)

    def __call__(self) -> list[Port]:
        with self._lock:
            self.calls += 1
            self.threads.add(threading.current_thread().name)
            return list(self._ports)


class Scanner:
    """A CDC scanner: a pty pair, its by-id link, and the port record the OS would list."""

    def __init__(self, by_id: Path, name: str) -> None:
        self.master, self.slave = os.openpty()
        self.node = os.ttyname(self.slave)
        self.link = by_id / name
        self.link.symlink_to(self.node)
        self.port = Port(self.node, 0x0C2E, 0x0720, "Honeywell Scanner", "Honeywell", "Voyager 1450g")
        self.open = True

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        if self.open:
            os.close(self.master)
            os.close(self.slave)
            self.link.unlink()
            self.open = False


class Recorder:
    def __init__(self) -> None:
        self.scans: queue.Queue[RawScan] = queue.Queue()
        self.statuses: queue.Queue[SourceStatus] = queue.Queue()
        self.seen: list[SourceStatus] = []

    def on_scan(self, scan: RawScan) -> None:
        self.scans.put(scan)

    def on_status(self, status: SourceStatus) -> None:
        self.statuses.put(status)

    def wait(self, source_id: str, state: SourceState, timeout: float = 5.0) -> SourceStatus:
        deadline = time.monotonic() + timeout
        while True:
            status = self.statuses.get(timeout=max(0.01, deadline - time.monotonic()))
            self.seen.append(status)
            if status.source_id == source_id and status.state is state:
                return status


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def by_id(tmp_path: Path) -> Path:
    folder = tmp_path / "serial" / "by-id"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def scanners(by_id: Path) -> Iterator[list[Scanner]]:
    made: list[Scanner] = []
    yield made
    for scanner in made:
        scanner.unplug()


def test_a_serial_scanner_plugged_in_after_start_is_adopted_by_its_by_id_path(
    by_id: Path, scanners: list[Scanner]
) -> None:
    lister = PortLister()
    sources = build_hardware_sources(
        ScannerSettings(hid_enabled=False), comports=lister, serial_by_id=by_id, auto_interval_s=0.05
    )
    assert [s.source_id for s in sources] == ["serial:auto"]
    assert lister.calls == 0  # choosing the sources lists nothing on the caller's thread
    recorder = Recorder()
    source = sources[0]
    source.start(recorder.on_scan, recorder.on_status)
    try:
        searching = recorder.wait("serial:auto", SourceState.SEARCHING)
        assert "branchez-la" in searching.message
        wait_until(lambda: lister.calls >= 3)  # nothing plugged in: it keeps looking
        scanner = Scanner(by_id, "usb-Honeywell_Voyager_1450g_19140B4D0F-if00")
        scanners.append(scanner)
        lister.set(Port("/dev/ttyS0"), scanner.port)  # the scanner enumerates
        connected = recorder.wait(f"serial:{scanner.link}", SourceState.CONNECTED)
        assert connected.message == ""
        scanner.send(PAYLOAD.encode() + b"\r")
        scan = recorder.scans.get(timeout=5)
        assert (scan.text, scan.transport) == (PAYLOAD, Transport.SERIAL)
        assert scan.source_id == f"serial:{scanner.link}"  # the stable name, not /dev/pts/N
        assert isinstance(source, AutoDetectSource) and source.adopted == str(scanner.link)
        hidden = [s for s in recorder.seen if s.source_id == "serial:auto"]
        assert [s.state for s in hidden] == [SourceState.SEARCHING, SourceState.STOPPED]
    finally:
        source.stop()
    recorder.wait(f"serial:{scanner.link}", SourceState.STOPPED)
    assert "MainThread" not in lister.threads


def test_an_unplugged_scanner_is_replaced_by_the_one_plugged_in_instead(
    by_id: Path, scanners: list[Scanner]
) -> None:
    first = Scanner(by_id, "usb-Honeywell_Voyager_1450g_AAAA-if00")
    scanners.append(first)
    lister = PortLister()
    lister.set(first.port)
    source = AutoDetectSource(
        "serial:auto",
        serial_scanner_finder(lister, by_id),
        lambda port: build_hardware_sources(ScannerSettings(serial_port=port, hid_enabled=False))[0],
        searching_message="recherche",
        interval_s=0.05,
    )
    recorder = Recorder()
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait(f"serial:{first.link}", SourceState.CONNECTED)
        first.send(b"PASSCULTURE:v3;TOKEN:AAAAAA\r")
        assert recorder.scans.get(timeout=5).text == "PASSCULTURE:v3;TOKEN:AAAAAA"
        # The first scanner is unplugged (gone from the list) and another one is plugged in.
        second = Scanner(by_id, "usb-Honeywell_Voyager_1450g_BBBB-if00")
        scanners.append(second)
        lister.set(second.port)
        first.unplug()
        recorder.wait(f"serial:{first.link}", SourceState.DISCONNECTED)
        recorder.wait(f"serial:{first.link}", SourceState.STOPPED)
        recorder.wait(f"serial:{second.link}", SourceState.CONNECTED)
        second.send(b"PASSCULTURE:v3;TOKEN:BBBBBB\r")
        scan = recorder.scans.get(timeout=5)
        assert (scan.text, scan.source_id) == ("PASSCULTURE:v3;TOKEN:BBBBBB", f"serial:{second.link}")
    finally:
        source.stop()


def test_a_replugged_scanner_keeps_its_source_and_is_read_again(by_id: Path, scanners: list[Scanner]) -> None:
    # Unplugged and not listed, no other scanner: the adopted source stays and says "débranchée".
    first = Scanner(by_id, "usb-Honeywell_Voyager_1450g_AAAA-if00")
    scanners.append(first)
    lister = PortLister()
    lister.set(first.port)
    (source,) = build_hardware_sources(
        ScannerSettings(hid_enabled=False), comports=lister, serial_by_id=by_id, auto_interval_s=0.05
    )
    recorder = Recorder()
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait(f"serial:{first.link}", SourceState.CONNECTED)
        lister.set()
        first.unplug()
        gone = recorder.wait(f"serial:{first.link}", SourceState.DISCONNECTED)
        assert "débranchée" in gone.message
        calls = lister.calls
        wait_until(lambda: lister.calls >= calls + 2)  # looking for a replacement meanwhile
        # Plugged back: the OS gives the same by-id name to the new node.
        again = Scanner(by_id, first.link.name)
        scanners.append(again)
        lister.set(again.port)
        recorder.wait(f"serial:{first.link}", SourceState.CONNECTED)
        again.send(PAYLOAD.encode() + b"\r")
        assert recorder.scans.get(timeout=5).source_id == f"serial:{first.link}"
    finally:
        source.stop()


def test_stable_serial_path_prefers_the_by_id_link(by_id: Path, scanners: list[Scanner]) -> None:
    scanner = Scanner(by_id, "usb-Newland_FM430-if00")
    scanners.append(scanner)
    assert stable_serial_path(scanner.node, by_id) == str(scanner.link)
    assert stable_serial_path("/dev/ttyACM7", by_id) == "/dev/ttyACM7"  # no link for it
    assert stable_serial_path("COM3", by_id.parent / "missing") == "COM3"  # Windows: no by-id
    # Ports that do not look like scanners are never adopted.
    lister = PortLister()
    lister.set(Port("/dev/ttyACM2", 0x2341, 0x0043, "Arduino Uno", "Arduino", "Arduino Uno"))
    assert serial_scanner_finder(lister, by_id)() == []


# ----------------------------------------------------------------------------- HID POS
class HidBus:
    """A hidapi module whose enumeration shows the scanner only once it is plugged in."""

    def __init__(self, reports: Sequence[bytes]) -> None:
        self.plugged = threading.Event()
        self._reports = list(reports)
        self.idle = threading.Event()

    def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict[str, Any]]:
        if not self.plugged.is_set():
            return [{"vendor_id": 0x046D, "product_id": 0xC31C, "usage_page": 0x01, "usage": 0x06}]
        return [
            {"vendor_id": 0x046D, "product_id": 0xC31C, "usage_page": 0x01, "usage": 0x06},
            {
                "vendor_id": 0x1EAB,
                "product_id": 0x8210,
                "usage_page": 0x8C,
                "usage": 0x02,
                "path": b"/dev/hidraw4",
                "product_string": "FM30",
            },
        ]

    def device(self) -> HidBus:
        return self

    def open_path(self, path: bytes) -> None:
        pass

    def send_feature_report(self, data: Sequence[int]) -> int:
        return len(data)

    def read(self, max_length: int, timeout_ms: int = 0) -> Sequence[int]:
        if self._reports:
            return list(self._reports.pop(0))
        self.idle.wait(timeout_ms / 1000)
        return []

    def close(self) -> None:
        pass


def pos_standard_report(data: bytes) -> bytes:
    """02 | symbology (3) | 56 data bytes NUL-padded | continued bit (HID POS usage tables 1.02)."""
    report = bytearray(61)
    report[0] = 0x02
    report[1:4] = b"]Q1"
    report[4 : 4 + len(data)] = data
    return bytes(report)


def test_a_hid_pos_scanner_plugged_in_after_start_is_adopted() -> None:
    bus = HidBus([pos_standard_report(PAYLOAD.encode())])

    def make(ident: str) -> HidScanSource:
        vid, pid = parse_vid_pid(ident)
        return HidScanSource(vid, pid, retry_s=0.05, backend=lambda: bus)

    taps: queue.Queue[tuple[str, bytes]] = queue.Queue()
    source = AutoDetectSource(
        "hid:auto", hid_pos_finder(lambda: bus.enumerate()), make, searching_message="x", interval_s=0.05
    )
    source.set_on_raw(lambda source_id, data: taps.put((source_id, data)))  # set before adoption
    recorder = Recorder()
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait("hid:auto", SourceState.SEARCHING)
        bus.plugged.set()
        recorder.wait("hid:1eab:8210", SourceState.CONNECTED)
        scan = recorder.scans.get(timeout=5)
        assert (scan.text, scan.transport, scan.source_id) == (PAYLOAD, Transport.HID_POS, "hid:1eab:8210")
        source_id, report = taps.get(timeout=5)
        assert source_id == "hid:1eab:8210" and report.startswith(b"\x02]Q1PASSCULTURE")
    finally:
        bus.idle.set()
        source.stop()


def test_a_missing_library_stops_the_search_with_a_clear_error() -> None:
    def no_hidapi() -> list[str]:
        raise ImportError("No module named 'hidraw'")

    def make(ident: str) -> HidScanSource:
        raise AssertionError("nothing to adopt")

    source = AutoDetectSource("hid:auto", no_hidapi, make, searching_message="x", interval_s=0.05)
    recorder = Recorder()
    source.start(recorder.on_scan, recorder.on_status)
    error = recorder.wait("hid:auto", SourceState.ERROR)
    assert "bibliothèque absente" in error.message and "hidraw" in error.message
    recorder.wait("hid:auto", SourceState.STOPPED)
    source.stop()
