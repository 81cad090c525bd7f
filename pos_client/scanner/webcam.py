"""Finding and reading contremarque QR codes in webcam frames (the decoding step alone).

``decode_frame(frame)`` is the stateless contract the benchmarks measure: a uint8 frame, greyscale
(HxW) or BGR (HxWx3), in; every QR payload string found, out. ``analyse_frame`` is the same
pipeline with more to say (where each code is, which codes were seen but not read) and one
extra input, regions where the capture loop saw a code on the previous frames.

The pipeline is zxing-cpp first, then bounded rescues, run only while nothing is read (ROI: while
a located code is unread), in ``RESCUES`` order unless ``DecoderOptions.first`` says otherwise
(gains and costs: ``bench/bench_webcam.py``, ``docs/webcam.md``; filters: ``webcam_filters``):

1. ``full``: zxing-cpp on the whole grey frame (QR only, inverted codes too), also returning the
   codes it located but could not decode; then, on a frame with a saturated area, ``glare``: the
   frame at half size binarised against its local mean (a reflection's faint dark modules).
2. ``cleaned``: the frame at half size (averaging out the screen's moiré and the noise),
   contrast stretched when dim.
3. ``roi``: each code located but unread (and each region hinted by the capture loop) cut out,
   scaled to ~220 px and retried with a median filter, sharpened, then deconvolved by a Gaussian
   of half a module (out of focus).
4. ``deblur``: the busiest square (or around the codes seen) checked for a motion smear (the 2D
   cepstrum's negative peak gives its length and direction), then deconvolved by that line
   (Wiener) and read again: a phone sliding in is read while it moves.
5. ``upscaled``: when nothing was even located, the middle quarter of the frame twice as big.

A step runs only when the thread's CPU time so far plus its predicted cost (learnt from its own
runs, ``_StepCosts``) fits ``DecoderOptions.budget_ms`` (9 ms; 8 ms when nothing was located,
hinted or measured); the others are reported in ``FrameAnalysis.skipped`` for the next frame.
This keeps p95 under the 12 ms per 720p frame the till can afford on one core.

A stream's scheduling across frames, and a code blinded by a reflection read from several
frames, are ``webcam_fusion.GlareFusion``'s, which the capture loop uses around this function.

zxing-cpp releases the GIL while it works, so the capture thread does not stall the Qt GUI.
pyzbar is an optional second decoder (``PyzbarDecoder``), imported only when asked for.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from pos_client.scanner.webcam_filters import (
    ROI_TARGET_PX,
    ROI_VARIANTS,
    busiest_point,
    estimate_motion_blur,
    glare_binarised,
    has_glare,
    wiener_deblur,
)

# The filters' names as they were when they lived here (webcam_fusion and the tests use them).
_busiest_point, _estimate_motion_blur = busiest_point, estimate_motion_blur

__all__ = [
    "DecodedCode",
    "DecoderOptions",
    "FrameAnalysis",
    "PyzbarDecoder",
    "Quad",
    "Stage",
    "analyse_frame",
    "decode_frame",
    "qr_formats",
    "quad_side",
    "to_grey",
]

log = logging.getLogger(__name__)

GreyImage = npt.NDArray[np.uint8]
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left

# Detections smaller than this cannot hold a 21x21 QR code at one pixel per module.
_MIN_QUAD_SIDE_PX = 16.0
_ROI_MARGIN = 0.5  # fraction of the code's side added around it (quiet zone, inaccurate corners)
_ROI_MAX_CROP_PX = 400.0  # bounds the cost of one rescue attempt
_PARTIAL_BELOW_PX = 64.0
_PARTIAL_REACH = 1.5
_STRETCH_BELOW = 150  # stretch contrast when the 1st-99th percentile range is narrower than this
# Motion-blur rescue: the square examined is this fraction of the frame width (320 px at 720p:
# a 200 px code plus its smear); what it looks for is in ``webcam_filters``.
_DEBLUR_SQUARE_OF_WIDTH = 0.25
_DEBLUR_MIN_SQUARE_PX = 128


# The budget counts this thread's CPU time where the OS measures it finely (Linux, macOS), so that
# other programs' load does not cut the rescues; elsewhere (Windows: 15.6 ms ticks) wall time.
_cpu_clock = time.thread_time if time.get_clock_info("thread_time").resolution <= 1e-6 else time.perf_counter


class Stage(StrEnum):
    """Which step of the pipeline read a code."""

    FULL = "full"
    CLEANED = "cleaned"
    UPSCALED = "upscaled"
    ROI = "roi"
    DEBLUR = "deblur"
    GLARE = "glare"  # the frame binarised by local mean, for a reflection's faint modules
    FUSED = "fused"  # several frames fused against glare (webcam_fusion.GlareFusion)
    PYZBAR = "pyzbar"


@dataclass(frozen=True)
class DecodedCode:
    text: str
    quad: Quad  # in frame pixels
    stage: Stage
    variant: str = ""  # the ROI rescue's variant that read it ("median", "sharpen", "defocus"...)


@dataclass(frozen=True)
class FrameAnalysis:
    """Codes read in one frame, and codes located but not read (for the outline and the hint)."""

    codes: tuple[DecodedCode, ...] = ()
    unread: tuple[Quad, ...] = ()
    # Rescues left out for the time budget ("cleaned", "roi", "deblur", "upscaled"): a stream
    # reader runs them first on the next frame (``webcam_fusion.GlareFusion``).
    skipped: tuple[str, ...] = ()
    # The motion blur measured when its deconvolution was left out (length px, direction deg):
    # the next frame of a stream deconvolves with it (``DecoderOptions.known_blur``).
    blur: tuple[float, float] | None = None

    @property
    def texts(self) -> list[str]:
        return [code.text for code in self.codes]


@dataclass(frozen=True)
class DecoderOptions:
    """Which rescues run; the defaults are the measured best. The bench switches them off one by one."""

    cleaned_pass: bool = True
    upscaled_centre: bool = True
    roi_rescue: bool = True
    max_rois: int = 2
    # "defocus" (Gaussian Wiener, at half size) reads the out-of-focus codes (issue 17's streams:
    # blur 86 -> 95 %); "fixed" (fixed-threshold binarizer) and "level" (local contrast
    # normalisation) exist too but read nothing more within the time budget.
    roi_variants: tuple[str, ...] = ("median", "sharpen", "defocus")
    # The rescues whose predicted cost (``_STEP_COSTS``, learnt from their own runs) would take
    # the frame past this many ms of the thread's CPU are skipped (``FrameAnalysis.skipped``; a
    # stream tries them first on the next frame); 0: no limit.
    budget_ms: float = 9.0
    # The budget of a frame where nothing was located, hinted or measured (``known_blur``; most
    # frames without a code): enough for the first pass and the cheap rescues; the costly ones
    # wait for a frame with something to look at, or take their turn on the next frames
    # (``FrameAnalysis.skipped``).
    unseen_budget_ms: float = 8.0
    # Dark-mode codes in the rescues too: +6 codes of 300 at 640x480, nothing at 720p, ~0.2 ms at p95.
    rescue_invert: bool = True
    # Motion-blur rescue (cepstrum estimate + Wiener deconvolution of one square of the frame).
    deblur: bool = True
    # Rescues to run before the others, in this order (a stream: the one that read the code on
    # the last frames, those the budget left out last time); the rest keep ``RESCUES``' order.
    first: tuple[str, ...] = ()
    # zxing-cpp's own downscaled retries on the first pass: nothing more read in the corpus at
    # 720p (streams and single frames), ~0.5 ms per frame.
    full_downscale: bool = False
    # A motion blur measured on the last frame (length px, direction deg; a stream passes
    # ``FrameAnalysis.blur``): the deblur rescue deconvolves with it instead of measuring again,
    # so that measuring (~3 ms) and deconvolving (~5 ms) fit in two frames' budgets.
    known_blur: tuple[float, float] | None = None
    # The single-frame glare rescue, on frames with a saturated area (``webcam_filters.glare_binarised``).
    glare_rescue: bool = True


RESCUES = ("glare", "cleaned", "roi", "deblur", "upscaled")


DEFAULT_OPTIONS = DecoderOptions()


# ----------------------------------------------------------------------------- public entry points
def decode_frame(frame: npt.NDArray[Any]) -> list[str]:
    """Every QR payload in ``frame`` (uint8, greyscale HxW or BGR HxWx3), in reading order.

    Stateless and thread-safe. Raises ``ValueError`` for anything that is not such a frame.
    """
    return analyse_frame(frame).texts


def analyse_frame(
    frame: npt.NDArray[Any],
    roi_hints: Sequence[Quad] = (),
    options: DecoderOptions = DEFAULT_OPTIONS,
) -> FrameAnalysis:
    """``decode_frame`` with positions, unread codes, and regions to look at harder (``roi_hints``:
    where the capture loop saw a code recently, in frame pixels)."""
    run = _Run(to_grey(frame), roi_hints, options)
    run.full_pass()
    # The glare rescue first, always: ~2 ms, and only on frames with a saturated area.
    first = ("glare", *options.first)
    for step in dict.fromkeys((*first, *RESCUES)):
        run.rescue(step)
    return run.result()


class _StepCosts:
    """Predicted CPU ms of each rescue step, per frame size, learnt from the step's own runs in
    this process (a running mean), so the budget holds on a slow PC as on this one.
    Seeded with what they cost at 1280x720 on the bench machine (one core)."""

    _FRAME = 1280 * 720
    _SQUARE = 320 * 320  # the deblur steps work on a square of the frame
    _SEEDS: ClassVar[dict[str, tuple[float, int]]] = {
        "cleaned": (1.2, _FRAME),
        # Measured at ~2 ms once learnt; a 2 ms seed was tried (docs/webcam.md, third pass).
        "glare": (1.0, _FRAME),
        "deblur_estimate": (2.8, _SQUARE),
        "deblur": (3.0, _SQUARE),
        "upscaled": (3.0, _FRAME),
        "roi:median": (0.8, _FRAME),
        "roi:sharpen": (1.4, _FRAME),
        "roi:defocus": (2.0, _FRAME),
        "roi:level": (3.0, _FRAME),
        "roi:fixed": (1.0, _FRAME),
    }

    def __init__(self) -> None:
        self._costs: dict[tuple[str, int], float] = {}

    def predict(self, step: str, pixels: int) -> float:
        """``pixels``: the frame's (the deblur steps: their square's)."""
        seed_ms, reference = self._SEEDS.get(step, (3.0, self._FRAME))
        return self._costs.get((step, pixels), seed_ms * pixels / reference)

    def record(self, step: str, pixels: int, spent_ms: float) -> None:
        old = self.predict(step, pixels)
        self._costs[(step, pixels)] = old + 0.2 * (spent_ms - old)


_STEP_COSTS = _StepCosts()


class _Run:
    """One frame through the pipeline: the first pass, then the rescues asked for, each only when
    nothing was read yet (ROI: each located code not read) and its predicted cost fits the budget."""

    def __init__(self, grey: GreyImage, roi_hints: Sequence[Quad], options: DecoderOptions) -> None:
        self.grey, self.hints, self.options = grey, roi_hints, options
        self.began = _cpu_clock()
        self.found: dict[str, DecodedCode] = {}
        self.located: list[Quad] = []
        self.skipped: list[str] = []
        self.blur: tuple[float, float] | None = None
        self._half: GreyImage | None = None

    def half(self) -> GreyImage:
        """The frame at half size (2x2 pixels averaged), made once for the rescues that read it."""
        if self._half is None:
            self._half = _u8(cv2.resize(self.grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
        return self._half

    def full_pass(self) -> None:
        _read_into(self.grey, Stage.FULL, self.found, self.located, downscale=self.options.full_downscale)

    def _affordable(self, step: str, pixels: int = 0) -> bool:
        budget_ms = self.options.budget_ms
        if budget_ms <= 0:
            return True
        if not self.located and not self.hints and self.options.known_blur is None:
            budget_ms = min(budget_ms, self.options.unseen_budget_ms)
        spent_ms = (_cpu_clock() - self.began) * 1000
        return spent_ms + _STEP_COSTS.predict(step, pixels or self.grey.size) <= budget_ms

    def _timed(self, step: str, work: Callable[[], object], pixels: int = 0) -> object:
        began = _cpu_clock()
        result = work()
        _STEP_COSTS.record(step, pixels or self.grey.size, (_cpu_clock() - began) * 1000)
        return result

    def rescue(self, step: str) -> None:
        options, grey, invert = self.options, self.grey, self.options.rescue_invert
        if step == "roi":
            if options.roi_rescue:
                self._roi()
            return
        if self.found or not getattr(options, _STEP_SWITCHES[step]) or (step == "upscaled" and self.located):
            return
        if step == "deblur":
            self._deblur()
        elif step == "glare" and not has_glare(grey):
            return
        elif not self._affordable(step):
            self.skipped.append(step)
        elif step == "cleaned":
            self._timed(step, lambda: _read_cleaned(self.half(), self.found, self.located, invert))
        elif step == "glare":
            self._timed(step, lambda: _read_glare(self.half(), self.found, invert))
        else:
            self._timed(step, lambda: _read_upscaled_centre(grey, self.found, self.located, invert))

    def _deblur(self) -> None:
        square = _deblur_square(self.grey, (*self.located, *self.hints))
        if square is None:
            return
        pixels = square[0].size
        blur = self.options.known_blur
        if blur is None:
            if not self._affordable("deblur_estimate", pixels):
                self.skipped.append("deblur")
                return
            measured = self._timed("deblur_estimate", lambda: estimate_motion_blur(square[0]), pixels)
            if not isinstance(measured, tuple):
                return
            blur = measured
        if not self._affordable("deblur", pixels):
            self.skipped.append("deblur")
            self.blur = blur
            return
        before = len(self.found)
        self._timed("deblur", lambda: _read_deblurred(square, blur, self.found), pixels)
        if len(self.found) > before:
            self.blur = blur  # it read: the next frame's smear is likely the same

    def _roi(self) -> None:
        candidates = [q for q in (*self.located, *self.hints) if not _covered(q, self.found.values())]
        for quad in _distinct_largest(candidates, self.options.max_rois):
            for code in _rescue_region(self.grey, quad, self.options.roi_variants, self):
                self.found.setdefault(code.text, code)
            if "roi" in self.skipped:
                return

    def try_variant(self, variant: str, read: Callable[[], list[DecodedCode]]) -> list[DecodedCode] | None:
        """One ROI variant's read, or None when the budget left it out."""
        step = f"roi:{variant}"
        if not self._affordable(step):
            if "roi" not in self.skipped:
                self.skipped.append("roi")
            return None
        codes = self._timed(step, read)
        return codes if isinstance(codes, list) else []

    def result(self) -> FrameAnalysis:
        unread = tuple(q for q in _distinct_largest(self.located, 4) if not _covered(q, self.found.values()))
        return FrameAnalysis(tuple(self.found.values()), unread, tuple(self.skipped), self.blur)


