"""Glare fusion: reading a code hidden by a reflection from the last few frames together.

A lamp's reflection on a phone screen or a laminated card saturates part of the code: those modules
are lost in that frame, whatever the decoder (in the corpus, the glare frames no rescue reads have
more blinded codewords than level Q's correction restores, even as Reed-Solomon erasures; see
``docs/webcam.md``). But a phone held by hand trembles, and a reflection turns twice as fast as
the mirror: from one frame to the next the hot spot slides over the code while the code itself
moves by a few pixels. Reflections only *add* light, so once the frames are aligned on the code,
the darkest value of each pixel over the last frames is the code with the hot spots removed (an
HDR-like fusion: each part of the code comes from a frame where it was not blinded).

``GlareFusion.analyse(frame, now, roi_hints)`` is ``analyse_frame`` plus that rescue, for the
capture loop (one per loop, not thread-safe), and the scheduling of the rescues across frames:
the one that read the code lately runs first, those the time budget left out run first on the
next frame, a smear measured on one frame is deconvolved on the next, and a frame gets
``_READ_BONUS_MS`` more when a code was read lately. For the fusion:

* it keeps the last ``depth`` frames of the last ``memory_s`` seconds, and where codes were seen
  (read or only located) meanwhile;
* when there is a reflection (clipped pixels) where the code was seen, the fusion's (learnt)
  cost is reserved out of the single-frame rescues' budget; when even the finder patterns are
  blinded (nothing seen), the busiest square of the frame is fused only if the budget has room
  left. If the single frame reads nothing, that region is cut from this frame and
  the kept ones, each earlier one aligned on this one (phase correlation at half size, sub-pixel
  translation) and left out when it is not plainly the same picture (peak under ``_MIN_MATCH``,
  or a jump over ``_MAX_SHIFT_PX``: a phone swapped or moved away); the per-pixel minimum is read
  with zxing-cpp.

A fused read is accepted only when the code read agrees, module by module, with what this frame
shows plainly (modules away from the reflection and clearly light or dark): at most 3 % of at
least 120 such modules may differ. Views of the same code differ on 0-1.3 % of them; a different
code in the same place (another contremarque: same finder patterns and same payload prefix) on
7-37 %. So the token is one this frame supports wherever it can be seen, checked on top by the QR
code's own format BCH code and Reed-Solomon, and by the payload parser downstream.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from pos_client.scanner.webcam import (
    DEFAULT_OPTIONS,
    DecodedCode,
    DecoderOptions,
    FrameAnalysis,
    GreyImage,
    Quad,
    Stage,
    _busiest_point,
    _cpu_clock,
    analyse_frame,
    qr_formats,
    quad_side,
    to_grey,
)

__all__ = ["GlareFusion"]

_MARGIN = 0.35  # fraction of the code's side added around it
_REGION_PX = 288  # side of the region fused (a fast DFT size): the code is about 170 px wide in it
_CLIPPED = 250  # grey level of a saturated pixel
_CLIPPED_SHARE = 0.01  # share of clipped pixels in a region that calls for the fusion
_MIN_MATCH = 0.3  # phase-correlation peak of two views of the same code (a different scene: < 0.1)
# A fused read must agree with this frame's own plain modules: at least this many checked (a
# seventh of a version 3 code), at most this share contradicted (measured: the same code 0-1.3 %,
# another code in the same place 7-37 %; see ``_contradictions``).
_MIN_CHECKED = 120
_MAX_CONTRADICTED = 0.03
_PLAIN_CONTRAST = 12.0  # grey levels between a module and its surroundings' mean to call it
_BLOOM_PX = 9  # pixels this close to a saturated one may be lifted by the reflection's bloom
_MAX_SHIFT_PX = 24.0  # in region pixels; a bigger jump is a phone moved, not a tremor
_COST_MS = 2.5  # first predicted cost of one fusion (4 alignments and one read of a 288 px region)
# Extra budget for a frame when a code was read in the last ``memory_s``: the code is there, and
# the deblur rescue (measure ~3 ms, deconvolve ~5 ms) fits after the first pass only then.
_READ_BONUS_MS = 2.0
_RESCUE_OF_STAGE = {
    Stage.CLEANED: "cleaned",
    Stage.ROI: "roi",
    Stage.DEBLUR: "deblur",
    Stage.UPSCALED: "upscaled",
}


_Box = tuple[float, float, float]  # region's top-left corner in the frame, region px per frame px


@dataclass
class _Seen:
    """A frame kept for the fusion, with its regions already cut out and transformed (the region
    stays the same while the phone is held: each frame's is computed once)."""

    at: float
    grey: GreyImage
    regions: dict[_Box, npt.NDArray[np.float32]] = field(default_factory=dict)
    spectra: dict[_Box, npt.NDArray[np.float32]] = field(default_factory=dict)

    def region(self, box: _Box) -> npt.NDArray[np.float32]:
        if box not in self.regions:
            self.regions = {box: _region(self.grey, box).astype(np.float32)}
        return self.regions[box]

    def spectrum(self, box: _Box) -> npt.NDArray[np.float32]:
        """The spectrum of the region's half-size copy (aligning at half size makes the DFTs 4x
        cheaper; the sub-pixel peak still gives ~0.2 px there)."""
        if box not in self.spectra:
            half = np.asarray(cv2.pyrDown(self.region(box)), dtype=np.float32)
            self.spectra = {box: _spectrum(half)}
        return self.spectra[box]


class GlareFusion:
    """``analyse_frame`` for a stream of frames, with the multi-frame glare rescue (module doc).

    Not thread-safe: one per capture loop."""

    def __init__(self, depth: int = 3, memory_s: float = 0.4) -> None:
        self.depth = depth
        self.memory_s = memory_s
        self._frames: deque[_Seen] = deque(maxlen=depth)
        self._regions: list[tuple[float, Quad]] = []
        self._box: _Box | None = None
        self._first: tuple[str, ...] = ()  # rescues to run first on the next frames
        self._first_at = float("-inf")
        self._variant = ""
        self._read_at = float("-inf")
        self._blur: tuple[float, float] | None = None  # measured on the last frame, not yet used
        self._fusion_ms = _COST_MS  # learnt from the fusions run (CPU ms)
        self.last_cpu_ms = 0.0  # the last frame's whole analysis, fusion included (for the bench)
        self.fusions_tried = 0  # frames where the fusion ran (for the tests and the bench)
        self.fused_reads = 0

    def analyse(
        self,
        frame: npt.NDArray[np.uint8],
        now: float | None = None,
        roi_hints: Sequence[Quad] = (),
        options: DecoderOptions = DEFAULT_OPTIONS,
    ) -> FrameAnalysis:
        """The frame's analysis, with a code read from the fused recent frames when this frame
        alone reads nothing. ``now``: the frame's time (seconds, monotonic), default the clock."""
        now = time.monotonic() if now is None else now
        began = _cpu_clock()
        grey = to_grey(frame)
        self._regions = [(t, q) for t, q in self._regions if now - t <= self.memory_s]
        self._frames = deque((f for f in self._frames if now - f.at <= self.memory_s), maxlen=self.depth)
        this = _Seen(now, grey)
        may_fuse = bool(self._frames) and _clipped_somewhere(grey)
        # The fusion's cost is reserved out of the budget where a code was seen lately; elsewhere
        # (the busiest square of a frame: a code whose finder patterns are all blinded) it runs
        # only when the single-frame pipeline left it room: such frames are mostly codeless desks.
        reserve = may_fuse and bool(self._regions or roi_hints)
        budget = options.budget_ms
        options = self._stream_options(options, now, reserve, (_cpu_clock() - began) * 1000)
        analysis = analyse_frame(grey, roi_hints=roi_hints, options=options)
        seen = [*analysis.unread, *roi_hints, *(q for _, q in self._regions)]
        room = budget <= 0 or (_cpu_clock() - began) * 1000 + self._fusion_ms <= budget
        if not analysis.codes and may_fuse and (seen or room):
            started = _cpu_clock()
            target = self._target(this, seen)
            if target is not None:
                self.fusions_tried += 1
                code = self._fused_read(this, target)
                if code is not None:
                    self.fused_reads += 1
                    analysis = FrameAnalysis(codes=(code,), unread=())
            # Learnt like the rescues' costs: quick to rise, slow to fall.
            spent_ms = (_cpu_clock() - started) * 1000
            self._fusion_ms += (0.5 if spent_ms > self._fusion_ms else 0.1) * (spent_ms - self._fusion_ms)
        self._remember(analysis, now)
        self._regions += [(now, c.quad) for c in analysis.codes] + [(now, q) for q in analysis.unread]
        self._frames.append(this)
        self.last_cpu_ms = (_cpu_clock() - began) * 1000
        return analysis

    def _stream_options(
        self, options: DecoderOptions, now: float, reserve: bool, spent_ms: float
    ) -> DecoderOptions:
        """This frame's options: the rescue (and ROI variant) that read the code on the last frames
        first, then those the budget left out on the last frame (spread over frames instead of
        all in one); the budget less what this frame already cost (its grey conversion) and, when
        a fusion may run, the fusion's predicted cost."""
        first = list(self._first) if now - self._first_at <= self.memory_s else []
        variants = options.roi_variants
        if self._variant in variants and now - self._first_at <= self.memory_s:
            variants = (self._variant, *(v for v in variants if v != self._variant))
        budget, unseen = options.budget_ms, options.unseen_budget_ms
        if budget > 0:
            if now - self._read_at <= self.memory_s:
                budget += _READ_BONUS_MS  # a code read lately: the rescues' time is well spent
            budget = max(budget - spent_ms - (self._fusion_ms if reserve else 0.0), 0.1)
            unseen = max(unseen - spent_ms, 0.1)
        blur = self._blur if now - self._first_at <= self.memory_s else None
        return replace(
            options,
            first=tuple(dict.fromkeys(first)),
            roi_variants=variants,
            budget_ms=budget,
            unseen_budget_ms=unseen,
            known_blur=blur,
        )

    def _remember(self, analysis: FrameAnalysis, now: float) -> None:
        self._blur = analysis.blur
        if analysis.codes:
            self._read_at = now
        read = [c for c in analysis.codes if c.stage in _RESCUE_OF_STAGE]
        if read:
            self._first, self._first_at = (_RESCUE_OF_STAGE[read[0].stage],), now
            self._variant = read[0].variant or self._variant
        elif analysis.codes:
            self._first, self._first_at = (), now
        elif analysis.skipped:
            self._first = tuple(dict.fromkeys((*analysis.skipped, *self._first)))
            self._first_at = now

    def _target(self, this: _Seen, seen: Sequence[Quad]) -> _Box | None:
        """Where to fuse: where a code was seen lately or, when a reflection hid even its finder
        patterns, the busiest part of the frame (the code has the most edges, as for the deblur
        stage); only when that region has a reflection (clipped pixels) in this frame. Checked on
        every frame that reads nothing, so on a sparse sample first (~0.1 ms)."""
        grey = this.grey
        quad = max(seen, key=quad_side) if seen else _busiest_square(grey)
        target = self._sticky(_box(grey.shape, quad))
        if target is None:
            return None
        x0, y0, scale = target
        reach = _REGION_PX / scale
        left, top = max(int(x0), 0), max(int(y0), 0)
        sample = grey[top : max(int(y0 + reach), top + 1) : 2, left : max(int(x0 + reach), left + 1) : 2]
        if sample.size == 0 or np.count_nonzero(sample >= _CLIPPED) < _CLIPPED_SHARE * sample.size:
            return None
        return target

    def _sticky(self, box: _Box | None) -> _Box | None:
        """``box``, or the previous one when it is about the same (the cut-out regions are then
        reused): within 8 % of the region's side and 10 % of its scale."""
        previous = self._box
        if box is not None and previous is not None:
            tolerance = 0.08 * _REGION_PX / box[2]
            if (
                abs(box[0] - previous[0]) <= tolerance
                and abs(box[1] - previous[1]) <= tolerance
                and abs(box[2] / previous[2] - 1) <= 0.1
            ):
                return previous
        self._box = box
        return box

    def _fused_read(self, this: _Seen, box: _Box) -> DecodedCode | None:
        x0, y0, scale = box
        reference, reference_spectrum = this.region(box), this.spectrum(box)
        fused = reference.copy()
        used = 0
        for seen in reversed(self._frames):
            (dx, dy), match = _phase_correlation(reference_spectrum, seen.spectrum(box))
            earlier = seen.region(box)
            dx, dy = 2 * dx, 2 * dy
            if match < _MIN_MATCH or np.hypot(dx, dy) > _MAX_SHIFT_PX:
                continue
            # ``earlier`` shows the code moved by (dx, dy): move it back onto this frame.
            shift = np.array([[1, 0, -dx], [0, 1, -dy]], dtype=np.float32)
            aligned = cv2.warpAffine(
                earlier, shift, (earlier.shape[1], earlier.shape[0]), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )  # fmt: skip
            fused = np.minimum(fused, aligned)
            used += 1
        if not used:
            return None
        image = np.clip(fused, 0, 255).astype(np.uint8)
        for barcode in zxingcpp.read_barcodes(image, formats=qr_formats(), try_invert=True):
            contradicted, checked = _contradictions(reference, fused, barcode)
            if barcode.valid and checked >= _MIN_CHECKED and contradicted <= _MAX_CONTRADICTED * checked:
                p = barcode.position
                corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
                q = [(c.x / scale + x0, c.y / scale + y0) for c in corners]
                return DecodedCode(barcode.text, (q[0], q[1], q[2], q[3]), Stage.FUSED)
        return None


def _clipped_somewhere(grey: GreyImage) -> bool:
    """At least one fused region's worth of clipped pixels in the frame (a sparse count, ~0.1 ms)."""
    return bool(np.count_nonzero(grey[::4, ::4] >= _CLIPPED) >= _CLIPPED_SHARE * _REGION_PX**2 / 16)


def _busiest_square(grey: GreyImage) -> Quad:
    """A square a quarter of the frame wide (a 200 px code and its margin at 720p) around the
    busiest point; the margin added by ``_box`` is taken off so the region keeps that size."""
    side = 0.25 * grey.shape[1] / (1 + 2 * _MARGIN)
    cx, cy = _busiest_point(grey, int(0.25 * grey.shape[1]))
    h = side / 2
    return ((cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h))


_ALIGN_PX = _REGION_PX // 2


def _window() -> npt.NDArray[np.float32]:
    return np.asarray(cv2.createHanningWindow((_ALIGN_PX, _ALIGN_PX), cv2.CV_32F), dtype=np.float32)


_WINDOW = _window()


def _spectrum(region: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    centred = (region - float(region.mean())) * _WINDOW
    return np.asarray(cv2.dft(centred, flags=cv2.DFT_COMPLEX_OUTPUT), dtype=np.float32)


def _phase_correlation(
    reference: npt.NDArray[np.float32], other: npt.NDArray[np.float32]
) -> tuple[tuple[float, float], float]:
    """((dx, dy), peak): how far ``other``'s picture is moved from ``reference``'s, to a tenth of
    a pixel, and how sure (the normalised cross-power peak: ~1 same picture, < 0.1 unrelated).
    Like OpenCV's ``phaseCorrelate``, reusing the reference's spectrum."""
    cross = np.asarray(cv2.mulSpectrums(other, reference, 0, conjB=True), dtype=np.float32)
    magnitude = cv2.magnitude(cross[..., 0], cross[..., 1]) + 1e-6
    cross /= magnitude[..., None]
    surface = cv2.dft(cross, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    _, _, _, (px, py) = cv2.minMaxLoc(surface)
    # Sub-pixel: the centroid of the 3x3 cells around the peak (wrapping around the edges); their
    # sum is the match (a shift between pixels splits the peak among them).
    rows = [(py + k) % _ALIGN_PX for k in (-1, 0, 1)]
    cols = [(px + k) % _ALIGN_PX for k in (-1, 0, 1)]
    cells = np.maximum(surface[np.ix_(rows, cols)], 0)
    total = float(cells.sum()) or 1e-6
    offsets = np.array([-1.0, 0.0, 1.0])
    fx = px + float((cells.sum(axis=0) * offsets).sum()) / total
    fy = py + float((cells.sum(axis=1) * offsets).sum()) / total
    half = _ALIGN_PX / 2
    dx = fx - _ALIGN_PX if fx > half else fx
    dy = fy - _ALIGN_PX if fy > half else fy
    return (dx, dy), total


def _contradictions(
    current: npt.NDArray[np.float32], fused: npt.NDArray[np.float32], barcode: zxingcpp.Barcode
) -> tuple[int, int]:
    """(modules contradicted, modules checked): the code read in the fused image, module by
    module, against what *this* frame shows plainly (modules away from any reflection and clearly
    light or dark). The same code disagrees on a few modules at most (noise, alignment); a code
    read from the earlier frames while this one shows another (same place, same finder patterns)
    disagrees on a quarter of them."""
    extra = barcode.extra
    try:
        size = 17 + 4 * int(extra.get("Version", 0)) if isinstance(extra, dict) else 0
    except (TypeError, ValueError):
        return (1, 0)
    if size < 21:
        return (1, 0)
    p = barcode.position
    corners = np.array(
        [[c.x, c.y] for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], dtype=np.float32
    )
    square = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)
    to_region = cv2.getPerspectiveTransform(square, corners)
    centres = np.stack(np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5), axis=-1).reshape(-1, 1, 2)
    points = cv2.perspectiveTransform(centres.astype(np.float32), to_region).reshape(-1, 2)
    module_px = float(np.linalg.norm(corners[1] - corners[0])) / size
    window = max(int(4 * module_px) | 1, 5)
    inside = (
        (points[:, 0] >= 0)
        & (points[:, 0] < _REGION_PX - 1)
        & (points[:, 1] >= 0)
        & (points[:, 1] < _REGION_PX - 1)
    )
    xs, ys = points[inside, 0].round().astype(int), points[inside, 1].round().astype(int)

    def modules(image: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        centre = cv2.blur(image, (3, 3))[ys, xs]
        local = cv2.blur(image, (window, window))[ys, xs]
        return centre, local

    lit = (current >= _CLIPPED).astype(np.uint8)
    unlit = (cv2.dilate(lit, np.ones((_BLOOM_PX, _BLOOM_PX), np.uint8)) == 0)[ys, xs]
    now, now_local = modules(current)
    then, then_local = modules(fused)
    plain = unlit & (np.abs(now - now_local) > _PLAIN_CONTRAST)
    disagree = plain & ((now > now_local) != (then > then_local))
    return int(np.count_nonzero(disagree)), int(np.count_nonzero(plain))


def _box(shape: tuple[int, ...], quad: Quad) -> _Box | None:
    """The region around ``quad``: its top-left corner in frame pixels and its scale (region pixels
    per frame pixel); the region is always ``_REGION_PX`` square (a fast size for the DFTs)."""
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    if side < 16:
        return None
    scale = _REGION_PX / ((1 + 2 * _MARGIN) * side)
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half = _REGION_PX / 2 / scale
    return cx - half, cy - half, scale


def _region(grey: GreyImage, box: _Box) -> GreyImage:
    x0, y0, scale = box
    to_region = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], dtype=np.float32)
    interpolation = cv2.INTER_AREA if scale < 0.8 else cv2.INTER_LINEAR
    region = cv2.warpAffine(
        grey, to_region, (_REGION_PX, _REGION_PX), flags=interpolation, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(region, dtype=np.uint8)
