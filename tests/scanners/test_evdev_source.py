"""The evdev source: key events decoded with the scanner's layout, grab, unplug and replug, and a
clear error without the optional evdev module. The device is a stand-in replaying recorded
EV_KEY events through a real pipe (select() works on it like on /dev/input/eventN)."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from us_scanner_keys import KEY_ENTER, KEY_LEFTSHIFT, PAYLOAD, US_PAYLOAD_KEYS

from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.scanner.evdev_source import EvdevKeyDecoder, EvdevScanSource


@dataclass
class Event:
    type: int
    code: int
    value: int


def key_events(keys: tuple[tuple[int, bool], ...], terminator: int | None = KEY_ENTER) -> list[Event]:
    events = []
    for code, shift in keys:
        if shift:
            events.append(Event(1, KEY_LEFTSHIFT, 1))
        events += [Event(4, 4, 0x70004), Event(1, code, 1), Event(0, 0, 0), Event(1, code, 0)]
        if shift:
            events.append(Event(1, KEY_LEFTSHIFT, 0))
    if terminator is not None:
        events += [Event(1, terminator, 1), Event(1, terminator, 0)]
    return events


def test_decoder_reads_a_us_scanner_whatever_the_pc_layout() -> None:
    decoder = EvdevKeyDecoder("us")
    results = [decoder.feed(e.code, e.value) for e in key_events(US_PAYLOAD_KEYS) if e.type == 1]
    assert [r for r in results if r] == [PAYLOAD]
    assert not decoder.pending


def test_decoder_repeat_and_silence() -> None:
    decoder = EvdevKeyDecoder("us")
    decoder.feed(30, 1)
    decoder.feed(30, 2)  # auto-repeat is not a new character
    assert decoder.pending
    assert decoder.flush() == "a"
    assert decoder.flush() is None
    with pytest.raises(ValueError):
        EvdevKeyDecoder("klingon")


class RecordedDevice:
    """evdev.InputDevice's surface: fd, read(), grab(), close()."""

    def __init__(self, batches: list[list[Event]], unplug_at_end: bool) -> None:
        self._read_fd, self._write_fd = os.pipe()
        self.fd = self._read_fd
        self._batches = batches
        self._unplug = unplug_at_end
        self.grabbed = False
        os.write(self._write_fd, b"x")

    def grab(self) -> None:
        self.grabbed = True

    def read(self) -> list[Event]:
        os.read(self._read_fd, 1)
        if not self._batches:
            raise OSError(19, "No such device")
        batch = self._batches.pop(0)
        if self._batches or self._unplug:
            os.write(self._write_fd, b"x")
        return batch

    def close(self) -> None:
        os.close(self._read_fd)
        os.close(self._write_fd)


def test_source_grabs_reads_unplugs_and_reopens() -> None:
    plugged = threading.Event()
    plugged.set()
    opened: list[RecordedDevice] = []
    sessions = [
        ([key_events(US_PAYLOAD_KEYS[:10], None), key_events(US_PAYLOAD_KEYS[10:])], True),
        ([key_events(US_PAYLOAD_KEYS, None)], False),  # no suffix: ends on silence
    ]

    def open_device(path: str) -> Any:
        if not plugged.is_set() or not sessions:
            raise FileNotFoundError(path)
        batches, unplug = sessions.pop(0)
        device = RecordedDevice(batches, unplug)
        opened.append(device)
        if unplug:
            plugged.clear()
        return device

    scans: queue.Queue[RawScan] = queue.Queue()
    statuses: queue.Queue[SourceStatus] = queue.Queue()
    source = EvdevScanSource(
        "/dev/input/by-id/usb-Scanner-event-kbd", retry_s=0.02, silence_s=0.05, open_device=open_device
    )
    source.start(scans.put, statuses.put)
    try:
        first = scans.get(timeout=3)
        assert (first.text, first.physical_text, first.transport) == (PAYLOAD, PAYLOAD, Transport.EVDEV)
        state = statuses.get(timeout=3)
        while state.state is not SourceState.DISCONNECTED:
            state = statuses.get(timeout=3)
        assert "débranchée" in state.message
        plugged.set()
        assert scans.get(timeout=3).text == PAYLOAD
        assert opened[0].grabbed
    finally:
        source.stop()


def first_error(open_device: Callable[[str], Any]) -> SourceStatus:
    """Start a source on a device that fails to open this way; return its first ERROR status."""
    statuses: queue.Queue[SourceStatus] = queue.Queue()
    source = EvdevScanSource("/dev/input/event7", open_device=open_device, retry_s=0.01)
    source.start(lambda scan: None, statuses.put)
    try:
        status = statuses.get(timeout=3)
        while status.state is not SourceState.ERROR:
            status = statuses.get(timeout=3)
    finally:
        source.stop()
    return status


def test_without_the_evdev_module_the_error_offers_the_window_capture_not_pip() -> None:
    def missing(path: str) -> Any:
        raise ImportError("No module named 'evdev'")

    message = first_error(missing).message
    # A shop's till (bundle, .deb) cannot pip install: the way out is a setting, or a reinstall.
    assert "pip" not in message
    assert "Non : captée dans la fenêtre" in message and "réinstallez" in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="evdev is a Linux-only dependency")
def test_the_evdev_module_comes_with_the_install() -> None:
    # evdev-binary is a dependency on Linux (pyproject.toml), so the exclusive mode works as installed.
    import evdev

    assert callable(evdev.InputDevice)


def test_permission_denied_points_to_the_udev_rules() -> None:
    def denied(path: str) -> Any:
        raise PermissionError(13, "Permission denied", path)

    assert "udev" in first_error(denied).message


def test_grab_held_by_another_program_is_a_clear_error() -> None:
    class Busy(RecordedDevice):
        def grab(self) -> None:
            raise OSError(16, "Device or resource busy")

    assert "autre programme" in first_error(lambda path: Busy([], unplug_at_end=False)).message