_STEP_SWITCHES = {
    "cleaned": "cleaned_pass",
    "deblur": "deblur",
    "upscaled": "upscaled_centre",
    "glare": "glare_rescue",
}


def to_grey(frame: object) -> GreyImage:
    """A contiguous uint8 greyscale view or copy of a grey or BGR frame."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError("a webcam frame must be a uint8 numpy array")
    if frame.ndim == 2:
        grey: GreyImage = np.ascontiguousarray(frame)
        return grey
    if frame.ndim == 3 and frame.shape[2] == 3:
        return _u8(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    raise ValueError(f"a webcam frame must be HxW or HxWx3, not {frame.shape}")


def qr_formats() -> zxingcpp.BarcodeFormats:
    """QR codes only. A fresh value per call: nanobind reports a module-level one as leaked at exit."""
    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _u8(image: npt.NDArray[Any]) -> GreyImage:
    """OpenCV's results typed as what they are here (uint8 in, uint8 out); no copy."""
    return np.asarray(image, dtype=np.uint8)


def quad_side(quad: Quad) -> float:
    """Mean side length of a quadrilateral, in pixels."""
    return sum(_distance(quad[i], quad[(i + 1) % 4]) for i in range(4)) / 4


# ----------------------------------------------------------------------------- steps
def _read_into(
    grey: GreyImage,
    stage: Stage,
    found: dict[str, DecodedCode],
    located: list[Quad],
    invert: bool = True,
    downscale: bool = True,
    scale: float = 1.0,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
) -> None:
    """zxing-cpp on ``grey`` (``scale`` times the frame's size): codes read into ``found``, codes
    located but unread into ``located``, in frame pixels."""
    for barcode in zxingcpp.read_barcodes(
        grey,
        formats=qr_formats(),
        try_invert=invert,
        try_downscale=downscale,
        return_errors=True,
        binarizer=binarizer,
    ):
        q = tuple((x / scale, y / scale) for x, y in _quad_of(barcode.position))
        quad: Quad = (q[0], q[1], q[2], q[3])
        if barcode.valid:
            found.setdefault(barcode.text, DecodedCode(barcode.text, quad, stage))
        elif _plausible(quad):
            located.append(quad)


