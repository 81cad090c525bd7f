"""Claims: which till is changing a booking now, and which till validated it.

The counter's use (the API never says who validated a booking, and two tills validating the same
booking at once get a 500 from the real server, so they must not both send)::

    claims = Claims(link, till="caisse 2")
    try:
        answer = claims.claim(token, Operation.USE)       # atomic, before sending the change
    except LedgerError:
        answer = None                                      # ledger down: work as a single till, say so
    if answer is not None and not answer.granted:
        show(answer.message())   # "en cours de validation à la caisse 1 depuis 14:03" or
        return                   # "validée à la caisse 1 à 14:03": send nothing
    if answer is not None and answer.taken_over_from:
        ...                      # its till died while sending: re-read the booking before sending
    outcome = api.validate(token)
    if answer is not None:
        if went_through(outcome): claims.done(answer.claim_id)     # "validée à la caisse 2 à ..."
        else: claims.release(answer.claim_id)                      # refused, or nothing sent
        # an unknown outcome keeps the claim until the lease ends; settle it with done/release
        # when the re-read tells (renew() it meanwhile if the wait is long)

    # "already validated" after an unclear attempt: settled by the claims, not by a guess
    validation = claims.who_validated(token)   # ValidationSeen(till, at) or None
    # an open intent (crash, lost answer): another till's validation, by claim or payment line?
    other = claims.validated_elsewhere(token, journal.uid)   # then resolve it refused, else re-read

A claim's lease (30 s by default) ends it if its till dies (SIGKILL, power cut): the next till to
claim the booking takes it over and is told whose it was. All rules are in the ledger's SECURITY
DEFINER functions (``pos_client.ledger.schema``); this module only calls them. Times are the ledger
server's; messages show them in the till's local time. Every method raises ``LedgerError``
(``LedgerUnavailable`` when the ledger cannot be reached) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from pos_client.domain.ledger import Operation
from pos_client.ledger.connection import LedgerLink

__all__ = ["DEFAULT_LEASE_S", "ClaimAnswer", "ClaimState", "Claims", "ValidationSeen", "till_phrase"]

DEFAULT_LEASE_S = 30.0

_DOING = {Operation.USE: "en cours de validation", Operation.KEEP: "en cours d'annulation de validation",
          Operation.CANCEL: "en cours d'annulation"}
_DONE = {Operation.USE: "validée", Operation.KEEP: "validation annulée", Operation.CANCEL: "annulée"}


class ClaimState(StrEnum):
    HELD = "held"  # a till is changing the booking now (until its lease ends)
    DONE = "done"  # the change went through


def till_phrase(till: str) -> str:
    """``caisse 2`` or ``2`` -> ``la caisse 2``; ``Accueil`` -> ``la caisse Accueil``."""
    name = till.strip()
    if name.lower().startswith("caisse"):
        name = name[len("caisse"):].strip(" -_") or name
    return f"la caisse {name}"


def _clock_time(moment: datetime, zone: tzinfo | None) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


@dataclass(frozen=True)
class ClaimAnswer:
    """The ledger's answer to a claim. ``granted``: this till may send the change (``claim_id`` is
    its claim). Otherwise the booking is held by, or was already changed at, ``till``."""

    granted: bool
    claim_id: int  # 0 when the answer comes from a replicated payment line, not from a claim
    state: ClaimState
    till: str
    operation: Operation
    since: datetime  # held: when it was claimed; done: when the change went through
    lease_until: datetime | None
    taken_over_from: str | None  # granted after that till's lease ran out: re-read first

    def message(self, zone: tzinfo | None = None) -> str:
        """What the cashier is told when the claim is not granted (French)."""
        at = _clock_time(self.since, zone)
        where = till_phrase(self.till)
        if self.state is ClaimState.HELD:
            return f"Contremarque {_DOING[self.operation]} à {where} depuis {at} : rien n'a été envoyé."
        return f"Contremarque {_DONE[self.operation]} à {where} à {at} : rien n'a été envoyé."


@dataclass(frozen=True)
class ValidationSeen:
    """A validation the ledger knows went through (and has not been reverted since)."""

    till: str
    at: datetime
    claim_id: int

    def message(self, zone: tzinfo | None = None) -> str:
        return f"Validée à {till_phrase(self.till)} à {_clock_time(self.at, zone)}."


def _time(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


class Claims:
    """The claims API of one till (see the module's docstring for the counter's use)."""

    def __init__(
        self, link: LedgerLink, till: str | None = None, *, lease_s: float = DEFAULT_LEASE_S
    ) -> None:
        self._link = link
        self.till = till or link.config.till
        self.lease_s = lease_s

    def claim(self, token: str, operation: Operation) -> ClaimAnswer:
        """Claim ``token`` for ``operation`` (atomically; renews this till's own live claim)."""
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT granted, claim_id, state, till, operation, since, lease_until, taken_over_from"
                " FROM ledger.claim(%s, %s, %s, %s)",
                (token, operation.value, self.till, self.lease_s),
            )
            row = cursor.fetchone()
        assert row is not None
        granted, claim_id, state, till, op, since, lease_until, previous = row
        return ClaimAnswer(
            granted=bool(granted),
            claim_id=int(str(claim_id)),
            state=ClaimState(str(state)),
            till=str(till),
            operation=Operation(str(op)),
            since=_time(since),
            lease_until=None if lease_until is None else _time(lease_until),
            taken_over_from=None if previous is None else str(previous),
        )

    def _end(self, claim_id: int, how: str) -> bool:
        with self._link.transaction() as cursor:
            cursor.execute("SELECT ledger.end_claim(%s, %s)", (claim_id, how))
            row = cursor.fetchone()
        return row is not None and bool(row[0])

    def done(self, claim_id: int) -> bool:
        """The change went through: other tills are told "validée à la caisse N à HH:MM". False if
        the claim is not this till's (or was already ended)."""
        return self._end(claim_id, "done")

    def release(self, claim_id: int) -> bool:
        """Nothing was changed (refused, or not sent): the booking is free for any till again."""
        return self._end(claim_id, "released")

    def renew(self, claim_id: int) -> datetime | None:
        """Extend a live claim's lease by ``lease_s``; None if it is no longer this till's."""
        with self._link.transaction() as cursor:
            cursor.execute("SELECT ledger.renew_claim(%s, %s)", (claim_id, self.lease_s))
            row = cursor.fetchone()
        return None if row is None or row[0] is None else _time(row[0])

    def who_validated(self, token: str) -> ValidationSeen | None:
        """The till and time of the validation of ``token`` the ledger saw go through, unless a
        revert went through after it; None when the ledger knows of none."""
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT operation, till, ended_at, id FROM ledger.claims"
                " WHERE token = %s AND ended = 'done' ORDER BY id DESC LIMIT 1",
                (token,),
            )
            row = cursor.fetchone()
        if row is None or row[0] != Operation.USE.value:
            return None
        return ValidationSeen(till=str(row[1]), at=_time(row[2]), claim_id=int(str(row[3])))

    def validated_elsewhere(self, token: str, journal_uid: str) -> ValidationSeen | None:
        """Settling an open intent of this till (a crash, a lost answer): the other till whose
        validation of ``token`` the ledger knows, by its done claim or, failing that, by its
        replicated payment line (a sale made while the ledger was down); None when the ledger knows
        of none or it was this till's, and the booking's re-read then decides. ``claim_id`` is 0
        when the answer comes from a payment line."""
        seen = self.who_validated(token)
        if seen is not None:
            return None if seen.till == self.till else seen
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT till, recorded_at, operation FROM ledger.payments"
                " WHERE token = %s AND journal_uid <> %s ORDER BY recorded_at DESC LIMIT 1",
                (token, journal_uid),
            )
            row = cursor.fetchone()
        if row is None or row[2] != Operation.USE.value:
            return None
        return ValidationSeen(till=str(row[0]), at=_time(row[1]), claim_id=0)

    def live_claim(self, token: str) -> ClaimAnswer | None:
        """The live claim on ``token`` whose lease has not run out, if any (any till's)."""
        with self._link.transaction() as cursor:
            cursor.execute(
                "SELECT id, till, operation, claimed_at, lease_until FROM ledger.claims"
                " WHERE token = %s AND ended IS NULL AND lease_until > clock_timestamp()",
                (token,),
            )
            row = cursor.fetchone()
        if row is None:
            return None
        claim_id, till, op, since, lease_until = row
        return ClaimAnswer(
            granted=str(till) == self.till,
            claim_id=int(str(claim_id)),
            state=ClaimState.HELD,
            till=str(till),
            operation=Operation(str(op)),
            since=_time(since),
            lease_until=_time(lease_until),
            taken_over_from=None,
        )
