"""The Qt application: builds the window and runs the event loop."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from pos_client import APP_TITLE

if TYPE_CHECKING:
    from pos_client.cli import AppContext

__all__ = ["run_app"]


def run_app(context: AppContext, *, demo: bool) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle(APP_TITLE + (" — DÉMO" if demo else ""))
    body = QWidget()
    layout = QVBoxLayout(body)
    if demo:
        banner = QLabel("DÉMO")
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(banner)
    layout.addWidget(QLabel("Scannez une contremarque"))
    window.setCentralWidget(body)
    window.resize(1024, 768)
    window.show()
    return int(app.exec())
