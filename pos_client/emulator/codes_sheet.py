"""A printable sheet of the demo bookings' QR codes, each with its token and what it should do, and
the demo products' EAN-13 bars for the offer made at the till (``ean_barcode``).

PDF is written by hand (vector squares, Helvetica in WinAnsi so French accents print) and PNG with
OpenCV, because Pillow is not among the dependencies. The QR payload is the current app format
``PASSCULTURE:v3;TOKEN:<token>``.
"""

from __future__ import annotations

import textwrap
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode

from pos_client.safety.private_files import write_private_file

__all__ = [
    "SheetEntry",
    "demo_entries",
    "entry_matrix",
    "qr_matrix",
    "qr_payload",
    "render_pdf",
    "render_png",
]


@dataclass(frozen=True)
class SheetEntry:
    case: str
    token: str  # the contremarque, or the EAN's 13 digits for a product (``is_ean``)
    description: str
    is_ean: bool = False


def entry_matrix(entry: SheetEntry) -> list[list[bool]]:
    """What to draw for an entry: the contremarque's QR code, or the product's EAN-13 bars."""
    if entry.is_ean:
        from pos_client.emulator.ean_barcode import ean13_square_matrix

        return ean13_square_matrix(entry.token)
    return qr_matrix(qr_payload(entry.token))


def qr_payload(token: str) -> str:
    return f"PASSCULTURE:v3;TOKEN:{token}"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules (True = dark), quiet zone of 4 modules included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def demo_entries() -> list[SheetEntry]:
    from pos_client.emulator import demo_data
    from pos_client.emulator.products import DEMO_EANS

    bookings = [SheetEntry(case, token, demo_data.describe(case)) for case, token in demo_data.TOKENS.items()]
    products = [
        SheetEntry(f"EAN {case}", ean, f"Offre sur-mesure (F7) : {what}", is_ean=True)
        for case, (ean, what) in DEMO_EANS.items()
    ]
    return bookings + products


# -- PDF ------------------------------------------------------------------------------------------

_PAGE_W, _PAGE_H = 595.0, 842.0  # A4 in points
_COLUMNS, _ROWS = 2, 4
_QR_SIZE = 120.0


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _cell_stream(entry: SheetEntry, left: float, top: float) -> bytes:
    matrix = entry_matrix(entry)
    module = _QR_SIZE / len(matrix)
    parts = [b"0 g\n"]
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                x = left + col_index * module
                y = top - (row_index + 1) * module
                parts.append(f"{x:.2f} {y:.2f} {module:.2f} {module:.2f} re\n".encode())
    parts.append(b"f\n")
    text_left = left + _QR_SIZE + 8
    lines = [(12.0, f"{entry.token}"), (8.0, entry.case)]
    lines += [(8.0, line) for line in textwrap.wrap(entry.description, 30)]
    y = top - 20
    for size, line in lines:
        parts.append(b"BT /F1 %.1f Tf %.2f %.2f Td (" % (size, text_left, y) + _pdf_text(line) + b") Tj ET\n")
        y -= size + 4
    return b"".join(parts)


def render_pdf(entries: Sequence[SheetEntry], path: Path, title: str) -> None:
    per_page = _COLUMNS * _ROWS
    pages = [entries[start : start + per_page] for start in range(0, len(entries), per_page)] or [[]]
    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # the page tree, filled once the page ids are known
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids: list[int] = []
    cell_w = (_PAGE_W - 60) / _COLUMNS
    cell_h = (_PAGE_H - 100) / _ROWS
    for page_number, page_entries in enumerate(pages, start=1):
        header = f"{title} (page {page_number}/{len(pages)})"
        stream = b"BT /F1 14 Tf 30 %.2f Td (" % (_PAGE_H - 40) + _pdf_text(header) + b") Tj ET\n"
        for index, entry in enumerate(page_entries):
            left = 30 + (index % _COLUMNS) * cell_w
            top = _PAGE_H - 70 - (index // _COLUMNS) * cell_h
            stream += _cell_stream(entry, left, top)
        packed = zlib.compress(stream)
        header_bytes = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
        objects.append(header_bytes + packed + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (int(_PAGE_W), int(_PAGE_H), content_id)
        )
        page_ids.append(len(objects))
        kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    objects[1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    write_private_file(path, bytes(out))  # renamed into place: never half a sheet


# -- PNG ------------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts only draw ASCII: fold accents and typographic quotes."""
    text = text.replace("’", "'").replace("«", '"').replace("»", '"').replace("€", "EUR")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def render_png(entries: Sequence[SheetEntry], path: Path, title: str) -> None:
    import cv2
    import numpy as np

    module_px, cell_w, cell_h, columns = 5, 620, 260, 2
    rows = max(1, (len(entries) + columns - 1) // columns)
    canvas = np.full((60 + rows * cell_h, columns * cell_w), 255, dtype=np.uint8)
    cv2.putText(canvas, _ascii(title), (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2, cv2.LINE_AA)
    for index, entry in enumerate(entries):
        left = (index % columns) * cell_w + 10
        top = 60 + (index // columns) * cell_h
        matrix = np.array(entry_matrix(entry), dtype=bool)
        modules = np.where(matrix, 0, 255).astype(np.uint8)
        side_px = module_px if len(matrix) < 60 else 2  # EAN bars: 113 modules, 2 px each
        image = np.kron(modules, np.ones((side_px, side_px), dtype=np.uint8))
        height, width = image.shape
        canvas[top : top + height, left : left + width] = image
        text_left, y = left + width + 10, top + 40
        cv2.putText(canvas, entry.token, (text_left, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2, cv2.LINE_AA)
        for line in [entry.case, *textwrap.wrap(_ascii(entry.description), 32)]:
            y += 26
            cv2.putText(canvas, line, (text_left, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".png", canvas)
    if not ok:
        raise OSError("PNG encoding failed")
    write_private_file(path, encoded.tobytes())  # not cv2.imwrite: it fails on non-ASCII paths on Windows
