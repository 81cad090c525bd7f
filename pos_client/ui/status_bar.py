"""The status bar's pieces: short French names for scan sources, their state as icon + word (never
colour alone), one compact item for all scanners (details in its tooltip), and a label that elides
its text instead of widening the window past 1024 px."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget

from pos_client.domain.scan import SourceState, SourceStatus
from pos_client.i18n import Translator

__all__ = ["ElidedLabel", "scanners_summary", "source_name", "state_text"]

_STATE_WORDS = {
    SourceState.STARTING: ("…", "démarrage"),
    SourceState.CONNECTED: ("✔", "prête"),
    SourceState.DISCONNECTED: ("✖", "débranchée"),
    SourceState.ERROR: ("⚠", "erreur"),
    SourceState.STOPPED: ("■", "arrêtée"),
    SourceState.SEARCHING: ("…", "recherche"),  # automatic mode, nothing plugged in yet
}
# Not trouble: a source waiting for a scanner to be plugged in (a till may have none in USB mode).
_FINE_STATES = frozenset({SourceState.CONNECTED, SourceState.SEARCHING})


def source_name(source_id: str, tr: Translator) -> str:
    """"serial:/dev/ttyACM0" -> "Douchette série (ttyACM0)", "webcam:0" -> "Caméra"."""
    kind, _, where = source_id.partition(":")
    if kind in ("keyboard", "evdev"):
        return tr("Douchette clavier")
    if kind == "serial":
        port = where.replace("\\", "/").rsplit("/", 1)[-1]  # /dev/ttyACM0, COM3, \\.\COM12
        return tr("Douchette série ({port})", port=port) if port else tr("Douchette série")
    if kind == "hid":
        return tr("Douchette HID")
    if kind == "webcam":
        return tr("Caméra")
    return source_id


def state_text(state: SourceState, tr: Translator) -> str:
    """"✔ prête", "✖ débranchée"...: an icon and a word, readable without colours."""
    icon, word = _STATE_WORDS[state]
    return f"{icon} {tr(word)}"


def scanners_summary(statuses: Iterable[SourceStatus], tr: Translator) -> tuple[str, str]:
    """(short text, tooltip) for the one status bar item that stands for every scan source."""
    shown = [s for s in statuses if s.state is not SourceState.STOPPED]
    if not shown:
        return "", ""
    tooltip = "\n".join(
        f"{source_name(s.source_id, tr)} : {state_text(s.state, tr)}"
        + (f" — {s.message}" if s.message else "")
        + f" [{s.source_id}]"
        for s in shown
    )
    if len(shown) == 1:
        only = shown[0]
        return f"{source_name(only.source_id, tr)} {state_text(only.state, tr)}", tooltip
    troubled = [s for s in shown if s.state not in _FINE_STATES]
    if not troubled:
        ready = [s for s in shown if s.state is SourceState.CONNECTED]
        if len(ready) > 1:
            return tr("Lecteurs ✔ {n} prêts", n=len(ready)), tooltip
        only = ready[0] if ready else shown[0]  # the others are searching: details in the tooltip
        return f"{source_name(only.source_id, tr)} {state_text(only.state, tr)}", tooltip
    worst = troubled[0]
    return (
        tr(
            "Lecteurs ⚠ {bad}/{n} : {name} {state}",
            bad=len(troubled),
            n=len(shown),
            name=source_name(worst.source_id, tr),
            state=state_text(worst.state, tr),
        ),
        tooltip,
    )


class ElidedLabel(QLabel):
    """A one-line label that shows "…" when short of room; its full text goes in the tooltip.

    Its minimum width is ``min_chars`` average characters, so a long message (a hand-off error,
    a start-up problem) never makes the window wider than the screen.
    """

    def __init__(self, text: str = "", *, min_chars: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._min_chars = min_chars
        self.setToolTip(text)

    def setText(self, text: str) -> None:  # Qt's name
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # Qt's name
        hint = super().minimumSizeHint()
        width = min(hint.width(), self.fontMetrics().averageCharWidth() * self._min_chars)
        return QSize(width, hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment()), shown)
        painter.end()
