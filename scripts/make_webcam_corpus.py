"""Synthetic webcam corpus: phones showing pass Culture contremarques, as a till's webcam sees them.

Nothing here is stored in the repository: the tests and ``bench/bench_webcam.py`` call these
functions to render their frames and videos at run time, and the command line writes a corpus to a
cache folder for a look with an image viewer::

    .venv/bin/python scripts/make_webcam_corpus.py --out /tmp/webcam-corpus --per-condition 8

QR codes are made exactly like pcapi (python-qrcode, error correction Q, box size 5, border 1,
``PASSCULTURE:v3;TOKEN:XXXXXX``, tokens from pcapi's 30-symbol alphabet). A frame is a desk scene
with a phone on it, the phone screen rendered as a texture (app header, text, the QR code and the
screen's pixel grid) and projected with a perspective camera, then degraded like a cheap webcam:
glare on the glass, defocus or motion blur, low light, sensor noise, MJPG compression.

Fingertips are drawn by ``webcam_fingers.py`` (beside this script). Each positive condition
stresses one thing on top of a mild baseline; each negative has no
pass Culture code at all (EAN-13 barcodes, clutter with QR-like patterns, text, nothing).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import qrcode
import qrcode.constants
import zxingcpp
from webcam_fingers import Finger, add_finger, random_finger

TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
POSITIVE_CONDITIONS = (
    "clean",
    "moire",
    "glare",
    "small",
    "tilted",
    "blurred",
    "lowlight",
    "inverted",
    "noise",
    "jpeg",
    "specular",
    "finger",
)
NEGATIVE_CONDITIONS = ("ean13", "clutter", "text", "empty", "glossy")
CONDITIONS = POSITIVE_CONDITIONS + NEGATIVE_CONDITIONS

# Frame sizes are given as (width, height); sizes in pixels below are for a 1280-wide frame
# and scale with the frame width (a 640x480 stream of the same camera sees everything half as big).
REFERENCE_WIDTH = 1280

Image = np.ndarray


# ----------------------------------------------------------------------------- codes
def random_token(rng: np.random.Generator) -> str:
    return "".join(TOKEN_ALPHABET[i] for i in rng.integers(0, len(TOKEN_ALPHABET), 6))


def contremarque_payload(token: str) -> str:
    return f"PASSCULTURE:v3;TOKEN:{token}"


def pcapi_qr_modules(payload: str) -> np.ndarray:
    """The module matrix pcapi draws (border of 1 module included); True = dark module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=5, border=1)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def pcapi_qr_image(payload: str) -> Image:
    """The grey image pcapi serves: 5 px per module, 1-module white border."""
    modules = pcapi_qr_modules(payload)
    return np.kron(np.where(modules, 0, 255).astype(np.uint8), np.ones((5, 5), np.uint8))


def ean13_image(digits12: str, scale: int = 3) -> Image:
    """An EAN-13 barcode (check digit computed) as a grey image with its quiet zone."""
    weights = [1, 3] * 6
    check = (10 - sum(int(d) * w for d, w in zip(digits12, weights, strict=True)) % 10) % 10
    barcode = zxingcpp.create_barcode(digits12 + str(check), zxingcpp.BarcodeFormat.EAN13)
    bars = np.asarray(barcode.to_image(scale=scale), dtype=np.uint8)
    return cv2.copyMakeBorder(
        bars, 8 * scale, 8 * scale, 12 * scale, 12 * scale, cv2.BORDER_CONSTANT, value=255
    )


