"""One test per cell of the contract's status matrix (section 10), over real HTTP.

Each cell gets its own fresh booking, created through the control API in a shared emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.control import EmulatorControl

V1 = "/public/bookings/v1"
PATHS = {"get": "token", "use": "use/token", "keep": "keep/token", "cancel": "cancel/token"}


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="empty") as running:
        yield running


@pytest.fixture(scope="module")
def client(shared_emulator: RunningEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
    with httpx.Client(base_url=shared_emulator.base_url, headers=headers, timeout=10.0) as http:
        yield http


def _product(control: EmulatorControl, **extra: Any) -> str:
    fields: dict[str, Any] = {
        "venue_id": demo_data.BOOKSHOP_VENUE_ID,
        "offer_name": "Livre",
        "price_cents": 1000,
    }
    return control.create_booking(**{**fields, **extra})


def _pending_event(control: EmulatorControl) -> str:
    now = control.now()
    return control.create_booking(
        venue_id=demo_data.THEATRE_VENUE_ID, offer_name="Pièce", price_cents=1500,
        event_starts_at=now + timedelta(days=7), created_at=now - timedelta(hours=1),
    )  # fmt: skip


def _confirmed_event(control: EmulatorControl) -> str:
    now = control.now()  # the contract's case: event in 36 h, booked yesterday
    return control.create_booking(
        venue_id=demo_data.CONCERT_VENUE_ID, offer_name="Concert", price_cents=2000,
        event_starts_at=now + timedelta(hours=36), created_at=now - timedelta(days=1),
    )  # fmt: skip


def _closed(control: EmulatorControl, **extra: Any) -> str:
    return _product(control, venue_id=demo_data.CLOSED_VENUE_ID, **extra)


Maker = Callable[[EmulatorControl], str]
ROWS: dict[str, Maker] = {
    "confirmed_product": _product,
    "pending_event": _pending_event,
    "confirmed_event": _confirmed_event,
    "used": lambda control: _product(control, status="USED"),
    "reimbursed": lambda control: _product(control, status="REIMBURSED"),
    "cancelled": lambda control: _product(control, status="CANCELLED"),
    "closed_structure": _closed,
    "closed_structure_used": lambda control: _closed(control, status="USED"),
    "other_venue": lambda control: _product(control, venue_id=demo_data.OTHER_VENUE_ID),
    "inactive_link": lambda control: _product(control, venue_id=demo_data.INACTIVE_LINK_VENUE_ID),
    "unknown": lambda control: "ZZZZZZ",
    "used_with_activation_code": lambda control: _product(control, status="USED", activation_code="AB-12"),
    "used_then_paid": lambda control: _product(control, status="USED", has_paid_pricing=True),
}

PENDING = object()  # the French "not yet confirmed" body, whose date depends on the booking
OK_BOOKING = object()  # a 200 with the booking
NOT_FOUND = (404, {"global": "This countermark cannot be found"})
CLOSED = (403, {"booking": ["Vous ne pouvez plus valider de contremarque sur une structure fermée"]})
NOT_USED = (403, {"booking": "This booking has not been used"})
REIMBURSED_GET = (403, {"payment": "This booking has already been reimbursed"})
REIMBURSED = (403, {"payment": "This booking has been reimbursed"})
VALIDATED = (410, {"booking": "This booking has already been validated"})
CANCELLED = (410, {"booking": "This booking has been cancelled"})
VALIDATED_CANCEL = (410, {"booking": "This booking has been validated"})
TOO_LATE = (403, {"booking": "This booking cannot be cancelled anymore"})
HAS_CODES = (403, {"booking": "This booking has validation codes, and cannot be marked as unused"})

# row -> action -> (status, body, status of the booking afterwards or None when it cannot be read)
MATRIX: dict[str, dict[str, tuple[int, object, str | None]]] = {
    "confirmed_product": {"get": (200, OK_BOOKING, "CONFIRMED"), "use": (204, None, "USED"),
                          "keep": (*NOT_USED, "CONFIRMED"), "cancel": (204, None, "CANCELLED")},
    "pending_event": {"get": (403, PENDING, "CONFIRMED"), "use": (403, PENDING, "CONFIRMED"),
                      "keep": (*NOT_USED, "CONFIRMED"), "cancel": (204, None, "CANCELLED")},
    "confirmed_event": {"get": (200, OK_BOOKING, "CONFIRMED"), "use": (204, None, "USED"),
                        "keep": (*NOT_USED, "CONFIRMED"),
                        "cancel": (*TOO_LATE, "CONFIRMED")},
    "used": {"get": (*VALIDATED, "USED"), "use": (*VALIDATED, "USED"), "keep": (204, None, "CONFIRMED"),
             "cancel": (410, {"booking": "This booking has been validated"}, "USED")},
    "reimbursed": {"get": (*REIMBURSED_GET, "REIMBURSED"), "use": (*REIMBURSED_GET, "REIMBURSED"),
                   "keep": (*REIMBURSED, "REIMBURSED"), "cancel": (*REIMBURSED, "REIMBURSED")},
    "cancelled": {"get": (*CANCELLED, "CANCELLED"), "use": (*CANCELLED, "CANCELLED"),
                  "keep": (*CANCELLED, "CANCELLED"),
                  "cancel": (410, {"booking": "This booking has already been cancelled"}, "CANCELLED")},
    "closed_structure": {"get": (*CLOSED, "CONFIRMED"), "use": (*CLOSED, "CONFIRMED"),
                         "keep": (*NOT_USED, "CONFIRMED"), "cancel": (204, None, "CANCELLED")},
    "closed_structure_used": {"get": (*VALIDATED, "USED"), "use": (*VALIDATED, "USED"),
                              "keep": (204, None, "CONFIRMED"),
                              "cancel": (410, {"booking": "This booking has been validated"}, "USED")},
    "other_venue": {action: (*NOT_FOUND, "CONFIRMED") for action in PATHS},
    "inactive_link": {action: (*NOT_FOUND, "CONFIRMED") for action in PATHS},
    "unknown": {action: (*NOT_FOUND, None) for action in PATHS},
    "used_with_activation_code": {
        "keep": (*HAS_CODES, "USED")},
    # A paid pricing counts as reimbursed for GET/use/keep, but cancel looks at the status only.
    "used_then_paid": {"get": (*REIMBURSED_GET, "USED"), "use": (*REIMBURSED_GET, "USED"),
                       "keep": (*REIMBURSED, "USED"), "cancel": (*VALIDATED_CANCEL, "USED")},
}  # fmt: skip

CELLS = [(row, action) for row, actions in MATRIX.items() for action in actions]


def _pending_body(state: dict[str, Any]) -> dict[str, str]:
    limit = datetime.fromisoformat(state["confirmationDate"].replace("Z", "+00:00"))
    local = limit.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")
    return {"booking": f"Vous pourrez valider cette contremarque à partir du {local}, "
                       "une fois le délai d’annulation passé."}  # fmt: skip


@pytest.mark.parametrize(("row", "action"), CELLS, ids=[f"{row}-{action}" for row, action in CELLS])
def test_status_matrix_cell(
    shared_emulator: RunningEmulator, client: httpx.Client, row: str, action: str
) -> None:
    control = shared_emulator.control
    token = ROWS[row](control)
    expected_status, expected_body, status_after = MATRIX[row][action]
    method = "GET" if action == "get" else "PATCH"
    response = client.request(method, f"{V1}/{PATHS[action]}/{token}")
    assert response.status_code == expected_status, response.text
    if expected_body is None:
        assert response.content == b""
    elif expected_body is OK_BOOKING:
        assert response.json()["status"] == "CONFIRMED"
    elif expected_body is PENDING:
        assert response.json() == _pending_body(control.booking_state(token))
    else:
        assert response.json() == expected_body
    if status_after is not None:
        assert control.booking_state(token)["status"] == status_after
