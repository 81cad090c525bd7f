"""The Qt part of ``pos-client --self-test``: start Qt offscreen and check what the window needs.

Lives in ``ui/`` because it imports Qt; ``pos_client.selftest`` calls ``check_qt()`` and prints the
report. It proves, in the installed program or bundle, that Qt's libraries load, that a widget
paints (the first-run welcome, rendered offscreen), that this OS's own window plugin was shipped
(offscreen is not what the cashier sees), that Qt's French translation loads and that fonts exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pos_client.host_os import HostOs, native_qt_platforms, qt_platform_of_plugin

__all__ = ["QtReport", "check_qt", "offscreen_application"]


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
    )