def fake_qr_modules(rng: np.random.Generator, size: int = 29) -> np.ndarray:
    """Random modules with real finder and timing patterns: looks like a QR code, decodes to nothing."""
    modules = rng.random((size, size)) < 0.5
    finder = np.ones((7, 7), bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        modules[max(top - 1, 0) : top + 8, max(left - 1, 0) : left + 8] = False
        modules[top : top + 7, left : left + 7] = finder
    modules[6, 8:-8] = np.arange(size - 16) % 2 == 0
    modules[8:-8, 6] = np.arange(size - 16) % 2 == 0
    return np.pad(modules, 1, constant_values=False)


# ----------------------------------------------------------------------------- scene description
@dataclass(frozen=True)
class Glare:
    strength: float  # added grey level at the centre of the spot (255+ saturates)
    centre: tuple[float, float]  # on the screen texture, as fractions of its size
    radius: float  # fraction of the screen width
    elongation: float = 1.6
    angle_deg: float = 0.0  # direction of the spot's long axis
    # Bloom: light above full scale spills into the neighbouring pixels (sensor and lens), this
    # fraction of the excess spread with a Gaussian of ``bloom_px`` texture pixels.
    bloom: float = 0.0
    bloom_px: float = 12.0


@dataclass(frozen=True)
class Phone:
    """One phone in view. ``content``: a payload string, or "ean13", "blank", "fake_qr"."""

    content: str
    centre: tuple[float, float] = (0.5, 0.5)  # in the frame, fractions of width and height
    code_px: float = 190.0  # width of the code on a 1280-wide frame when seen face-on
    roll_deg: float = 0.0
    tilt_x_deg: float = 0.0
    tilt_y_deg: float = 0.0
    dark_mode: bool = False
    grid_strength: float = 0.12  # darkening of the screen's pixel grid (moiré source)
    grid_period: int = 3
    glare: Glare | None = None
    finger: Finger | None = None


@dataclass(frozen=True)
class Camera:
    blur_sigma: float = 0.7
    motion_px: float = 0.0
    motion_angle_deg: float = 0.0
    gain: float = 1.0  # < 1: low light
    noise_sigma: float = 2.0
    jpeg_quality: int = 85


@dataclass(frozen=True)
class Scene:
    phones: tuple[Phone, ...]
    camera: Camera = field(default_factory=Camera)
    background_seed: int = 0
    extras: str = ""  # "ean13", "clutter", "text": what lies on the desk besides the phones


@dataclass(frozen=True)
class CorpusFrame:
    condition: str
    index: int
    image: Image  # BGR uint8
    expected: tuple[str, ...]  # payloads a perfect decoder returns (empty for negatives)
    code_quads: tuple[np.ndarray, ...] = ()  # where each expected code lies (4x2, frame pixels)


# ----------------------------------------------------------------------------- rendering
_SCREEN_W, _SCREEN_H, _BEZEL = 420, 880, 22
_CODE_TEX_PX = 240  # code width on the screen texture
_MODULE_TEX_PX = _CODE_TEX_PX / 31  # pass Culture's 29 modules plus a 1-module border
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _words(rng: np.random.Generator, count: int) -> str:
    syllables = ["pa", "ss", "cul", "tu", "re", "mu", "sée", "bil", "let", "con", "cert", "li", "vre", "18"]
    return " ".join("".join(rng.choice(syllables, int(rng.integers(1, 4)))) for _ in range(count))


def _screen_texture(phone: Phone, rng: np.random.Generator) -> Image:
    """The phone (screen and bezel) as a BGR texture, face-on."""
    bg = (28, 28, 30) if phone.dark_mode else (250, 250, 250)
    ink = (235, 235, 235) if phone.dark_mode else (30, 30, 30)
    screen = np.full((_SCREEN_H, _SCREEN_W, 3), bg, np.uint8)
    # App header: pass Culture's purple-to-pink band.
    ramp = np.linspace(0.0, 1.0, _SCREEN_W)[None, :, None]
    header = (1 - ramp) * np.array([120, 20, 90]) + ramp * np.array([110, 40, 230])
    screen[:120] = header.astype(np.uint8)
    cv2.putText(screen, "Ma reservation", (24, 80), _FONT, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
    for row in range(3):
        cv2.putText(screen, _words(rng, 3), (24, 170 + 38 * row), _FONT, 0.8, ink, 2, cv2.LINE_AA)
    top = 300
    left = (_SCREEN_W - _CODE_TEX_PX) // 2
    if phone.content == "ean13":
        bars = ean13_image("978" + "".join(str(d) for d in rng.integers(0, 10, 9)))
        height = int(_CODE_TEX_PX * bars.shape[0] / bars.shape[1])
        bars = cv2.resize(bars, (_CODE_TEX_PX, height), interpolation=cv2.INTER_AREA)
        screen[top : top + height, left : left + _CODE_TEX_PX] = bars[:, :, None]
    elif phone.content != "blank":
        modules = fake_qr_modules(rng) if phone.content == "fake_qr" else pcapi_qr_modules(phone.content)
        # Dark mode inverts the code: light modules on the dark screen.
        dark_module, light_module = (ink[0], bg[0]) if phone.dark_mode else (0, 255)
        code = np.where(modules, dark_module, light_module).astype(np.uint8)
        code = cv2.resize(code, (_CODE_TEX_PX, _CODE_TEX_PX), interpolation=cv2.INTER_NEAREST)
        screen[top : top + _CODE_TEX_PX, left : left + _CODE_TEX_PX] = code[:, :, None]
    cv2.putText(screen, _words(rng, 2).upper(), (24, 620), _FONT, 0.9, ink, 2, cv2.LINE_AA)
    cv2.putText(screen, _words(rng, 4), (24, 670), _FONT, 0.7, ink, 1, cv2.LINE_AA)
    if phone.grid_strength > 0:
        # The screen's pixel grid: thin dark lines that alias against the camera's sampling.
        keep = 1.0 - phone.grid_strength
        period = phone.grid_period
        screen[::period] = (screen[::period] * keep).astype(np.uint8)
        screen[:, ::period] = (screen[:, ::period] * keep).astype(np.uint8)
    body = np.full((_SCREEN_H + 2 * _BEZEL, _SCREEN_W + 2 * _BEZEL, 3), (24, 22, 20), np.uint8)
    body[_BEZEL:-_BEZEL, _BEZEL:-_BEZEL] = screen
    if phone.glare is not None:
        body = _add_glare(body, phone.glare)
    if phone.finger is not None and phone.content not in ("ean13", "blank"):
        origin = (_BEZEL + (_SCREEN_W - _CODE_TEX_PX) / 2 + _MODULE_TEX_PX, _BEZEL + 300 + _MODULE_TEX_PX)
        body = add_finger(body, phone.finger, origin, _MODULE_TEX_PX)
    return body


def _add_glare(texture: Image, glare: Glare) -> Image:
    h, w = texture.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = glare.centre[0] * w, glare.centre[1] * h
    rx = glare.radius * w * glare.elongation
    ry = glare.radius * w
    cos, sin = math.cos(math.radians(glare.angle_deg)), math.sin(math.radians(glare.angle_deg))
    u, v = (xs - cx) * cos + (ys - cy) * sin, (ys - cy) * cos - (xs - cx) * sin
    spot = np.exp(-((u / rx) ** 2 + (v / ry) ** 2) * 2.0) * glare.strength
    lit = texture.astype(np.float32) + spot[:, :, None]
    if glare.bloom > 0:
        excess = np.maximum(lit - 255.0, 0.0)
        lit += cv2.GaussianBlur(excess, (0, 0), glare.bloom_px) * glare.bloom
    return np.clip(lit, 0, 255).astype(np.uint8)


def _rotation(tilt_x: float, tilt_y: float, roll: float) -> np.ndarray:
    ax, ay, az = (math.radians(a) for a in (tilt_x, tilt_y, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def phone_homography(phone: Phone, size: tuple[int, int]) -> np.ndarray:
    """Texture -> frame homography: the phone's plane rotated in 3D and seen by a pinhole camera."""
    width, height = size
    scale = phone.code_px * width / REFERENCE_WIDTH / _CODE_TEX_PX  # frame px per texture px, face-on
    tex_h, tex_w = _SCREEN_H + 2 * _BEZEL, _SCREEN_W + 2 * _BEZEL
    corners = np.array([[0, 0], [tex_w, 0], [tex_w, tex_h], [0, tex_h]], np.float64)
    # World unit = one texture pixel; the phone (about 15 cm tall) is held ~25 cm away when its
    # code is 190 px wide on a 1280 frame, farther when it looks smaller.
    distance = (
        tex_h * (25.0 / 15.0) * (190.0 * width / REFERENCE_WIDTH) / (phone.code_px * width / REFERENCE_WIDTH)
    )
    focal = scale * distance
    centred = np.c_[corners - [tex_w / 2, tex_h / 2], np.zeros(4)]
    rotated = centred @ _rotation(phone.tilt_x_deg, phone.tilt_y_deg, phone.roll_deg).T
    z = rotated[:, 2] + distance
    projected = focal * rotated[:, :2] / z[:, None] + [phone.centre[0] * width, phone.centre[1] * height]
    return cv2.getPerspectiveTransform(corners.astype(np.float32), projected.astype(np.float32))


def code_quad(phone: Phone, size: tuple[int, int]) -> np.ndarray:
    """Where the phone's code lands in the frame (4x2 float array), for checks and overlays."""
    left = _BEZEL + (_SCREEN_W - _CODE_TEX_PX) / 2
    top = _BEZEL + 300
    square = np.array(
        [
            [left, top],
            [left + _CODE_TEX_PX, top],
            [left + _CODE_TEX_PX, top + _CODE_TEX_PX],
            [left, top + _CODE_TEX_PX],
        ],
        np.float32,
    )
    return cv2.perspectiveTransform(square[None], phone_homography(phone, size))[0]


def _desk(size: tuple[int, int], seed: int, extras: str) -> Image:
    width, height = size
    rng = np.random.default_rng(seed)
    base = np.array(rng.integers(60, 200, 3), np.float32)
    ys, xs = np.mgrid[0:18, 0:32].astype(np.float32)
    shade = 0.75 + 0.35 * (xs / 31) * (1 - 0.5 * ys / 17)  # lit from one side; smooth, so drawn small
    small = (shade[:, :, None] * base[None, None, :]).clip(0, 255).astype(np.uint8)
    desk = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    unit = width / REFERENCE_WIDTH
    for _ in range(6):  # a few objects on the counter
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, 300) * unit), int(rng.integers(40, 200) * unit)
        cv2.rectangle(desk, (x, y), (x + w, y + h), color, -1)
    if extras == "text":
        for _ in range(int(rng.integers(18, 30))):
            x, y = int(rng.integers(0, width - 100)), int(rng.integers(20, height))
            cv2.putText(
                desk, _words(rng, 4), (x, y), _FONT, float(rng.uniform(0.5, 1.4)) * unit, (20, 20, 20), 2
            )
    if extras == "clutter":
        _clutter(desk, rng, unit)
    if extras == "ean13":
        for _ in range(int(rng.integers(1, 3))):
            bars = ean13_image(
                "978" + "".join(str(d) for d in rng.integers(0, 10, 9)), scale=int(rng.integers(2, 4))
            )
            bars = cv2.resize(bars, None, fx=unit, fy=unit, interpolation=cv2.INTER_AREA)
            angle = float(rng.uniform(-25, 25))
            _paste_rotated(desk, bars, (int(rng.integers(0, width)), int(rng.integers(0, height))), angle)
    return desk


def _clutter(desk: Image, rng: np.random.Generator, unit: float) -> None:
    height, width = desk.shape[:2]
    for _ in range(int(rng.integers(3, 6))):  # checkerboards, finder-like squares, fake QR codes
        kind = int(rng.integers(0, 3))
        cell = max(2, int(rng.integers(3, 9) * unit))
        if kind == 0:
            n = int(rng.integers(5, 12))
            pattern = ((np.add.outer(np.arange(n), np.arange(n)) % 2) * 255).astype(np.uint8)
        elif kind == 1:
            pattern = np.where(fake_qr_modules(rng)[:9, :9], 0, 255).astype(np.uint8)
        else:
            pattern = np.where(fake_qr_modules(rng), 0, 255).astype(np.uint8)
        patch = cv2.resize(pattern, None, fx=cell, fy=cell, interpolation=cv2.INTER_NEAREST)
        _paste_rotated(
            desk,
            patch,
            (int(rng.integers(0, width)), int(rng.integers(0, height))),
            float(rng.uniform(-40, 40)),
        )
    for _ in range(int(rng.integers(10, 25))):
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        if rng.random() < 0.5:
            cv2.line(desk, p1, p2, color, int(rng.integers(1, 6)))
        else:
            cv2.circle(desk, p1, int(rng.integers(5, 60) * unit), color, int(rng.integers(-1, 5)))


def _paste_rotated(canvas: Image, grey: Image, centre: tuple[int, int], angle: float) -> None:
    h, w = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[:, 2] += np.array(centre) - [w / 2, h / 2]
    patch = np.repeat(grey[:, :, None], 3, axis=2)
    cv2.warpAffine(
        patch, matrix, (canvas.shape[1], canvas.shape[0]), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT
    )


def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    size = max(3, math.ceil(length) | 1)
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0
    rotation = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (size, size))
    return kernel / max(float(kernel.sum()), 1e-6)


def apply_camera(frame: Image, camera: Camera, rng: np.random.Generator) -> Image:
    """Optics and sensor: blur, exposure, noise, then the MJPG compression of the USB stream."""
    out = frame.astype(np.float32)
    if camera.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), camera.blur_sigma)
    if camera.motion_px > 1:
        out = cv2.filter2D(out, -1, _motion_kernel(camera.motion_px, camera.motion_angle_deg))
    out = out * camera.gain
    if camera.noise_sigma > 0:
        noise = np.empty_like(out)
        cv2.setRNGSeed(int(rng.integers(0, 2**31)))  # OpenCV's generator: 10x faster than numpy's here
        cv2.randn(noise, 0.0, camera.noise_sigma)
        out += noise
    result = out.clip(0, 255).astype(np.uint8)
    if camera.jpeg_quality < 100:
        ok, data = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, camera.jpeg_quality])
        assert ok
        result = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return result


