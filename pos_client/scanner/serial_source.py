"""USB serial (CDC-ACM / virtual COM port) scanners, read with pyserial on a thread of their own.

In this mode the scanner sends the payload's bytes verbatim, one line per scan: no keyboard
layout, nothing typed into other windows. What can still go wrong, and what this module does:

* framing: a scan ends on the configured terminator (CR by default; CR, LF, CR LF and Tab are
  always accepted), or after ``silence_s`` without a byte for scanners set to send no suffix;
  a scan split across several reads is joined, several scans in one read are split;
* line noise: control and non-ASCII bytes are dropped from the text (they stay in ``raw``),
  so an empty frame or a stray NUL never becomes a scan;
* unplug: a read error closes the port, the status says "débranchée", and the port is reopened
  every ``retry_s`` (0.25 s) until it is back, so a replugged scanner works again within 2 s;
* a port already used by another program (or the same till started twice), a missing port, or a
  permission problem each get their own French message, and the source keeps retrying.
"""

from __future__ import annotations

import errno
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from pos_client.domain.scan import RawScan, ScanSink, SourceState, StatusSink, Transport
from pos_client.scanner.source_thread import ThreadedSource

__all__ = [
    "Frame",
    "SerialFramer",
    "SerialScanSource",
    "describe_open_error",
    "split_symbology",
]

log = logging.getLogger(__name__)

ALWAYS_TERMINATORS = b"\r\n\t"
MAX_FRAME_BYTES = 1024
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


def split_symbology(text: str) -> tuple[str, str | None]:
    """Split a leading AIM symbology identifier (``]Q1`` for QR) off the text, if any."""
    match = _AIM_PREFIX.match(text)
    if match is None:
        return text, None
    return text[match.end() :], match.group(0)


@dataclass(frozen=True)
class Frame:
    """One scan's bytes as received, and its cleaned text."""

    raw: bytes
    text: str


def _clean(raw: bytes) -> str:
    # Printable ASCII only: the payload and every contremarque code are ASCII; the rest is noise.
    return bytes(b for b in raw if 0x20 <= b <= 0x7E).decode("ascii")


class SerialFramer:
    """Cuts a byte stream into scans. Pure: no I/O, no clock (the caller says when it is quiet)."""

    def __init__(self, terminator: str = "\r", max_frame: int = MAX_FRAME_BYTES) -> None:
        configured = terminator.encode("latin-1", errors="ignore")
        self._terminators = frozenset(configured + ALWAYS_TERMINATORS)
        self._max_frame = max_frame
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        return bool(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        for byte in data:
            if byte in self._terminators:
                frame = self._take()
                if frame is not None:
                    frames.append(frame)
                continue
            self._buffer.append(byte)
            if len(self._buffer) >= self._max_frame:
                frame = self._take()
                if frame is not None:
                    frames.append(frame)
        return frames

    def flush(self) -> Frame | None:
        """The line went quiet: whatever is buffered is a scan (scanner with no suffix)."""
        return self._take()

    def reset(self) -> bytes:
        dropped, self._buffer = bytes(self._buffer), bytearray()
        return dropped

    def _take(self) -> Frame | None:
        raw, self._buffer = bytes(self._buffer), bytearray()
        text = _clean(raw)
        if not text.strip():
            return None  # an empty line (CR LF) or pure noise
        return Frame(raw, text)


def describe_open_error(port: str, exc: BaseException) -> tuple[SourceState, str]:
    """The state and cashier message for a port that would not open."""
    text = str(exc)
    code = getattr(exc, "errno", None)
    if (
        code in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK)
        or "exclusively lock" in text
        or "PermissionError(13" in text  # Windows: a COM port opened elsewhere is "access denied"
    ):
        return SourceState.ERROR, (
            f"Le port {port} est déjà utilisé par un autre programme (ou une autre caisse "
            "ouverte). Fermez-le : la douchette sera reprise toute seule."
        )
    if code == errno.EACCES:
        return SourceState.ERROR, (
            f"Accès refusé au port {port}. Installez les règles udev de pos-client "
            "(drivers/linux/install-udev-rules.sh) puis rebranchez la douchette."
        )
    if code == errno.ENOENT or "FileNotFoundError" in text or "could not open port" in text:
        return SourceState.DISCONNECTED, f"Douchette débranchée (port {port} absent)."
    return SourceState.ERROR, f"Le port {port} ne s'ouvre pas : {text}"


SerialFactory = Callable[[str], "serial.Serial"]


def _open_port(port: str) -> serial.Serial:
    # CDC ignores the baud rate; 9600 8N1 without flow control suits real RS-232 scanners too.
    # exclusive=True: a second program (or a second till) gets a clear "busy", not stolen bytes.
    return serial.Serial(port, baudrate=9600, timeout=0.05, exclusive=True)


class SerialScanSource(ThreadedSource):
    """A scanner on one serial port. ``start`` returns at once; the port is read on a thread."""

    def __init__(
        self,
        port: str,
        *,
        terminator: str = "\r",
        silence_s: float = 0.1,
        retry_s: float = 0.25,
        on_bytes: Callable[[bytes], None] | None = None,
        open_port: SerialFactory = _open_port,
    ) -> None:
        super().__init__(retry_s)
        self._port = port
        self._terminator = terminator
        self._silence_s = silence_s
        self._on_bytes = on_bytes
        self._open_port = open_port

    @property
    def source_id(self) -> str:
        return f"serial:{self._port}"

    # ------------------------------------------------------------------ thread
    def _run(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        self._report(on_status, SourceState.STARTING)
        while not self._stop.is_set():
            try:
                port = self._open_port(self._port)
            except (serial.SerialException, OSError, ValueError) as exc:
                state, message = describe_open_error(self._port, exc)
                self._report(on_status, state, message)
                self._stop.wait(self._retry_s)
                continue
            self._report(on_status, SourceState.CONNECTED)
            try:
                self._read_until_error(port, on_scan)
            except (serial.SerialException, OSError) as exc:
                log.info("%s: read failed (%s)", self.source_id, exc)
                self._report(
                    on_status,
                    SourceState.DISCONNECTED,
                    f"Douchette débranchée ({self._port}) : rebranchez-la, elle sera reprise.",
                )
            finally:
                port.close()
            self._stop.wait(self._retry_s)
        self._report(on_status, SourceState.STOPPED)

    def _read_until_error(self, port: serial.Serial, on_scan: ScanSink) -> None:
        framer = SerialFramer(self._terminator)
        last_byte_at = 0.0
        try:
            while not self._stop.is_set():
                data: bytes = port.read(max(1, port.in_waiting))
                now = time.monotonic()
                if data:
                    last_byte_at = now
                    if self._on_bytes is not None:
                        self._on_bytes(data)
                    self._tap_raw(data)
                    for frame in framer.feed(data):
                        self._emit(frame, now, on_scan)
                elif framer.pending and now - last_byte_at >= self._silence_s:
                    quiet_frame = framer.flush()
                    if quiet_frame is not None:
                        self._emit(quiet_frame, last_byte_at, on_scan)
        finally:
            dropped = framer.reset()
            if dropped:
                log.info("%s: %d bytes of an unfinished scan dropped", self.source_id, len(dropped))

    def _emit(self, frame: Frame, received_at: float, on_scan: ScanSink) -> None:
        text, symbology = split_symbology(frame.text)
        on_scan(
            RawScan(
                text=text,
                transport=Transport.SERIAL,
                source_id=self.source_id,
                received_at=received_at,
                raw=frame.raw,
                symbology=symbology,
            )
        )