def _read_cleaned(half: GreyImage, found: dict[str, DecodedCode], located: list[Quad], invert: bool) -> None:
    """The frame at half size (averaging 2x2 pixels takes out the screen's pixel grid and the
    sensor noise, as a 3x3 median did at full size, at a quarter of the cost), contrast stretched
    when dim. Measured on the streams and single frames: it reads the low light and moire codes
    the full-size cleaned pass read (moire 9 of 10 single frames instead of 10), in 1 ms, not 3-4."""
    _read_into(_stretched(half), Stage.CLEANED, found, located, invert, downscale=False, scale=0.5)


def _read_glare(half: GreyImage, found: dict[str, DecodedCode], invert: bool) -> None:
    """The frame at half size binarised against its local mean (``glare_binarised``): the dark
    modules a reflection lifted to a few grey levels under white, which zxing-cpp's own binarizer
    takes for white, read as dark."""
    fixed = zxingcpp.Binarizer.FixedThreshold
    _read_into(glare_binarised(half), Stage.GLARE, found, [], invert, False, 0.5, fixed)


def _stretched(grey: GreyImage) -> GreyImage:
    sample = grey[::4, ::4]
    hist = np.bincount(sample.ravel(), minlength=256).cumsum()
    low = int(np.searchsorted(hist, 0.01 * hist[-1]))
    high = int(np.searchsorted(hist, 0.99 * hist[-1]))
    if high - low < _STRETCH_BELOW and high > low:
        ramp = (np.arange(256, dtype=np.float32) - low) * (255.0 / (high - low))
        grey = _u8(cv2.LUT(grey, ramp.clip(0, 255).astype(np.uint8)))
    return grey


