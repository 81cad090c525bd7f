"""Control of a running emulator, for tests and demos: in process, and over HTTP under ``/_control``.

``EmulatorControl`` is thread-safe (the store and the fault book have their own locks). The HTTP
control API mirrors it with JSON bodies; it is not part of the pass Culture API and never under
``/public``. It changes bookings and injects faults, so every call must carry the token chosen at
start (``X-Emulator-Token`` header; ``pos-client emulator`` prints it, ``RunningEmulator`` has it
as ``control_token``/``control_headers``): without it, 401 and nothing done.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pos_client.emulator import demo_data, festival
from pos_client.emulator.app import EmulatorState, SeenRequest
from pos_client.emulator.faults import Fault, FaultKind
from pos_client.emulator.rules import format_utc

__all__ = [
    "CONTROL_PREFIX",
    "CONTROL_TOKEN_HEADER",
    "ControlTokenGate",
    "EmulatorControl",
    "control_routes",
    "new_control_token",
]

CONTROL_PREFIX = "/_control"
CONTROL_TOKEN_HEADER = "X-Emulator-Token"


class ControlTokenGate:
    """Every ``/_control...`` route, whoever registers it (products, festival...), answers only calls
    carrying the token: a plain ASGI wrapper around the whole app, so no control route can be added
    unguarded."""

    def __init__(self, app: Any, token: str) -> None:
        self._app = app
        self._expected = token.encode("utf-8")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and str(scope.get("path", "")).startswith("/_control"):
            headers = dict(scope.get("headers") or [])
            given = headers.get(CONTROL_TOKEN_HEADER.lower().encode("latin-1"), b"")
            if not secrets.compare_digest(given, self._expected):
                refusal = {"error": f"missing or wrong {CONTROL_TOKEN_HEADER}"}
                response = JSONResponse(refusal, status_code=401)
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)


def new_control_token() -> str:
    return secrets.token_urlsafe(18)


class EmulatorControl:
    """Create bookings, move the clock, inject faults, read state and the request log."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def create_booking(
        self,
        *,
        venue_id: int = demo_data.BOOKSHOP_VENUE_ID,
        offer_name: str = "Offre de test",
        price_cents: int = 1000,
        quantity: int = 1,
        status: str = "CONFIRMED",
        is_event: bool = False,
        event_starts_at: datetime | None = None,
        ean: str | None = None,
        price_category: str | None = None,
        created_at: datetime | None = None,
        subcategory: str | None = None,
        can_expire: bool | None = None,
        has_paid_pricing: bool = False,
        activation_code: str | None = None,
        token: str | None = None,
    ) -> str:
        """A new booking at a known venue; returns its token. Events need ``event_starts_at``."""
        return self._state.store.create_booking(
            venue_id=venue_id,
            offer_name=offer_name,
            price_cents=price_cents,
            quantity=quantity,
            status=status,
            is_event=is_event,
            event_starts_at=event_starts_at,
            ean=ean,
            price_category=price_category,
            created_at=created_at,
            subcategory=subcategory,
            can_expire=can_expire,
            has_paid_pricing=has_paid_pricing,
            activation_code=activation_code,
            token=token,
        )

    def add_venue(
        self,
        name: str,
        *,
        provider_ids: list[int],
        offerer_closed: bool = False,
        link_active: bool = True,
        department_code: str | None = "75",
    ) -> int:
        return self._state.store.add_venue(
            name,
            provider_ids=provider_ids,
            offerer_closed=offerer_closed,
            link_active=link_active,
            department_code=department_code,
        )

    def now(self) -> datetime:
        return self._state.now()

    def set_now(self, moment: datetime) -> None:
        self._state.store.clock.set_now(moment)

    def advance_clock(self, delta: timedelta) -> None:
        self._state.store.clock.advance(delta)

    def inject_fault(self, fault: Fault) -> None:
        self._state.faults.add(fault)

    def clear_faults(self) -> None:
        self._state.faults.clear()

    def set_rate_limit(self, per_minute: int) -> None:
        self._state.limiter.per_minute = per_minute
        self._state.limiter.reset()

    def set_realism(self, **switches: Any) -> dict[str, Any]:
        """Switch real-platform behaviours on or off (``race_window_s``, ``omit_optional_fields``,
        ``legacy_address_names``: see ``realism``); returns them all. ValueError on a bad one."""
        self._state.realism.update(switches)
        return self._state.realism.as_json()

    def move_event(self, token: str, starts_at: datetime) -> int:
        """The venue moves the event of ``token`` (its whole stock) to ``starts_at``."""
        if starts_at.tzinfo is None:
            raise ValueError("starts_at needs a time zone")
        return self._state.store.move_event(token, starts_at)

    def booking_state(self, token: str) -> dict[str, Any]:
        """Status and dates of a booking, whoever owns it; raises KeyError if unknown."""
        store = self._state.store
        store.apply_automatic_transitions()
        booking = store.find_booking(token, None)
        if booking is None:
            raise KeyError(token)
        return {
            "token": booking.token,
            "id": booking.id,
            "status": booking.status,
            "quantity": booking.quantity,
            "priceCents": booking.amount_cents,
            "offerName": booking.offer_name,
            "venueId": booking.venue_id,
            "creationDate": format_utc(booking.date_created),
            "confirmationDate": format_utc(booking.cancellation_limit_date),
            "dateUsed": format_utc(booking.date_used),
            "validationAuthor": booking.validation_author,
            "cancellationReason": booking.cancellation_reason,
            "expirationDate": format_utc(booking.expiration_date()),
            "eventStartsAt": format_utc(booking.beginning_datetime),
        }

    def requests_seen(self) -> list[SeenRequest]:
        return self._state.requests_seen()

    def festival_export(self, venue_id: int = festival.FESTIVAL_VENUE_ID) -> str:
        """The pro portal's bookings export of the festival (``seed="festival"``), as a CSV text."""
        return festival.export_csv(self._state.store, venue_id)

    def cancel_festival_bookings(self, count: int, *, seed: int | None = None) -> list[str]:
        """The organiser cancels ``count`` confirmed festival bookings; returns their tokens."""
        return festival.cancel_some(self._state.store, count, seed=seed)

    def add_festival_bookings(self, count: int, *, evening: int = 0) -> None:
        """``count`` more festival bookings for one evening (0: today)."""
        festival.add_bookings(self._state.store, count, evening=evening)

    def wait_for_requests(self, total: int, timeout_s: float = 5.0) -> bool:
        """Wait until ``total`` public requests have been handled (e.g. one a client gave up on)."""
        return self._state.wait_for_requests(total, timeout_s)


