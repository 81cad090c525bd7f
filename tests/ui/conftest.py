"""Fixtures for the till window tests: a window on the scripted API or on the running emulator."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "counter"))

from counter_fakes import FakeApi, LiveClock, RecordingJournal

from pos_client.domain.ports import BookingsApi, Journal
from pos_client.domain.scan import ScanSource
from pos_client.settings import Settings
from pos_client.ui.app import build_window
from pos_client.ui.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[WindowFactory]:
    windows: list[MainWindow] = []

    def factory(
        api: BookingsApi,
        journal: Journal,
        *,
        sources: tuple[ScanSource, ...] = (),
        settings: Settings | None = None,
        demo: bool = False,
    ) -> MainWindow:
        chosen = settings or Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False})
        window = build_window(
            api=api,
            journal=journal,
            settings=chosen,
            sources=sources,
            demo=demo,
            environment_label="test",
            api_key_hint=lambda: "cdef",
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()


@pytest.fixture
def fake_backend() -> tuple[FakeApi, RecordingJournal]:
    events: list[str] = []
    return FakeApi(events), RecordingJournal(events, LiveClock())
