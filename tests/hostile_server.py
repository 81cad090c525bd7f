"""A real HTTP server on loopback that answers as the test tells it: passed on to the emulator, or
hostile (trickling bytes, endless bodies, JSON nested beyond any parser, absurd amounts, garbage).

Raw sockets, one thread per connection, ``Connection: close`` on every answer: the test controls
every byte. ``behaviours`` maps an HTTP method to what the server does with it; a method not listed
is passed on to ``upstream``.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

Behaviour = Callable[["_Handler", str, str, dict[str, str]], None]


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                head += chunk
            text = head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            request_line, *header_lines = text.split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)
            }
            self.server.seen.append((method, path))
            behaviour = self.server.behaviours.get(method, pass_on())
            behaviour(self, method, path, headers)
        except OSError:
            pass  # the client gave up (its deadline): what these servers are for

    def send(self, data: bytes) -> None:
        self.request.sendall(data)

    def answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        reason = {200: "OK", 204: "No Content", 400: "Bad Request"}.get(status, "Status")
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nConnection: close\r\n"
        if status != 204:
            head += f"Content-Length: {len(body)}\r\n"
        self.send(head.encode("ascii") + b"\r\n" + (body if status != 204 else b""))

    @property
    def stopping(self) -> threading.Event:
        return self.server.stopping


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.behaviours: dict[str, Behaviour] = {}
        self.seen: list[tuple[str, str]] = []
        self.stopping = threading.Event()


# ----------------------------------------------------------------------------- behaviours
def pass_on(transform: Callable[[Any], Any] | None = None) -> Behaviour:
    """Forward to the upstream emulator; ``transform`` may rewrite a JSON answer."""

    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        upstream = handler.server.upstream
        assert upstream is not None
        forwarded = {"Authorization": headers.get("authorization", "")}
        response = httpx.request(method, upstream + path, headers=forwarded, timeout=10)
        body = response.content
        if transform is not None and body:
            body = json.dumps(transform(response.json())).encode("utf-8")
        handler.answer(response.status_code, body)

    return behave


def forwarded_then(answer: Behaviour) -> Behaviour:
    """Forward the request to the upstream (the change really happens there), then answer with
    ``answer`` instead of the upstream's answer."""

    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        upstream = handler.server.upstream
        assert upstream is not None
        forwarded = {"Authorization": headers.get("authorization", "")}
        httpx.request(method, upstream + path, headers=forwarded, timeout=10)
        answer(handler, method, path, headers)

    return behave


def first_then(first: Behaviour, then: Behaviour, count: int = 1) -> Behaviour:
    """``first`` for the first ``count`` requests, ``then`` for the rest."""
    calls = [0]

    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        calls[0] += 1
        (first if calls[0] <= count else then)(handler, method, path, headers)

    return behave


def trickle(interval_s: float, *, in_headers: bool = False) -> Behaviour:
    """One byte every ``interval_s``, in the body (after complete headers) or in the status line."""

    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        if not in_headers:
            handler.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
        pattern = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100000 if in_headers else b" " * 100000
        for byte in pattern:
            if handler.stopping.wait(interval_s):
                return
            handler.send(bytes([byte]))

    return behave


def endless_body(*, chunked: bool) -> Behaviour:
    """A 200 whose body never ends (chunked) or announces 4 GB; sent as fast as the client reads."""

    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {4 * 2**30}"
        handler.send(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode("ascii")
        )
        block = b"[" * 65536
        chunk = f"{len(block):x}\r\n".encode("ascii") + block + b"\r\n" if chunked else block
        while not handler.stopping.is_set():
            handler.send(chunk)

    return behave


def fixed(status: int, body: bytes, content_type: str = "application/json") -> Behaviour:
    def behave(handler: _Handler, method: str, path: str, headers: dict[str, str]) -> None:
        handler.answer(status, body, content_type)

    return behave


DEEP_JSON = b"[" * 200_000 + b"]" * 200_000


def absurd_amount(booking: Any) -> Any:
    """The emulator's booking, priced beyond 64-bit arithmetic once multiplied by its quantity."""
    return {**booking, "price": 2**62, "quantity": 4}


class HostileServer:
    """The running server: ``url``, ``behaviours``, ``seen``."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self.behaviours = server.behaviours
        self.seen = server.seen


@contextmanager
def hostile_server(upstream: str | None = None) -> Iterator[HostileServer]:
    server = _Server(upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield HostileServer(server)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        time.sleep(0)  # let the connection threads see ``stopping``


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