def _parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("datetimes need a time zone")
    return moment


_MOMENT_FIELDS = ("event_starts_at", "created_at")


class _ControlEndpoints:
    """The control API's endpoints over one ``EmulatorControl`` (JSON in, JSON out)."""

    def __init__(self, control: EmulatorControl) -> None:
        self.control = control

    async def create_booking(self, request: Request) -> Response:
        body = await request.json()
        for name in _MOMENT_FIELDS:
            if body.get(name) is not None:
                body[name] = _parse_moment(body[name])
        return JSONResponse({"token": self.control.create_booking(**body)}, status_code=201)

    async def booking_state(self, request: Request) -> Response:
        try:
            return JSONResponse(self.control.booking_state(request.path_params["token"]))
        except KeyError:
            return JSONResponse({"error": "unknown token"}, status_code=404)

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await request.json()
            if body.get("now") is not None:
                self.control.set_now(_parse_moment(body["now"]))
            if body.get("advance_s") is not None:
                self.control.advance_clock(timedelta(seconds=float(body["advance_s"])))
        return JSONResponse({"now": format_utc(self.control.now())})

    async def faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.control.clear_faults()
            return Response(status_code=204)
        body = await request.json()
        body["kind"] = FaultKind(body["kind"])
        self.control.inject_fault(Fault(**body))
        return Response(status_code=204)

    async def realism(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.control.set_realism(**(await request.json())))
        return JSONResponse(self.control.set_realism())

    async def move_event(self, request: Request) -> Response:
        body = await request.json()
        moved = self.control.move_event(request.path_params["token"], _parse_moment(body["starts_at"]))
        return JSONResponse({"bookings": moved})

    async def requests_seen(self, request: Request) -> Response:
        return JSONResponse([list(seen) for seen in self.control.requests_seen()])


def _guarded(endpoint: Any, expected: bytes) -> Any:
    """``endpoint`` answering 401 without the token and 400 with a message on bad input."""

    async def wrapper(request: Request) -> Response:
        given = request.headers.get(CONTROL_TOKEN_HEADER, "").encode("utf-8")
        if not secrets.compare_digest(given, expected):
            return JSONResponse({"error": f"missing or wrong {CONTROL_TOKEN_HEADER}"}, status_code=401)
        try:
            response: Response = await endpoint(request)
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return response

    return wrapper


def control_routes(control: EmulatorControl, token: str) -> list[BaseRoute]:
    """``/_control``: the same operations with JSON, answering 400 with a message on bad input and
    401 to a call without ``token`` in the ``X-Emulator-Token`` header."""
    expected = token.encode("utf-8")
    endpoints = _ControlEndpoints(control)
    routes = [
        ("/bookings", endpoints.create_booking, ["POST"]),
        ("/bookings/{token}", endpoints.booking_state, ["GET"]),
        ("/clock", endpoints.clock, ["GET", "POST"]),
        ("/faults", endpoints.faults, ["POST", "DELETE"]),
        ("/requests", endpoints.requests_seen, ["GET"]),
        ("/realism", endpoints.realism, ["GET", "POST"]),
        ("/events/{token}/move", endpoints.move_event, ["POST"]),
    ]
    return [
        *(
            Route(CONTROL_PREFIX + path, _guarded(endpoint, expected), methods=methods)
            for path, endpoint, methods in routes
        ),
        *festival.festival_routes(lambda: control._state.store, CONTROL_PREFIX),
    ]
