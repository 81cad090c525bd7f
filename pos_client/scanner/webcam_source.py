"""The webcam as a scan source: OpenCV capture and QR decoding off the GUI thread.

``WebcamSource`` implements ``ScanSource``. Two threads: the *grabber* reads frames as fast as
the camera delivers them and keeps only the newest one (camera drivers queue frames, and a
decoder that falls behind would otherwise work on stale images); the *decoder* takes the newest
frame, runs ``analyse_frame`` on it and

* emits one ``RawScan(transport=Transport.WEBCAM)`` per *appearance* of a code: a code held in
  front of the camera is read on every frame, but is sent once, then again only after it has been
  out of view for ``gone_after_s``; whether a new appearance is a repeat is the counter's one repeat
  filter's decision (``webcam.repeat_after_s``);
* hands small preview images to ``on_preview`` (at most 15 per second) with the codes outlined
  and a hint for the cashier when a code is seen but not read for a while;
* retries around the code's last position on the next frames (``roi_hints``), and asks pyzbar
  for a second opinion at most twice per second when it is installed and allowed.

The device is a camera index, a Linux device path (``/dev/video0``), a camera name (Linux:
matched against ``/sys/class/video4linux``) or a video FILE, which is played at its own frame
rate as a camera would deliver it: that is how the tests and the bench feed real videos.

States: no camera / camera busy are ``SourceState.ERROR``, unplugged is ``DISCONNECTED``; in all
three the source retries by itself every ``retry_s``. To tell "no camera" from "busy" when a camera
does not open, the source asks whether the device exists: a file or a Linux device node answers
for itself; elsewhere (Windows, macOS) OpenCV cannot say, so the camera panel passes a ``presence``
function backed by Qt's device list (``QMediaDevices.videoInputs()``). A camera that stops
delivering frames without an error (frozen driver) is ``DISCONNECTED`` until frames come back. The
end of a video file is ``STOPPED``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from pos_client.domain.scan import RawScan, ScanSink, SourceState, SourceStatus, StatusSink, Transport
from pos_client.host_os import HostOs, camera_backends, camera_device, camera_environment, current_host_os
from pos_client.scanner.webcam import (
    DecoderOptions,
    FrameAnalysis,
    GreyImage,
    PyzbarDecoder,
    Quad,
    quad_side,
    to_grey,
)
from pos_client.scanner.webcam_exposure import ExposureGuard
from pos_client.scanner.webcam_fusion import GlareFusion

__all__ = [
    "DECODERS",
    "AppearanceTracker",
    "CameraDevice",
    "Presence",
    "PreviewFrame",
    "WebcamSource",
    "hint_for",
    "pyzbar_available",
    "resolve_device",
]

log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]

MSG_OPENING = "Ouverture de la caméra…"
MSG_NO_CAMERA = "Aucune caméra détectée : branchez une webcam (nouvel essai automatique)."
MSG_BUSY = "Caméra occupée par un autre programme (visio ?) : fermez-le, la lecture reprendra seule."
# Without a presence function (Qt's device list), Windows and macOS cannot tell a missing camera
# from a busy one.
MSG_MISSING_OR_BUSY = (
    "Caméra introuvable ou occupée par un autre programme : vérifiez le câble et fermez les visios."
)
MSG_UNPLUGGED = "Caméra débranchée : rebranchez-la, la lecture reprendra seule."
MSG_END_OF_VIDEO = "Fin de la vidéo."
MSG_FROZEN = "La caméra ne donne plus d'image : débranchez-la et rebranchez-la si cela dure."

HINT_CLOSER = "Rapprochez le téléphone de la caméra."
HINT_LESS_TILT = "Inclinez moins le téléphone : tenez-le bien en face de la caméra."
HINT_GLARE = "Baissez la luminosité du téléphone ou évitez le reflet."
HINT_HOLD_STILL = "Tenez le téléphone immobile, à 15–25 cm de la caméra."

_PREVIEW_WIDTH = 480
_PREVIEW_INTERVAL_S = 1 / 15
_HINT_AFTER_S = 0.4  # a code seen but unread this long gets a hint (a single blurred frame does not)
_HINT_CLEAR_S = 0.6
_ROI_MEMORY_S = 0.5  # where a code was seen this recently is looked at harder on the next frames
_PYZBAR_INTERVAL_S = 0.5
_BUSY_AFTER_FAILED_READS = 10
_LOST_AFTER_FAILED_READS = 5


# ----------------------------------------------------------------------------- devices
@dataclass(frozen=True)
class CameraDevice:
    """What to open: a camera index, a device path, or a video file (played at its frame rate)."""

    index: int | None = None
    path: str | None = None
    is_file: bool = False

    @property
    def source_id(self) -> str:
        if self.is_file:
            return f"webcam:file:{Path(self.path or '').name}"
        return f"webcam:{self.path if self.path is not None else self.index}"


def resolve_device(spec: str) -> CameraDevice:
    """The settings' ``webcam.device`` string as a device: "" (first camera), "1", "/dev/video2",
    a camera name, or a video file path (.avi, .mp4, .mkv, ...)."""
    spec = spec.strip()
    if not spec:
        return CameraDevice(index=0)
    if spec.isdigit():
        return CameraDevice(index=int(spec))
    if spec.startswith(("/dev/video", "/dev/v4l/")):  # /dev/v4l/by-id/...: a stable name of a node
        return CameraDevice(path=spec)
    if re.search(r"\.(avi|mp4|mkv|mov|webm|mjpg|mjpeg)$", spec, re.IGNORECASE) or os.sep in spec:
        return CameraDevice(path=spec, is_file=True)
    index = _linux_index_of_name(spec)
    if index is None:
        # Windows/macOS: OpenCV cannot list names; the camera panel passes indices instead.
        log.warning("caméra %r introuvable par son nom, la première est utilisée", spec)
        return CameraDevice(index=0)
    return CameraDevice(index=index)


def _linux_index_of_name(name: str) -> int | None:
    root = Path("/sys/class/video4linux")
    if not root.is_dir():
        return None
    for node in sorted(root.glob("video*"), key=lambda p: int(p.name[5:] or 0)):
        try:
            if (node / "name").read_text(encoding="utf-8").strip() == name:
                return int(node.name[5:])
        except (OSError, ValueError):
            continue
    return None


def _camera_present(device: CameraDevice) -> bool | None:
    """Whether the device exists at all (None: this OS cannot tell without opening it)."""
    if device.is_file:
        return device.path is not None and Path(device.path).is_file()
    if current_host_os() is HostOs.LINUX:
        node = device.path or f"/dev/video{device.index}"
        return Path(node).exists()
    return None


Presence = Callable[[CameraDevice], bool | None]
"""Whether a camera is plugged in, from a device list the source cannot read itself (the panel's
Qt list); None when it cannot say. Called from the source's grabber thread."""

