"""One deadline for a whole HTTP exchange, and a cap on what is read of an answer.

httpx's timeouts bound each socket operation, not the exchange: a server that sends one byte every
few seconds never trips them. ``install_deadlines`` wraps the network layer of an ``httpx.Client``
(its direct pool and every proxy mount) so that each connect, read and write gets at most the time
left before the deadline of the exchange in progress on this thread (``deadline(seconds)``), and
fails at once once it has passed. httpx does not offer this through public options: the wrapper is
put on the pools' ``_network_backend`` attribute (httpcore 1.x); ``deadlines_installed`` lets a test
notice an upgrade that moved it.

``read_capped`` reads a streamed answer up to a byte limit (after content decoding, so a compressed
bomb is capped too): a booking answer is a few KB, anything over the cap is a bad answer, never read
whole into memory.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx

__all__ = [
    "MAX_ANSWER_BYTES",
    "AnswerTooLarge",
    "deadline",
    "deadlines_installed",
    "install_deadlines",
    "json_or_none",
    "read_capped",
]

log = logging.getLogger(__name__)

# A booking answer is a few KB, a page of 50 bookings about 60 KB: 1 MB leaves room and bounds memory.
MAX_ANSWER_BYTES = 1_000_000

_current = threading.local()


class AnswerTooLarge(Exception):
    """The answer went over the byte cap; what was read is dropped."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every network operation of this thread inside the block ends by ``seconds`` from now."""
    previous = getattr(_current, "expires_at", None)
    _current.expires_at = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.expires_at = previous


def _clamped(timeout: float | None, expired: type[Exception]) -> float | None:
    expires_at: float | None = getattr(_current, "expires_at", None)
    if expires_at is None:
        return timeout
    left = expires_at - time.monotonic()
    if left <= 0:
        raise expired("délai total de l'échange dépassé")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clamped = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, clamped))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        clamped = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, clamped, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        clamped = _clamped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, clamped, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _pools(client: httpx.Client) -> list[typing.Any]:
    transports: list[typing.Any] = [client._transport]  # private: see the module docstring
    transports.extend(client._mounts.values())
    return [getattr(transport, "_pool", None) for transport in transports if transport is not None]


def install_deadlines(client: httpx.Client) -> httpx.Client:
    """Make every connection ``client`` opens obey ``deadline``; returns ``client``."""
    for pool in _pools(client):
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            log.warning("httpx internals changed: no overall deadline on %s", type(pool).__name__)
        elif not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)
    return client


def deadlines_installed(client: httpx.Client) -> bool:
    pools = _pools(client)
    return bool(pools) and all(
        isinstance(getattr(pool, "_network_backend", None), _DeadlineBackend) for pool in pools
    )


def read_capped(response: httpx.Response, limit: int = MAX_ANSWER_BYTES) -> bytes:
    """The decoded body of a streamed ``response``; ``AnswerTooLarge`` past ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit and "Content-Encoding" not in response.headers:
        raise AnswerTooLarge(f"réponse annoncée de {int(declared)} octets")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(f"réponse de plus de {limit} octets")
        chunks.append(chunk)
    return b"".join(chunks)


def json_or_none(body: bytes) -> typing.Any:
    """The JSON document in ``body``, or None when there is none or it cannot be read (including
    nesting deep enough to exhaust the parser's recursion)."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
