"""The platform's request budget: 200 requests a minute per API key (the contract), whoever sends them."""

from __future__ import annotations

__all__ = ["DEFAULT_PER_MINUTE", "WINDOW_S"]

# The contract says 200/min per key; we keep a small margin for clock differences with the server.
DEFAULT_PER_MINUTE = 190
WINDOW_S = 60.0
