"""The process exit statuses, one table for every command, the self-test and the window.

A status names what happened, so a script can act on it; several faces share a number where the
meaning is the same kind ("refused as it stands": a booking's state, a journal this program must not
touch, no display for the window), which ``IntEnum`` makes aliases of one member.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Exit"]


class Exit(IntEnum):
    """``pos-client``'s exit statuses (documented in each command's help and module)."""

    #: done: booking found, validated, reverted, listed; token read; export written; checks passed
    OK = 0
    #: unexpected failure (journal or keyring unusable, a self-test check failed): nothing was sent
    FAILURE = 1
    #: bad input or usage (argparse's own convention): unreadable code, bad URL, bad key, bad file
    USAGE = 2
    #: refused by the booking's state (unknown, already validated, cancelled, ...)
    REFUSED = 3
    #: the journal was written by a newer pos-client, or is not a journal: left untouched
    BAD_JOURNAL = 3
    #: no display for the window (``pos-client`` and ``startup-probe`` on a headless machine)
    NO_DISPLAY = 3
    #: credentials: no key for this environment, key refused, provider inactive
    CREDENTIALS = 4
    #: trouble (network, timeout, server error, rate limit, malformed answer): nothing changed
    TROUBLE = 5
    #: a change was sent and its answer lost: the journal keeps it open until a re-read
    UNKNOWN = 6
