"""The counter, built from the till's settings: the one place where settings become counter options."""

from __future__ import annotations

import time
from collections.abc import Callable

from pos_client.counter.config import CounterConfig
from pos_client.counter.machine import Counter
from pos_client.counter.repeats import RepeatWindows
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, TaskRunner
from pos_client.domain.venues import parse_venue_ids
from pos_client.settings import Settings

__all__ = ["build_counter", "counter_config"]


def counter_config(settings: Settings) -> CounterConfig:
    """The counter's options from the settings (repeat windows, scanner framing, return delay)."""
    scanner = settings.scanner
    return CounterConfig(
        repeat=RepeatWindows(scanner_s=scanner.guard_window_s, webcam_s=settings.webcam.repeat_after_s),
        return_to_ready_s=settings.ui.return_to_ready_s,
        prefix=scanner.prefix,
        suffix=scanner.suffix,
        host_layout=scanner.host_layout or None,
        till_venue_ids=parse_venue_ids(settings.api.venue_ids),
    )


def build_counter(
    api: BookingsApi,
    journal: Journal,
    runner: TaskRunner,
    settings: Settings,
    *,
    translate: Callable[[str], str] = str,
    monotonic: Callable[[], float] = time.monotonic,
    claims: BookingClaims | None = None,
) -> Counter:
    """A ready counter; the window attaches to it with ``Counter.listen``. ``claims``: the shared
    ledger's (``app.backend``), None for a till alone."""
    return Counter(
        api,
        journal,
        runner,
        monotonic=monotonic,
        config=counter_config(settings),
        translate=translate,
        claims=claims,
    )
