"""Fixtures for gate mode: the emulator serving the festival, a client bound to it, a gate setup."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pos_client.api.client import BookingsClient
from pos_client.api.limiter import RequestLimiter
from pos_client.app.gate import GateSession, GateSetup, open_gate
from pos_client.domain.ports import BookingsApi
from pos_client.emulator import RunningEmulator, demo_data, festival
from pos_client.gate.budget import MinuteBudget


@pytest.fixture
def festival_emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="festival") as running:
        yield running


@pytest.fixture
def api(festival_emulator: RunningEmulator) -> Iterator[BookingsClient]:
    client = BookingsClient(
        festival_emulator.base_url, demo_data.DEMO_API_KEY, read_timeout_s=2.0, limiter=RequestLimiter(1000),
        sleep=lambda _: None, read_attempts=1,
    )  # fmt: skip
    yield client
    client.close()


@pytest.fixture
def export_text(festival_emulator: RunningEmulator) -> str:
    return festival_emulator.control.festival_export()


@pytest.fixture
def first_evening(festival_emulator: RunningEmulator) -> date:
    return festival.festival_evenings(festival_emulator.control.now())[0].date()


GateOpener = Callable[..., GateSession]


@pytest.fixture
def open_test_gate(tmp_path: Path, first_evening: date) -> Iterator[GateOpener]:
    opened: list[GateSession] = []

    def make(api: BookingsApi, name: str = "A", **options: Any) -> GateSession:
        options.setdefault("store_path", tmp_path / f"gate-{name}.sqlite3")
        options.setdefault("days", frozenset({first_evening}))
        options.setdefault("budget", MinuteBudget(100_000))
        setup = GateSetup(name=name, venue_id=festival.FESTIVAL_VENUE_ID, **options)
        session = open_gate(setup, api, start_worker=False)
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()
