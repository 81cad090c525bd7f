"""Qt's own texts (standard dialog buttons, file chooser, context menus) in the till's language.

The till's texts go through ``pos_client.i18n``; Qt's are translated by the ``qtbase_<lang>.qm``
file shipped with Qt (``QLibraryInfo`` translations folder), installed on the application at
start-up and swapped when the language changes. English needs none: it is Qt's source language.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

__all__ = ["install_qt_translation"]

log = logging.getLogger(__name__)

_LOCALES = {"fr": QLocale(QLocale.Language.French, QLocale.Country.France)}
_installed: list[QTranslator] = []  # kept alive while installed (Qt does not own it)


def install_qt_translation(language: str) -> bool:
    """Translate Qt's own texts into ``language`` from now on (widgets made afterwards). Returns
    whether a translation is in use; a missing ``.qm`` file leaves Qt's English and is logged."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_qt_translation needs a running QApplication")
    while _installed:
        app.removeTranslator(_installed.pop())
    locale = _LOCALES.get(language)
    if locale is None:
        return False  # English: Qt's source texts
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(locale, "qtbase", "_", folder):
        log.warning(
            "Qt translation qtbase_%s not found in %s: Qt's own texts stay in English", language, folder
        )
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
