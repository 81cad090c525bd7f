"""Image filters of the webcam reader's rescues (``webcam.py`` runs them; split out for size).

* the motion-blur rescue's parts: where the frame is busiest (a code has the most edges), the
  smear's length and direction from the 2D cepstrum, and the Wiener deconvolution by that line
  (its filter kept for the next frames, which a stream deconvolves with the same smear);
* the ROI rescue's variants, each a filtered crop of a located code and the zxing-cpp binarizer
  to read it with: median (screen grid, noise), sharpen (slight blur), defocus (Gaussian Wiener:
  out-of-focus codes), level (local contrast normalisation), fixed (fixed-threshold binarizer).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

GreyImage = npt.NDArray[np.uint8]
Point = tuple[float, float]

# The ROI rescue scales a code to this width: ~7 px per module for pass Culture's 29+2 modules.
ROI_TARGET_PX = 220.0
# Motion blur: the lengths looked for (px), and how far the cepstrum's peak must stand out of its
# ring (in standard deviations) to be worth a deconvolution: a 12-18 px smear gives 7-20 in the
# corpus (diagonal smears the least), half the codeless frames pass 6.5 too (their deconvolution
# finds nothing: a QR code's checksums don't appear from noise).
DEBLUR_LENGTHS_PX = (4.0, 40.0)
_DEFOCUS_SIGMA_MODULES = 0.55  # the Gaussian blur the "defocus" ROI variant undoes, in modules
_DEFOCUS_MAX_PX = 256  # wider crops are deconvolved at half size
_LEVEL_MIN_SPAN = 24.0  # below this local range (grey levels) a region is flat: not stretched into noise
_DEBLUR_PEAK_SIGMAS = 6.5
_DEBLUR_NOISE_TO_SIGNAL = 0.01  # Wiener filter's constant: lower sharpens more and amplifies noise


def _u8(image: npt.NDArray[Any]) -> GreyImage:
    """OpenCV's results typed as what they are here (uint8 in, uint8 out); no copy."""
    return np.asarray(image, dtype=np.uint8)


def busiest_point(grey: GreyImage, side: int) -> Point:
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
        lo, hi = DEBLUR_LENGTHS_PX
        ring = (radius >= lo) & (radius <= min(hi, side / 4)) & ((dy > 0) | ((dy == 0) & (dx > 0)))
        # MJPG's 8x8 blocks put a peak at 8 px along both axes, and at 4 px (measured: on the
        # first frame of a 13 px smear the 4 px cell won): not a blur. (A 4 px smear needs no
        # deconvolution: the code reads anyway.)
        blocks = (np.abs(dy) == 8) | (np.abs(dy) == 4), (np.abs(dx) == 8) | (np.abs(dx) == 4)
        ring &= ~(((dx == 0) & blocks[0]) | ((dy == 0) & blocks[1]))
        table = (window, dy[ring], dx[ring])
        _square_tables[side] = table
    return table


def estimate_motion_blur(square: GreyImage) -> tuple[float, float] | None:
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
    cepstrum = np.asarray(cv2.dft(log_magnitude, flags=cv2.DFT_COMPLEX_OUTPUT)[..., 0], dtype=np.float32)
    values = cepstrum[rows % side, cols % side]
    best = int(np.argmin(values))
    spread = float(values.std())
    if spread <= 0 or -float(values[best]) / spread < _DEBLUR_PEAK_SIGMAS:
        return None
    dy, dx = _subpixel_peak(cepstrum, int(rows[best]), int(cols[best]), float(values.mean()))
    return float(np.hypot(dx, dy)), float(np.degrees(np.arctan2(dy, dx)))


