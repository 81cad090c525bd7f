"""Asking the camera for a shorter exposure while a reflection blinds the code (issue 17).

A lamp's reflection on a phone or a laminated card clips the code's modules to white: no decoder
gets them back from that frame. A camera exposing for the whole scene leaves the reflection
saturated; a shorter exposure brings the blinded modules back under full scale. ``ExposureGuard``
is split between the two threads of ``WebcamSource``:

* the decoder thread calls ``observe(grey, analysis, now)`` with each frame's analysis: when a
  code is seen (located but unread) and more than 4 % of its pixels clip for ``_CLIPPED_FRAMES``
  frames in a row, it asks for one step shorter (at most every ``_STEP_EVERY_S``, at most
  ``_MAX_STEPS`` steps); once a code is read, or nothing is seen for ``_RESTORE_AFTER_S``, it asks
  for the camera's own automatic exposure back;
* the grabber thread, which owns the capture, calls ``apply(capture)`` between two reads and does
  what was asked through OpenCV: switch automatic exposure off, then ``CAP_PROP_EXPOSURE`` one step
  shorter (V4L2: half the absolute exposure, in 100 us units; MSMF and DirectShow: one less in
  log2 seconds, i.e. half), and back to automatic.

A capture that refuses (a video file, AVFoundation, a driver without manual exposure: ``set``
returns False) is marked ``supported = False`` and not asked again; nothing else changes. The
values asked for are logged at INFO level (they describe the camera, nothing personal).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol, TypeGuard

import cv2
import numpy as np

from pos_client.scanner.webcam import FrameAnalysis, GreyImage, Quad

__all__ = ["ExposureGuard", "ExposureSettable"]

log = logging.getLogger(__name__)

_CLIPPED_LEVEL = 250
_CLIPPED_SHARE = 0.04  # as the glare hint: the share of a code's pixels that clip
_CLIPPED_FRAMES = 3  # frames in a row (0.1 s at 30 fps): one flash is not a reflection
_STEP_EVERY_S = 0.3  # the camera needs a few frames to apply an exposure
_MAX_STEPS = 3  # at most 8x shorter: the rest of the code must stay readable
_RESTORE_AFTER_S = 2.0
# CAP_PROP_AUTO_EXPOSURE's "manual" value: V4L2 takes its menu (1 = manual, 3 = aperture
# priority); MSMF and DirectShow take OpenCV's old convention (0.25 manual, 0.75 automatic).
_MANUAL = {"V4L2": 1.0, "MSMF": 0.25, "DSHOW": 0.25}


class ExposureSettable(Protocol):
    """What the guard needs of an OpenCV capture."""

    def get(self, prop_id: int) -> float: ...

    def set(self, prop_id: int, value: float) -> bool: ...

    def getBackendName(self) -> str: ...  # OpenCV's name


@dataclass
class ExposureGuard:
    """See the module docstring. ``observe`` runs in the decoder thread, ``apply`` in the grabber."""

    supported: bool | None = None  # None: not tried yet on this capture
    steps: int = 0  # how many steps shorter the camera is now
    requests: list[str] = field(default_factory=list)  # "shorter" / "automatic", for the tests and logs
    _pending: str = ""
    _clipped_frames: int = 0
    _last_step_at: float = float("-inf")
    _last_seen_at: float = float("-inf")
    _automatic: tuple[float, float] | None = None  # the camera's own mode and exposure, to restore
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, grey: GreyImage, analysis: FrameAnalysis, now: float) -> None:
        """Decide from one analysed frame whether to ask for a shorter or the automatic exposure."""
        if self.supported is False:
            return
        if analysis.codes:
            self._last_seen_at = now
            self._clipped_frames = 0
            if self.steps:
                self._ask("automatic")
            return
        if analysis.unread:
            self._last_seen_at = now
            clipped = _clipped_share(grey, analysis.unread[0]) > _CLIPPED_SHARE
            self._clipped_frames = self._clipped_frames + 1 if clipped else 0
            if (
                self._clipped_frames >= _CLIPPED_FRAMES
                and self.steps < _MAX_STEPS
                and now - self._last_step_at >= _STEP_EVERY_S
            ):
                self._last_step_at = now
                self._ask("shorter")
        elif self.steps and now - self._last_seen_at > _RESTORE_AFTER_S:
            self._ask("automatic")

    def _ask(self, what: str) -> None:
        with self._lock:
            if self._pending != what:
                self._pending = what
                self.requests.append(what)

    def reset(self) -> None:
        """A new capture was opened: nothing asked of it yet (it starts in its own mode)."""
        with self._lock:
            self._pending, self.steps, self._automatic, self.supported = "", 0, None, None

    def apply(self, capture: object) -> None:
        """Do what the decoder thread asked, on the capture (grabber thread, between two reads)."""
        with self._lock:
            what, self._pending = self._pending, ""
        if not what or self.supported is False:
            return
        if not _settable(capture):
            self.supported = False
            return
        if what == "shorter":
            self._shorter(capture)
        elif self._automatic is not None:
            mode, exposure = self._automatic
            capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, mode)
            capture.set(cv2.CAP_PROP_EXPOSURE, exposure)
            log.info("caméra : exposition automatique rétablie")
            self.steps = 0

    def _shorter(self, capture: ExposureSettable) -> None:
        backend = capture.getBackendName()
        manual = _MANUAL.get(backend)
        exposure = float(capture.get(cv2.CAP_PROP_EXPOSURE))
        if manual is None:
            self.supported = False
            log.info("caméra : exposition non réglable par OpenCV avec %s", backend)
            return
        if self._automatic is None:
            self._automatic = (float(capture.get(cv2.CAP_PROP_AUTO_EXPOSURE)), exposure)
        shorter = exposure / 2 if backend == "V4L2" else exposure - 1.0
        if not (
            capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, manual) and capture.set(cv2.CAP_PROP_EXPOSURE, shorter)
        ):
            self.supported = False
            log.info("caméra : exposition manuelle refusée (%s)", backend)
            return
        self.supported = True
        self.steps += 1
        log.info("caméra : exposition %s -> %s (%s, reflet sur le code)", exposure, shorter, backend)


def _settable(capture: object) -> TypeGuard[ExposureSettable]:
    return all(callable(getattr(capture, name, None)) for name in ("get", "set", "getBackendName"))


def _clipped_share(grey: GreyImage, quad: Quad) -> float:
    """The share of clipped pixels in the bounding box of ``quad`` (every other pixel)."""
    xs = [int(p[0]) for p in quad]
    ys = [int(p[1]) for p in quad]
    top, left = max(min(ys), 0), max(min(xs), 0)
    region = grey[top : max(max(ys), top) + 1 : 2, left : max(max(xs), left) + 1 : 2]
    return float(np.count_nonzero(region >= _CLIPPED_LEVEL)) / region.size if region.size else 0.0
