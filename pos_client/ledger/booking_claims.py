"""The shared ledger's claims as the counter's ``BookingClaims`` port (``pos_client.domain.ports``).

The counter claims a booking before each change and says how it ended; another till's live or done
claim comes back as ``ClaimedElsewhere`` (the counter shows it and sends nothing). The port never
raises: a ledger that cannot be reached answers None, and the till works alone (and says so, through
``reachable``, for the status bar). ``word`` answers, before a booking is read, whether another till
holds or validated it (told without a request) and whether this till's own validation went through
(settling an open intent: "already validated" is this till's sale or another's, never a guess).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import ClaimedElsewhere
from pos_client.domain.ports import ClaimTicket, LedgerWord
from pos_client.ledger.claims import Claims, ClaimState
from pos_client.ledger.errors import LedgerError

__all__ = ["LedgerBookingClaims"]

log = logging.getLogger(__name__)


class LedgerBookingClaims:
    """``BookingClaims`` on the ledger's ``Claims`` (thread-safe: each call uses the link's lock)."""

    def __init__(self, claims: Claims, journal_uid: str = "") -> None:
        self._claims = claims
        self._journal_uid = journal_uid
        self._lock = threading.Lock()
        self.reachable: bool | None = None  # None: not asked yet

    def _note(self, reachable: bool) -> None:
        with self._lock:
            self.reachable = reachable

    def claim(self, token: str, operation: Operation) -> ClaimTicket | ClaimedElsewhere | None:
        try:
            answer = self._claims.claim(token, operation)
        except LedgerError as exc:
            log.warning("ledger unreachable, claiming %s alone: %s", token, exc)
            self._note(False)
            return None
        self._note(True)
        if answer.granted:
            return ClaimTicket(answer.claim_id, token, answer.taken_over_from)
        done = answer.state is ClaimState.DONE
        return ClaimedElsewhere(token, answer.operation.value, answer.till, answer.since, done=done)

    def finish(self, ticket: ClaimTicket, *, went_through: bool | None) -> None:
        if went_through is None:
            return  # unknown: the claim holds until its lease ends or a re-read settles it
        try:
            if went_through:
                self._claims.done(ticket.claim_id)
            else:
                self._claims.release(ticket.claim_id)
        except LedgerError as exc:
            log.warning("ledger unreachable, claim %d left to its lease: %s", ticket.claim_id, exc)
            self._note(False)

    @contextmanager
    def held(self, ticket: ClaimTicket) -> Iterator[object]:
        """Renews ``ticket``'s lease every third of it, in a thread, until the block ends."""
        stopped = threading.Event()
        every_s = self._claims.lease_s / 3

        def renew() -> None:
            while not stopped.wait(every_s):
                try:
                    if self._claims.renew(ticket.claim_id) is None:
                        return  # ended, or no longer this till's: nothing left to hold
                except LedgerError as exc:
                    log.warning("ledger unreachable, claim %d not renewed: %s", ticket.claim_id, exc)

        keeper = threading.Thread(target=renew, name="claim-lease", daemon=True)
        keeper.start()
        try:
            yield None
        finally:
            stopped.set()
            # A renewal still under way (a slow ledger) is left to finish on its own: renewing an
            # ended claim does nothing, and the change's answer is not kept waiting for it.
            keeper.join(1.0)

    def elsewhere(self, token: str, *, validated: bool) -> ClaimedElsewhere | None:
        try:
            if validated:
                seen = self._claims.validated_elsewhere(token, self._journal_uid)
                if seen is None:
                    return None
                return ClaimedElsewhere(token, Operation.USE.value, seen.till, seen.at, done=True)
            live = self._claims.live_claim(token)
        except LedgerError as exc:
            log.warning("ledger unreachable, %s read alone: %s", token, exc)
            self._note(False)
            return None
        self._note(True)
        if live is None or live.till == self._claims.till:
            return None
        return ClaimedElsewhere(token, live.operation.value, live.till, live.since, done=False)

    def word(self, token: str) -> LedgerWord:
        try:
            live = self._claims.live_claim(token)
            seen = self._claims.who_validated(token)
            if seen is None:
                seen = self._claims.validated_elsewhere(token, self._journal_uid)  # a payment line
        except LedgerError as exc:
            log.warning("ledger unreachable, %s read alone: %s", token, exc)
            self._note(False)
            return LedgerWord(reachable=False)
        self._note(True)
        if live is not None and live.till != self._claims.till:
            held = ClaimedElsewhere(token, live.operation.value, live.till, live.since, done=False)
            return LedgerWord(reachable=True, elsewhere=held)
        if seen is None:
            return LedgerWord(reachable=True)
        if seen.till == self._claims.till:
            return LedgerWord(reachable=True, validated_here_at=seen.at)
        done = ClaimedElsewhere(token, Operation.USE.value, seen.till, seen.at, done=True)
        return LedgerWord(reachable=True, elsewhere=done)

    def mark_done(self, token: str, operation: Operation) -> None:
        try:
            answer = self._claims.claim(token, operation)
            if answer.granted:
                self._claims.done(answer.claim_id)
        except LedgerError as exc:
            log.warning("ledger unreachable, %s %s not marked done: %s", operation.value, token, exc)
            self._note(False)
            return
        self._note(True)
