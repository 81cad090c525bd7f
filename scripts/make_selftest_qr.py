"""Write the contremarque QR image that ``pos-client --self-test`` decodes.

The image is ``pos_client/resources/selftest-contremarque.pbm``, package data that the wheel, the
PyInstaller bundle and the .deb carry, so the self-test also proves that data files made it into
the installation. It is a *plain* PBM ("P1"): text, one character per pixel, which OpenCV reads
like any image, so no binary file enters the repository. The payload is the one a pass Culture
app shows for the demo booking ``museum_pass`` (``selftest.QR_PAYLOAD``).

The file is generated once and committed; run this again only to change it::

    .venv/bin/python scripts/make_selftest_qr.py            # (re)write the file
    .venv/bin/python scripts/make_selftest_qr.py --check    # exit 1 if the committed file differs

(``tests/packaging/test_selftest_qr.py`` runs the check.)
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import qrcode

from pos_client.selftest import QR_IMAGE, QR_PAYLOAD

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "pos_client" / "resources" / QR_IMAGE
MODULE_PX = 4  # pixels per QR module: an easy read, and a small file (about 23 kB)
BORDER = 4  # the quiet zone the QR standard asks for, in modules
LINE_CHARS = 70  # "no line should be longer than 70 characters" (Netpbm, plain PBM)


def render_pbm(payload: str, *, module_px: int = MODULE_PX, border: int = BORDER) -> str:
    """``payload`` as a QR code (error correction M) in plain PBM: 1 is black, 0 white."""
    code = qrcode.QRCode(border=border, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    size = len(matrix) * module_px
    lines = [
        "P1",
        f"# pos-client self-test: {payload}",
        f"# QR version {code.version}, {module_px} px per module; made by scripts/make_selftest_qr.py",
        f"{size} {size}",
    ]
    for row in matrix:
        pixels = "".join(("1" if dark else "0") * module_px for dark in row)
        wrapped = textwrap.wrap(pixels, LINE_CHARS)
        lines.extend(wrapped * module_px)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed file")
    args = parser.parse_args(argv)
    text = render_pbm(QR_PAYLOAD)
    if args.check:
        current = TARGET.read_text(encoding="ascii") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/make_selftest_qr.py")
            return 1
        print(f"{TARGET.relative_to(ROOT)} is up to date ({QR_PAYLOAD})")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="ascii", newline="\n")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(text)} bytes): {QR_PAYLOAD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
