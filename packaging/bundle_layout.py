"""Names shared by the PyInstaller spec, the build scripts and the packaging tests.

Kept in one place so the spec, the ``.deb``, the Inno Setup script and the tests cannot drift.
"""

from __future__ import annotations

from pos_client import APP_NAME

BUNDLE_NAME = APP_NAME  # dist/<BUNDLE_NAME>/ and the install folder
GUI_PROGRAM = APP_NAME  # the till (windowed .exe on Windows)
CONSOLE_PROGRAM = f"{APP_NAME}-console"  # Windows only: prints --self-test and subcommands

# Modules the app never loads. Excluding them keeps the bundle small and the build short: the Qt
# ones bring hundreds of MB of libraries (WebEngine alone is ~200 MB), the test tools are only
# installed in the development venv.
UNUSED_QT_MODULES = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDesigner", "QtGraphs",
    "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtNfc", "QtPdf", "QtPdfWidgets",
    "QtPositioning", "QtQml", "QtQuick", "QtQuick3D", "QtQuickControls2", "QtQuickTest",
    "QtQuickWidgets", "QtRemoteObjects", "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort",
    "QtSpatialAudio", "QtSql", "QtStateMachine", "QtTest", "QtTextToSpeech", "QtUiTools",
    "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets",
    "QtWebView", "QtCanvasPainter",
)
UNUSED_MODULES = (
    *(f"PySide6.{name}" for name in UNUSED_QT_MODULES),
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis", "mypy",
    "ruff", "IPython", "PyInstaller", "setuptools", "pip", "pydoc_data",
    # httpx imports its command-line tool when rich and pygments are installed (they come with the
    # test tools): ~0.1 s of start-up the till never uses. Without them httpx skips it.
    "rich", "pygments",
)

# Qt plugins the PySide6 hooks collect that a desktop till never loads, by "folder/name" (no
# "lib" prefix, no extension, so one entry covers Linux .so and Windows .dll).
DROPPED_QT_PLUGINS = (
    "platforminputcontexts/qtvirtualkeyboardplugin",  # on-screen keyboard: brings Qt Quick, 17 MB
    "imageformats/qpdf",  # PDF pages as images: brings QtPdf, 4 MB
    # Embedded-Linux platforms (no desktop session): the till runs on X11, Wayland or Windows.
    "platforms/qeglfs",
    "platforms/qminimalegl",
    "platforms/qlinuxfb",
    "platforms/qvnc",
    "platforms/qvkkhrdisplay",
    "egldeviceintegrations/*",
)
# Qt libraries only those plugins need (prefixes of the library names without "lib"). Qt Quick and
# QML themselves stay: Qt Multimedia's FFmpeg backend (the sounds' QSoundEffect, the camera list)
# links to libQt6Quick and libQt6Qml.
DROPPED_QT_LIBRARIES = (
    "Qt6Pdf", "Qt6Quick3D", "Qt6QuickControls2", "Qt6QuickTemplates2", "Qt6QuickDialogs2",
    "Qt6VirtualKeyboard", "Qt6EglFS", "Qt6EglFsKmsSupport",
)
# The interface is French or English: Qt's own translations for other languages are dropped.
KEPT_TRANSLATIONS = ("fr", "en")


def _stem(file_name: str) -> str:
    name = file_name.split(".", 1)[0]
    return name[3:] if name.startswith("lib") else name


def keep_in_bundle(destination: str) -> bool:
    """Whether a file PyInstaller collected (its path inside the bundle) belongs in the bundle."""
    parts = destination.replace("\\", "/").split("/")
    if "plugins" in parts[:-1] and len(parts) >= 2:
        folder, stem = parts[-2], _stem(parts[-1])
        return f"{folder}/{stem}" not in DROPPED_QT_PLUGINS and f"{folder}/*" not in DROPPED_QT_PLUGINS
    if "translations" in parts[:-1] and parts[-1].endswith(".qm"):
        language = parts[-1][: -len(".qm")].rsplit("_", 1)[-1]
        return language in KEPT_TRANSLATIONS
    return not _stem(parts[-1]).startswith(DROPPED_QT_LIBRARIES)
