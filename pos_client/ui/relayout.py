"""One relayout for many visibility changes (issue 16, scan to card).

Qt lays a window out again, synchronously, each time a widget inside a shown window is shown: every
layout from that widget up to the window is activated at once, word-wrapped labels measured again.
A card's view shows the card, its rows and two or three buttons: six to nine full relayouts of the
window, 3-5 ms of the GUI thread between the booking's answer and its paint. ``one_relayout`` holds
those layouts for the duration of a batch of changes; the layout requests they post run once, from
the event loop, before the window is painted (Qt delivers them ahead of the paint request).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtWidgets import QLayout, QWidget

__all__ = ["layouts_above", "one_relayout"]


def layouts_above(widgets: Iterable[QWidget]) -> tuple[QLayout, ...]:
    """The layouts that showing one of ``widgets`` activates: its own, and each ancestor's up to its
    window (each once, the innermost first)."""
    found: dict[int, QLayout] = {}
    for widget in widgets:
        current: QWidget | None = widget
        while current is not None:
            layout = current.layout()
            if layout is not None:
                found.setdefault(id(layout), layout)
            if current.isWindow():
                break
            current = current.parentWidget()
    return tuple(found.values())


@contextmanager
def one_relayout(layouts: Iterable[QLayout]) -> Iterator[None]:
    """Within the block, showing and hiding widgets under ``layouts`` lays nothing out; the changes are
    laid out together when the event loop next runs. Keep the block free of anything that runs an
    event loop (a dialog's ``exec``): the window would not lay itself out meanwhile."""
    held = [layout for layout in layouts if layout.isEnabled()]
    for layout in held:
        layout.setEnabled(False)
    try:
        yield
    finally:
        for layout in held:
            layout.setEnabled(True)
