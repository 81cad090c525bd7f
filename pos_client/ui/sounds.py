"""Short success / error / attention sounds, synthesised as WAV files at first use (no binary assets
in the repository) and played with ``QSoundEffect`` (low latency, non-blocking).

The files live in the user's own cache folder (``~/.cache/pos-client/sounds``, mode 0700), never in a
folder shared by every user of the PC such as ``/tmp``: another account could have made it first
(unwritable for us) or planted its own files there. A folder that is not ours or that others can
write is not used (a new private temporary folder is), and each file is checked against the
synthesised bytes before use, rewritten when it differs. Sounds are a comfort: any failure to
prepare or play one is logged once and turns sounds off, and never reaches the sale in progress.
"""

from __future__ import annotations

import io
import logging
import math
import os
import shutil
import stat
import struct
import tempfile
import wave
import weakref
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from pos_client.counter.view import Sound
from pos_client.host_os import HostOs, current_host_os

__all__ = ["SoundPlayer", "default_sound_folder", "private_folder", "tone_bytes", "write_tone"]

log = logging.getLogger(__name__)

RATE = 44100  # 16-bit stereo at 44.1 kHz: the format every audio device plays
# (frequency Hz, duration s) per note: rising = success, low double = error, single mid = attention.
_NOTES: dict[Sound, list[tuple[float, float]]] = {
    Sound.SUCCESS: [(880.0, 0.08), (1320.0, 0.12)],
    Sound.ERROR: [(220.0, 0.15), (0.0, 0.05), (220.0, 0.2)],
    Sound.ATTENTION: [(660.0, 0.15)],
}


def tone_bytes(notes: list[tuple[float, float]]) -> bytes:
    """A 16-bit stereo WAV of sine notes with short fades (no clicks), as bytes."""
    buffer = io.BytesIO()
    _write_wav(buffer, notes)
    return buffer.getvalue()


def write_tone(path: Path, notes: list[tuple[float, float]]) -> None:
    """Write the WAV of ``notes`` (see ``tone_bytes``) to ``path``."""
    path.write_bytes(tone_bytes(notes))


def default_sound_folder() -> Path:
    """The user's own cache folder for the sounds (``POS_CLIENT_DEV_DIR`` honoured)."""
    from pos_client.paths import AppPaths

    return AppPaths.resolve(None).cache_dir / "sounds"


def _is_private(folder: Path) -> bool:
    """Ours and writable by nobody else (on Windows, a per-user folder under %LOCALAPPDATA%)."""
    info = folder.stat()
    if current_host_os() is HostOs.WINDOWS:
        return True
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def private_folder(wanted: Path) -> tuple[Path, bool]:
    """``(folder, temporary)``: ``wanted`` (created 0700) when it is private, else a new private
    temporary folder (``mkdtemp``: 0700, unpredictable name) the caller removes."""
    try:
        wanted.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _is_private(wanted):
            return wanted, False
        log.warning("sound folder %s is not private (owner or permissions): using a temporary one", wanted)
    except OSError as exc:
        log.warning("sound folder %s unusable (%s): using a temporary one", wanted, exc)
    return Path(tempfile.mkdtemp(prefix="pos-client-sounds-")), True


def _ensure_file(path: Path, data: bytes) -> None:
    """``path`` holds exactly ``data``: a planted or damaged file is replaced (atomically)."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    fd, scratch = tempfile.mkstemp(prefix=".sound-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _write_wav(target: io.BytesIO, notes: list[tuple[float, float]]) -> None:
    frames = bytearray()
    for freq, duration in notes:
        count = int(RATE * duration)
        fade = max(1, int(RATE * 0.01))
        for i in range(count):
            envelope = min(1.0, i / fade, (count - i) / fade)
            value = 0.0 if freq == 0 else math.sin(2 * math.pi * freq * i / RATE) * envelope * 0.6
            sample = int(value * 32767)
            frames += struct.pack("<hh", sample, sample)
    with wave.open(target, "wb") as out:
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
        self._wanted_folder = folder
        self._folder: Path | None = None  # chosen at the first load (see private_folder)
        self._effects: dict[Sound, object] = {}
        self.played: list[Sound] = []

    @property
    def folder(self) -> Path | None:
        """Where the sound files are (None until the first one is prepared)."""
        return self._folder

    def preload(self) -> None:
        """Load QtMultimedia and the three sounds ahead of the first result (~50 ms, once)."""
        if not self.enabled:
            return
        for sound in Sound:
            if sound not in self._effects:
                effect = self._load_safely(sound)
                if effect is None:
                    return
                self._effects[sound] = effect

    def play(self, sound: Sound) -> None:
        """Play ``sound``; never raises (the caller is the sale in progress)."""
        self.played.append(sound)
        try:
            self._play(sound)
        except Exception:
            log.warning("sound %s not played: sounds turned off", sound.value, exc_info=True)
            self.enabled = False

    def _load_safely(self, sound: Sound) -> object | None:
        try:
            return self._load(sound)
        except Exception as exc:  # noqa: BLE001 - an unwritable folder, or anything Qt Multimedia raises
            log.warning("sounds turned off: cannot prepare %s (%s)", sound.value, exc)
            self.enabled = False
            return None

    def _play(self, sound: Sound) -> None:
        if not self.enabled or self.volume <= 0:
            return
        effect = self._effects.get(sound)
        if effect is None:
            effect = self._load_safely(sound)
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
        if self._folder is None:
            folder, temporary = private_folder(self._wanted_folder or default_sound_folder())
            if temporary:
                weakref.finalize(self, shutil.rmtree, folder, True)
            self._folder = folder
        path = self._folder / f"{sound.value}-{RATE}.wav"
        _ensure_file(path, tone_bytes(_NOTES[sound]))
        effect = QSoundEffect(self._parent)
        effect.setSource(QUrl.fromLocalFile(str(path)))
        return effect
