"""Reading a QR code whose modules are partly blinded (glare, bloom), with Reed-Solomon *erasures*.

zxing-cpp treats every module it cannot see as a guess: a module drowned in a screen's reflection
is read as light, and half the time that is wrong, so each blinded codeword costs the code two of
its error-correction symbols. A decoder that *knows* which modules it could not see can mark
those codewords as erasures, which cost one symbol each: pass Culture's codes (version 3, level Q,
two blocks of 17 data + 18 correction codewords) survive twice the glare.

``read_blinded(grey, quad)`` samples the module grid inside a code that zxing-cpp located but
could not decode (its outline, ``quad``, in frame pixels), levels the local contrast, marks as
erased every module without contrast around it (saturated: the hot spot of a reflection) or too
close to the threshold to call, reads the format information (both copies, erased bits left
out), unmasks, de-interleaves the blocks and corrects each with Reed-Solomon (``reedsolo``),
erasures given. It returns a payload only when every check holds with room to spare:

* the format information matches one valid BCH word at distance <= 2 over >= 12 known bits;
* each block decodes with ``2 x errors + erasures <= correction symbols - SAFETY_SYMBOLS``, so at
  least 4 syndromes are left to verify the result (a wrong decoding then needs about 2^-32 luck);
* the data is a single byte-mode segment followed by the terminator and the standard pad bytes;
* the text is a pass Culture contremarque payload (this rescue reads nothing else).

Versions 1-6 (up to 41x41 modules) are handled; pass Culture's codes are version 3.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import reedsolo

__all__ = ["SAFETY_SYMBOLS", "read_blinded"]

GreyImage = npt.NDArray[np.uint8]
Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]

# Correction symbols left unused per block: the checks that a decoding is the right one.
SAFETY_SYMBOLS = 4
_PAYLOAD = re.compile(r"PASSCULTURE:v\d+;(?:[A-Z0-9]+:[^;]*;)*TOKEN:[A-HJ-NP-Z2-7]{6}")
_LEVEL_WINDOW_MODULES = 4.0
_FLAT_SPAN = 40.0  # grey levels: a module with less local range than this was not seen
_UNSURE = 20  # levelled samples within this of mid-grey are erased, not guessed
_SAMPLES_PER_MODULE = 6  # px per module of the rectified image (module centre averaged)

# (blocks, data codewords per block, correction codewords per block) per version and level, from
# ISO/IEC 18004 table 9; version 5's Q and H have two block lengths (the long ones last).
_BLOCKS: dict[tuple[int, str], tuple[tuple[int, int], ...]] = {
    (1, "L"): ((1, 19),), (1, "M"): ((1, 16),), (1, "Q"): ((1, 13),), (1, "H"): ((1, 9),),
    (2, "L"): ((1, 34),), (2, "M"): ((1, 28),), (2, "Q"): ((1, 22),), (2, "H"): ((1, 16),),
    (3, "L"): ((1, 55),), (3, "M"): ((1, 44),), (3, "Q"): ((2, 17),), (3, "H"): ((2, 13),),
    (4, "L"): ((1, 80),), (4, "M"): ((2, 32),), (4, "Q"): ((2, 24),), (4, "H"): ((4, 9),),
    (5, "L"): ((1, 108),), (5, "M"): ((2, 43),), (5, "Q"): ((2, 15), (2, 16)), (5, "H"): ((2, 11), (2, 12)),
    (6, "L"): ((2, 68),), (6, "M"): ((4, 27),), (6, "Q"): ((4, 19),), (6, "H"): ((4, 15),),
}  # fmt: skip
_CORRECTION: dict[tuple[int, str], int] = {
    (1, "L"): 7, (1, "M"): 10, (1, "Q"): 13, (1, "H"): 17,
    (2, "L"): 10, (2, "M"): 16, (2, "Q"): 22, (2, "H"): 28,
    (3, "L"): 15, (3, "M"): 26, (3, "Q"): 18, (3, "H"): 22,
    (4, "L"): 20, (4, "M"): 18, (4, "Q"): 26, (4, "H"): 16,
    (5, "L"): 26, (5, "M"): 24, (5, "Q"): 18, (5, "H"): 22,
    (6, "L"): 18, (6, "M"): 16, (6, "Q"): 24, (6, "H"): 28,
}  # fmt: skip
_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}


def _format_words() -> list[tuple[int, int]]:
    """(15-bit masked format word, 5 data bits) for the 32 possible format informations."""
    words = []
    for data in range(32):
        value = data << 10
        for bit in range(14, 9, -1):  # BCH(15,5), generator x^10+x^8+x^5+x^4+x^2+x+1
            if value & (1 << bit):
                value ^= 0x537 << (bit - 10)
        words.append((((data << 10) | value) ^ 0x5412, data))
    return words


_FORMAT_WORDS = _format_words()


@dataclass(frozen=True)
class _Grid:
    """The sampled modules: dark (True) and erased (True: not seen, or not sure)."""

    dark: npt.NDArray[np.bool_]
    erased: npt.NDArray[np.bool_]


def read_blinded(grey: GreyImage, quad: Quad) -> str | None:
    """The contremarque payload of the code outlined by ``quad``, or None (see the module doc)."""
    corners = np.asarray(quad, np.float32)
    side = float(np.mean([np.linalg.norm(corners[i] - corners[(i + 1) % 4]) for i in range(4)]))
    for version in (3, 1, 2, 4, 5, 6):
        size = 17 + 4 * version
        if side / size < 1.5:
            continue
        grid = _sample(grey, corners, size)
        if grid is None:
            continue
        for turn in range(4):  # the outline's first corner may be any of the symbol's corners
            text = _decode_grid(_Grid(np.rot90(grid.dark, turn), np.rot90(grid.erased, turn)), version)
            if text is not None:
                return text
    return None


def _sample(grey: GreyImage, corners: npt.NDArray[np.float32], size: int) -> _Grid | None:
    """Rectify the symbol (outline = its outer corners) and classify each module."""
    step = _SAMPLES_PER_MODULE
    margin = 2  # modules of quiet zone kept around the symbol for the levels
    out = (size + 2 * margin) * step
    target = np.float32([[margin, margin], [size + margin, margin], [size + margin, size + margin], [margin, size + margin]])
    homography = cv2.getPerspectiveTransform(target * step, corners)
    flat = cv2.warpPerspective(
        grey, homography, (out, out), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    window = int(_LEVEL_WINDOW_MODULES * step) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    white = cv2.blur(cv2.dilate(flat, kernel), (window, window)).astype(np.float32)
    black = cv2.blur(cv2.erode(flat, kernel), (window, window)).astype(np.float32)
    span = white - black
    levelled = (flat.astype(np.float32) - black) * 255.0 / np.maximum(span, 1.0)
    # The middle third of each module: away from its neighbours' blur and the grid's error.
    centre = cv2.blur(levelled, (step // 2, step // 2))
    index = (np.arange(size) + margin) * step + step // 2
    values = centre[np.ix_(index, index)]
    spans = span[np.ix_(index, index)]
    # Around a blinded area the bloom lifts the dark modules without flattening them: erased too.
    flat = cv2.dilate((spans < _FLAT_SPAN).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    erased = flat | (np.abs(values - 127.5) < _UNSURE)
    if erased.mean() > 0.5:
        return None
    return _Grid(dark=values < 127.5, erased=erased)


def _function_modules(version: int) -> npt.NDArray[np.bool_]:
    size = 17 + 4 * version
    used = np.zeros((size, size), bool)
    used[:9, :9] = used[:9, size - 8 :] = used[size - 8 :, :9] = True  # finders, separators, format
    used[6, :] = used[:, 6] = True  # timing
    if version >= 2:
        centre = size - 7
        used[centre - 2 : centre + 3, centre - 2 : centre + 3] = True
    return used


def _data_positions(version: int) -> list[tuple[int, int]]:
    """(row, column) of each data bit in reading order (two-column zigzag from the bottom right)."""
    size = 17 + 4 * version
    used = _function_modules(version)
    positions = []
    upwards = True
    column = size - 1
    while column > 0:
        if column == 6:
            column -= 1
        rows = range(size - 1, -1, -1) if upwards else range(size)
        for row in rows:
            for x in (column, column - 1):
                if not used[row, x]:
                    positions.append((row, x))
        upwards = not upwards
        column -= 2
    return positions


def _mask(pattern: int, row: npt.NDArray[np.int_], col: npt.NDArray[np.int_]) -> npt.NDArray[np.bool_]:
    product = row * col
    rules = (
        (row + col) % 2 == 0,
        row % 2 == 0,
        col % 3 == 0,
        (row + col) % 3 == 0,
        (row // 2 + col // 3) % 2 == 0,
        product % 2 + product % 3 == 0,
        (product % 2 + product % 3) % 2 == 0,
        ((row + col) % 2 + product % 3) % 2 == 0,
    )
    return np.asarray(rules[pattern], dtype=bool)


def _read_format(grid: _Grid) -> tuple[str, int] | None:
    """(level, mask pattern) from both copies of the format information, erased bits left out."""
    size = grid.dark.shape[0]
    first = [(8, x) for x in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(y, 8) for y in range(5, -1, -1)]
    second = [(y, 8) for y in range(size - 1, size - 8, -1)] + [(8, x) for x in range(size - 8, size)]
    best: list[tuple[int, int, int]] = []
    for word, data in _FORMAT_WORDS:
        distance = known = 0
        for copy in (first, second):
            for bit, (row, col) in enumerate(copy):
                if grid.erased[row, col]:
                    continue
                known += 1
                distance += bool(grid.dark[row, col]) != bool((word >> (14 - bit)) & 1)
        best.append((distance, -known, data))
    best.sort()
    distance, minus_known, data = best[0]
    if -minus_known < 12 or distance > 2 or (len(best) > 1 and best[1][0] <= distance + 2):
        return None
    return _LEVELS[data >> 3], data & 7


def _decode_grid(grid: _Grid, version: int) -> str | None:
    found = _read_format(grid)
    if found is None:
        return None
    level, pattern = found
    if (version, level) not in _BLOCKS:
        return None
    positions = _data_positions(version)
    rows = np.array([p[0] for p in positions])
    cols = np.array([p[1] for p in positions])
    bits = grid.dark[rows, cols] ^ _mask(pattern, rows, cols)
    erased = grid.erased[rows, cols]
    count = len(bits) // 8
    codewords = np.packbits(bits[: count * 8]).tolist()
    erased_words = erased[: count * 8].reshape(count, 8).any(axis=1).tolist()
    blocks = _deinterleave(codewords, erased_words, _BLOCKS[(version, level)], _CORRECTION[(version, level)])
    if blocks is None:
        return None
    data: list[int] = []
    for block, erasures, data_length in blocks:
        corrected = _correct(block, erasures, _CORRECTION[(version, level)])
        if corrected is None:
            return None
        data += corrected[:data_length]
    return _byte_segment(data, version)


def _deinterleave(
    codewords: Sequence[int], erased: Sequence[bool], layout: tuple[tuple[int, int], ...], correction: int
) -> list[tuple[list[int], list[int], int]] | None:
    lengths = [length for blocks, length in layout for _ in range(blocks)]
    total = sum(lengths) + correction * len(lengths)
    if len(codewords) < total:
        return None
    data: list[list[tuple[int, bool]]] = [[] for _ in lengths]
    ecc: list[list[tuple[int, bool]]] = [[] for _ in lengths]
    position = 0
    for index in range(max(lengths)):
        for block, length in enumerate(lengths):
            if index < length:
                data[block].append((codewords[position], erased[position]))
                position += 1
    for _ in range(correction):
        for block in range(len(lengths)):
            ecc[block].append((codewords[position], erased[position]))
            position += 1
    out = []
    for block, length in enumerate(lengths):
        words = data[block] + ecc[block]
        out.append(([w for w, _ in words], [i for i, (_, e) in enumerate(words) if e], length))
    return out


def _correct(block: list[int], erasures: list[int], correction: int) -> list[int] | None:
    """The block's codewords corrected, or None when it needs more than the safe share of the
    correction symbols (or cannot be corrected at all)."""
    if len(erasures) > correction - SAFETY_SYMBOLS:
        return None
    codec = reedsolo.RSCodec(correction)
    try:
        _, corrected, errata = codec.decode(bytearray(block), erase_pos=erasures or None)
    except reedsolo.ReedSolomonError:
        return None
    errors = len(set(errata) - set(erasures))
    if 2 * errors + len(erasures) > correction - SAFETY_SYMBOLS:
        return None
    # An independent check of the result: a valid codeword has all-zero syndromes.
    if max(reedsolo.rs_calc_syndromes(corrected, correction)) != 0:
        return None
    return list(corrected)


def _byte_segment(data: list[int], version: int) -> str | None:
    """The text of one byte-mode segment, checked down to the terminator and the pad bytes."""
    bits = "".join(f"{byte:08b}" for byte in data)
    if bits[:4] != "0100":
        return None
    count_bits = 8 if version <= 9 else 16
    length = int(bits[4 : 4 + count_bits], 2)
    start = 4 + count_bits
    end = start + 8 * length
    if end > len(bits):
        return None
    payload = bytes(int(bits[i : i + 8], 2) for i in range(start, end, 8))
    rest = bits[end:]
    terminator = rest[:4]
    if terminator.strip("0"):
        return None
    padded = end + len(terminator)
    padded += -padded % 8
    if bits[end:padded].strip("0"):
        return None
    pads = data[padded // 8 :]
    if any(byte != (0xEC, 0x11)[i % 2] for i, byte in enumerate(pads)):
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _PAYLOAD.fullmatch(text) else None
