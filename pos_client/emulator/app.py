"""The emulator's HTTP face: the five v1 routes under ``/public`` and the front door around them.

The front door (a plain ASGI middleware) records every public request, applies injected faults,
enforces the documented 200 requests/minute per key, and can reset a TCP connection (with the
transport uvicorn hands to ``ConnectionRegistry``) so a client sees a real transport failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pos_client.emulator import rules
from pos_client.emulator.faults import Fault, FaultBook, FaultKind, Malformation
from pos_client.emulator.products import product_routes
from pos_client.emulator.realism import (
    CANCEL_RACE_CANCELLED,
    CANCEL_RACE_VALIDATED,
    METHOD_NOT_ALLOWED,
    InFlight,
    Realism,
    offerer_venues_json,
    reshape_booking_json,
)
from pos_client.emulator.store import BookingRow, EmulatorStore, ProviderKey
from pos_client.host_os import HostOs, current_host_os

__all__ = ["ConnectionRegistry", "EmulatorState", "SeenRequest", "build_app"]

log = logging.getLogger(__name__)

PUBLIC_PREFIX = "/public/bookings/v1"
OFFERER_VENUES_PATH = "/public/offers/v1/offerer_venues"
_VENUES_CREATED = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)  # the demo world's venues were all made then
DEFAULT_RATE_LIMIT_PER_MINUTE = 200
# struct linger {on, seconds}: two ints on POSIX, two u_shorts on Windows.
_LINGER_ZERO = struct.pack("HH" if current_host_os() is HostOs.WINDOWS else "ii", 1, 0)
_PROXY_PAGES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class SeenRequest(NamedTuple):
    """One public request and the status the emulator answered; 0: connection reset, no answer."""

    method: str
    path: str
    status: int


class ConnectionRegistry:
    """Live transports by (server address, client address), filled by the uvicorn protocol."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transports: dict[tuple[Any, Any], asyncio.BaseTransport] = {}

    def add(self, key: tuple[Any, Any], transport: asyncio.BaseTransport) -> None:
        with self._lock:
            self._transports[key] = transport

    def remove(self, key: tuple[Any, Any]) -> None:
        with self._lock:
            self._transports.pop(key, None)

    def reset(self, scope: Scope) -> bool:
        """Abort the request's connection with a TCP RST (SO_LINGER 0); False if not found."""
        key = (_address(scope.get("server")), _address(scope.get("client")))
        with self._lock:
            transport = self._transports.get(key)
        if transport is None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        assert isinstance(transport, asyncio.WriteTransport)
        transport.abort()
        return True


def _address(value: Any) -> tuple[str, int] | None:
    return None if value is None else (str(value[0]), int(value[1]))


class RateLimiter:
    """A sliding one-minute window per API key (real time, not the emulator's business clock)."""

    def __init__(self, per_minute: int) -> None:
        self._lock = threading.Lock()
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


@dataclass
class EmulatorState:
    """Everything the routes and the control API share."""

    store: EmulatorStore
    faults: FaultBook = field(default_factory=FaultBook)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(DEFAULT_RATE_LIMIT_PER_MINUTE))
    connections: ConnectionRegistry = field(default_factory=ConnectionRegistry)
    realism: Realism = field(default_factory=Realism)
    in_flight: InFlight = field(default_factory=InFlight)
    _seen_changed: threading.Condition = field(default_factory=threading.Condition)
    # Bounded: a demo till can run for days.
    _seen: deque[SeenRequest] = field(default_factory=lambda: deque(maxlen=100_000))
    _recorded: int = 0

    def record(self, seen: SeenRequest) -> None:
        with self._seen_changed:
            self._seen.append(seen)
            self._recorded += 1
            self._seen_changed.notify_all()

    def requests_seen(self) -> list[SeenRequest]:
        with self._seen_changed:
            return list(self._seen)

    def wait_for_requests(self, total: int, timeout_s: float) -> bool:
        """Block until ``total`` public requests have been answered since start, or time out."""
        with self._seen_changed:
            return self._seen_changed.wait_for(lambda: self._recorded >= total, timeout_s)

    def now(self) -> datetime:
        return self.store.clock.now()


