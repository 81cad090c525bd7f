"""Injected faults over real HTTP: resets before/after commit, 5xx, 429, latency, the real limiter."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from pos_client.emulator import Fault, FaultKind, Malformation, RunningEmulator, demo_data

V1 = "/public/bookings/v1"
BOOK = demo_data.TOKENS["book"]


def _raw_patch(base_url: str, path: str) -> bytes:
    """Send one PATCH on a bare socket and read until the server closes or resets."""
    address = urlsplit(base_url)
    assert address.hostname is not None and address.port is not None
    request = (
        f"PATCH {path} HTTP/1.1\r\nHost: {address.hostname}\r\n"
        f"Authorization: Bearer {demo_data.DEMO_API_KEY}\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    received = b""
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(request)
        while chunk := conn.recv(4096):
            received += chunk
    return received


@pytest.mark.parametrize(("kind", "status_after"), [
    (FaultKind.DROP_BEFORE_COMMIT, "CONFIRMED"),
    (FaultKind.DROP_AFTER_COMMIT, "USED"),
])  # fmt: skip
def test_drop_resets_the_tcp_connection(
    emulator: RunningEmulator, kind: FaultKind, status_after: str
) -> None:
    emulator.control.inject_fault(Fault(kind=kind, method="PATCH", path_contains="/use/"))
    with pytest.raises(ConnectionResetError):
        _raw_patch(emulator.base_url, f"{V1}/use/token/{BOOK}")
    assert emulator.control.booking_state(BOOK)["status"] == status_after
    assert emulator.control.requests_seen()[-1] == ("PATCH", f"{V1}/use/token/{BOOK}", 0)


def test_drop_is_a_transport_error_for_httpx_and_the_server_keeps_serving(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    with pytest.raises(httpx.TransportError):
        api.patch(f"{V1}/use/token/{BOOK}")
    # The ambiguity a client must resolve: the re-read tells the change went through.
    assert api.get(f"{V1}/token/{BOOK}").status_code == 410


def test_fault_matches_method_and_path_and_is_used_count_times(
    emulator: RunningEmulator, api: httpx.Client
) -> None:
    emulator.control.inject_fault(
        Fault(kind=FaultKind.SERVER_ERROR, count=2, method="GET", path_contains="/token/")
    )
    assert api.get(f"{V1}/bookings", params={"venueId": demo_data.BOOKSHOP_VENUE_ID}).status_code == 200
    assert api.get(f"{V1}/token/{BOOK}").status_code == 503
    assert api.get(f"{V1}/token/{BOOK}").status_code == 503
    assert api.get(f"{V1}/token/{BOOK}").status_code == 200


def test_server_errors_look_like_the_real_ones(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.SERVER_ERROR, status_code=500))
    response = api.patch(f"{V1}/use/token/{BOOK}")
    assert response.status_code == 500
    assert response.json() == {
        "global": ["Il semble que nous ayons des problèmes techniques :( On répare ça au plus vite."]
    }
    assert emulator.control.booking_state(BOOK)["status"] == "CONFIRMED"
    emulator.control.inject_fault(Fault(kind=FaultKind.SERVER_ERROR, status_code=502))
    gateway = api.get(f"{V1}/token/{BOOK}")
    assert gateway.status_code == 502
    assert gateway.headers["content-type"].startswith("text/html")


def test_rate_limit_fault_with_and_without_retry_after(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.RATE_LIMIT, retry_after_s=2))
    limited = api.get(f"{V1}/token/{BOOK}")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json() == {
        "global": ["Nombre de tentatives de connexion dépassé, veuillez réessayer dans une minute"]
    }
    emulator.control.inject_fault(Fault(kind=FaultKind.RATE_LIMIT))
    assert "retry-after" not in api.get(f"{V1}/token/{BOOK}").headers


def test_latency_delays_and_can_time_a_client_out(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.LATENCY, latency_s=0.3))
    slow = api.get(f"{V1}/token/{BOOK}")
    assert slow.status_code == 200
    assert slow.elapsed.total_seconds() >= 0.3
    emulator.control.inject_fault(Fault(kind=FaultKind.LATENCY, latency_s=0.5))
    with pytest.raises(httpx.ReadTimeout):
        api.get(f"{V1}/token/{BOOK}", timeout=0.1)


def test_clear_faults(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.SERVER_ERROR, count=None))
    assert api.get(f"{V1}/token/{BOOK}").status_code == 503
    assert api.get(f"{V1}/token/{BOOK}").status_code == 503
    emulator.control.clear_faults()
    assert api.get(f"{V1}/token/{BOOK}").status_code == 200


def test_real_limiter_counts_per_key(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.set_rate_limit(5)
    statuses = [api.get(f"{V1}/token/{BOOK}").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    other = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY_2}"}
    assert api.get(f"{V1}/token/{BOOK}", headers=other).status_code == 200


def test_invalid_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        Fault(kind=FaultKind.LATENCY, count=0)
    with pytest.raises(ValueError, match="status_code"):
        Fault(kind=FaultKind.SERVER_ERROR, status_code=200)


def test_a_slow_patch_commits_after_the_client_gave_up(emulator: RunningEmulator, api: httpx.Client) -> None:
    emulator.control.inject_fault(Fault(kind=FaultKind.LATENCY, latency_s=0.3, method="PATCH"))
    with pytest.raises(httpx.ReadTimeout):
        api.patch(f"{V1}/use/token/{BOOK}", timeout=0.05)
    assert emulator.control.wait_for_requests(1, timeout_s=5)
    assert emulator.control.booking_state(BOOK)["status"] == "USED"
    assert emulator.control.requests_seen() == [("PATCH", f"{V1}/use/token/{BOOK}", 204)]


def test_malformed_answers_over_the_control_api(emulator: RunningEmulator, api: httpx.Client) -> None:
    control = emulator.control
    # Cut-off JSON after the change is committed: a 200 that is not JSON at all.
    fault = {
        "kind": "MALFORMED",
        "malformation": "TRUNCATED_JSON",
        "method": "PATCH",
        "path_contains": "/use/",
    }
    assert api.post("/_control/faults", json=fault).status_code == 204
    answer = api.patch(f"{V1}/use/token/{BOOK}")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/json")
    with pytest.raises(ValueError):
        json.loads(answer.content)
    assert control.booking_state(BOOK)["status"] == "USED"
    # A web page instead of the answer, the route never reached: nothing changes.
    other = demo_data.TOKENS["book_2"]
    fault = {"kind": "MALFORMED", "malformation": "HTML", "route_runs": False, "malformed_status": 502}
    assert api.post("/_control/faults", json=fault).status_code == 204
    answer = api.patch(f"{V1}/use/token/{other}")
    assert answer.status_code == 502 and answer.headers["content-type"].startswith("text/html")
    assert control.booking_state(other)["status"] == "CONFIRMED"
    # Readable JSON with a required key gone, on a read and on the list.
    control.inject_fault(Fault(kind=FaultKind.MALFORMED, malformation=Malformation.MISSING_KEY, count=2))
    booking = api.get(f"{V1}/token/{other}").json()
    assert "offerName" not in booking and booking["offerEan"] == "9782070360024"
    listed = api.get(f"{V1}/bookings", params={"venueId": demo_data.BOOKSHOP_VENUE_ID}).json()["bookings"]
    assert listed and all("offerName" not in entry and "id" in entry for entry in listed)
    assert api.get(f"{V1}/token/{other}").json()["offerName"] == "L'Étranger"  # used up
    assert [status for _, _, status in control.requests_seen()] == [200, 502, 200, 200, 200]
    bad = {"kind": "MALFORMED", "malformed_status": 204}
    assert api.post("/_control/faults", json=bad).status_code == 400
    assert api.post("/_control/faults", json={"kind": "MALFORMED", "malformation": "NOPE"}).status_code == 400
