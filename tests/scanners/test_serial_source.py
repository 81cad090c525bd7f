"""The serial source over real pseudo-terminals: pyserial opens the slave path like a /dev/ttyACM*;
the test writes the scanner's bytes on the master. Unplug = closing the master; replug = a new
pty behind the same by-id style symlink; busy = another exclusive opener."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.scanner.serial_source import (
    SerialFramer,
    SerialScanSource,
    describe_open_error,
    split_symbology,
)

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"


class FakeCable:
    """A pty pair behind a stable symlink, like /dev/serial/by-id/usb-...-if00."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.slave = -1
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(self.slave))
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


class Recorder:
    def __init__(self) -> None:
        self.scans: queue.Queue[RawScan] = queue.Queue()
        self.statuses: queue.Queue[SourceStatus] = queue.Queue()

    def on_scan(self, scan: RawScan) -> None:
        self.scans.put(scan)

    def on_status(self, status: SourceStatus) -> None:
        self.statuses.put(status)

    def next_scan(self, timeout: float = 3.0) -> RawScan:
        return self.scans.get(timeout=timeout)

    def wait_state(self, state: SourceState, timeout: float = 3.0) -> SourceStatus:
        deadline = time.monotonic() + timeout
        while True:
            status = self.statuses.get(timeout=max(0.01, deadline - time.monotonic()))
            if status.state is state:
                return status


@pytest.fixture
def cable(tmp_path: Path) -> Iterator[FakeCable]:
    fake = FakeCable(tmp_path / "usb-Honeywell_Scanner-if00")
    yield fake
    fake.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def started(cable: FakeCable, recorder: Recorder, **kwargs: object) -> SerialScanSource:
    source = SerialScanSource(str(cable.link), **kwargs)  # type: ignore[arg-type]
    source.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(SourceState.CONNECTED)
    return source


def test_cr_terminated_scan(cable: FakeCable, recorder: Recorder) -> None:
    source = started(cable, recorder)
    try:
        cable.send(PAYLOAD.encode() + b"\r")
        scan = recorder.next_scan()
        assert scan.text == PAYLOAD
        assert scan.transport is Transport.SERIAL
        assert scan.source_id == f"serial:{cable.link}"
        assert scan.raw == PAYLOAD.encode()
    finally:
        source.stop()
    assert recorder.wait_state(SourceState.STOPPED).state is SourceState.STOPPED


def test_split_reads_merged_reads_crlf_and_aim_prefix(cable: FakeCable, recorder: Recorder) -> None:
    source = started(cable, recorder)
    try:
        # One scan in three writes with pauses shorter than the silence.
        cable.send(b"PASSCUL")
        time.sleep(0.02)  # let the reader see a partial line (this is what is being tested)
        cable.send(b"TURE:v3;TOK")
        time.sleep(0.02)
        cable.send(b"EN:352UW4\r\n")
        assert recorder.next_scan().text == PAYLOAD
        # Two scans in one write, CR LF and Tab terminators, AIM symbology identifier.
        cable.send(b"]Q1PASSCULTURE:v3;TOKEN:ABCDEF\r\nPASSCULTURE:v3;TOKEN:GHJKLM\t")
        first, second = recorder.next_scan(), recorder.next_scan()
        assert (first.text, first.symbology) == ("PASSCULTURE:v3;TOKEN:ABCDEF", "]Q1")
        assert second.text == "PASSCULTURE:v3;TOKEN:GHJKLM"
        assert recorder.scans.empty()
    finally:
        source.stop()


def test_noise_never_becomes_a_scan(cable: FakeCable, recorder: Recorder) -> None:
    source = started(cable, recorder)
    try:
        cable.send(b"\x00\xff\x1b\r\r\n\x00\r")  # line noise and empty lines
        cable.send(b"\x00PASS\xfeCULTURE:v3;TOKEN:352UW4\x07\r")
        scan = recorder.next_scan()
        assert scan.text == PAYLOAD
        assert scan.raw == b"\x00PASS\xfeCULTURE:v3;TOKEN:352UW4\x07"
        assert recorder.scans.empty()
    finally:
        source.stop()