def _read_upscaled_centre(
    grey: GreyImage, found: dict[str, DecodedCode], located: list[Quad], invert: bool
) -> None:
    """Small codes far from the camera: the middle of the frame, twice as big (same pixel count)."""
    height, width = grey.shape
    x0, y0 = width // 4, height // 4
    centre = cv2.resize(
        grey[y0 : y0 + height // 2, x0 : x0 + width // 2],
        None,
        fx=2.0,
        fy=2.0,
        interpolation=cv2.INTER_LINEAR,
    )
    for barcode in zxingcpp.read_barcodes(
        centre, formats=qr_formats(), try_invert=invert, return_errors=True
    ):
        q = tuple((x / 2 + x0, y / 2 + y0) for x, y in _quad_of(barcode.position))
        quad: Quad = (q[0], q[1], q[2], q[3])
        if barcode.valid:
            found.setdefault(barcode.text, DecodedCode(barcode.text, quad, Stage.UPSCALED))
        elif _plausible(quad):
            located.append(quad)


def _rescue_region(grey: GreyImage, quad: Quad, variants: Sequence[str], run: _Run) -> list[DecodedCode]:
    height, width = grey.shape
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    if side < _PARTIAL_BELOW_PX:
        # Small detections are often one corner of a small code: look around it, on all sides.
        side = _PARTIAL_BELOW_PX
        reach = _PARTIAL_REACH * side
    else:
        reach = (0.5 + _ROI_MARGIN) * side + 4
    x0, y0 = max(int(cx - reach), 0), max(int(cy - reach), 0)
    x1, y1 = min(int(cx + reach) + 1, width), min(int(cy + reach) + 1, height)
    if x1 - x0 < _MIN_QUAD_SIDE_PX or y1 - y0 < _MIN_QUAD_SIDE_PX:
        return []
    scale = min(max(ROI_TARGET_PX / side, 0.5), 4.0, _ROI_MAX_CROP_PX / (2 * reach))
    crop: GreyImage = grey[y0:y1, x0:x1]
    if abs(scale - 1.0) > 0.15:
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        crop = _u8(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation))

    def back(quad_in_crop: Quad) -> Quad:
        q = tuple((x / scale + x0, y / scale + y0) for x, y in quad_in_crop)
        return (q[0], q[1], q[2], q[3])

    invert = run.options.rescue_invert

    def read(variant: str) -> list[DecodedCode]:
        image, binarizer = ROI_VARIANTS[variant](crop, scale)
        barcodes = zxingcpp.read_barcodes(image, formats=qr_formats(), try_invert=invert, binarizer=binarizer)
        # A variant may work on a smaller copy (defocus: at half size): its positions are scaled
        # back to the crop's (they were not: a defocused code was outlined at half its size, off
        # to one side, and the next frames looked for it there).
        f = crop.shape[1] / image.shape[1]
        quads = [tuple((x * f, y * f) for x, y in _quad_of(b.position)) for b in barcodes]
        return [
            DecodedCode(b.text, back((q[0], q[1], q[2], q[3])), Stage.ROI, variant)
            for b, q in zip(barcodes, quads, strict=True)
        ]

    for variant in variants:
        codes = run.try_variant(variant, lambda variant=variant: read(variant))  # type: ignore[misc]
        if codes is None or codes:
            return codes or []
    return []