class SceneRenderer:
    """Renders scenes at one frame size; keeps desks and phone textures for video sequences."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self._desks: dict[tuple[int, str], Image] = {}
        self._textures: dict[Phone, Image] = {}

    def texture(self, phone: Phone, seed: int) -> Image:
        key = replace(phone, centre=(0.0, 0.0), roll_deg=0.0, tilt_x_deg=0.0, tilt_y_deg=0.0, code_px=0.0)
        if key not in self._textures:
            self._textures[key] = _screen_texture(phone, np.random.default_rng(seed))
        return self._textures[key]

    def render(self, scene: Scene, rng: np.random.Generator) -> Image:
        key = (scene.background_seed, scene.extras)
        if key not in self._desks:
            self._desks[key] = _desk(self.size, scene.background_seed, scene.extras)
        frame = self._desks[key].copy()
        for number, phone in enumerate(scene.phones):
            texture = self.texture(phone, scene.background_seed * 31 + number)
            cv2.warpPerspective(
                texture,
                phone_homography(phone, self.size),
                self.size,
                dst=frame,
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_TRANSPARENT,
            )
        return apply_camera(frame, scene.camera, rng)


# ----------------------------------------------------------------------------- conditions
def _baseline(rng: np.random.Generator, content: str) -> tuple[Phone, Camera]:
    phone = Phone(
        content=content,
        centre=(float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7))),
        code_px=float(rng.uniform(130, 240)),
        roll_deg=float(rng.uniform(-30, 30)),
        tilt_x_deg=float(rng.uniform(-15, 15)),
        tilt_y_deg=float(rng.uniform(-15, 15)),
        grid_strength=float(rng.uniform(0.05, 0.15)),
    )
    camera = Camera(
        blur_sigma=float(rng.uniform(0.5, 1.1)),
        noise_sigma=float(rng.uniform(1.5, 3.0)),
        jpeg_quality=int(rng.integers(70, 92)),
    )
    return phone, camera


def condition_scene(
    condition: str, rng: np.random.Generator, background_seed: int
) -> tuple[Scene, tuple[str, ...]]:
    """One random scene of a condition, and the payloads it shows."""
    payload = contremarque_payload(random_token(rng))
    content = {
        "ean13": "ean13",
        "clutter": "fake_qr",
        "text": "blank",
        "empty": "blank",
        "glossy": "fake_qr",
    }.get(condition, payload)
    phone, camera = _baseline(rng, content)
    extras = condition if condition in ("ean13", "clutter", "text") else ""
    u = float(rng.random())  # severity within the condition's range
    if condition == "moire":
        phone = replace(phone, grid_strength=0.3 + 0.4 * u, grid_period=int(rng.integers(2, 4)))
        camera = replace(camera, blur_sigma=0.4)
    elif condition == "glare":
        glare = Glare(
            strength=120 + 200 * u,
            centre=(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.38, 0.55))),
            radius=float(rng.uniform(0.12, 0.3)),
        )
        phone = replace(phone, glare=glare)
    elif condition == "specular":
        # A lamp's reflection on the code (the review's severities): +0.5 to +1.2 of full scale at
        # its centre, a blob up to a third of the code wide, with bloom around what saturates.
        glare = Glare(
            strength=255.0 * (0.5 + 0.7 * u),
            centre=(float(rng.uniform(0.36, 0.64)), float(rng.uniform(0.39, 0.57))),
            radius=float(rng.uniform(0.12, 0.28)),
            elongation=float(rng.uniform(1.0, 2.2)),
            angle_deg=float(rng.uniform(0, 180)),
            bloom=float(rng.uniform(0.3, 0.8)),
            bloom_px=float(rng.uniform(6.0, 16.0)),
        )
        phone = replace(phone, glare=glare)
    elif condition == "glossy":
        # The worst negative for the glare fusion: a QR-like pattern (real finder patterns, random
        # modules) under a moving reflection, which the fusion aligns and reads like a code.
        glare = Glare(
            strength=255.0 * (0.5 + 0.7 * u),
            centre=(float(rng.uniform(0.36, 0.64)), float(rng.uniform(0.39, 0.57))),
            radius=float(rng.uniform(0.12, 0.28)),
            elongation=float(rng.uniform(1.0, 2.2)),
            bloom=0.5,
        )
        phone = replace(phone, glare=glare)
    elif condition == "finger":
        # A fingertip over 2-14 % of the symbol, never over a finder pattern.
        phone = replace(phone, finger=random_finger(rng, 0.02 + 0.12 * u))
    elif condition == "small":
        phone = replace(phone, code_px=90 - 42 * u)
    elif condition == "tilted":
        tilt = 35 + 30 * u
        axis = float(rng.uniform(0, 2 * math.pi))
        phone = replace(
            phone,
            tilt_x_deg=tilt * math.cos(axis),
            tilt_y_deg=tilt * math.sin(axis),
            roll_deg=float(rng.uniform(-180, 180)),
        )
    elif condition == "blurred":
        if rng.random() < 0.5:
            camera = replace(camera, blur_sigma=1.5 + 2.5 * u * phone.code_px / 190)
        else:
            camera = replace(camera, motion_px=6 + 14 * u, motion_angle_deg=float(rng.uniform(0, 180)))
    elif condition == "lowlight":
        camera = replace(camera, gain=0.2 - 0.16 * u, noise_sigma=3 + 5 * u)
    elif condition == "inverted":
        phone = replace(phone, dark_mode=True, code_px=float(rng.uniform(90, 200)))
    elif condition == "noise":
        phone = replace(phone, code_px=float(rng.uniform(80, 160)))
        camera = replace(camera, noise_sigma=20 + 40 * u)
    elif condition == "jpeg":
        phone = replace(phone, code_px=float(rng.uniform(80, 160)))
        camera = replace(camera, jpeg_quality=int(14 - 12 * u), blur_sigma=float(rng.uniform(0.8, 1.4)))
    elif condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")
    expected = (payload,) if condition in POSITIVE_CONDITIONS else ()
    return Scene(phones=(phone,), camera=camera, background_seed=background_seed, extras=extras), expected


def generate_corpus(
    per_condition: int,
    size: tuple[int, int] = (1280, 720),
    conditions: Sequence[str] = CONDITIONS,
    seed: int = 7,
) -> Iterator[CorpusFrame]:
    """``per_condition`` frames for each condition, reproducible from ``seed``."""
    renderer = SceneRenderer(size)
    for number, condition in enumerate(conditions):
        for index in range(per_condition):
            rng = np.random.default_rng([seed, number, index])
            scene, expected = condition_scene(
                condition, rng, background_seed=seed * 1000 + number * 100 + index
            )
            quads = tuple(code_quad(p, size) for p in scene.phones if p.content in expected)
            yield CorpusFrame(condition, index, renderer.render(scene, rng), expected, quads)


# ----------------------------------------------------------------------------- hand-held sequences
@dataclass(frozen=True)
class CorpusSequence:
    """Consecutive frames (30 fps) of one phone held by hand in one condition."""

    condition: str
    index: int
    frames: tuple[CorpusFrame, ...]


def handheld_sequence(
    condition: str,
    rng: np.random.Generator,
    background_seed: int,
    length: int = 8,
    size: tuple[int, int] = (1280, 720),
    renderer: SceneRenderer | None = None,
) -> list[tuple[Image, tuple[str, ...], np.ndarray]]:
    """``length`` frames of a phone held by hand: it trembles (a few pixels, a fraction of a
    degree per frame) and, on the glass, a lamp's reflection moves much more than the phone does
    (a reflection turns twice as fast as the mirror: 1 degree of tremor moves it by about a
    quarter of the code at 25 cm). Returns (BGR frame, payloads, code quad) per frame."""
    renderer = renderer or SceneRenderer(size)
    scene, expected = condition_scene(condition, rng, background_seed)
    phone = scene.phones[0]
    out = []
    drift = rng.normal(0.0, 1.0, 2)
    drift /= max(float(np.hypot(*drift)), 1e-6)
    for number in range(length):
        shaken = replace(
            phone,
            centre=(
                phone.centre[0] + float(rng.normal(0, 0.003)),
                phone.centre[1] + float(rng.normal(0, 0.004)),
            ),
            roll_deg=phone.roll_deg + float(rng.normal(0, 0.4)),
            tilt_x_deg=phone.tilt_x_deg + float(rng.normal(0, 0.6)),
            tilt_y_deg=phone.tilt_y_deg + float(rng.normal(0, 0.6)),
        )
        if phone.glare is not None:
            step = float(rng.uniform(0.015, 0.04))  # screen fractions per frame, mostly one way
            cx = phone.glare.centre[0] + number * step * float(drift[0]) + float(rng.normal(0, 0.01))
            cy = phone.glare.centre[1] + number * step * float(drift[1]) * 0.5 + float(rng.normal(0, 0.01))
            shaken = replace(shaken, glare=replace(phone.glare, centre=(cx, cy)))
        frame_scene = replace(scene, phones=(shaken,))
        out.append((renderer.render(frame_scene, rng), expected, code_quad(shaken, size)))
    return out


def generate_sequences(
    per_condition: int,
    conditions: Sequence[str],
    length: int = 8,
    size: tuple[int, int] = (1280, 720),
    seed: int = 7,
) -> Iterator[CorpusSequence]:
    """``per_condition`` hand-held sequences per condition, reproducible from ``seed``."""
    renderer = SceneRenderer(size)
    for number, condition in enumerate(conditions):
        for index in range(per_condition):
            rng = np.random.default_rng([seed, 1000 + number, index])
            frames = handheld_sequence(
                condition, rng, seed * 1000 + 500 + number * 100 + index, length, size, renderer
            )
            yield CorpusSequence(
                condition,
                index,
                tuple(CorpusFrame(condition, index, image, exp, (quad,)) for image, exp, quad in frames),
            )


# ----------------------------------------------------------------------------- videos
@dataclass(frozen=True)
class VideoTruth:
    """What a video shows: each code's payload and the frames where it is fully in view."""

    path: Path
    fps: float
    frame_count: int
    appearances: tuple[tuple[str, int, int], ...]  # (payload, first frame, last frame), in order


