"""« Outils »: the till's tools (camera, export, reimbursements, custom offer, settings) behind one
touch-sized button at the right of the status bar.

Nine status bar items needed about 1000 px (walk-through 2026-12): at 800x600 the tool buttons were cut
and the connection line hidden. The tools now live in a panel that the « Outils » button opens above
itself: one touch button per tool (at least 44x44 px, the full text with its key), so the status bar
keeps only its lines and fits 800 px. Each tool keeps its window-wide key (F2, F3, F4, F6, F7), so the
keyboard never needs the panel. A tool's button closes the panel when pressed; the panel closes on
Échap or a touch outside it, and the window then takes the keyboard back (``closed``).

Signals (``ToolsButton``):
    closed(): the panel closed (the window gives the code field its keyboard back).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout, QWidget

from pos_client.ui.look import BLUE, ButtonRole, style_button

__all__ = ["ToolsButton", "ToolsPanel", "style_tool"]

# A pressed camera tool shows it is on (its state was the status bar button's before).
_CHECKED_STYLE = f"QPushButton:checked {{ background: #dbe7fb; border: 3px solid {BLUE}; }}"


def style_tool(button: QPushButton) -> None:
    """A tool's look: a plain touch button (44 px at least), never taking the keyboard's focus."""
    style_button(button, ButtonRole.PLAIN)
    button.setStyleSheet(button.styleSheet() + _CHECKED_STYLE)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a scan or typed code lands in the code field


class ToolsPanel(QFrame):
    """The pop-up list of tools, one under the other."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("tools_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(6)
        self._tools: list[QPushButton] = []

    def add(self, button: QPushButton) -> None:
        style_tool(button)
        button.clicked.connect(self.hide)  # the tool opens its dialog; the panel is done
        self._layout.addWidget(button)
        self._tools.append(button)

    def tools(self) -> list[QPushButton]:
        """The tools in order (hidden ones included: a till without a journal file has no export)."""
        return list(self._tools)

    def hideEvent(self, event: QHideEvent) -> None:  # Qt's name
        super().hideEvent(event)
        self.closed.emit()


class ToolsButton(QPushButton):
    """« Outils »: opens ``panel`` above itself, right-aligned, inside the screen."""

    closed = Signal()

    def __init__(self, text: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("tools_button")
        self.setToolTip(tooltip)
        style_tool(self)
        self.panel = ToolsPanel(self)
        self.panel.closed.connect(self.closed)
        self.clicked.connect(self.open_panel)

    def add(self, button: QPushButton) -> None:
        """Put ``button`` (a tool, with its key in its text) in the panel."""
        self.panel.add(button)

    def offers(self, button: QPushButton) -> bool:
        """``button`` is one of the tools and is not hidden (shown whenever the panel is)."""
        return button in self.panel.tools() and not button.isHidden()

    def open_panel(self) -> None:
        panel = self.panel
        panel.adjustSize()
        size = panel.sizeHint()
        corner = self.mapToGlobal(QPoint(self.width() - size.width(), -size.height()))
        screen = self.screen().availableGeometry()
        x = min(max(corner.x(), screen.left()), screen.right() - size.width())
        y = min(max(corner.y(), screen.top()), screen.bottom() - size.height())
        panel.move(x, y)
        panel.show()