_Square = tuple[GreyImage, int, int]  # a square of the frame and its top-left corner


def _deblur_square(grey: GreyImage, regions: Sequence[Quad]) -> _Square | None:
    """The square the motion-blur rescue measures the smear on: around the largest region where
    a code was seen, or the busiest part of the frame; None when the frame is too small. (Smaller
    squares give false cepstrum peaks: 320 px at 720p.)"""
    height, width = grey.shape
    side = cv2.getOptimalDFTSize(max(int(_DEBLUR_SQUARE_OF_WIDTH * width), _DEBLUR_MIN_SQUARE_PX))
    if side > min(height, width):
        return None
    if regions:
        # The median of the regions' centres: the code seen on several frames, not one odd
        # detection (the deconvolution reads less when the square is off by 10 px).
        # (statistics, not numpy: numpy's median imports numpy.ma on its first call, 16 ms, which
        # cost the first blurred code seen its frame.)
        centres = [_centre(q) for q in regions]
        cx, cy = statistics.median(c[0] for c in centres), statistics.median(c[1] for c in centres)
    else:
        cx, cy = busiest_point(grey, side)
    x0 = int(min(max(cx - side / 2, 0), width - side))
    y0 = int(min(max(cy - side / 2, 0), height - side))
    return grey[y0 : y0 + side, x0 : x0 + side], x0, y0


