"""``RunningEmulator``: the emulator served by uvicorn on loopback, in a background thread.

The listening socket is bound before the thread starts (port 0 gives a free port), so
``base_url`` is known at once; ``start`` still waits, bounded, until uvicorn reports it is serving.
The uvicorn protocol is a thin subclass that registers each connection's transport, which is how
the ``DROP_*`` faults reset a real TCP connection.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
import uvicorn.lifespan.off  # uvicorn imports it by name; named here for PyInstaller
from uvicorn.protocols.http.h11_impl import H11Protocol

from pos_client.emulator import demo_data
from pos_client.emulator.app import ConnectionRegistry, EmulatorState, build_app
from pos_client.emulator.control import (
    CONTROL_TOKEN_HEADER,
    ControlTokenGate,
    EmulatorControl,
    control_routes,
    new_control_token,
)
from pos_client.emulator.products import ProductControl
from pos_client.emulator.store import EmulatorClock, EmulatorStore
from pos_client.host_os import HostOs, current_host_os

__all__ = ["RunningEmulator", "build_server", "listening_socket", "make_state"]

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


def _protocol_class(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    class RegisteringH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, telling the registry which transport serves which peer."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None:  # headers and body go in two writes: without this, Nagle adds 40 ms
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._registry_key = (
                _peer(transport.get_extra_info("sockname")),
                _peer(transport.get_extra_info("peername")),
            )
            registry.add(self._registry_key, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.remove(self._registry_key)
            super().connection_lost(exc)

    return RegisteringH11Protocol


def _peer(address: Any) -> tuple[str, int] | None:
    return None if address is None else (str(address[0]), int(address[1]))


class _Server(uvicorn.Server):
    """uvicorn's server, with an event set once it is serving (or has given up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


def build_server(
    state: EmulatorState, control: EmulatorControl, control_token: str, *, log_level: str = "warning"
) -> Any:
    """A uvicorn server for the emulator app (``.run(sockets=[...])`` serves it); its control API
    answers only calls carrying ``control_token``."""
    app = ControlTokenGate(build_app(state, control_routes(control, control_token)), control_token)
    # Everything uvicorn would load by name is fixed here (PyInstaller cannot follow names): our
    # protocol class, the plain asyncio loop, no websockets, no lifespan; and no logging set-up of
    # its own, so its messages go to pos-client's log (set up by the host process).
    config = uvicorn.Config(
        app,
        http=_protocol_class(state.connections),
        loop="none",
        ws="none",
        lifespan="off",
        log_config=None,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return _Server(config)


def make_state(seed: str, db_path: Path | None) -> EmulatorState:
    """A new store is seeded; an existing one (``db_path``) is kept, its dates shifted by the time
    the emulator was stopped so the demo's relative dates still hold (``skip_downtime``)."""
    store = EmulatorStore(db_path, EmulatorClock())
    if store.is_empty():
        demo_data.seed(store, seed)
    else:
        shift = store.skip_downtime()
        if shift:
            log.info("emulator state reopened: dates shifted by %s (time stopped)", shift)
    return EmulatorState(store=store)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (port 0: a free one) that no other process can share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if current_host_os() is HostOs.WINDOWS:  # there SO_REUSEADDR would let two servers share the port
            exclusive = socket.SO_EXCLUSIVEADDRUSE  # type: ignore[attr-defined,unused-ignore]  # Windows only
            sock.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        else:  # restart at once on a port whose old connections are in TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class RunningEmulator:
    """The emulator serving on ``base_url`` until ``stop()`` (or the end of a ``with`` block)."""

    def __init__(self, state: EmulatorState, server: Any, sock: socket.socket, control_token: str) -> None:
        self._state = state
        self.control_token = control_token
        self._server = server
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.base_url = f"http://{host}:{port}"
        self.port: int = port
        self.control = EmulatorControl(state)
        self.products = ProductControl.for_store(state.store)
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"emulator:{port}", daemon=True
        )
        self._stopped = False

    @classmethod
    def start(
        cls,
        seed: str = "demo",
        db_path: Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        rate_limit_per_minute: int | None = None,
    ) -> RunningEmulator:
        state = make_state(seed, db_path)
        if rate_limit_per_minute is not None:
            state.limiter.per_minute = rate_limit_per_minute
        control = EmulatorControl(state)
        control_token = new_control_token()
        server = build_server(state, control, control_token)
        try:
            sock = listening_socket(host, port)
        except OSError:
            state.store.close()
            raise
        emulator = cls(state, server, sock, control_token)
        emulator._thread.start()
        if not server.ready.wait(_START_TIMEOUT_S) or not server.started:
            emulator.stop()
            raise RuntimeError("the emulator did not start")
        return emulator

    @property
    def control_headers(self) -> dict[str, str]:
        """The header a client of the HTTP control API (``/_control``) must send."""
        return {CONTROL_TOKEN_HEADER: self.control_token}

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._thread.join(_STOP_TIMEOUT_S)
        self._socket.close()
        self._state.store.close()
        if self._thread.is_alive():
            raise RuntimeError("the emulator thread did not stop")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