def _subpixel_peak(
    cepstrum: npt.NDArray[np.float32], row: int, col: int, level: float
) -> tuple[float, float]:
    """The negative peak's position to a fraction of a pixel: the centroid of its 3x3 cells' depth
    under the ring's mean level. A smear's end rarely falls on a whole pixel, and the nearest
    cell can be 0.5 px and 1-2 degrees off, which the deconvolution is sensitive to (measured: a
    13 px smear read on 8 of 8 frames with the centroid's (13.45 px, 162.0 deg), on 1-5 of 8 with
    the cell's (13.6 px, 162.9 deg), depending on where the square falls on the MJPG blocks)."""
    side = cepstrum.shape[0]
    cells = cepstrum[np.ix_([(row + k) % side for k in (-1, 0, 1)], [(col + k) % side for k in (-1, 0, 1)])]
    depth = np.maximum(level - cells, 0.0)
    total = float(depth.sum())
    if total <= 0:
        return float(row), float(col)
    offsets = np.array([-1.0, 0.0, 1.0])
    return (
        row + float((depth.sum(axis=1) * offsets).sum()) / total,
        col + float((depth.sum(axis=0) * offsets).sum()) / total,
    )


def wiener_deblur(square: GreyImage, length: float, angle_deg: float) -> GreyImage:
    """``square`` deconvolved by a line of ``length`` px at ``angle_deg`` (Wiener filter)."""
    image_spectrum = cv2.dft(square.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT)
    wiener = _wiener_filter(square.shape[0], round(length, 2), round(angle_deg, 1))
    product = cv2.mulSpectrums(image_spectrum, wiener, 0)
    sharp = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    return _u8(np.clip(sharp, 0, 255).astype(np.uint8))


@functools.lru_cache(maxsize=4)
def _wiener_filter(side: int, length: float, angle_deg: float) -> npt.NDArray[np.float32]:
    """The Wiener filter's spectrum, conj(K) / (|K|^2 + noise-to-signal), of a line of ``length``
    px at ``angle_deg`` over a ``side`` square. Kept for the next frames: a stream passes the same
    smear on (``DecoderOptions.known_blur``), and the filter is half the deconvolution's cost."""
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
    spectrum = np.asarray(cv2.dft(kernel, flags=cv2.DFT_COMPLEX_OUTPUT), dtype=np.float32)
    power = cv2.magnitude(spectrum[..., 0], spectrum[..., 1]) ** 2 + _DEBLUR_NOISE_TO_SIGNAL
    spectrum[..., 1] *= -1  # the conjugate
    spectrum /= power[..., None]
    return spectrum


# Glare: a pixel at or over this grey level is saturated; a frame with a reflection has at least
# this many of them (a 288 px region's 1 %: as the glare fusion asks), counted on a 1/16 sample.
CLIPPED_LEVEL = 250
_GLARE_MIN_CLIPPED = 830
_GLARE_BLOCK_PX = 15  # the local mean's window at half size: 2-4 modules of a 130-240 px code
_GLARE_OFFSET = 1  # grey levels under the local mean that make a pixel dark


def has_glare(grey: GreyImage) -> bool:
    """True when the frame has a saturated area the size of a reflection (a sparse count, ~0.1 ms)."""
    return bool(np.count_nonzero(grey[::4, ::4] >= CLIPPED_LEVEL) * 16 >= _GLARE_MIN_CLIPPED)


def glare_binarised(half: GreyImage) -> GreyImage:
    """``half`` (the frame at half size) binarised against its local (Gaussian) mean: a pixel is
    dark when it is at least ``_GLARE_OFFSET`` under it. Near a reflection the dark modules are
    lifted to 200-250 among white ones clipped at 255: zxing-cpp's binarizer, which calls a block
    with less than 24 grey levels of range uniform, loses them; here they stay dark as long as
    they are not saturated too. Flat areas turn to noise, which no QR checksum survives."""
    return _u8(
        cv2.adaptiveThreshold(
            half, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, _GLARE_BLOCK_PX, _GLARE_OFFSET
        )
    )


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
    window = max(int(ROI_TARGET_PX / 31 * 4) | 1, 9)
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


ROI_VARIANTS: dict[str, Callable[[GreyImage, float], tuple[GreyImage, zxingcpp.Binarizer]]] = {
    "median": _median,
    "sharpen": _sharpen,
    "fixed": _fixed,
    "level": _levelled,
    "defocus": _defocused,
}
