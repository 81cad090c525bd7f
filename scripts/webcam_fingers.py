"""Fingertips over a QR code, for the synthetic webcam corpus (``make_webcam_corpus.py``).

A fingertip holding the phone covers part of the code: a capsule (a finger's width, a rounded
tip) that enters across one edge of the symbol, never over a finder pattern (issue 17's
severities: 2-14 % of the symbol). Everything is in symbol modules, so the same finger can be
drawn on a phone's texture or measured on the bare module grid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

Image = np.ndarray


@dataclass(frozen=True)
class Finger:
    """A fingertip over the code, coming in across one edge of the symbol (never over a finder
    pattern). In symbol modules (29 for pass Culture's version 3), from the symbol's top-left."""

    edge: str  # "top", "right", "bottom", "left": the edge the finger crosses
    along: float  # where it crosses that edge: the finger's centre line, in modules
    width: float  # finger width, in modules
    reach: float  # how far its tip goes into the symbol, in modules
    tone: tuple[int, int, int] = (120, 150, 205)  # BGR skin


_CODE_MODULES = 29  # pass Culture's codes: version 3


def finger_mask(finger: Finger, shape: tuple[int, int], origin: tuple[float, float], module: float) -> Image:
    """The fingertip as a float mask (1 = finger) over an image of ``shape``, the symbol's top-left
    module at ``origin`` and ``module`` pixels per module: a capsule, its rounded tip inside."""
    half = finger.width / 2
    outside = 30.0  # the finger goes on well beyond the symbol
    # Along the finger's axis, from its root (outside) to its tip; in module coordinates.
    if finger.edge == "top":
        root, tip = (finger.along, -outside), (finger.along, finger.reach - half)
    elif finger.edge == "bottom":
        root, tip = (
            (finger.along, _CODE_MODULES + outside),
            (finger.along, _CODE_MODULES - finger.reach + half),
        )
    elif finger.edge == "left":
        root, tip = (-outside, finger.along), (finger.reach - half, finger.along)
    else:
        root, tip = (
            (_CODE_MODULES + outside, finger.along),
            (_CODE_MODULES - finger.reach + half, finger.along),
        )
    mask = np.zeros(shape, np.uint8)

    def px(point: tuple[float, float]) -> tuple[int, int]:
        return (
            round((origin[0] + point[0] * module) * 16),
            round((origin[1] + point[1] * module) * 16),
        )

    thickness = max(1, round(finger.width * module))
    cv2.line(mask, px(root), px(tip), 255, thickness, cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


def finger_coverage(finger: Finger) -> float:
    """Fraction of the symbol's area the finger covers."""
    scale = 8.0
    mask = finger_mask(finger, (_CODE_MODULES * 8, _CODE_MODULES * 8), (0.0, 0.0), scale)
    return float(mask.mean())


def finger_on_finder(finger: Finger) -> bool:
    """True when the finger touches a finder pattern or its separator (8x8 modules at three corners)."""
    scale = 8.0
    mask = finger_mask(finger, (_CODE_MODULES * 8, _CODE_MODULES * 8), (0.0, 0.0), scale) > 0.02
    corner = int(8 * scale)
    far = int((_CODE_MODULES - 8) * scale)
    return bool(mask[:corner, :corner].any() or mask[:corner, far:].any() or mask[far:, :corner].any())


def add_finger(texture: Image, finger: Finger, origin: tuple[float, float], module: float) -> Image:
    """Skin over a phone's texture (the symbol's top-left module at ``origin``, ``module`` texture
    pixels per module): shaded like a cylinder, soft edged (nearer than the focus plane), with a
    faint shadow on the screen beside it."""
    h, w = texture.shape[:2]
    mask = finger_mask(finger, (h, w), origin, module)
    soft = cv2.GaussianBlur(mask, (0, 0), 2.0)
    # Cylinder shading: brightest along the axis, darker towards the sides.
    core = cv2.GaussianBlur(mask, (0, 0), finger.width * module / 4)
    shade = 0.55 + 0.45 * np.clip(core / max(float(core.max()), 1e-6), 0, 1)
    skin = np.array(finger.tone, np.float32)[None, None, :] * shade[:, :, None]
    shadow = 1.0 - 0.25 * np.clip(cv2.GaussianBlur(mask, (0, 0), 6.0) - soft, 0, 1)
    out = texture.astype(np.float32) * shadow[:, :, None]
    out = out * (1 - soft[:, :, None]) + skin * soft[:, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def random_finger(rng: np.random.Generator, coverage: float) -> Finger:
    """A fingertip covering about ``coverage`` of the symbol, never a finder pattern."""
    ranges = {  # where a finger of the edge can cross it without reaching a finder's 8 modules
        "top": (8.0, _CODE_MODULES - 8.0),
        "left": (8.0, _CODE_MODULES - 8.0),
        "bottom": (8.0, float(_CODE_MODULES)),
        "right": (8.0, float(_CODE_MODULES)),
    }
    best: Finger | None = None
    for _ in range(200):
        edge = str(rng.choice(["bottom", "bottom", "right", "right", "top", "left"]))
        width = float(rng.uniform(7.0, 12.0))
        lo, hi = ranges[edge]
        along = float(rng.uniform(lo + 0.3 * width, max(hi - 0.3 * width, lo + 0.3 * width)))
        finger = Finger(edge, along, width, reach=1.0)
        # The reach that gives the coverage, by bisection (coverage grows with reach).
        low, high = 0.5, 24.0
        for _ in range(14):
            middle = (low + high) / 2
            if finger_coverage(replace(finger, reach=middle)) < coverage:
                low = middle
            else:
                high = middle
        finger = replace(finger, reach=high)
        if not finger_on_finder(finger):
            tone = rng.uniform([95, 120, 170], [150, 175, 230])
            return replace(finger, tone=(int(tone[0]), int(tone[1]), int(tone[2])))
        best = best or finger
    raise ValueError(f"no finger of coverage {coverage} fits between the finder patterns")
