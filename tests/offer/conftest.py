"""Fixtures for the offer made at the till: a running emulator whose upsert jobs run only when the
test moves the emulator's clock (no timing), product clients and desks on it, a fake wall clock for
the desk's wait, and the in-memory keyring of the client tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "client"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory_keyring import MemoryKeyring
from offer_fixtures import JOB_DELAY_S, FakeClock

from pos_client.api.client import ClientConfig
from pos_client.api.limiter import RequestLimiter
from pos_client.api.products import ProductsClient
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.offers import OfferDesk, PendingStore


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        running.products.set_jobs(delay_s=JOB_DELAY_S)
        yield running


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0) as client:
        yield client


@pytest.fixture
def make_products(emulator: RunningEmulator) -> Iterator[Callable[..., ProductsClient]]:
    made: list[ProductsClient] = []

    def make(api_key: str | None = demo_data.DEMO_API_KEY, **options: Any) -> ProductsClient:
        options.setdefault("sleep", lambda seconds: None)
        options.setdefault("limiter", RequestLimiter(1000))
        client = ProductsClient(emulator.base_url, api_key, ClientConfig(read_timeout_s=5.0), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_desk(
    make_products: Callable[..., ProductsClient], clock: FakeClock, tmp_path: Path
) -> Callable[..., OfferDesk]:
    def make(
        *, venue_id: int = demo_data.BOOKSHOP_VENUE_ID, path: Path | None = None, **options: Any
    ) -> OfferDesk:
        client = make_products(**options.pop("client_options", {}))
        store = PendingStore(path if path is not None else tmp_path / "offer-desk.json")
        options.setdefault("wait_s", 60.0)
        return OfferDesk(client, store, venue_id=venue_id, clock=clock, sleep=clock.sleep, **options)

    return make


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
