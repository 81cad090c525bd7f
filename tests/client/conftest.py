"""Fixtures for the client tests: a running emulator, clients bound to it (no real backoff sleeps),
and an in-memory keyring backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import keyring
import pytest
from memory_keyring import MemoryKeyring

from pos_client.api.client import BookingsClient
from pos_client.api.emulator import RunningEmulator, demo_data
from pos_client.api.limiter import RequestLimiter

ClientFactory = Callable[..., BookingsClient]


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the clients asked for, in order (they do not really sleep)."""
    return []


@pytest.fixture
def make_client(emulator: RunningEmulator, sleeps: list[float]) -> Iterator[ClientFactory]:
    made: list[BookingsClient] = []

    def make(api_key: str | None = demo_data.DEMO_API_KEY, **options: Any) -> BookingsClient:
        options.setdefault("sleep", sleeps.append)
        options.setdefault("read_timeout_s", 2.0)
        options.setdefault("limiter", RequestLimiter(1000))
        client = BookingsClient(options.pop("base_url", emulator.base_url), api_key, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def client(make_client: ClientFactory) -> BookingsClient:
    return make_client()
