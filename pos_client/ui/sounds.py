"""Short success / error / attention sounds, synthesised as WAV files at first use (no binary assets
in the repository) and played with ``QSoundEffect`` (low latency, non-blocking)."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from pos_client.counter.view import Sound

__all__ = ["SoundPlayer", "write_tone"]

log = logging.getLogger(__name__)

RATE = 44100  # 16-bit stereo at 44.1 kHz: the format every audio device plays
# (frequency Hz, duration s) per note: rising = success, low double = error, single mid = attention.
_NOTES: dict[Sound, list[tuple[float, float]]] = {
    Sound.SUCCESS: [(880.0, 0.08), (1320.0, 0.12)],
    Sound.ERROR: [(220.0, 0.15), (0.0, 0.05), (220.0, 0.2)],
    Sound.ATTENTION: [(660.0, 0.15)],
}


def write_tone(path: Path, notes: list[tuple[float, float]]) -> None:
    """Write a 16-bit mono WAV of sine notes with short fades (no clicks)."""
    frames = bytearray()
    for freq, duration in notes:
        count = int(RATE * duration)
        fade = max(1, int(RATE * 0.01))
        for i in range(count):
            envelope = min(1.0, i / fade, (count - i) / fade)
            value = 0.0 if freq == 0 else math.sin(2 * math.pi * freq * i / RATE) * envelope * 0.6
            sample = int(value * 32767)
            frames += struct.pack("<hh", sample, sample)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))


class SoundPlayer:
    """Plays a ``Sound``; ``played`` keeps what was asked (the window's tests read it)."""

    def __init__(self, parent: QObject, *, enabled: bool, volume: float, folder: Path | None = None) -> None:
        self._parent = parent
        self.enabled = enabled
        self.volume = volume
        self._folder = folder
        self._effects: dict[Sound, object] = {}
        self.played: list[Sound] = []

    def preload(self) -> None:
        """Load QtMultimedia and the three sounds ahead of the first result (~50 ms, once)."""
        if not self.enabled:
            return
        for sound in Sound:
            if sound not in self._effects:
                effect = self._load(sound)
                if effect is None:
                    return
                self._effects[sound] = effect

    def play(self, sound: Sound) -> None:
        self.played.append(sound)
        if not self.enabled or self.volume <= 0:
            return
        effect = self._effects.get(sound)
        if effect is None:
            effect = self._load(sound)
            if effect is None:
                return
            self._effects[sound] = effect
        from PySide6.QtMultimedia import QSoundEffect

        assert isinstance(effect, QSoundEffect)
        effect.setVolume(self.volume)
        effect.play()

    def _load(self, sound: Sound) -> object | None:
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            log.warning("QtMultimedia unavailable: no sounds")
            self.enabled = False
            return None
        folder = self._folder or Path(tempfile.gettempdir()) / "pos-client-sounds"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{sound.value}-{RATE}.wav"
        if not path.exists():
            write_tone(path, _NOTES[sound])
        effect = QSoundEffect(self._parent)
        effect.setSource(QUrl.fromLocalFile(str(path)))
        return effect
