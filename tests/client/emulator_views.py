"""What the running emulator saw and holds, in the short forms the client tests compare."""

from __future__ import annotations

from pos_client.emulator import RunningEmulator


def seen(emulator: RunningEmulator) -> list[tuple[str, int]]:
    """Each request the emulator answered, as (method, status)."""
    return [(request.method, request.status) for request in emulator.control.requests_seen()]


def status_of(emulator: RunningEmulator, token: str) -> str:
    """The booking's status in the emulator's state (``CONFIRMED``, ``USED``, ...)."""
    return str(emulator.control.booking_state(token)["status"])