def _read_deblurred(square: _Square, blur: tuple[float, float], found: dict[str, DecodedCode]) -> None:
    """The motion-blur rescue's read: ``square`` deconvolved by the smear ``blur`` (length px,
    direction degrees) measured on it, then, when that reads nothing, the same with a 3x3 median
    (the deconvolution's ringing and amplified noise break some reads: on the blurred streams'
    squares 190 of 220 read plainly, 209 with the median as a second try, ~0.5 ms more)."""
    pixels, x0, y0 = square
    sharp = wiener_deblur(pixels, *blur)
    for image in (sharp, None):
        image = sharp if image is not None else _u8(cv2.medianBlur(sharp, 3))
        barcodes = zxingcpp.read_barcodes(image, formats=qr_formats(), try_invert=True, try_downscale=False)
        for barcode in barcodes:
            q = tuple((x + x0, y + y0) for x, y in _quad_of(barcode.position))
            found.setdefault(barcode.text, DecodedCode(barcode.text, (q[0], q[1], q[2], q[3]), Stage.DEBLUR))
        if barcodes:
            return


# ----------------------------------------------------------------------------- geometry
def _quad_of(position: zxingcpp.Position) -> Quad:
    return (
        (float(position.top_left.x), float(position.top_left.y)),
        (float(position.top_right.x), float(position.top_right.y)),
        (float(position.bottom_right.x), float(position.bottom_right.y)),
        (float(position.bottom_left.x), float(position.bottom_left.y)),
    )