DECODERS = ("zxing", "pyzbar")  # the ``webcam.decoder`` values


def pyzbar_available() -> bool:
    """Whether the optional pyzbar decoder can run (pyzbar and its system library ``libzbar0``)."""
    if importlib.util.find_spec("pyzbar") is None:
        return False
    return PyzbarDecoder().available


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` the source uses (a test double can stand for a USB camera)."""

    def isOpened(self) -> bool: ...  # OpenCV's name

    def read(self) -> tuple[bool, Any]: ...

    def get(self, prop_id: int) -> float: ...

    def release(self) -> None: ...


CaptureOpener = Callable[[CameraDevice, str, tuple[int, int]], Capture]


def open_capture(
    device: CameraDevice, backend: str, resolution: tuple[int, int], *, host: HostOs | None = None
) -> Capture:
    """Open with the backends ``host_os.camera_backends`` gives for ``host`` (default: this OS;
    Windows MSMF then DirectShow, Linux V4L2 then OpenCV's choice, macOS AVFoundation) and ask for
    MJPG at ``resolution``.

    A backend or device path this OS does not have (``v4l2`` or ``/dev/video2`` on Windows) raises
    ``ValueError`` with a French message, which the source shows as its error.
    """
    if device.is_file:
        return cv2.VideoCapture(device.path or "")
    host = host or current_host_os()
    apis = [int(getattr(cv2, b.opencv_constant)) for b in camera_backends(backend, host)]
    target = camera_device(device.path if device.path is not None else (device.index or 0), host)
    # Windows: skips the hardware-transform negotiation that makes MSMF take seconds to open.
    for name, value in camera_environment(host).items():
        os.environ.setdefault(name, value)
    capture = cv2.VideoCapture()
    for api in apis:
        capture = cv2.VideoCapture(target, api)
        if capture.isOpened():
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, resolution[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, resolution[1])
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # honoured by V4L2 only; the grabber does the rest
            return capture
        capture.release()
    return capture


# ----------------------------------------------------------------------------- appearances, hints
@dataclass
class AppearanceTracker:
    """Says which codes just *appeared*: seen now, and not seen within ``gone_after_s`` before. A code
    held in view is one appearance however long it stays (frames, not time, are de-duplicated here)."""

    gone_after_s: float = 1.0
    _last_seen: dict[str, float] = field(default_factory=dict)

    def update(self, texts: Sequence[str], now: float) -> list[str]:
        appeared = []
        for text in texts:
            last = self._last_seen.get(text)
            if last is None or now - last > self.gone_after_s:
                appeared.append(text)
            self._last_seen[text] = now
        for text, last in list(self._last_seen.items()):
            if now - last > self.gone_after_s:
                del self._last_seen[text]
        return appeared


def hint_for(grey: GreyImage, quad: Quad) -> str:
    """Why a located code was probably not read, as advice for the cashier."""
    width = grey.shape[1]
    sides = [
        float(np.hypot(quad[i][0] - quad[(i + 1) % 4][0], quad[i][1] - quad[(i + 1) % 4][1]))
        for i in range(4)
    ]
    xs = [int(p[0]) for p in quad]
    ys = [int(p[1]) for p in quad]
    region = grey[max(min(ys), 0) : max(max(ys), 0) + 1, max(min(xs), 0) : max(max(xs), 0) + 1]
    if region.size and float(np.count_nonzero(region >= 250)) / region.size > 0.04:
        return HINT_GLARE
    if quad_side(quad) < 70.0 * width / 1280:
        return HINT_CLOSER
    if max(sides) > 1.35 * min(sides):
        return HINT_LESS_TILT
    return HINT_HOLD_STILL


@dataclass(frozen=True)
class PreviewFrame:
    """A small copy of the newest frame for the camera panel, with what was found on it.

    ``image`` is BGR uint8, about 480 px wide; quads are in ``image`` pixels."""

    image: Frame
    codes: tuple[Quad, ...]
    unread: tuple[Quad, ...]
    hint: str  # French advice, empty when there is nothing to say
    decode_ms: float


PreviewSink = Callable[[PreviewFrame], None]


def _scaled(quads: Sequence[Quad], scale: float) -> tuple[Quad, ...]:
    out = []
    for quad in quads:
        p = [(x * scale, y * scale) for x, y in quad]
        out.append((p[0], p[1], p[2], p[3]))
    return tuple(out)


# ----------------------------------------------------------------------------- the source
@dataclass
class _Slot:
    """The newest frame, shared by the grabber and the decoder."""

    condition: threading.Condition = field(default_factory=threading.Condition)
    frame: Frame | None = None
    grabbed_at: float = 0.0
    live: bool = False  # the grabber is streaming from an open device
    finished: bool = False


class WebcamSource:
    """A webcam (or a video file) as a ``ScanSource``; see the module docstring."""

    def __init__(
        self,
        device: CameraDevice | str,
        *,
        on_preview: PreviewSink | None = None,
        backend: str = "auto",
        resolution: tuple[int, int] = (1280, 720),
        decoder: str = "zxing",
        pyzbar_second_chance: bool = True,
        gone_after_s: float = 1.0,
        retry_s: float = 2.0,
        freeze_after_s: float = 3.0,
        options: DecoderOptions | None = None,
        opener: CaptureOpener = open_capture,
        presence: Presence | None = None,
    ) -> None:
        """``presence`` says whether a camera is plugged in where the OS cannot tell the source
        (Windows, macOS; see the module docstring)."""
        self._device = resolve_device(device) if isinstance(device, str) else device
        self._presence = presence
        self._on_preview = on_preview
        self._backend = backend
        self._resolution = resolution
        self._options = options or DecoderOptions()
        self._fusion = GlareFusion()  # the decoder thread's: recent frames fused against glare
        self.exposure = ExposureGuard()  # a shorter exposure asked of the camera against glare
        self._tracker = AppearanceTracker(gone_after_s)
        self._retry_s = retry_s
        self._freeze_after_s = freeze_after_s
        self._frozen = False
        self._opener = opener
        self._pyzbar = PyzbarDecoder() if decoder == "pyzbar" or pyzbar_second_chance else None
        self._pyzbar_primary = decoder == "pyzbar"
        self._pyzbar_second_chance = pyzbar_second_chance
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._on_scan: ScanSink | None = None
        self._on_status: StatusSink | None = None
        self._first_frame_at: float | None = None
        self.frames_decoded = 0
        self.frames_dropped = 0

    @property
    def source_id(self) -> str:
        return self._device.source_id

    @property
    def first_frame_at(self) -> float | None:
        """``time.monotonic()`` when the first frame was due (a file; frame N is due ``N / fps``
        later) or grabbed (a camera): what the bench measures the code-to-token latency from."""
        return self._first_frame_at

    def set_preview_sink(self, on_preview: PreviewSink | None) -> None:
        self._on_preview = on_preview

    def start(self, on_scan: ScanSink, on_status: StatusSink) -> None:
        with self._lock:
            if self._threads:
                raise RuntimeError("webcam source already started")
            self._on_scan, self._on_status = on_scan, on_status
            self._stop.clear()
            self._frozen = False
            # Switched off and on again: a code in view is a new showing.
            self._tracker = AppearanceTracker(self._tracker.gone_after_s)
            slot = _Slot()
            self._threads = [
                threading.Thread(target=self._grab_loop, args=(slot,), name="webcam-grab", daemon=True),
                threading.Thread(target=self._decode_loop, args=(slot,), name="webcam-decode", daemon=True),
            ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5.0)
            if thread.is_alive():  # a frozen driver's read(): the daemon thread dies with the app
                log.warning("le fil %s de la webcam ne s'est pas arrêté", thread.name)
        if threads:
            self._status(SourceState.STOPPED)

    def wait_finished(self, timeout: float) -> bool:
        """Wait until a video file has been played and decoded to its end (tests, bench)."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(timeout=max(deadline - time.monotonic(), 0.0))
        return not any(t.is_alive() for t in self._threads)

    # ------------------------------------------------------------------ grabber thread
    def _status(self, state: SourceState, message: str = "") -> None:
        sink = self._on_status
        if sink is not None:
            sink(SourceStatus(self.source_id, state, message))

    def _grab_loop(self, slot: _Slot) -> None:
        try:
            self._status(SourceState.STARTING, MSG_OPENING)
            was_streaming = False
            while not self._stop.is_set():
                outcome = self._stream_once(slot, was_streaming)
                with slot.condition:
                    slot.live = False
                if outcome == "end":
                    self._status(SourceState.STOPPED, MSG_END_OF_VIDEO)
                    break
                was_streaming = was_streaming or outcome == "lost"
                self._stop.wait(self._retry_s)
        except Exception as exc:  # a capture bug must not kill the till silently: logged, reported
            log.exception("erreur de capture webcam")
            self._status(SourceState.ERROR, f"Erreur de la caméra : {exc}")
        finally:
            with slot.condition:
                slot.finished = True
                slot.condition.notify_all()

    def _present(self) -> bool | None:
        """Whether the device exists: a file's or a Linux node's own answer, else the presence
        function's (Qt's device list), else None (cannot tell)."""
        known = _camera_present(self._device)
        if known is not None or self._device.is_file or self._presence is None:
            return known
        try:
            return self._presence(self._device)
        except Exception:  # a broken device list must not stop the camera: "cannot tell"
            log.exception("liste des caméras illisible")
            return None

    def _stream_once(self, slot: _Slot, was_streaming: bool) -> str:
        """Open, stream until the end or a failure; "end", "lost" (was streaming), or "failed"."""
        # Only the OS's own answer skips the opening: Qt's list may miss a camera OpenCV can open,
        # so the presence function only names the failure below.
        if _camera_present(self._device) is False:
            self._status(
                SourceState.DISCONNECTED if was_streaming else SourceState.ERROR,
                MSG_UNPLUGGED if was_streaming else MSG_NO_CAMERA,
            )
            return "failed"
        capture = self._opener(self._device, self._backend, self._resolution)
        try:
            if not capture.isOpened():
                present = self._present()
                if was_streaming and present is not True:  # still unplugged, as far as we can tell
                    self._status(SourceState.DISCONNECTED, MSG_UNPLUGGED)
                else:
                    message = {False: MSG_NO_CAMERA, True: MSG_BUSY, None: MSG_MISSING_OR_BUSY}[present]
                    self._status(SourceState.ERROR, message)
                return "failed"
            self.exposure.reset()
            fps = capture.get(cv2.CAP_PROP_FPS) if self._device.is_file else 0.0
            interval = 1.0 / fps if fps and fps > 0 else 1.0 / 30
            failed_reads = 0
            streaming = False
            started = time.monotonic()
            index = 0
            while not self._stop.is_set():
                if self._device.is_file:
                    # A file is played at its frame rate, the way a camera delivers frames.
                    delay = started + index * interval - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                ok, image = capture.read()
                if not ok or image is None:
                    if self._device.is_file and streaming:
                        return "end"
                    failed_reads += 1
                    # A camera may drop a frame now and then; a vanished device node is final.
                    if streaming and (failed_reads >= _LOST_AFTER_FAILED_READS or self._present() is False):
                        self._status(SourceState.DISCONNECTED, MSG_UNPLUGGED)
                        return "lost"
                    if failed_reads >= _BUSY_AFTER_FAILED_READS or self._device.is_file:
                        self._status(
                            SourceState.ERROR, MSG_BUSY if not self._device.is_file else MSG_NO_CAMERA
                        )
                        return "failed"
                    continue
                now = time.monotonic()
                failed_reads = 0
                if not streaming:
                    streaming = True
                    if self._first_frame_at is None:
                        # A file's frame N is due at ``started + N / fps``; a camera's frames at grab.
                        self._first_frame_at = started if self._device.is_file else now
                    self._status(SourceState.CONNECTED)
                index += 1
                self.exposure.apply(capture)  # a shorter exposure asked for against a reflection
                with slot.condition:
                    if slot.frame is not None:
                        self.frames_dropped += 1
                    slot.frame, slot.grabbed_at = np.asarray(image, dtype=np.uint8), now
                    slot.live = True
                    slot.condition.notify_all()
            return "end"
        finally:
            capture.release()

    # ------------------------------------------------------------------ decoder thread
    def _decode_loop(self, slot: _Slot) -> None:
        recent: list[tuple[float, Quad]] = []
        unread_since: float | None = None
        hint, hint_seen_at = "", 0.0
        last_preview = last_pyzbar = 0.0
        while (newest := self._next_frame(slot)) is not None:
            frame, now = newest
            began = time.perf_counter()
            grey = to_grey(frame)
            recent = [(t, q) for t, q in recent if now - t <= _ROI_MEMORY_S]
            analysis = self._analyse(grey, [q for _, q in recent])
            if (
                self._pyzbar is not None
                and self._pyzbar_second_chance
                and not self._pyzbar_primary
                and not analysis.codes
                and analysis.unread
                and now - last_pyzbar >= _PYZBAR_INTERVAL_S
            ):
                last_pyzbar = now
                analysis = FrameAnalysis(self._pyzbar.analyse(grey).codes, analysis.unread)
            decode_ms = (time.perf_counter() - began) * 1000
            self.frames_decoded += 1
            recent += [(now, c.quad) for c in analysis.codes] + [(now, q) for q in analysis.unread]
            self.exposure.observe(grey, analysis, now)
            for text in self._tracker.update(analysis.texts, now):
                sink = self._on_scan
                if sink is not None:
                    sink(
                        RawScan(
                            text=text,
                            transport=Transport.WEBCAM,
                            source_id=self.source_id,
                            received_at=time.monotonic(),
                        )
                    )
            # The hint: only for a code seen but not read for a while, kept a little to avoid flicker.
            if analysis.codes:
                unread_since, hint = None, ""
            elif analysis.unread:
                unread_since = unread_since if unread_since is not None else now
                if now - unread_since >= _HINT_AFTER_S:
                    hint, hint_seen_at = hint_for(grey, analysis.unread[0]), now
            elif now - hint_seen_at > _HINT_CLEAR_S:
                unread_since, hint = None, ""
            preview_sink = self._on_preview
            if preview_sink is not None and now - last_preview >= _PREVIEW_INTERVAL_S:
                last_preview = now
                preview_sink(self._preview(frame, analysis, hint, decode_ms))

    def _next_frame(self, slot: _Slot) -> tuple[Frame, float] | None:
        """The newest frame and when it was grabbed; None once the grabber is done or the source
        stops. Also reports a camera that stops delivering frames without an error (a frozen
        driver blocks in ``read()``, so the grabber cannot say it)."""

        def ready() -> bool:
            return slot.frame is not None or slot.finished or self._stop.is_set()

        while True:
            with slot.condition:
                slot.condition.wait_for(ready, timeout=0.25)
                if self._stop.is_set():
                    return None
                frame, grabbed_at = slot.frame, slot.grabbed_at
                slot.frame = None
                if frame is None and slot.finished:
                    return None
                stalled = slot.live and time.monotonic() - slot.grabbed_at > self._freeze_after_s
            if frame is not None:
                if self._frozen:
                    self._frozen = False
                    self._status(SourceState.CONNECTED)
                return frame, grabbed_at
            if stalled and not self._frozen:
                self._frozen = True
                self._status(SourceState.DISCONNECTED, MSG_FROZEN)

    def _analyse(self, grey: GreyImage, roi_hints: Sequence[Quad]) -> FrameAnalysis:
        if self._pyzbar_primary and self._pyzbar is not None and self._pyzbar.available:
            return self._pyzbar.analyse(grey)
        return self._fusion.analyse(grey, roi_hints=roi_hints, options=self._options)

    @staticmethod
    def _preview(frame: Frame, analysis: FrameAnalysis, hint: str, decode_ms: float) -> PreviewFrame:
        scale = min(_PREVIEW_WIDTH / frame.shape[1], 1.0)
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        return PreviewFrame(
            image=np.ascontiguousarray(small, dtype=np.uint8),
            codes=_scaled([c.quad for c in analysis.codes], scale),
            unread=_scaled(analysis.unread, scale),
            hint=hint,
            decode_ms=decode_ms,
        )
