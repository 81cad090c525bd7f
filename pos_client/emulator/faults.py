"""Faults the emulator can be told to inject into its next public requests.

A fault matches a request by method and a substring of the path, and is used ``count`` times
(``None``: until cleared). ``DROP_*`` faults close the TCP connection with a reset and no HTTP
answer, before or after the booking change is committed, which is how a client meets an ambiguous
failure in real life. ``MALFORMED`` answers something that breaks the contract (cut-off JSON, a
booking without a required key, a web page), after the route ran (a change is committed) unless
``route_runs`` is False: what a client meets behind a captive portal or a broken proxy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = ["Fault", "FaultBook", "FaultKind", "Malformation"]


class FaultKind(StrEnum):
    LATENCY = "LATENCY"
    SERVER_ERROR = "SERVER_ERROR"
    RATE_LIMIT = "RATE_LIMIT"
    DROP_BEFORE_COMMIT = "DROP_BEFORE_COMMIT"
    DROP_AFTER_COMMIT = "DROP_AFTER_COMMIT"
    MALFORMED = "MALFORMED"


class Malformation(StrEnum):
    """What a ``MALFORMED`` answer looks like (always status ``malformed_status``, 200 by default)."""

    TRUNCATED_JSON = "TRUNCATED_JSON"  # application/json cut in the middle: not JSON at all
    MISSING_KEY = "MISSING_KEY"  # JSON, but a booking without "offerName" (or no "bookings" list)
    HTML = "HTML"  # a text/html page where JSON (or nothing, for a 204) was due


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour. ``latency_s`` delays the request first, whatever the kind."""

    kind: FaultKind
    count: int | None = 1
    path_contains: str | None = None
    method: str | None = None
    latency_s: float = 0.0
    status_code: int = 503
    retry_after_s: float | None = None
    malformation: Malformation = Malformation.TRUNCATED_JSON
    malformed_status: int = 200
    route_runs: bool = True  # MALFORMED: the route runs (and commits) before its answer is spoiled

    def __post_init__(self) -> None:
        # Built from JSON by the control API: names of the enums are accepted.
        object.__setattr__(self, "kind", FaultKind(self.kind))
        object.__setattr__(self, "malformation", Malformation(self.malformation))
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1, or None for 'until cleared'")
        if self.latency_s < 0:
            raise ValueError("latency_s must not be negative")
        if not 400 <= self.status_code <= 599:
            raise ValueError("status_code must be an HTTP error status (4xx or 5xx)")
        if not 200 <= self.malformed_status <= 599 or self.malformed_status == 204:
            raise ValueError("malformed_status must be an HTTP status with a body (200 to 599, not 204)")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains is None or self.path_contains in path


class FaultBook:
    """The pending faults, shared by the server thread and the controlling thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, with one use consumed."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if not fault.matches(method, path):
                    continue
                if fault.count is None:
                    return fault
                if fault.count == 1:
                    del self._faults[index]
                else:
                    self._faults[index] = replace(fault, count=fault.count - 1)
                return fault
        return None