def _distance(a: Point, b: Point) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def _plausible(quad: Quad) -> bool:
    """A located code worth a second look: big enough, and not a sliver (bogus finder triples)."""
    sides = [_distance(quad[i], quad[(i + 1) % 4]) for i in range(4)]
    return min(sides) >= _MIN_QUAD_SIDE_PX and max(sides) <= 3.0 * min(sides)


def _centre(quad: Quad) -> Point:
    return (sum(p[0] for p in quad) / 4, sum(p[1] for p in quad) / 4)


def _covered(quad: Quad, codes: Any) -> bool:
    """True when ``quad``'s centre lies within a read code's outline (same code seen twice)."""
    cx, cy = _centre(quad)
    for code in codes:
        xs = [p[0] for p in code.quad]
        ys = [p[1] for p in code.quad]
        if min(xs) <= cx <= max(xs) and min(ys) <= cy <= max(ys):
            return True
    return False


def _distinct_largest(quads: Sequence[Quad], limit: int) -> list[Quad]:
    """Up to ``limit`` quads, largest first, dropping those centred inside one already kept."""
    kept: list[Quad] = []
    for quad in sorted(quads, key=quad_side, reverse=True):
        if len(kept) >= limit:
            break
        if not _covered(quad, [_Outline(k) for k in kept]):
            kept.append(quad)
    return kept


@dataclass(frozen=True)
class _Outline:
    quad: Quad


# ----------------------------------------------------------------------------- optional pyzbar
@dataclass
class PyzbarDecoder:
    """zbar through pyzbar, loaded on first use; ``available`` is False when it is not installed
    (pyzbar missing, or its system library ``libzbar0`` missing: both are optional)."""

    _decode: Callable[..., Any] | None = field(default=None, init=False, repr=False)
    _symbols: Any = field(default=None, init=False, repr=False)
    _loaded: bool = field(default=False, init=False)

    @property
    def available(self) -> bool:
        self._load()
        return self._decode is not None

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            from pyzbar import pyzbar  # optional, and slow to import

            self._decode = pyzbar.decode
            self._symbols = [pyzbar.ZBarSymbol.QRCODE]
        except (ImportError, OSError) as exc:  # OSError: pyzbar present, libzbar0 absent
            log.info("pyzbar indisponible : %s", exc)

    def analyse(self, frame: npt.NDArray[Any]) -> FrameAnalysis:
        """Read every QR code with zbar; ``FrameAnalysis()`` when pyzbar is not available."""
        self._load()
        if self._decode is None:
            return FrameAnalysis()
        grey = to_grey(frame)
        codes: dict[str, DecodedCode] = {}
        for symbol in self._decode(grey, symbols=self._symbols):
            try:
                text = symbol.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            left, top, width, height = symbol.rect
            right, bottom = left + width, top + height
            quad: Quad = ((left, top), (right, top), (right, bottom), (left, bottom))
            codes.setdefault(text, DecodedCode(text, quad, Stage.PYZBAR))
        return FrameAnalysis(codes=tuple(codes.values()))
