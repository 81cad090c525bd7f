"""The Qt part of ``pos-client --self-test``: start Qt offscreen and check what the window needs.

Lives in ``ui/`` because it imports Qt; ``pos_client.selftest`` calls ``check_qt()`` and prints the
report. It proves, in the installed program or bundle, that Qt's libraries load, that a widget
paints (the first-run welcome, rendered offscreen), that this OS's own window plugin was shipped
(offscreen is not what the cashier sees), that Qt's French translation loads and that text shows
as letters: a known string is drawn and each of its characters must leave visible and different
marks. Without a usable font Qt draws every character as the same empty box (seen on a minimal
Debian installed with --no-install-recommends), which a count of font families does not reveal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pos_client.host_os import HostOs, native_qt_platforms, qt_platform_of_plugin

__all__ = ["GLYPH_SAMPLE", "QtReport", "TextRendering", "check_qt", "offscreen_application", "render_text"]

# A line the till shows, and the characters whose glyphs must all differ (accents, euro sign, digits).
GLYPH_SAMPLE = "Contremarque validée : 12,50 €"
DISTINCT_CHARACTERS = "aemWé0€"


@dataclass(frozen=True)
class TextRendering:
    family: str  # the font Qt resolved for the interface
    inked_pixels: int  # dark pixels of GLYPH_SAMPLE drawn in that font
    characters: int  # len(DISTINCT_CHARACTERS)
    distinct_glyphs: int  # how many of them drew different, non-empty images

    @property
    def readable(self) -> bool:
        return self.inked_pixels > 0 and self.distinct_glyphs == self.characters


@dataclass(frozen=True)
class QtReport:
    qt_version: str
    platform: str  # the platform plugin in use ("offscreen" here)
    platform_plugins: tuple[str, ...]  # every platform plugin shipped
    native_platforms: tuple[str, ...]  # the shipped ones this OS's desktop uses
    french_translation: bool
    font_families: int
    image_formats: tuple[str, ...]
    rendered_size: tuple[int, int]  # size of the welcome screen painted offscreen
    text: TextRendering


def offscreen_application() -> object:
    """The running ``QApplication``, or a new one on the offscreen platform.

    Returned as ``object`` so callers outside ``ui/`` never touch Qt types; keep the reference
    alive while Qt is used.
    """
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        return existing
    # Must be set before the QApplication exists; an explicit choice by the caller is kept.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(["pos-client", "-platform", "offscreen"])


def _draw(text: str, font: object, size: tuple[int, int]) -> tuple[bytes, int]:
    """``text`` drawn black on white: (the image's bytes, its count of dark pixels)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    assert isinstance(font, QFont)
    image = QImage(size[0], size[1], QImage.Format.Format_Grayscale8)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor(Qt.GlobalColor.black))
    painter.drawText(QPoint(4, size[1] * 3 // 4), text)
    painter.end()
    data = bytes(image.constBits())
    return data, sum(1 for value in data if value < 128)


def render_text() -> TextRendering:
    """Draw ``GLYPH_SAMPLE`` and each of ``DISTINCT_CHARACTERS`` in the interface's font."""
    from PySide6.QtGui import QFont, QFontInfo, QGuiApplication

    font = QFont(QGuiApplication.font())
    font.setPixelSize(24)
    _, inked = _draw(GLYPH_SAMPLE, font, (480, 40))
    glyphs = {data for data, dark in (_draw(ch, font, (40, 40)) for ch in DISTINCT_CHARACTERS) if dark > 0}
    return TextRendering(QFontInfo(font).family(), inked, len(DISTINCT_CHARACTERS), len(glyphs))


def _shipped_platform_plugins() -> tuple[str, ...]:
    from PySide6.QtCore import QCoreApplication

    names: set[str] = set()
    for folder in QCoreApplication.libraryPaths():
        platforms = Path(folder) / "platforms"
        if platforms.is_dir():
            names.update(
                name for entry in platforms.iterdir() if (name := qt_platform_of_plugin(entry.name))
            )
    return tuple(sorted(names))


def check_qt(host: HostOs) -> QtReport:
    """Start Qt offscreen (or use the running application) and inspect it. Raises ``RuntimeError``
    with a French message when something the window needs is missing."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator, qVersion
    from PySide6.QtGui import QFontDatabase, QGuiApplication, QImageReader

    from pos_client.ui.welcome import WelcomeDialog

    app = offscreen_application()
    platforms = _shipped_platform_plugins()
    native = tuple(name for name in native_qt_platforms(host) if name in platforms)
    if not native:
        wanted = " ou ".join(native_qt_platforms(host))
        raise RuntimeError(f"module d'affichage Qt « {wanted} » absent (présents : {', '.join(platforms)})")

    translator = QTranslator()
    translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    french = translator.load(QLocale(QLocale.Language.French), "qtbase", "_", translations)

    dialog = WelcomeDialog()
    try:
        dialog.resize(dialog.sizeHint())
        pixmap = dialog.grab()
        if pixmap.isNull():
            raise RuntimeError("Qt n'a pas pu dessiner l'écran d'accueil")
        rendered = (pixmap.width(), pixmap.height())
    finally:
        dialog.deleteLater()

    text = render_text()
    formats = tuple(sorted(bytes(fmt.data()).decode("ascii") for fmt in QImageReader.supportedImageFormats()))
    del app
    return QtReport(
        qt_version=f"Qt {qVersion()}, PySide6 {pyside_version}",
        platform=QGuiApplication.platformName(),
        platform_plugins=platforms,
        native_platforms=native,
        french_translation=french,
        font_families=len(QFontDatabase.families()),
        image_formats=formats,
        rendered_size=rendered,
        text=text,
    )
