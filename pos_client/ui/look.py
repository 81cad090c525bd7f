"""The till's one visual language: colours, icons drawn by code, and touch-sized buttons.

Colours mean one thing each: green = done, red = refused or danger, amber = attention or trouble,
blue = the next step or a question, grey = waiting. Colour is never alone: every tone has an icon
(drawn with QPainter, so it renders on a bare Debian and on Windows, whatever fonts are installed:
no font glyph such as ⌛) and the title says it in words.

Sizes follow the font (the « Taille des textes » setting scales the application font), with a floor
of ``TOUCH_MIN_PX`` so every button is a touch target of at least 44x44 px at 100 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QPushButton, QWidget

from pos_client.counter.view import Action, Tone

__all__ = [
    "TONE_LOOK",
    "TOUCH_MIN_PX",
    "ButtonRole",
    "Glyph",
    "ToneLook",
    "button_role",
    "draw_glyph",
    "glyph_icon",
    "glyph_pixmap",
    "style_button",
    "touch_height",
]

TOUCH_MIN_PX = 44

GREEN = "#1e7b34"
RED = "#b3261e"
AMBER = "#ffc94d"
BLUE = "#1f5fbf"
GREY = "#eef1f5"


class Glyph(Enum):
    """The icons of the till, drawn by ``draw_glyph``."""

    ARROW = "arrow"  # ready: scan
    HOURGLASS = "hourglass"  # busy
    CHECK = "check"  # done
    WARNING = "warning"  # attention, trouble
    CROSS = "cross"  # refused
    QUESTION = "question"  # next step, question


@dataclass(frozen=True)
class ToneLook:
    glyph: Glyph
    background: str
    text: str


TONE_LOOK: dict[Tone, ToneLook] = {
    Tone.NEUTRAL: ToneLook(Glyph.ARROW, GREY, "#1d2733"),
    Tone.BUSY: ToneLook(Glyph.HOURGLASS, "#dfe3ea", "#1d2733"),
    Tone.SUCCESS: ToneLook(Glyph.CHECK, GREEN, "#ffffff"),
    Tone.ATTENTION: ToneLook(Glyph.WARNING, AMBER, "#2b1f00"),
    Tone.ERROR: ToneLook(Glyph.CROSS, RED, "#ffffff"),
    Tone.NEXT: ToneLook(Glyph.QUESTION, BLUE, "#ffffff"),
}


def draw_glyph(painter: QPainter, glyph: Glyph, rect: QRectF, colour: QColor) -> None:
    """Draw ``glyph`` in ``rect`` (square) with ``colour``; anti-aliased lines, no fonts but for "?"."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    size = min(rect.width(), rect.height())
    stroke = max(2.0, size / 9)
    pen = QPen(colour, stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    left, top = rect.center().x() - size / 2, rect.center().y() - size / 2
    box = QRectF(left, top, size, size).adjusted(stroke, stroke, -stroke, -stroke)

    def at(x: float, y: float) -> QPointF:
        return QPointF(box.left() + x * box.width(), box.top() + y * box.height())

    if glyph is Glyph.CHECK:
        path = QPainterPath(at(0.1, 0.55))
        path.lineTo(at(0.4, 0.85))
        path.lineTo(at(0.92, 0.18))
        painter.drawPath(path)
    elif glyph is Glyph.CROSS:
        painter.drawLine(at(0.15, 0.15), at(0.85, 0.85))
        painter.drawLine(at(0.85, 0.15), at(0.15, 0.85))
    elif glyph is Glyph.ARROW:
        path = QPainterPath(at(0.25, 0.12))
        path.lineTo(at(0.85, 0.5))
        path.lineTo(at(0.25, 0.88))
        path.closeSubpath()
        painter.setBrush(QBrush(colour))
        painter.drawPath(path)
    elif glyph is Glyph.HOURGLASS:
        path = QPainterPath(at(0.2, 0.08))
        path.lineTo(at(0.8, 0.08))
        path.lineTo(at(0.2, 0.92))
        path.lineTo(at(0.8, 0.92))
        path.closeSubpath()
        painter.drawPath(path)
        sand = QPainterPath(at(0.35, 0.85))
        sand.lineTo(at(0.65, 0.85))
        sand.lineTo(at(0.5, 0.65))
        sand.closeSubpath()
        painter.setBrush(QBrush(colour))
        painter.drawPath(sand)
    elif glyph is Glyph.WARNING:
        path = QPainterPath(at(0.5, 0.05))
        path.lineTo(at(0.97, 0.92))
        path.lineTo(at(0.03, 0.92))
        path.closeSubpath()
        painter.drawPath(path)
        painter.drawLine(at(0.5, 0.35), at(0.5, 0.62))
        painter.drawPoint(at(0.5, 0.78))
    elif glyph is Glyph.QUESTION:
        painter.drawEllipse(box)
        hook = QPainterPath()
        hook.arcMoveTo(QRectF(at(0.32, 0.2), at(0.68, 0.5)), 180)
        hook.arcTo(QRectF(at(0.32, 0.2), at(0.68, 0.5)), 180, -270)
        hook.lineTo(at(0.5, 0.6))
        painter.drawPath(hook)
        painter.drawPoint(at(0.5, 0.78))
    painter.restore()


def glyph_pixmap(glyph: Glyph, size: int, colour: str, device_pixel_ratio: float = 1.0) -> QPixmap:
    """``glyph`` on a transparent square pixmap of ``size`` logical pixels."""
    pixels = max(1, math.ceil(size * device_pixel_ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    draw_glyph(painter, glyph, QRectF(0, 0, size, size), QColor(colour))
    painter.end()
    return pixmap


def glyph_icon(glyph: Glyph, colour: str, size: int = 32) -> QIcon:
    return QIcon(glyph_pixmap(glyph, size, colour, 2.0))


def touch_height(font: QFont) -> int:
    """A button's height for ``font``: two lines of text, never under ``TOUCH_MIN_PX``."""
    return max(TOUCH_MIN_PX, round(QFontMetrics(font).height() * 2.0))


class ButtonRole(Enum):
    PRIMARY_NEXT = "next"  # blue: the next step (ID checked, retry)
    PRIMARY_DONE = "done"  # green: the step that records the sale
    DANGER = "danger"  # red outline, apart: cancel a booking, undo a validation
    DANGER_CONFIRM = "danger_confirm"  # red filled: the confirmed destructive step
    PLAIN = "plain"  # close, settings


_ROLES = {
    Action.CONFIRM_ID: ButtonRole.PRIMARY_NEXT,
    Action.RETRY: ButtonRole.PRIMARY_NEXT,
    Action.OPEN_SETTINGS: ButtonRole.PRIMARY_NEXT,
    Action.VALIDATE: ButtonRole.PRIMARY_DONE,
    Action.REVERT: ButtonRole.DANGER,
    Action.CANCEL_BOOKING: ButtonRole.DANGER,
    Action.CONFIRM_REVERT: ButtonRole.DANGER_CONFIRM,
    Action.CONFIRM_CANCEL: ButtonRole.DANGER_CONFIRM,
    Action.DISMISS: ButtonRole.PLAIN,
}

_ROLE_STYLE = {
    ButtonRole.PRIMARY_NEXT: (BLUE, "#ffffff", BLUE),
    ButtonRole.PRIMARY_DONE: (GREEN, "#ffffff", GREEN),
    ButtonRole.DANGER: ("#ffffff", RED, RED),
    ButtonRole.DANGER_CONFIRM: (RED, "#ffffff", RED),
    ButtonRole.PLAIN: ("#f4f5f7", "#1d2733", "#8a94a3"),
}


def button_role(action: Action) -> ButtonRole:
    return _ROLES.get(action, ButtonRole.PLAIN)


def style_button(button: QPushButton, role: ButtonRole, *, scale: float = 1.0) -> None:
    """Colour and size ``button`` for ``role``: primary buttons are taller and bolder than the others."""
    background, text, border = _ROLE_STYLE[role]
    primary = role in (ButtonRole.PRIMARY_NEXT, ButtonRole.PRIMARY_DONE, ButtonRole.DANGER_CONFIRM)
    font = QFont(button.font())
    font.setPointSizeF(font.pointSizeF() * (1.35 if primary else 1.1) * scale)
    font.setBold(primary)
    button.setFont(font)
    button.setMinimumHeight(touch_height(font))
    button.setMinimumWidth(TOUCH_MIN_PX)
    button.setStyleSheet(
        f"QPushButton {{ background: {background}; color: {text}; border: 2px solid {border};"
        f" border-radius: 6px; padding: 4px 14px; }}"
        f"QPushButton:pressed {{ background: {border}; color: #ffffff; }}"
        "QPushButton:disabled { background: #d7dbe0; color: #6b7480; border-color: #b0b7c0; }"
    )


def widget_is_touch_sized(widget: QWidget) -> bool:
    """At least ``TOUCH_MIN_PX`` in both directions (for the tests and the screenshot script)."""
    return widget.width() >= TOUCH_MIN_PX and widget.height() >= TOUCH_MIN_PX
