"""A local, faithful emulator of the pass Culture public bookings API v1 (a real HTTP server).

Used by the demo mode and by every API test. ``RunningEmulator.start()`` serves it on a free
loopback port; ``emulator.control`` creates bookings, moves the clock and injects faults.
"""

from __future__ import annotations

from pos_client.emulator import demo_data
from pos_client.emulator.app import SeenRequest
from pos_client.emulator.control import EmulatorControl
from pos_client.emulator.faults import Fault, FaultKind, Malformation
from pos_client.emulator.server import RunningEmulator

__all__ = [
    "EmulatorControl",
    "Fault",
    "FaultKind",
    "Malformation",
    "RunningEmulator",
    "SeenRequest",
    "demo_data",
]
