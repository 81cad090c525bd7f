"""Linux only, optional: read one keyboard-wedge scanner exclusively through evdev.

With ``grab`` (EVIOCGRAB) only this program receives the scanner's keystrokes: nothing reaches
X11/Wayland or any other application, whatever has the focus. The key codes are physical
positions, decoded with the scanner's configured layout (US by default), so the PC's layout
never matters. Since the device is known to be a scanner, no timing heuristic is needed: a scan
ends on Enter/Tab, or after ``silence_s`` without a key (scanners set to send no suffix).

The ``evdev`` module comes with pos-client on Linux (the ``evdev-binary`` wheel is a dependency,
and the bundle and the .deb carry it); it is imported only when this source starts, and an
installation that lacks it gets an error naming the way out (``MSG_NO_EVDEV``). Reading
needs access to ``/dev/input/event*``: the udev rules in ``drivers/linux`` grant it to the
logged-in user for known scanners only (never add the cashier to the ``input`` group: that would
let any program read every keyboard).
"""

from __future__ import annotations

import errno
import logging
import select
import time
from collections.abc import Callable, Iterable
from typing import Any

from pos_client.domain.scan import RawScan, ScanSink, SourceState, StatusSink, Transport
from pos_client.scanner.keymap import KEY_LEFTSHIFT, KEY_RIGHTSHIFT, character_for
from pos_client.scanner.source_thread import ThreadedSource

__all__ = ["MSG_NO_EVDEV", "EvdevKeyDecoder", "EvdevScanSource"]

log = logging.getLogger(__name__)

EV_KEY = 0x01
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
MAX_SCAN_CHARS = 1024
# For the cashier: a till installed from the .deb or the Windows installer cannot pip install.
MSG_NO_EVDEV = (
    "Lecture exclusive indisponible : cette installation de pos-client n'a pas le module evdev. "
    "Choisissez « Non : captée dans la fenêtre » dans les réglages des douchettes (la douchette "
    "marche alors comme un clavier), ou réinstallez pos-client."
)


class EvdevKeyDecoder:
    """Turns (key code, value) events into scans. Pure: the caller says when it went quiet."""

    def __init__(self, layout: str = "us") -> None:
        character_for(30, shift=False, layout=layout)  # a bad layout name fails here, early
        self._layout = layout
        self._shift: set[int] = set()
        self._chars: list[str] = []

    @property
    def pending(self) -> bool:
        return bool(self._chars)

    def feed(self, code: int, value: int) -> str | None:
        """One EV_KEY event; returns a finished scan's text when this key ended one."""
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            if value == KEY_UP:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if value != KEY_DOWN:
            return None
        char = character_for(code, shift=bool(self._shift), layout=self._layout)
        if char in ("\r", "\t"):
            return self.flush()
        if char is not None:
            self._chars.append(char)
            if len(self._chars) >= MAX_SCAN_CHARS:
                return self.flush()
        return None

    def flush(self) -> str | None:
        text, self._chars = "".join(self._chars), []
        return text or None


DeviceOpener = Callable[[str], Any]


def _open_evdev(path: str) -> Any:
    import evdev

    return evdev.InputDevice(path)


class EvdevScanSource(ThreadedSource):
    """One scanner's evdev node (``/dev/input/by-id/usb-...-event-kbd`` is a stable name)."""

    def __init__(
        self,
        path: str,
        *,
        layout: str = "us",
        grab: bool = True,
        silence_s: float = 0.15,
        retry_s: float = 0.25,
        open_device: DeviceOpener = _open_evdev,
    ) -> None:
        super().__init__(retry_s)
        self._path = path
        self._layout = layout
        self._grab = grab
        self._silence_s = silence_s
        self._open_device = open_device

    @property
    def source_id(self) -> str:
        return f"evdev:{self._path}"

    def _run(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        self._report(on_status, SourceState.STARTING)
        while not self._stop.is_set():
            try:
                device = self._open_device(self._path)
            except ImportError:
                self._report(on_status, SourceState.ERROR, MSG_NO_EVDEV)
                return
            except FileNotFoundError:
                self._report(on_status, SourceState.DISCONNECTED, "Douchette débranchée.")
                self._stop.wait(self._retry_s)
                continue
            except PermissionError:
                self._report(
                    on_status,
                    SourceState.ERROR,
                    f"Accès refusé à {self._path} : installez les règles udev de pos-client "
                    "(drivers/linux/install-udev-rules.sh) puis rebranchez la douchette.",
                )
                self._stop.wait(self._retry_s)
                continue
            try:
                if self._grab:
                    try:
                        device.grab()
                    except OSError as exc:
                        if exc.errno != errno.EBUSY:
                            raise
                        self._report(
                            on_status,
                            SourceState.ERROR,
                            "La douchette est déjà captée en exclusivité par un autre programme "
                            "(une autre caisse ouverte ?) : fermez-le, elle sera reprise.",
                        )
                        continue  # (finally closes it; the loop waits, then retries)
                self._report(on_status, SourceState.CONNECTED)
                self._read_until_error(device, on_scan)
            except OSError as exc:
                log.info("%s: %s", self.source_id, exc)
                self._report(
                    on_status,
                    SourceState.DISCONNECTED,
                    "Douchette débranchée : rebranchez-la, elle sera reprise.",
                )
            finally:
                device.close()  # closing the node also releases the grab
                self._stop.wait(self._retry_s)
        self._report(on_status, SourceState.STOPPED)

    def _read_until_error(self, device: Any, on_scan: ScanSink) -> None:
        decoder = EvdevKeyDecoder(self._layout)
        last_key_at = 0.0

        def emit(text: str | None) -> None:
            if text:
                on_scan(
                    RawScan(
                        text=text,
                        transport=Transport.EVDEV,
                        source_id=self.source_id,
                        received_at=last_key_at,
                        physical_text=text,
                    )
                )

        while not self._stop.is_set():
            readable, _, _ = select.select([device.fd], [], [], 0.05)
            now = time.monotonic()
            if not readable:
                if decoder.pending and now - last_key_at >= self._silence_s:
                    emit(decoder.flush())
                continue
            events: Iterable[Any] = device.read()
            for event in events:
                if event.type == EV_KEY:
                    last_key_at = now
                    emit(decoder.feed(event.code, event.value))
