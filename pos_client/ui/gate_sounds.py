"""A distinct sound per gate verdict, synthesised like the till's (``write_tone``), played with
``QSoundEffect``; ``played`` keeps what was asked (tests read it)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from pos_client.ui.sounds import RATE, write_tone

__all__ = ["GATE_NOTES", "GateSounds"]

log = logging.getLogger(__name__)

# Rising = come in (a third note for a duo), low = refused (a different rhythm per reason), mid = check.
GATE_NOTES: dict[str, list[tuple[float, float]]] = {
    "admit": [(880.0, 0.08), (1320.0, 0.12)],
    "duo": [(880.0, 0.08), (1320.0, 0.08), (1760.0, 0.12)],
    "already_in": [(330.0, 0.12), (0.0, 0.04), (220.0, 0.12), (0.0, 0.04), (220.0, 0.2)],
    "cancelled": [(196.0, 0.4)],
    "wrong_event": [(440.0, 0.12), (0.0, 0.04), (294.0, 0.25)],
    "unknown": [(660.0, 0.15), (0.0, 0.05), (660.0, 0.15)],
    "unreadable": [(660.0, 0.1)],
}


class GateSounds:
    def __init__(self, parent: QObject, *, enabled: bool = True, volume: float = 0.8) -> None:
        self._parent = parent
        self.enabled = enabled
        self.volume = volume
        self._effects: dict[str, object] = {}
        self.played: list[str] = []

    def play(self, name: str) -> None:
        self.played.append(name)
        if not self.enabled or self.volume <= 0:
            return
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            log.warning("QtMultimedia unavailable: no gate sounds")
            self.enabled = False
            return
        effect = self._effects.get(name)
        if effect is None:
            folder = Path(tempfile.gettempdir()) / "pos-client-sounds"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"gate-{name}-{RATE}.wav"
            if not path.exists():
                write_tone(path, GATE_NOTES[name])
            effect = QSoundEffect(self._parent)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[name] = effect
        assert isinstance(effect, QSoundEffect)
        effect.setVolume(self.volume)
        effect.play()
