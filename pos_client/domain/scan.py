"""Scans and their sources: what a source read, how it came, and the interface every source implements.

A source (keyboard wedge, serial port, HID POS device, webcam, a typed code, a replay file) turns
what its device produced into ``RawScan`` values and hands them to a sink; it never parses the
payload itself (the contremarque reader does that, the same way for every transport) and never
blocks its caller: sources with blocking I/O own a thread. Sinks may be called from that thread,
so a sink must be thread-safe (the Qt bridge re-emits on the GUI thread).

Sources report their health through a status sink, so the status bar can say "douchette
débranchée" and the source can recover by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, runtime_checkable

__all__ = [
    "RawScan",
    "RawSink",
    "RawTapping",
    "ScanSink",
    "ScanSource",
    "SourceState",
    "SourceStatus",
    "StatusSink",
    "Transport",
]


class Transport(Enum):
    """How a scan reached the till (recorded in the journal with each sale)."""

    KEYBOARD = "keyboard"  # keyboard-wedge scanner, caught by the application-wide capture
    EVDEV = "evdev"  # keyboard-wedge scanner read exclusively through Linux evdev
    SERIAL = "serial"  # USB CDC / virtual COM port
    HID_POS = "hid_pos"  # USB HID POS (usage page 0x8C)
    WEBCAM = "webcam"
    TYPED = "typed"  # the cashier typed or pasted the code
    COMMAND_LINE = "command_line"


@dataclass(frozen=True)
class RawScan:
    """What one source read once, before any parsing.

    Attributes:
        text: the characters as received (may be garbled by a keyboard layout mismatch).
        transport: which kind of source produced it.
        source_id: a stable id of the device ("serial:/dev/ttyACM0", "hid:0c2e:0b8f", "webcam:0").
        received_at: ``time.monotonic()`` when the last character or byte arrived.
        raw: the bytes as received, when the transport has bytes (serial, HID).
        symbology: the AIM symbology identifier when the device sent one (``]Q1``).
        physical_text: for keyboard sources, the text decoded from physical key positions with
            the scanner's configured layout (layout-independent), when it could be computed.
    """

    text: str
    transport: Transport
    source_id: str
    received_at: float = field(default_factory=time.monotonic)
    raw: bytes | None = None
    symbology: str | None = None
    physical_text: str | None = None


class SourceState(Enum):
    STARTING = "starting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # unplugged: the source retries by itself
    ERROR = "error"  # e.g. port busy, permission denied: the message says what to do
    STOPPED = "stopped"
    # Automatic mode with nothing plugged in yet: the source looks again every 1-2 s and adopts
    # the first scanner that appears. Not a fault (a till may have no USB scanner at all).
    SEARCHING = "searching"


@dataclass(frozen=True)
class SourceStatus:
    source_id: str
    state: SourceState
    message: str = ""  # French, for the cashier; empty when all is well


ScanSink = Callable[[RawScan], None]
StatusSink = Callable[[SourceStatus], None]
RawSink = Callable[[str, bytes], None]  # (source_id, serial chunk or HID report as received)


@runtime_checkable
class ScanSource(Protocol):
    """A device that produces scans. ``start`` returns at once; ``stop`` joins any thread."""

    @property
    def source_id(self) -> str: ...

    def start(self, on_scan: ScanSink, on_status: StatusSink) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class RawTapping(Protocol):
    """A source that can also hand over its raw input (serial chunks, HID reports) as it arrives,
    for « Tester le scanner ». The sink is called from the source's thread; ``None`` stops it.
    Settable at any time, before or after ``start``."""

    def set_on_raw(self, sink: RawSink | None) -> None: ...