class FrontDoor:
    """ASGI middleware for ``/public``: request log, faults, rate limit, connection resets."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/public"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        recorded = False

        async def recording_send(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                # Logged before it leaves, so a client that has its answer also finds it in the log.
                self.state.record(SeenRequest(method, path, int(message["status"])))
                recorded = True
            await send(message)

        fault = self.state.faults.take(method, path)
        try:
            if fault is not None and fault.latency_s > 0:
                await asyncio.sleep(fault.latency_s)
            if fault is None or fault.kind is FaultKind.LATENCY:
                if self._over_limit(scope):
                    await _json(rules.RATE_LIMITED.status, rules.RATE_LIMITED.body)(
                        scope, receive, recording_send
                    )
                else:
                    await self.app(scope, receive, recording_send)
            elif fault.kind is FaultKind.SERVER_ERROR:
                await _server_error(fault.status_code)(scope, receive, recording_send)
            elif fault.kind is FaultKind.RATE_LIMIT:
                headers = None if fault.retry_after_s is None else {"Retry-After": f"{fault.retry_after_s:g}"}
                await _json(429, rules.RATE_LIMITED.body, headers)(scope, receive, recording_send)
            elif fault.kind is FaultKind.MALFORMED:
                answer = await _captured_answer(self.app, scope, receive) if fault.route_runs else None
                await _malformed(fault, answer)(scope, receive, recording_send)
            elif fault.kind is FaultKind.DROP_BEFORE_COMMIT:
                recorded = self._record_reset(method, path)
                await self._reset(scope, receive)
            else:  # DROP_AFTER_COMMIT: the route runs and commits, its answer is thrown away.

                async def swallow(message: Message) -> None:
                    return None

                await self.app(scope, receive, swallow)
                recorded = self._record_reset(method, path)
                await self._reset(scope, receive)
        finally:
            if not recorded:  # no answer at all (the client left during a delay, say)
                self.state.record(SeenRequest(method, path, 0))

    def _record_reset(self, method: str, path: str) -> bool:
        # Before the reset, so whoever sees the reset also finds it in the log.
        self.state.record(SeenRequest(method, path, 0))
        return True

    def _over_limit(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                return not self.state.limiter.allow(value.decode("latin-1"))
        return False

    async def _reset(self, scope: Scope, receive: Receive) -> None:
        if not self.state.connections.reset(scope):
            raise RuntimeError("connection to reset not found")
        # Let uvicorn see the disconnection so it does not answer in our place.
        async with asyncio.timeout(5):
            while (await receive())["type"] != "http.disconnect":
                pass


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def _server_error(status: int) -> Response:
    if status == 500:
        return _json(500, rules.SERVER_ERROR.body)
    # Gateways in front of the real API answer 502/503/504 with their own HTML page.
    title = _PROXY_PAGES.get(status, "Error")
    return Response(
        f"<html><body><h1>{status} {title}</h1></body></html>", status_code=status, media_type="text/html"
    )


async def _captured_answer(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, bytes]:
    """Run the route (it commits its change) and keep its answer instead of sending it."""
    status = 500
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return status, b"".join(chunks)


_CUT_OFF_BOOKING = b'{"id": 9800001, "quantity": 1, "offerName": "Le Petit Pr'


def _without_offer_name(body: bytes) -> Any:
    """The route's JSON with a required key gone (a booking's "offerName", the list's "bookings")."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict) and "offerName" in data:
        return {key: value for key, value in data.items() if key != "offerName"}
    if isinstance(data, dict) and isinstance(data.get("bookings"), list) and data["bookings"]:
        return {
            "bookings": [{k: v for k, v in entry.items() if k != "offerName"} for entry in data["bookings"]]
        }
    return {"result": "ok"}  # a 204, an error body, or nothing: JSON the contract has no place for


