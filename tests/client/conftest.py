"""Fixtures for the client tests: a running emulator, clients bound to it (no real backoff sleeps),
and an in-memory keyring backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import keyring
import pytest
from memory_keyring import MemoryKeyring

from pos_client.api.client import BookingsClient
from pos_client.api.limiter import RequestLimiter
from pos_client.emulator import RunningEmulator, demo_data

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


@pytest.fixture
def reunion_token(emulator: RunningEmulator) -> str:
    """A pending event booking at a Réunion venue (UTC+4), booked at 04:59 UTC, the emulator's
    clock one minute later: validatable from 26/11/2026 08:59 venue time (05:59 in Paris)."""
    control = emulator.control
    venue = control.add_venue("Théâtre de Saint-Denis", provider_ids=[1], department_code="974")
    token = control.create_booking(
        venue_id=venue, offer_name="Maloya en scène", price_cents=1500,
        created_at=datetime(2026, 11, 24, 4, 59, tzinfo=UTC),
        event_starts_at=datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
    )  # fmt: skip
    control.set_now(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))
    return token