VIDEO_SCENARIOS = ("enter_move_leave", "two_codes", "no_code", "appear", "come_back")


def _slide(start: tuple[float, float], end: tuple[float, float], t: float) -> tuple[float, float]:
    return (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)


def video_scenes(
    scenario: str, tokens: Sequence[str], frames_per_second: float = 30.0
) -> Iterator[tuple[Scene, tuple[str, ...]]]:
    """The scenes of a scenario, one per frame, with the payloads fully in view on that frame."""
    payloads = [contremarque_payload(t) for t in tokens]
    second = int(frames_per_second)
    quiet = Camera(blur_sigma=0.7, noise_sigma=2.0, jpeg_quality=90)

    def at(phone: Phone, centre: tuple[float, float], roll: float = 0.0) -> Phone:
        return replace(phone, centre=centre, roll_deg=roll)

    def shot(*phones: Phone, motion: float = 0.0) -> Scene:
        camera = replace(quiet, motion_px=motion) if motion else quiet
        return Scene(phones=phones, camera=camera, background_seed=11)

    def visible(*phones: Phone) -> tuple[str, ...]:
        return tuple(p.content for p in phones if 0.15 < p.centre[0] < 0.85 and 0.2 < p.centre[1] < 0.8)

    first = Phone(content=payloads[0], code_px=200, tilt_x_deg=8)
    if scenario == "enter_move_leave":
        for i in range(3 * second):
            t = i / (3 * second)
            if t < 0.25:  # enters from the left, moving fast (motion blur)
                centre, motion = _slide((-0.3, 0.5), (0.45, 0.5), t / 0.25), 14.0
            elif t < 0.75:  # held, drifting slowly
                centre, motion = _slide((0.45, 0.5), (0.55, 0.45), (t - 0.25) / 0.5), 0.0
            else:  # leaves to the right
                centre, motion = _slide((0.55, 0.45), (1.4, 0.45), (t - 0.75) / 0.25), 14.0
            phone = at(first, centre, roll=10 * math.sin(6 * t))
            yield shot(phone, motion=motion), visible(phone)
    elif scenario == "two_codes":  # two phones side by side, then the left one goes away
        second_phone = Phone(content=payloads[1], code_px=170, tilt_y_deg=-10)
        for i in range(int(2.5 * second)):
            left = at(first, (0.28, 0.5) if i < int(1.6 * second) else (-0.5, 0.5))
            right = at(second_phone, (0.72, 0.5))
            yield shot(left, right), visible(left, right)
    elif scenario == "no_code":
        blank = Phone(content="blank", code_px=200)
        for i in range(int(1.5 * second)):
            phone = at(blank, _slide((0.3, 0.5), (0.7, 0.5), i / (1.5 * second)))
            yield Scene(phones=(phone,), camera=quiet, background_seed=12, extras="clutter"), ()
    elif scenario == "appear":  # nothing for 1 s, then the code is shown and held for 1.5 s
        for i in range(int(2.5 * second)):
            if i < second:
                yield shot(), ()
            else:
                phone = at(first, (0.5, 0.5))
                yield shot(phone), visible(phone)
    elif scenario == "come_back":  # shown, taken away for 1.5 s, shown again: two appearances
        for i in range(int(3.5 * second)):
            if second <= i < int(2.5 * second):
                yield shot(), ()
            else:
                phone = at(first, (0.5, 0.5))
                yield shot(phone), visible(phone)
    else:
        raise ValueError(f"unknown video scenario {scenario!r}")


