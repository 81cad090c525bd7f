"""Finding and reading contremarque QR codes in webcam frames (the decoding step alone).

``decode_frame(frame)`` is the stateless contract the benchmarks measure: a uint8 frame, greyscale
(HxW) or BGR (HxWx3), in; every QR payload string found, out. ``analyse_frame`` is the same
pipeline with more to say (where each code is, which codes were seen but not read) and one
extra input, regions where the capture loop saw a code on the previous frames.

The pipeline is zxing-cpp first, then a few bounded rescues, each run only when the step before
it left something unread (their gains and costs are measured by ``bench/bench_webcam.py`` and
listed in ``docs/webcam.md``):

1. ``full``: zxing-cpp on the whole grey frame (QR codes only, inverted codes too for dark mode),
   also returning the codes it located but could not decode.
2. ``cleaned``: when nothing was read, once more on a cleaned copy: a 3x3 median filter removes the
   phone screen's pixel grid (moiré) and sensor noise, and a contrast stretch lifts dim frames.
2b. ``deblur``: when still nothing was read, the busiest square of the frame (a located code, a
   hinted region or the strongest texture) is checked for motion blur, a phone moving while the
   shutter is open: the 2D cepstrum of that square shows a negative peak at the blur's length
   and direction. When that peak stands out, the square is deconvolved (Wiener filter with that
   line kernel) and read again. It turns a phone sliding in front of the camera from ~300 ms of
   unreadable frames into a token on the first frame showing the whole code.
3. ``upscaled``: when nothing was even located, the middle quarter of the frame twice as big
   (far, small codes; same pixel count as the frame).
4. ``roi``: each code located but unread (and each region hinted by the capture loop) is cut out
   with a margin, scaled so the code is about 220 px wide (small codes get bigger), and retried
   with a median filter, then sharpened (blur); fixed-threshold binarizer, local contrast
   normalisation ("level", against glare) and Gaussian deconvolution ("defocus") variants exist
   but gained nothing within the time budget in the bench, so they are not in the defaults.

Each rescue runs only when its predicted cost keeps the frame within ``DecoderOptions.budget_ms``
(9 ms of CPU time; the capture loop tries again on the next frame), which keeps p95 under the
12 ms per 720p frame the till can afford.

A code blinded by a reflection is read from several frames by ``webcam_fusion.GlareFusion``,
which the capture loop uses around this function.

zxing-cpp releases the GIL while it works, so the capture thread does not stall the Qt GUI.
pyzbar is an optional second decoder (``PyzbarDecoder``), imported only when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

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
# The ROI rescue scales a code to this width: ~7 px per module for pass Culture's 29+2 modules.
_ROI_TARGET_PX = 220.0
_ROI_MARGIN = 0.5  # fraction of the code's side added around it (quiet zone, inaccurate corners)
_ROI_MAX_CROP_PX = 400.0  # bounds the cost of one rescue attempt
_PARTIAL_BELOW_PX = 64.0
_PARTIAL_REACH = 1.5
_DEFOCUS_SIGMA_MODULES = 0.5  # the Gaussian blur the "defocus" ROI variant undoes, in modules
_DEFOCUS_MAX_PX = 256  # wider crops are deconvolved at half size
_LEVEL_MIN_SPAN = 24.0  # below this local range (grey levels) a region is flat: not stretched into noise
_STRETCH_BELOW = 150  # stretch contrast when the 1st-99th percentile range is narrower than this
# Motion-blur rescue: the square examined is this fraction of the frame width (320 px at 720p:
# a 200 px code plus its smear), the blur lengths looked for, and how far the cepstrum's peak
# must stand out of its ring (in standard deviations) to be worth a deconvolution: a 12-18 px
# smear gives 7-20 in the corpus (diagonal smears the least), half the codeless frames pass 6.5
# too (their deconvolution finds nothing: a QR code's checksums don't appear from noise).
_DEBLUR_SQUARE_OF_WIDTH = 0.25
_DEBLUR_MIN_SQUARE_PX = 128
_DEBLUR_LENGTHS_PX = (4.0, 40.0)
_DEBLUR_PEAK_SIGMAS = 6.5
_DEBLUR_NOISE_TO_SIGNAL = 0.01  # Wiener filter's constant: lower sharpens more and amplifies noise
_DEBLUR_COST_MS = 3.0  # estimate + one deconvolution + one read of a 320 px square, one core


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
    FUSED = "fused"  # several frames fused against glare (webcam_fusion.GlareFusion)
    PYZBAR = "pyzbar"


@dataclass(frozen=True)
class DecodedCode:
    text: str
    quad: Quad  # in frame pixels
    stage: Stage


@dataclass(frozen=True)
class FrameAnalysis:
    """Codes read in one frame, and codes located but not read (for the outline and the hint)."""

    codes: tuple[DecodedCode, ...] = ()
    unread: tuple[Quad, ...] = ()

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
    # "fixed" (fixed-threshold binarizer), "level" (local contrast normalisation) and "defocus"
    # (Gaussian Wiener) exist too: within the time budget none read more codes in the bench, and
    # "defocus" (which reads defocused codes when time is no object) costs p95.
    roi_variants: tuple[str, ...] = ("median", "sharpen")
    # The rescues whose predicted cost would take the frame past this many ms are skipped (the
    # capture loop tries again on the next frame); 0: no limit. The cost of a full-frame rescue
    # is predicted from the first pass on the same frame, so the choice holds under CPU load.
    budget_ms: float = 9.0
    # Dark-mode codes in the rescues too: +6 codes of 300 at 640x480, nothing at 720p, ~0.2 ms at p95.
    rescue_invert: bool = True
    # Motion-blur rescue (cepstrum estimate + Wiener deconvolution of one square of the frame).
    deblur: bool = True


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
    began = _cpu_clock()
    grey = to_grey(frame)
    found: dict[str, DecodedCode] = {}
    located: list[Quad] = []
    _read_into(grey, Stage.FULL, found, located)
    full_pass_ms = (_cpu_clock() - began) * 1000

    def affordable(cost_ms: float) -> bool:
        spent_ms = (_cpu_clock() - began) * 1000
        return options.budget_ms <= 0 or spent_ms + cost_ms <= options.budget_ms

    invert = options.rescue_invert
    if not found and options.cleaned_pass and affordable(1.2 * full_pass_ms):
        _read_into(_cleaned(grey), Stage.CLEANED, found, located, invert)
    if not found and options.deblur and affordable(_DEBLUR_COST_MS):
        _read_deblurred(grey, (*located, *roi_hints), found)
    if not found and not located and options.upscaled_centre and affordable(full_pass_ms):
        _read_upscaled_centre(grey, found, located, invert)
    if options.roi_rescue:
        candidates = [q for q in (*located, *roi_hints) if not _covered(q, found.values())]
        for quad in _distinct_largest(candidates, options.max_rois):
            # A rescue reads a crop of at most 400x400 px: a fraction of a full pass.
            if not affordable(0.3 * full_pass_ms):
                break
            for code in _rescue_region(grey, quad, options.roi_variants, invert):
                found.setdefault(code.text, code)
    unread = tuple(q for q in _distinct_largest(located, 4) if not _covered(q, found.values()))
    return FrameAnalysis(codes=tuple(found.values()), unread=unread)


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
    grey: GreyImage, stage: Stage, found: dict[str, DecodedCode], located: list[Quad], invert: bool = True
) -> None:
    for barcode in zxingcpp.read_barcodes(grey, formats=qr_formats(), try_invert=invert, return_errors=True):
        quad = _quad_of(barcode.position)
        if barcode.valid:
            found.setdefault(barcode.text, DecodedCode(barcode.text, quad, stage))
        elif _plausible(quad):
            located.append(quad)


def _cleaned(grey: GreyImage) -> GreyImage:
    sample = grey[::4, ::4]
    hist = np.bincount(sample.ravel(), minlength=256).cumsum()
    low = int(np.searchsorted(hist, 0.01 * hist[-1]))
    high = int(np.searchsorted(hist, 0.99 * hist[-1]))
    if high - low < _STRETCH_BELOW and high > low:
        ramp = (np.arange(256, dtype=np.float32) - low) * (255.0 / (high - low))
        grey = _u8(cv2.LUT(grey, ramp.clip(0, 255).astype(np.uint8)))
    return _u8(cv2.medianBlur(grey, 3))


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


def _rescue_region(grey: GreyImage, quad: Quad, variants: Sequence[str], invert: bool) -> list[DecodedCode]:
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
    scale = min(max(_ROI_TARGET_PX / side, 0.5), 4.0, _ROI_MAX_CROP_PX / (2 * reach))
    crop: GreyImage = grey[y0:y1, x0:x1]
    if abs(scale - 1.0) > 0.15:
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        crop = _u8(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation))

    def back(quad_in_crop: Quad) -> Quad:
        q = tuple((x / scale + x0, y / scale + y0) for x, y in quad_in_crop)
        return (q[0], q[1], q[2], q[3])

    for variant in variants:
        image, binarizer = _ROI_VARIANTS[variant](crop, scale)
        barcodes = zxingcpp.read_barcodes(image, formats=qr_formats(), try_invert=invert, binarizer=binarizer)
        if barcodes:
            return [DecodedCode(b.text, back(_quad_of(b.position)), Stage.ROI) for b in barcodes]
    return []


def _read_deblurred(grey: GreyImage, regions: Sequence[Quad], found: dict[str, DecodedCode]) -> bool:
    """The motion-blur rescue: True when the examined square shows a motion blur (read or not)."""
    height, width = grey.shape
    side = cv2.getOptimalDFTSize(max(int(_DEBLUR_SQUARE_OF_WIDTH * width), _DEBLUR_MIN_SQUARE_PX))
    if side > min(height, width):
        return False
    if regions:
        cx, cy = _centre(max(regions, key=quad_side))
    else:
        cx, cy = _busiest_point(grey, side)
    x0 = int(min(max(cx - side / 2, 0), width - side))
    y0 = int(min(max(cy - side / 2, 0), height - side))
    square: GreyImage = grey[y0 : y0 + side, x0 : x0 + side]
    blur = _estimate_motion_blur(square)
    if blur is None:
        return False
    length, angle_deg = blur
    sharp = _wiener_deblur(square, length, angle_deg)
    for barcode in zxingcpp.read_barcodes(sharp, formats=qr_formats(), try_invert=True):
        q = tuple((x + x0, y + y0) for x, y in _quad_of(barcode.position))
        found.setdefault(barcode.text, DecodedCode(barcode.text, (q[0], q[1], q[2], q[3]), Stage.DEBLUR))
    return True


def _busiest_point(grey: GreyImage, side: int) -> Point:
    """Where the most edges are, in a box half the square's side (about a code's size: a bigger box
    drifts to the phone's text around the code), on a 1/8 thumbnail (~0.2 ms at 720p)."""
    thumb = cv2.resize(grey, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    edges = cv2.add(
        cv2.convertScaleAbs(cv2.Sobel(thumb, cv2.CV_16S, 1, 0)),
        cv2.convertScaleAbs(cv2.Sobel(thumb, cv2.CV_16S, 0, 1)),
    )
    box = max(side // 16, 3)  # thumbnail pixels: side / 2 frame pixels
    energy = cv2.boxFilter(edges, cv2.CV_32F, (box, box))
    _, _, _, (x, y) = cv2.minMaxLoc(energy)
    return (x * 8.0 + 4.0, y * 8.0 + 4.0)


_square_tables: dict[int, tuple[npt.NDArray[np.float32], npt.NDArray[np.intp], npt.NDArray[np.intp]]] = {}


def _square_table(side: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The Hann window of a square, and the cepstrum cells (half plane, by symmetry) of the blur
    lengths looked for, as (row, column) offsets from the origin."""
    table = _square_tables.get(side)
    if table is None:
        window = np.asarray(cv2.createHanningWindow((side, side), cv2.CV_32F), dtype=np.float32)
        half = side // 2
        dy, dx = np.mgrid[-half : side - half, -half : side - half]
        radius = np.hypot(dx, dy)
        lo, hi = _DEBLUR_LENGTHS_PX
        ring = (radius >= lo) & (radius <= min(hi, side / 4)) & ((dy > 0) | ((dy == 0) & (dx > 0)))
        # MJPG's 8x8 blocks put a peak at 8 px along both axes: not a blur.
        ring &= ~(((dx == 0) & (np.abs(dy) == 8)) | ((dy == 0) & (np.abs(dx) == 8)))
        table = (window, dy[ring], dx[ring])
        _square_tables[side] = table
    return table


def _estimate_motion_blur(square: GreyImage) -> tuple[float, float] | None:
    """(length px, direction degrees) of a linear motion blur, or None when there is none.

    A line blur multiplies the spectrum by a sinc whose zeros repeat every 1/length: the log
    spectrum's Fourier transform (the cepstrum) has a deep negative peak at the blur vector."""
    side = square.shape[0]
    window, rows, cols = _square_table(side)
    image = square.astype(np.float32)
    image -= float(image.mean())
    spectrum = cv2.dft(image * window, flags=cv2.DFT_COMPLEX_OUTPUT)
    log_magnitude = cv2.log(cv2.magnitude(spectrum[..., 0], spectrum[..., 1]) + 1e-3)
    # The log spectrum is real and even: its forward transform is real, and equals the cepstrum.
    cepstrum = cv2.dft(log_magnitude, flags=cv2.DFT_COMPLEX_OUTPUT)[..., 0]
    values = cepstrum[rows % side, cols % side]
    best = int(np.argmin(values))
    spread = float(values.std())
    if spread <= 0 or -float(values[best]) / spread < _DEBLUR_PEAK_SIGMAS:
        return None
    dy, dx = float(rows[best]), float(cols[best])
    return float(np.hypot(dx, dy)), float(np.degrees(np.arctan2(dy, dx)))


def _wiener_deblur(square: GreyImage, length: float, angle_deg: float) -> GreyImage:
    """``square`` deconvolved by a line of ``length`` px at ``angle_deg`` (Wiener filter)."""
    side = square.shape[0]
    # A line of exactly ``length`` pixels (its two end pixels weighted by the fraction left over):
    # the smear the cepstrum measured. Rounding it up to a whole odd number of pixels, as before,
    # made the filter 1-2 px too long, and a 15-20 px smear was then not read back.
    size = max(3, int(np.ceil(length)) + 2 | 1)
    line = np.zeros((size, size), np.float32)
    whole = min(int(length), size - 2)
    start = (size - whole) // 2
    line[size // 2, start : start + whole] = 1.0
    edge = max(length - whole, 0.0) / 2
    line[size // 2, start - 1] = line[size // 2, start + whole] = edge
    # Image rows grow downwards: the cepstrum's angle turns the other way in OpenCV's rotation.
    rotation = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), -angle_deg, 1.0)
    line = np.asarray(cv2.warpAffine(line, rotation, (size, size)), dtype=np.float32)
    line /= max(float(line.sum()), 1e-6)
    kernel = np.zeros((side, side), np.float32)
    kernel[:size, :size] = line
    kernel = np.roll(kernel, (-(size // 2), -(size // 2)), axis=(0, 1))
    kernel_spectrum = cv2.dft(kernel, flags=cv2.DFT_COMPLEX_OUTPUT)
    image_spectrum = cv2.dft(square.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT)
    power = cv2.magnitude(kernel_spectrum[..., 0], kernel_spectrum[..., 1]) ** 2 + _DEBLUR_NOISE_TO_SIGNAL
    product = np.asarray(cv2.mulSpectrums(image_spectrum, kernel_spectrum, 0, conjB=True), dtype=np.float32)
    product /= power[..., None]
    sharp = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    return _u8(np.clip(sharp, 0, 255).astype(np.uint8))


def _median(crop: GreyImage, scale: float) -> tuple[GreyImage, zxingcpp.Binarizer]:
    # A bigger kernel once upscaled: the screen grid was magnified with the code.
    return _u8(cv2.medianBlur(crop, 5 if scale >= 2.0 else 3)), zxingcpp.Binarizer.LocalAverage


def _sharpened(crop: GreyImage, scale: float) -> GreyImage:
    blurred = cv2.GaussianBlur(crop, (0, 0), max(1.5, 1.2 * scale))
    return _u8(cv2.addWeighted(crop, 2.5, blurred, -1.5, 0))


def _sharpen(crop: GreyImage, scale: float) -> tuple[GreyImage, zxingcpp.Binarizer]:
    return _sharpened(crop, scale), zxingcpp.Binarizer.LocalAverage


def _levelled(crop: GreyImage, scale: float) -> tuple[GreyImage, zxingcpp.Binarizer]:
    """Local contrast normalisation of the code's region: each pixel is placed between the local
    black and white levels (grey opening and closing over ~4 modules, smoothed), so a glare's
    slope and its bloom, which lift the dark modules near the hot spot, no longer drown the
    modules' contrast. Saturated pixels stay lost (no contrast left to stretch)."""
    window = max(int(_ROI_TARGET_PX / 31 * 4) | 1, 9)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    white = cv2.blur(cv2.dilate(crop, kernel), (window, window)).astype(np.float32)
    black = cv2.blur(cv2.erode(crop, kernel), (window, window)).astype(np.float32)
    span = np.maximum(white - black, _LEVEL_MIN_SPAN)
    levelled = (crop.astype(np.float32) - black) * (255.0 / span)
    return _u8(np.clip(levelled, 0, 255).astype(np.uint8)), zxingcpp.Binarizer.LocalAverage


def _defocused(crop: GreyImage, scale: float) -> tuple[GreyImage, zxingcpp.Binarizer]:
    """Out-of-focus codes (a fixed-focus webcam, a phone held too close): a Wiener deconvolution
    by a Gaussian of half a module, the blur left when the unsharp mask no longer helps (it
    reads the corpus' sigma ~0.6 module codes; sigmas 0.4-0.7 module all work)."""
    if crop.shape[1] > _DEFOCUS_MAX_PX:
        # Deconvolved at half size: 4x cheaper DFTs, and a blurred code has no detail to lose.
        crop = _u8(cv2.resize(crop, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    height, width = crop.shape
    # The crop is about twice the code's side (``_ROI_MARGIN``); pass Culture's code is 31 modules.
    sigma = max(_DEFOCUS_SIGMA_MODULES * width / 2 / 31, 1.0)
    rows, cols = cv2.getOptimalDFTSize(height), cv2.getOptimalDFTSize(width)
    padded = cv2.copyMakeBorder(crop, 0, rows - height, 0, cols - width, cv2.BORDER_REPLICATE)
    taps = cv2.getGaussianKernel(int(6 * sigma) | 1, sigma)
    bump = (taps @ taps.T).astype(np.float32)
    kernel = np.zeros((rows, cols), np.float32)
    size = bump.shape[0]
    kernel[:size, :size] = bump
    kernel = np.roll(kernel, (-(size // 2), -(size // 2)), axis=(0, 1))
    kernel_spectrum = cv2.dft(kernel, flags=cv2.DFT_COMPLEX_OUTPUT)
    image_spectrum = cv2.dft(padded.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT)
    power = cv2.magnitude(kernel_spectrum[..., 0], kernel_spectrum[..., 1]) ** 2 + _DEBLUR_NOISE_TO_SIGNAL
    product = np.asarray(cv2.mulSpectrums(image_spectrum, kernel_spectrum, 0, conjB=True), dtype=np.float32)
    product /= power[..., None]
    sharp = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)[:height, :width]
    return _u8(np.clip(sharp, 0, 255).astype(np.uint8)), zxingcpp.Binarizer.LocalAverage


def _fixed(crop: GreyImage, scale: float) -> tuple[GreyImage, zxingcpp.Binarizer]:
    return _u8(cv2.GaussianBlur(crop, (0, 0), 0.8 * max(scale, 1.0))), zxingcpp.Binarizer.FixedThreshold


_ROI_VARIANTS: dict[str, Callable[[GreyImage, float], tuple[GreyImage, zxingcpp.Binarizer]]] = {
    "median": _median,
    "sharpen": _sharpen,
    "fixed": _fixed,
    "level": _levelled,
    "defocus": _defocused,
}


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
