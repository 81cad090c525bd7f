"""A stand-in ``BookingsApi`` over HTTP for the window's tests, bench and screenshots, used only while
``pos_client.api.client`` (issue 3) is not in the checkout. It speaks to the running emulator like
the real client (Bearer key, v1 routes, one outcome per answer) but without its re-read after
ambiguous failures: a lost answer to a change becomes ``OutcomeUnknown``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx

from pos_client.api.models import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    Beneficiary,
    Booking,
    BookingCancelled,
    BookingStatus,
    Cancelled,
    CannotCancelAnymore,
    Found,
    HasActivationCodes,
    InactiveProvider,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    Validated,
    ValidationReverted,
)

PREFIX = "/public/bookings/v1"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def booking_from_json(body: dict[str, Any], token: str) -> Booking:
    birth = body.get("userBirthDate")
    created = _when(body["creationDate"])
    assert created is not None
    return Booking(
        id=body["id"],
        token=token.upper(),
        status=BookingStatus(body["status"]),
        quantity=body["quantity"],
        unit_price_cents=body["price"],
        offer_id=body["offerId"],
        offer_name=body["offerName"],
        offer_ean=body.get("offerEan"),
        stock_id=body["stockId"],
        price_category_id=body.get("priceCategoryId"),
        price_category_label=body.get("priceCategoryLabel"),
        venue_id=body["venueId"],
        venue_name=body["venueName"],
        offer_address=body.get("offerAddress"),
        offer_department_code=body.get("offerDepartmentCode"),
        creation_date=created,
        confirmation_date=_when(body.get("confirmationDate")),
        beneficiary=Beneficiary(
            body.get("userFirstName"),
            body.get("userLastName"),
            date.fromisoformat(birth) if birth else None,
            body["userEmail"],
            body.get("userPhoneNumber"),
            body.get("userPostalCode"),
        ),
    )


class LoopbackApi:
    def __init__(self, base_url: str, api_key: str | None) -> None:
        self._key = api_key
        self._http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5.0, connect=2.0))

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, token: str, success: Outcome | None) -> Outcome:
        if not self._key:
            return AuthMissing()
        try:
            response = self._http.request(
                method, PREFIX + path, headers={"Authorization": f"Bearer {self._key}"}
            )
        except httpx.ConnectError as exc:
            return NetworkUnreachable(str(exc))
        except httpx.TimeoutException as exc:
            return (
                TimedOut(str(exc)) if success is None else OutcomeUnknown(token, path.split("/")[1], str(exc))
            )
        except httpx.TransportError as exc:
            return (
                NetworkUnreachable(str(exc))
                if success is None
                else OutcomeUnknown(token, path.split("/")[1], str(exc))
            )
        return self._map(response, token, success)

    def _map(self, response: httpx.Response, token: str, success: Outcome | None) -> Outcome:
        status = response.status_code
        try:
            body = response.json() if response.content else {}
        except ValueError:
            return MalformedResponse(status, "not JSON")
        text = str(body)
        if status == 200 and success is None:
            return Found(booking_from_json(body, token))
        if status == 204 and success is not None:
            return success
        if status == 401:
            return AuthInvalid()
        if status == 429:
            return RateLimited(float(response.headers.get("Retry-After", "0")) or None)
        if status >= 500:
            return ServerError(status)
        if status == 404:
            return NotFound(token)
        if "reimbursed" in text:
            return Reimbursed(token)
        if "Inactive provider" in text:
            return InactiveProvider()
        if "validation codes" in text:
            return HasActivationCodes(token)
        if "not been used" in text:
            return NotUsed(token)
        if "cannot be cancelled anymore" in text:
            return CannotCancelAnymore(token)
        if "validated" in text:
            return AlreadyValidated(token)
        if "cancelled" in text:
            return Cancelled(token)
        if "structure fermée" in text:
            return StructureClosed(token, text)
        if "Vous pourrez valider" in text:
            message = str(body.get("booking", ""))
            moment = message.split("à partir du ")[-1].split(",")[0] if "à partir du " in message else ""
            try:
                valid_from = datetime.strptime(moment, "%d/%m/%Y à %H:%M").astimezone()
            except ValueError:
                valid_from = None
            return NotYetConfirmed(token, valid_from, message)
        return MalformedResponse(status, text[:200])

    def get_booking(self, token: str) -> Outcome:
        return self._call("GET", f"/token/{token}", token, None)

    def validate(self, token: str) -> Outcome:
        return self._call("PATCH", f"/use/token/{token}", token, Validated(token))

    def keep(self, token: str) -> Outcome:
        return self._call("PATCH", f"/keep/token/{token}", token, ValidationReverted(token))

    def cancel(self, token: str) -> Outcome:
        return self._call("PATCH", f"/cancel/token/{token}", token, BookingCancelled(token))

    def list_bookings(self, **_: Any) -> Outcome:
        return MalformedResponse(0, "not needed by the window")


def parts_for_checkout() -> Any:
    """``None`` (the real client and journal) when both are in the checkout, else the stand-ins:
    this loopback API and the in-memory journal of the workflow tests."""
    import importlib.util
    import sys
    from pathlib import Path

    if importlib.util.find_spec("pos_client.api.client") and importlib.util.find_spec(
        "pos_client.journal.sqlite"
    ):
        return None
    print("note: pos_client.api.client / pos_client.journal missing: using the tests' stand-ins")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "counter"))
    from counter_fakes import FakeClock, MemoryJournal

    def build(base_url: str, api_key: str | None, journal_path: Path) -> tuple[LoopbackApi, MemoryJournal]:
        return LoopbackApi(base_url, api_key), MemoryJournal([], FakeClock())

    return build
