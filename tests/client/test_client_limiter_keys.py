"""The client-side limiter, the base URL rules and keyring storage (with an in-memory backend)."""

from __future__ import annotations

from collections.abc import Callable

import keyring
import keyring.errors
import pytest
from memory_keyring import MemoryKeyring

from pos_client import __version__
from pos_client.api.client import BookingsClient, user_agent
from pos_client.api.environments import InsecureUrlError, base_url_for, check_base_url
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.api.limiter import RequestLimiter
from pos_client.domain.outcomes import Found, RateLimited
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.logs import redact
from pos_client.settings import ApiEnvironment

ClientFactory = Callable[..., BookingsClient]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# ----------------------------------------------------------------------------- limiter
def test_limiter_keeps_any_minute_under_the_budget() -> None:
    clock = FakeClock()
    limiter = RequestLimiter(200, max_wait_s=120, clock=clock, sleep=clock.sleep)
    starts: list[float] = []
    for _ in range(1000):
        assert limiter.acquire() is None
        starts.append(clock.now)
        clock.now += 0.01  # a burst far faster than 200/min
    for index, start in enumerate(starts):
        in_window = sum(1 for other in starts[index:] if other - start < 60.0)
        assert in_window <= 200
    # 1000 requests at 200 per minute take at least four minutes.
    assert starts[-1] - starts[0] >= 4 * 60


def test_limiter_refuses_a_long_wait_without_taking_a_slot() -> None:
    clock = FakeClock()
    limiter = RequestLimiter(3, max_wait_s=5, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() is None
    clock.now += 10
    wait = limiter.acquire()
    assert wait == pytest.approx(50.0)
    assert limiter.in_window() == 3
    clock.now += 50
    assert limiter.acquire() is None


def test_limiter_is_shared_per_key_and_server() -> None:
    prod = "https://backend.passculture.app"
    assert RequestLimiter.for_key(prod, "key-one-0123456789") is RequestLimiter.for_key(
        prod, "key-one-0123456789"
    )
    assert RequestLimiter.for_key(prod, "key-one-0123456789") is not RequestLimiter.for_key(
        prod, "key-two-0123456789"
    )
    one = BookingsClient(prod, "key-one-0123456789")
    two = BookingsClient(prod, "key-one-0123456789")
    local = BookingsClient("http://127.0.0.1:9", "key-one-0123456789")
    try:
        assert one._limiter is two._limiter is RequestLimiter.for_key(prod, "key-one-0123456789")
        assert local._limiter is not one._limiter
    finally:
        for client in (one, two, local):
            client.close()


def test_client_stops_at_its_limit_without_sending(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    clock = FakeClock()
    limiter = RequestLimiter(4, max_wait_s=1.0, clock=clock, sleep=clock.sleep)
    client = make_client(limiter=limiter)
    for _ in range(4):
        assert isinstance(client.get_booking(demo_data.TOKENS["book"]), Found)
    outcome = client.get_booking(demo_data.TOKENS["book"])
    assert isinstance(outcome, RateLimited)
    assert outcome.retry_after_s == pytest.approx(60.0)
    assert len(emulator.control.requests_seen()) == 4
    clock.now += 61
    assert isinstance(client.get_booking(demo_data.TOKENS["book"]), Found)


def test_client_under_the_emulator_limit_never_sees_429(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    # The emulator enforces 20/min here; a client limited to 20/min that waits for slots stays under.
    emulator.control.set_rate_limit(20)
    clock = FakeClock()
    client = make_client(limiter=RequestLimiter(20, max_wait_s=0.0, clock=clock, sleep=clock.sleep))
    outcomes = [client.get_booking(demo_data.TOKENS["book"]) for _ in range(25)]
    assert all(isinstance(outcome, Found) for outcome in outcomes[:20])
    assert all(isinstance(outcome, RateLimited) for outcome in outcomes[20:])
    assert all(request.status == 200 for request in emulator.control.requests_seen())


# ----------------------------------------------------------------------------- URLs and headers
def test_base_urls() -> None:
    assert base_url_for(ApiEnvironment.PRODUCTION) == "https://backend.passculture.app"
    assert base_url_for(ApiEnvironment.INTEGRATION) == "https://backend.integration.passculture.pro"
    assert check_base_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert check_base_url("http://localhost:1234") == "http://localhost:1234"
    assert check_base_url("http://[::1]:1234") == "http://[::1]:1234"
    assert check_base_url("https://api.example.org") == "https://api.example.org"
    for bad in (
        "",
        "http://192.168.1.10:8000",
        "http://backend.passculture.app",
        "ftp://x",
        "https://u:p@x.org",
    ):
        with pytest.raises(InsecureUrlError):
            check_base_url(bad)
    with pytest.raises(InsecureUrlError):
        base_url_for(ApiEnvironment.CUSTOM, "")
    with pytest.raises(InsecureUrlError):
        BookingsClient("http://10.0.0.2", "key")


def test_headers_name_the_till_and_carry_the_key(client: BookingsClient) -> None:
    assert user_agent("Caisse 1 — entrée") == f"pos-client/{__version__} (till Caisse 1  entree)"
    headers = client._http.headers
    assert headers["Authorization"] == f"Bearer {demo_data.DEMO_API_KEY}"
    assert headers["User-Agent"].startswith("pos-client/")
    # The key in use is masked in every log line.
    assert demo_data.DEMO_API_KEY not in redact(f"key={demo_data.DEMO_API_KEY}")


# ----------------------------------------------------------------------------- keyring
class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


def test_keys_are_stored_per_environment(memory_keyring: MemoryKeyring) -> None:
    keys = KeyringKeys()
    assert keys.get_key(ApiEnvironment.PRODUCTION) is None
    keys.set_key(ApiEnvironment.PRODUCTION, "  prod_provider_0123456789abcdef\n")
    keys.set_key(ApiEnvironment.INTEGRATION, "test_provider_0123456789abcdef")
    assert keys.get_key(ApiEnvironment.PRODUCTION) == "prod_provider_0123456789abcdef"
    assert keys.get_key(ApiEnvironment.INTEGRATION) == "test_provider_0123456789abcdef"
    assert memory_keyring.passwords[("pos-client", "api-key-production")] == "prod_provider_0123456789abcdef"
    assert keys.delete_key(ApiEnvironment.PRODUCTION) is True
    assert keys.delete_key(ApiEnvironment.PRODUCTION) is False
    assert keys.get_key(ApiEnvironment.PRODUCTION) is None
    assert keys.get_key(ApiEnvironment.INTEGRATION) is not None


@pytest.mark.parametrize("bad", ["", "   ", "short", "clé_avec_accent_0123456789", "two words 0123456789abc"])
def test_bad_keys_are_refused(memory_keyring: MemoryKeyring, bad: str) -> None:
    with pytest.raises(KeyStoreError):
        KeyringKeys().set_key(ApiEnvironment.PRODUCTION, bad)
    assert memory_keyring.passwords == {}


def test_locked_keyring_is_a_clear_error() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(KeyStoreError, match="Trousseau"):
            KeyringKeys().get_key(ApiEnvironment.PRODUCTION)
    finally:
        keyring.set_keyring(previous)