def write_video(
    path: Path,
    scenario: str,
    tokens: Sequence[str] = ("352UW4", "K7XQ2M"),
    size: tuple[int, int] = (640, 480),
    frames_per_second: float = 30.0,
    seed: int = 3,
) -> VideoTruth:
    """Render a scenario to an MJPG ``.avi`` (what a USB webcam streams) and say what it shows."""
    renderer = SceneRenderer(size)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), frames_per_second, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write an MJPG video to {path}")
    spans: dict[str, list[list[int]]] = {}
    count = 0
    try:
        for index, (scene, in_view) in enumerate(video_scenes(scenario, tokens, frames_per_second)):
            writer.write(renderer.render(scene, np.random.default_rng([seed, index])))
            for payload in in_view:
                runs = spans.setdefault(payload, [])
                if runs and runs[-1][1] == index - 1:
                    runs[-1][1] = index
                else:
                    runs.append([index, index])
            count = index + 1
    finally:
        writer.release()
    appearances = sorted(((p, a, b) for p, runs in spans.items() for a, b in runs), key=lambda x: x[1])
    return VideoTruth(path, frames_per_second, count, tuple(appearances))


# ----------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write PNG frames and manifest.json"
    )
    parser.add_argument("--per-condition", type=int, default=8)
    parser.add_argument("--size", default="1280x720", help="frame size WIDTHxHEIGHT")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--videos", action="store_true", help="also write one .avi per video scenario")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for frame in generate_corpus(args.per_condition, (width, height), seed=args.seed):
        name = f"{frame.condition}_{frame.index:03d}.png"
        cv2.imwrite(str(args.out / name), frame.image)
        manifest.append({"file": name, "condition": frame.condition, "expected": list(frame.expected)})
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if args.videos:
        for scenario in VIDEO_SCENARIOS:
            truth = write_video(args.out / f"{scenario}.avi", scenario)
            print(f"{truth.path.name}: {truth.frame_count} frames, codes {truth.appearances}")
    print(f"{len(manifest)} frames written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
