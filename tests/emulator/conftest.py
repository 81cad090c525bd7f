"""Fixtures for the emulator tests: a running emulator and an httpx client bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pos_client.emulator import RunningEmulator, demo_data


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        yield running


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A client with the demo provider's key (and the control API's token), talking to the emulator
    over real HTTP."""
    headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}", **emulator.control_headers}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0) as client:
        yield client
