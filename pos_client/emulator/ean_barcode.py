"""EAN-13 bars for the printable demo sheet (``codes_sheet``), so a scanner at the till can read the
demo products' EANs beside the demo contremarques' QR codes.

The standard encoding: start guard 101, six digits in L/G codes chosen by the first digit, centre
guard 01010, six digits in R codes, end guard 101; 95 modules, plus quiet zones (11 and 7 modules).
"""

from __future__ import annotations

from pos_client.domain.offers import ean13_is_valid

__all__ = ["ean13_modules", "ean13_square_matrix"]

_L = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
_R = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in _L)
_G = tuple(code[::-1] for code in _R)
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
QUIET_LEFT, QUIET_RIGHT = 11, 7


def ean13_modules(ean: str) -> list[bool]:
    """The 95 modules of ``ean`` (True = bar), without quiet zones; ValueError for a bad EAN."""
    if not ean13_is_valid(ean):
        raise ValueError(f"not an EAN-13: {ean!r}")
    digits = [int(char) for char in ean]
    parity = _PARITY[digits[0]]
    bits = "101"
    for digit, code in zip(digits[1:7], parity, strict=True):
        bits += (_L if code == "L" else _G)[digit]
    bits += "01010"
    bits += "".join(_R[digit] for digit in digits[7:])
    bits += "101"
    return [bit == "1" for bit in bits]


def ean13_square_matrix(ean: str) -> list[list[bool]]:
    """The bars with their quiet zones, as a square grid of modules (the sheet draws QR codes the same
    way): the bars fill the middle rows, white above and below."""
    row = [False] * QUIET_LEFT + ean13_modules(ean) + [False] * QUIET_RIGHT
    size = len(row)
    top, bottom = size // 5, size - size // 5
    return [list(row) if top <= index < bottom else [False] * size for index in range(size)]
