"""Keeping the GUI thread's pauses short once the till is up (issue 16, scan to card).

Start-up leaves some hundred thousand long-lived Python objects (Qt wrappers, modules, settings):
every full pass of the garbage collector walks them all, a pause of 20-30 ms on a loaded till that
lands in the middle of a scan now and then. ``settle_after_start`` collects once, then freezes what
is left out of the collector's reach (``gc.freeze``): later passes walk only what came after.
"""

from __future__ import annotations

import gc
import logging
import time

__all__ = ["SETTLE_AFTER_SHOW_MS", "settle_after_start"]

log = logging.getLogger(__name__)

SETTLE_AFTER_SHOW_MS = 1500  # after the window's first jobs (history, sounds), before the first scan


def settle_after_start() -> int:
    """Collect the start-up's garbage, then keep the survivors out of later collections (call it once
    the window shows; again after a restart with new settings). Returns how many objects are frozen."""
    started = time.perf_counter()
    gc.unfreeze()  # a restart with new settings: the previous window's objects may go now
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info(
        "start-up objects kept out of the garbage collector: %d (%.0f ms)",
        frozen,
        (time.perf_counter() - started) * 1000,
    )
    return frozen
