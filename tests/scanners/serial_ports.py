"""What pyserial's ``comports()`` lists, for the tests that stand in for it (discovery, automatic
search, the till's scanner sources)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Port:
    """One entry of ``serial.tools.list_ports.comports()``: a CDC scanner, a UART, an Arduino..."""

    device: str
    vid: int | None = None
    pid: int | None = None
    description: str = "n/a"
    manufacturer: str | None = None
    product: str | None = None
