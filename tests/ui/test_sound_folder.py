"""Sounds in a private per-user folder, and a sound that cannot be prepared never touching the sale
(issue 22, item 1): an unwritable folder made beforehand, a folder others can write, a planted file."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest
from counter_fakes import StoredKey
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, Sound, State
from pos_client.domain.scan import Transport
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.scanner.null_source import NullSource
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.app import till_under
from pos_client.ui.sounds import _NOTES, RATE, SoundPlayer, default_sound_folder, tone_bytes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and modes")


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder (XDG), where the sounds go: ``<cache>/pos-client/sounds``."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("POS_CLIENT_DEV_DIR", raising=False)
    return home


def wav_name(sound: Sound) -> str:
    return f"{sound.value}-{RATE}.wav"


def test_sounds_go_to_the_users_own_cache_folder_not_tmp(cache_home: Path, qapp: object) -> None:
    player = SoundPlayer(QObject(), enabled=True, volume=0.5)
    player.preload()
    assert player.enabled
    folder = default_sound_folder()
    assert player.folder == folder == cache_home / "pos-client" / "sounds"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for sound, notes in _NOTES.items():
        assert (folder / wav_name(sound)).read_bytes() == tone_bytes(notes)


def test_a_planted_sound_file_is_replaced_by_the_real_one(cache_home: Path, qapp: object) -> None:
    folder = cache_home / "pos-client" / "sounds"
    folder.mkdir(parents=True, mode=0o700)
    planted = folder / wav_name(Sound.SUCCESS)
    planted.write_bytes(tone_bytes([(100.0, 0.5)]))  # someone else's sound under the same name
    player = SoundPlayer(QObject(), enabled=True, volume=0.5)
    player.preload()
    assert player.folder == folder
    assert planted.read_bytes() == tone_bytes(_NOTES[Sound.SUCCESS])


def test_a_folder_others_can_write_is_not_used(cache_home: Path, qapp: object) -> None:
    shared = cache_home / "pos-client" / "sounds"
    shared.mkdir(parents=True)
    shared.chmod(0o777)  # as /tmp/pos-client-sounds could be, made by another account
    (shared / wav_name(Sound.ERROR)).write_bytes(b"not ours")
    player = SoundPlayer(QObject(), enabled=True, volume=0.5)
    player.preload()
    assert player.enabled
    assert player.folder is not None and player.folder != shared
    assert stat.S_IMODE(player.folder.stat().st_mode) == 0o700
    assert (player.folder / wav_name(Sound.ERROR)).read_bytes() == tone_bytes(_NOTES[Sound.ERROR])
    assert (shared / wav_name(Sound.ERROR)).read_bytes() == b"not ours"  # left alone


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_folder_owned_by_another_user_is_not_used(cache_home: Path, qapp: object) -> None:
    theirs = cache_home / "pos-client" / "sounds"
    theirs.mkdir(parents=True, mode=0o700)
    os.chown(theirs, 65534, 65534)  # nobody
    player = SoundPlayer(QObject(), enabled=True, volume=0.5)
    player.preload()
    assert player.folder is not None and player.folder != theirs


def unwritable_sound_folder(cache_home: Path) -> Path:
    """A folder made beforehand where the sound files cannot be written: read-only for its owner,
    and (root writes anyway) each file name already taken by a folder."""
    folder = cache_home / "pos-client" / "sounds"
    folder.mkdir(parents=True, mode=0o700)
    for sound in Sound:
        (folder / wav_name(sound)).mkdir()
    folder.chmod(0o500)
    return folder


def test_an_unwritable_sound_folder_never_touches_the_sale(
    qtbot: QtBot, tmp_path: Path, cache_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A validation with sounds on and their folder unusable: journalled, shown in the day's
    history and total, handed to the cash register; the sounds are off and the log says why."""
    folder = unwritable_sound_folder(cache_home)
    drop = tmp_path / "caisse"
    source = NullSource("serial:test")
    with RunningEmulator.start(seed="demo") as emulator:
        settings = Settings(till_name="caisse-test").with_values(
            ui={"sound_enabled": True, "sound_volume": 0.5},
            api={"environment": ApiEnvironment.CUSTOM, "custom_url": emulator.base_url},
            handoff={"folder": str(drop)},
        )
        keys = StoredKey(demo_data.DEMO_API_KEY)
        with (
            caplog.at_level(logging.WARNING, logger="pos_client.ui.sounds"),
            till_under(tmp_path / "till", settings, (source,), demo=False, keys=keys) as (window, backend),
        ):
            qtbot.addWidget(window)
            window.show()
            source.feed(f"PASSCULTURE:v3;TOKEN:{demo_data.TOKENS['book']}", Transport.SERIAL)
            qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
            assert window.trigger(Action.CONFIRM_ID) and window.trigger(Action.VALIDATE)
            qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=8000)
            qtbot.waitUntil(lambda: window.day_total_cents > 0, timeout=5000)
            assert len(window.history_lines) == 1
            assert window.day_total_cents == window.history_lines[0].amount_cents
            qtbot.waitUntil(lambda: len(list(drop.glob("pos-client-*.json"))) == 1, timeout=5000)
            assert backend.handoff is not None
            assert window.sounds.played[-1] is Sound.SUCCESS
            assert not window.sounds.enabled
    folder.chmod(0o700)
    assert all((folder / wav_name(sound)).is_dir() for sound in Sound)  # nothing written there
    assert any("sounds turned off" in record.getMessage() for record in caplog.records)