def _malformed(fault: Fault, answer: tuple[int, bytes] | None) -> Response:
    """An answer that breaks the contract, built from the route's own ``answer`` when it ran."""
    body = answer[1] if answer is not None else b""
    status = fault.malformed_status
    if fault.malformation is Malformation.HTML:
        page = "<html><body><h1>Connexion au réseau Wi-Fi</h1><p>Acceptez les conditions.</p></body></html>"
        return Response(page, status_code=status, media_type="text/html")
    if fault.malformation is Malformation.MISSING_KEY:
        return _json(status, _without_offer_name(body))
    cut = body[: max(1, len(body) // 2)] if body.startswith((b"{", b"[")) else _CUT_OFF_BOOKING
    return Response(cut, status_code=status, media_type="application/json")


def _answer(answer: rules.Answer) -> Response:
    return _json(answer.status, answer.body)


async def _authenticate(request: Request, state: EmulatorState) -> ProviderKey | Response:
    """``api_key_required``: the text after ``Bearer `` is the key; checked before any query."""
    header = request.headers.get("authorization", "")
    if "Bearer " not in header:
        return _answer(rules.AUTH_REQUIRED)
    provider = state.store.provider_for_key(header.replace("Bearer ", ""))
    if provider is None:
        return _answer(rules.AUTH_REQUIRED)
    if not provider.provider_active:
        return _answer(rules.INACTIVE_PROVIDER)
    return provider


async def _admit(request: Request, state: EmulatorState) -> ProviderKey | Response:
    """What runs before every route: authentication. None of these routes declares a body, so the
    real server never parses one (its JSON check applies only to routes with a ``body``)."""
    return await _authenticate(request, state)


def _booking_answer(state: EmulatorState, booking: BookingRow) -> Response:
    return _json(200, reshape_booking_json(rules.booking_json(booking), state.realism))


async def _racing_change(
    state: EmulatorState, booking: BookingRow, action: str, provider_id: int
) -> Response | BookingRow:
    """A change while another of the same booking is in flight: a validation breaks the finance
    event's unique index (500); a cancel waits for the stock's lock, then re-reads the booking and,
    when it changed, answers the global handlers' French 410. Else the (re-read) booking to go on."""
    flight = state.in_flight.current(booking.id)
    if flight is None:
        return booking
    if action == "use":
        return _answer(rules.SERVER_ERROR)
    await flight[1].wait()
    fresh = state.store.find_booking(booking.token, provider_id)
    if fresh is None:
        return _answer(rules.NOT_FOUND)
    if action == "cancel" and fresh.status == "CANCELLED":
        return _answer(CANCEL_RACE_CANCELLED)
    if action == "cancel" and fresh.status == "USED":
        return _answer(CANCEL_RACE_VALIDATED)
    return fresh


def _apply_change(state: EmulatorState, booking: BookingRow, action: str) -> rules.Answer | None:
    store, now = state.store, state.now()
    if action == "use":
        refusal = rules.usable_refusal(booking, now)
        if refusal is None:
            store.mark_used(booking.id)
    elif action == "keep":
        refusal = rules.keep_refusal(booking)
        if refusal is None:
            store.mark_unused(booking.id)
    else:
        refusal = rules.cancel_refusal(booking, now)
        if refusal is None:
            store.cancel_by_offerer(booking.id)
    return refusal


def _token_route(state: EmulatorState, action: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        provider = await _admit(request, state)
        if isinstance(provider, Response):
            return provider
        store = state.store
        store.apply_automatic_transitions()
        booking = store.find_booking(request.path_params["token"], provider.provider_id)
        if booking is None:
            return _answer(rules.NOT_FOUND)
        if action == "get":
            refusal = rules.usable_refusal(booking, state.now())
            return _answer(refusal) if refusal else _booking_answer(state, booking)
        window = state.realism.race_window_s
        if window > 0 and action in ("use", "cancel"):
            raced = await _racing_change(state, booking, action, provider.provider_id)
            if isinstance(raced, Response):
                return raced
            booking = raced
            # The checks pass now; the change commits at the end of the window (the transaction).
            refusal = (
                rules.usable_refusal(booking, state.now())
                if action == "use"
                else rules.cancel_refusal(booking, state.now())
            )
            if refusal is not None:
                return _answer(refusal)
            state.in_flight.open(booking.id, action)
            try:
                await asyncio.sleep(window)
                refusal = _apply_change(state, booking, action)
            finally:
                state.in_flight.close(booking.id)
        else:
            refusal = _apply_change(state, booking, action)
        return _answer(refusal) if refusal else Response(status_code=204)

    return endpoint


def _offerer_venues_route(state: EmulatorState) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        provider = await _admit(request, state)
        if isinstance(provider, Response):
            return provider
        siren = request.query_params.get("siren")
        extra = [name for name in request.query_params if name != "siren"]
        if extra:
            return _json(400, {name: ["Extra inputs are not permitted"] for name in extra})
        if siren is not None and not re.fullmatch(r"\d{9}", siren):
            return _json(400, {"siren": ['string does not match regex "^\\d{9}$"']})
        rows = state.store.offerer_venues(provider.provider_id)
        answer = offerer_venues_json(rows, _VENUES_CREATED)
        if siren is not None:
            answer = [entry for entry in answer if entry["offerer"]["siren"] == siren]
        return _json(200, answer)

    return endpoint


_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_STATUSES = ("CONFIRMED", "USED", "CANCELLED", "REIMBURSED")
_PARAMS = (
    "limit",
    "firstIndex",
    "offerId",
    "venueId",
    "priceCategoryId",
    "stockId",
    "status",
    "beginningDatetime",
)
_SNAKE = {
    "first_index": "firstIndex",
    "offer_id": "offerId",
    "venue_id": "venueId",
    "price_category_id": "priceCategoryId",
    "stock_id": "stockId",
    "beginning_datetime": "beginningDatetime",
}


def _parse_list_query(request: Request) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate the list query like the pydantic model does, with its English messages."""
    values: dict[str, Any] = {"limit": 50, "firstIndex": 1}
    errors: dict[str, list[str]] = {}
    for raw_name, raw in request.query_params.multi_items():
        name = _SNAKE.get(raw_name, raw_name)
        if name not in _PARAMS:
            errors[raw_name] = ["Extra inputs are not permitted"]
        elif name == "status":
            if raw in _STATUSES:
                values[name] = raw
            else:
                errors[name] = ["Input should be 'CONFIRMED', 'USED', 'CANCELLED' or 'REIMBURSED'"]
        elif name == "beginningDatetime":
            try:
                moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                errors[name] = ["Input should be a valid datetime"]
                continue
            values[name] = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        elif not _INTEGER.match(raw) or len(raw.strip()) > 19:
            errors[name] = ["Input should be a valid integer, unable to parse string as an integer"]
        else:
            values[name] = int(raw)
    if "limit" not in errors and not values["limit"] > 0:
        errors["limit"] = ["Input should be greater than 0"]
    elif "limit" not in errors and values["limit"] > 50:
        errors["limit"] = ["Input should be less than or equal to 50"]
    if "firstIndex" not in errors and values["firstIndex"] < 1:
        errors["firstIndex"] = ["Input should be greater than or equal to 1"]
    if not errors and values.get("offerId") is None and values.get("venueId") is None:
        errors["global"] = ["`offerId` or `venueId` must be set"]
    return values, errors


def _list_route(state: EmulatorState) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        provider = await _admit(request, state)
        if isinstance(provider, Response):
            return provider
        values, errors = _parse_list_query(request)
        if errors:
            return _json(400, errors)
        store = state.store
        store.apply_automatic_transitions()
        if values.get("offerId") is not None and not store.offer_reachable(
            provider.provider_id, values["offerId"]
        ):
            return _json(404, {"offerId": "we could not find this offer"})
        if values.get("venueId") is not None and not store.venue_reachable(
            provider.provider_id, values["venueId"]
        ):
            return _json(404, {"venueId": "we could not find this venue"})
        if values.get("beginningDatetime") is not None:
            values["beginningDatetime"] = values["beginningDatetime"].replace(tzinfo=None).isoformat()
        bookings = store.list_bookings(provider.provider_id, values, values["firstIndex"], values["limit"])
        entries = [reshape_booking_json(rules.booking_json(booking), state.realism) for booking in bookings]
        return _json(200, {"bookings": entries})

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    # Flask's routing errors on the public API carry an empty JSON object, except 405 (its own handler).
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return _answer(METHOD_NOT_ALLOWED)
    return _json(status, {} if status < 500 else rules.SERVER_ERROR.body)


def build_app(state: EmulatorState, control_routes: list[BaseRoute]) -> ASGIApp:
    routes: list[BaseRoute] = [
        Route(PUBLIC_PREFIX + "/token/{token}", _token_route(state, "get"), methods=["GET"]),
        Route(PUBLIC_PREFIX + "/use/token/{token}", _token_route(state, "use"), methods=["PATCH"]),
        Route(PUBLIC_PREFIX + "/keep/token/{token}", _token_route(state, "keep"), methods=["PATCH"]),
        Route(PUBLIC_PREFIX + "/cancel/token/{token}", _token_route(state, "cancel"), methods=["PATCH"]),
        Route(PUBLIC_PREFIX + "/bookings", _list_route(state), methods=["GET"]),
        Route(OFFERER_VENUES_PATH, _offerer_venues_route(state), methods=["GET"]),
        *product_routes(state, _admit),
        *control_routes,
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _http_error})
    # Flask answers 404 to ".../bookings/" (strict slashes), never a redirect.
    app.router.redirect_slashes = False
    return FrontDoor(app, state)
