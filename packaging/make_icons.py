"""Render the hand-drawn SVG icon to PNG sizes and a Windows ICO, at build time (no committed binaries).

    python packaging/make_icons.py OUT_DIR

writes ``OUT_DIR/pos-client-<size>.png`` for each size and ``OUT_DIR/pos-client.ico`` (PNG-compressed
entries, which Windows reads since Vista). Rendering uses Qt's SVG renderer offscreen.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_SVG = Path(__file__).resolve().parent / "icons" / "pos-client.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_pngs(svg: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """PNG bytes of ``svg`` at each size (square)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg}")
    rendered: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        rendered[size] = bytes(data.data())
    return rendered


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A multi-size ICO whose entries are PNG images (ICONDIR + ICONDIRENTRY[] + data)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        blob = pngs[size]
        # Width/height 0 means 256; 32 bits per pixel.
        entries.append(struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    pngs = render_pngs(ICON_SVG, tuple(sorted(set(PNG_SIZES) | set(ICO_SIZES))))
    for size in PNG_SIZES:
        (out / f"pos-client-{size}.png").write_bytes(pngs[size])
    (out / "pos-client.ico").write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
