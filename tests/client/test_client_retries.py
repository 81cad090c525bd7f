"""Retries of reads, and the resolution of ambiguous changes, against the emulator's fault modes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from emulator_views import seen, status_of

from pos_client.api.client import BookingsClient
from pos_client.domain.outcomes import (
    BookingCancelled,
    Found,
    NetworkUnreachable,
    OutcomeUnknown,
    ServerError,
    Validated,
    ValidationReverted,
)
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data

TOKENS = demo_data.TOKENS
ClientFactory = Callable[..., BookingsClient]


# ----------------------------------------------------------------------------- reads
def test_read_is_retried_on_503_with_backoff(
    client: BookingsClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=2, status_code=503))
    assert isinstance(client.get_booking(TOKENS["book"]), Found)
    assert seen(emulator) == [("GET", 503), ("GET", 503), ("GET", 200)]
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status_code", [502, 504])
def test_read_is_retried_on_gateway_errors(
    client: BookingsClient, emulator: RunningEmulator, status_code: int
) -> None:
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=1, status_code=status_code))
    assert isinstance(client.get_booking(TOKENS["book"]), Found)


def test_read_gives_up_after_its_attempts(
    make_client: ClientFactory, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    client = make_client(read_attempts=2)
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=None, status_code=503))
    assert client.get_booking(TOKENS["book"]) == ServerError(503)
    assert len(emulator.control.requests_seen()) == 2


def test_500_is_not_retried(client: BookingsClient, emulator: RunningEmulator) -> None:
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=1, status_code=500))
    assert client.get_booking(TOKENS["book"]) == ServerError(500)
    assert seen(emulator) == [("GET", 500)]


def test_429_honours_retry_after(
    client: BookingsClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.control.inject_fault(Fault(FaultKind.RATE_LIMIT, count=1, status_code=429, retry_after_s=0.25))
    assert isinstance(client.get_booking(TOKENS["book"]), Found)
    assert sleeps == [0.25]
    assert seen(emulator) == [("GET", 429), ("GET", 200)]


def test_429_without_retry_after_backs_off(
    client: BookingsClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.control.inject_fault(Fault(FaultKind.RATE_LIMIT, count=1, status_code=429))
    assert isinstance(client.get_booking(TOKENS["book"]), Found)
    assert sleeps == [0.5]


def test_read_reset_is_retried(client: BookingsClient, emulator: RunningEmulator) -> None:
    emulator.control.inject_fault(Fault(FaultKind.DROP_BEFORE_COMMIT, count=1, method="GET"))
    assert isinstance(client.get_booking(TOKENS["book"]), Found)
    assert seen(emulator) == [("GET", 0), ("GET", 200)]


# ----------------------------------------------------------------------------- changes
CHANGES = [
    # operation, token, the change's path part, the outcome type, the state it leads to
    ("validate", "book", "/use/", Validated, "USED"),
    ("keep", "used", "/keep/", ValidationReverted, "CONFIRMED"),
    ("cancel", "book", "/cancel/", BookingCancelled, "CANCELLED"),
]


@pytest.mark.parametrize("kind", [FaultKind.DROP_AFTER_COMMIT, FaultKind.DROP_BEFORE_COMMIT])
@pytest.mark.parametrize(("operation", "case", "path", "done", "state"), CHANGES)
def test_lost_answer_is_settled_by_a_reread(
    client: BookingsClient,
    emulator: RunningEmulator,
    kind: FaultKind,
    operation: str,
    case: str,
    path: str,
    done: type,
    state: str,
) -> None:
    token = TOKENS[case]
    emulator.control.inject_fault(Fault(kind, path_contains=path))
    outcome = getattr(client, operation)(token)
    assert status_of(emulator, token) == state
    if kind is FaultKind.DROP_AFTER_COMMIT:
        # The re-read shows the change done: confirmed, never resent (one change, then one read).
        assert outcome == done(token, confirmed_by_reread=True)
        assert [method for method, _ in seen(emulator)] == ["PATCH", "GET"]
    else:
        # The re-read shows the state before the change: sent again, once.
        assert outcome == done(token)
        assert seen(emulator) == [("PATCH", 0), ("GET", 200 if case == "book" else 410), ("PATCH", 204)]


def test_lost_twice_before_commit_reports_the_trouble_and_changes_nothing(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.DROP_BEFORE_COMMIT, count=2, path_contains="/use/"))
    assert isinstance(client.validate(token), NetworkUnreachable)
    assert status_of(emulator, token) == "CONFIRMED"
    assert seen(emulator) == [("PATCH", 0), ("GET", 200), ("PATCH", 0), ("GET", 200)]


def test_lost_answer_and_failed_reread_is_unknown(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=None, status_code=500, method="GET"))
    outcome = client.validate(token)
    assert isinstance(outcome, OutcomeUnknown)
    assert outcome.operation == "use"
    assert status_of(emulator, token) == "USED"  # it did go through: "unknown" is the honest answer


def test_gateway_error_on_a_change_is_settled_by_reread(
    client: BookingsClient, emulator: RunningEmulator
) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=503, path_contains="/use/"))
    assert client.validate(token) == Validated(token)
    assert seen(emulator) == [("PATCH", 503), ("GET", 200), ("PATCH", 204)]


def test_500_on_a_change_is_final(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, status_code=500, path_contains="/use/"))
    assert client.validate(token) == ServerError(500)
    assert seen(emulator) == [("PATCH", 500)]


def test_rate_limited_change_is_resent(client: BookingsClient, emulator: RunningEmulator) -> None:
    token = TOKENS["book"]
    emulator.control.inject_fault(
        Fault(FaultKind.RATE_LIMIT, status_code=429, retry_after_s=0.1, path_contains="/use/")
    )
    assert client.validate(token) == Validated(token)
    assert seen(emulator) == [("PATCH", 429), ("PATCH", 204)]


def test_timed_out_validation_ends_validated_once(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    client = make_client(read_timeout_s=0.3)
    token = TOKENS["book"]
    emulator.control.inject_fault(Fault(FaultKind.LATENCY, latency_s=0.8, path_contains="/use/"))
    outcome = client.validate(token)
    assert isinstance(outcome, Validated)
    # The slow request still lands on the server; wait for it before reading the log. Either the
    # re-read already saw it (PATCH, GET 410) or we validated first (PATCH, GET 200, PATCH 204).
    assert emulator.control.wait_for_requests(2 if outcome.confirmed_by_reread else 3, timeout_s=5)
    statuses = [status for method, status in seen(emulator) if method == "PATCH"]
    assert statuses.count(204) == 1  # validated exactly once
    assert status_of(emulator, token) == "USED"