def test_scanner_without_suffix_ends_on_silence(cable: FakeCable, recorder: Recorder) -> None:
    source = started(cable, recorder, terminator="", silence_s=0.08)
    try:
        sent_at = time.monotonic()
        cable.send(PAYLOAD.encode())
        scan = recorder.next_scan()
        assert scan.text == PAYLOAD
        assert scan.received_at >= sent_at
    finally:
        source.stop()


def test_on_bytes_sees_the_raw_stream(cable: FakeCable, recorder: Recorder) -> None:
    seen: queue.Queue[bytes] = queue.Queue()
    source = started(cable, recorder, on_bytes=seen.put)
    try:
        cable.send(b"AB\r")
        recorder.next_scan()
        stream = b""
        while len(stream) < 3:  # the reader may get the bytes in several reads
            stream += seen.get(timeout=1)
        assert stream == b"AB\r"
    finally:
        source.stop()


def test_unplug_says_debranchee_and_replug_reconnects_within_2_s(
    cable: FakeCable, recorder: Recorder
) -> None:
    source = started(cable, recorder)
    try:
        cable.send(b"PASSCULT")  # a half scan when the cable goes
        cable.unplug()
        status = recorder.wait_state(SourceState.DISCONNECTED)
        assert "débranchée" in status.message
        cable.plug()
        replugged_at = time.monotonic()
        recorder.wait_state(SourceState.CONNECTED, timeout=2.0)
        assert time.monotonic() - replugged_at < 2.0
        cable.send(PAYLOAD.encode() + b"\r")
        assert recorder.next_scan().text == PAYLOAD  # the half scan was dropped, not glued on
    finally:
        source.stop()


def test_busy_port_gives_a_clear_message_then_recovers(cable: FakeCable, recorder: Recorder) -> None:
    other_program = serial.Serial(str(cable.link), exclusive=True)
    source = SerialScanSource(str(cable.link))
    try:
        source.start(recorder.on_scan, recorder.on_status)
        status = recorder.wait_state(SourceState.ERROR)
        assert "déjà utilisé" in status.message
        other_program.close()
        recorder.wait_state(SourceState.CONNECTED, timeout=2.0)
        cable.send(PAYLOAD.encode() + b"\r")
        assert recorder.next_scan().text == PAYLOAD
    finally:
        other_program.close()
        source.stop()


def test_missing_port_is_reported_as_unplugged(tmp_path: Path, recorder: Recorder) -> None:
    source = SerialScanSource(str(tmp_path / "ttyACM9"))
    source.start(recorder.on_scan, recorder.on_status)
    try:
        status = recorder.wait_state(SourceState.DISCONNECTED)
        assert "débranchée" in status.message
    finally:
        source.stop()
    with pytest.raises(RuntimeError):
        source.start(recorder.on_scan, recorder.on_status)
        source.start(recorder.on_scan, recorder.on_status)
    source.stop()


def test_open_errors_are_classified() -> None:
    denied = serial.SerialException(13, "could not open port /dev/ttyACM0: [Errno 13] Permission denied")
    assert describe_open_error("/dev/ttyACM0", denied)[0] is SourceState.ERROR
    assert "udev" in describe_open_error("/dev/ttyACM0", denied)[1]
    windows_busy = serial.SerialException(
        "could not open port 'COM3': PermissionError(13, 'Accès refusé.', None, 5)"
    )
    assert "déjà utilisé" in describe_open_error("COM3", windows_busy)[1]
    other = describe_open_error("COM3", ValueError("bad"))
    assert other[0] is SourceState.ERROR and "COM3" in other[1]


def test_framer_bounds_a_runaway_line() -> None:
    framer = SerialFramer(max_frame=16)
    frames = framer.feed(b"A" * 40)
    assert [len(f.text) for f in frames] == [16, 16]
    assert framer.pending
    assert framer.flush() is not None
    assert framer.flush() is None


def test_split_symbology() -> None:
    assert split_symbology("]Q1ABC") == ("ABC", "]Q1")
    assert split_symbology("ABC") == ("ABC", None)
