"""The gate: scan -> verdict from memory, confirm -> entry recorded and claimed across gates.

``scan`` reads only memory (the roster, this gate's entries) and the claims port (a local file or
the ledger, milliseconds); it never calls the API. ``confirm`` (one key or one touch, after the ID
check) claims the entry so another gate sees a re-entry at once, then records it in the gate's file.
With the claims unreachable the gate admits alone and ``reconcile_claims`` lists re-entries found
late. Counters and the status come from the same memory; other gates' entries come from the claims'
``EntryCounts`` (the shared ledger), read by the worker in the background, never by a scan.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Literal

from pos_client.domain.booking import Booking, BookingStatus
from pos_client.domain.gate import (
    AlreadyClaimed,
    Claimed,
    ClaimsUnavailable,
    EntryClaims,
    EntryCounts,
    EntryTally,
)
from pos_client.domain.token import normalised_token
from pos_client.gate.roster import Person, Roster, RosterEntry
from pos_client.gate.store import GateStore, LateReentry, StoredEntry
from pos_client.gate.verdict import GateScope, Verdict, VerdictKind, decide, make_verdict

__all__ = ["Counters", "Gate", "token_from_scan"]

_QR_PREFIX = "PASSCULTURE:"


def token_from_scan(text: str) -> str | None:
    """The contremarque in a scan: the ``TOKEN:`` segment of a QR code, or a typed 6-character code."""
    text = text.strip()
    if text.upper().startswith(_QR_PREFIX):
        for segment in text.split(";"):
            key, _, value = segment.partition(":")
            if key.strip().upper() == "TOKEN":
                return normalised_token(value)
        return None
    return normalised_token(text)


@dataclass
class Counters:
    """Persons entered and expected, per event day and per gate. ``other_gates``: whether the other
    gates' entries are counted ("shared": read from the shared ledger; "unavailable": its last read
    failed, the counts are those of the read before; "pending": not read yet; "none": no shared
    counts configured)."""

    expected_by_day: dict[date | None, int] = field(default_factory=dict)
    entered_by_day: dict[date | None, int] = field(default_factory=dict)
    entered_by_gate: dict[str, int] = field(default_factory=dict)
    other_gates: Literal["none", "pending", "shared", "unavailable"] = "none"


class Gate:
    """One gate. Thread-safe: the window's thread scans, a worker refreshes and validates."""

    def __init__(
        self,
        name: str,
        store: GateStore,
        claims: EntryClaims,
        scope: GateScope,
        *,
        validate_on_entry: bool = False,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared_counts: EntryCounts | None = None,
    ) -> None:
        self.name = name
        self.store = store
        self.claims = claims
        self.scope = scope
        self.validate_on_entry = validate_on_entry
        self.roster = Roster()
        self.names_lost = False  # restarted from the file: names were never written
        self._now = now
        self._lock = threading.RLock()
        self._entered: dict[str, tuple[datetime, str]] = {}
        self._entered_persons: dict[str, tuple[int, date | None]] = {}
        self.shared_counts = shared_counts
        self._shared_tallies: list[EntryTally] | None = None  # the last read, None until read
        self._shared_fresh: bool | None = None  # the last attempt to read them succeeded (None: none yet)

    # -- loading -------------------------------------------------------------------------------
    def add_to_roster(self, entries: list[RosterEntry], people: dict[str, Person]) -> None:
        with self._lock:
            self.roster.add(entries, people)
        self.store.save_roster(entries)

    def restore(self) -> int:
        """Restart from the gate's file (an outage): roster without names, and this gate's entries."""
        entries = self.store.load_roster()
        with self._lock:
            self.roster.add(entries)
            self.names_lost = bool(entries)
        self.restore_entries()
        return len(entries)

    def restore_entries(self) -> None:
        """This gate's entries recorded before a restart."""
        with self._lock:
            for stored in self.store.entries():
                self._entered[stored.token] = (stored.at, stored.gate)
                day = date.fromisoformat(stored.day) if stored.day else None
                self._entered_persons[stored.token] = (stored.persons, day)

    def merge_listed(self, bookings: tuple[Booking, ...], starts_at: datetime | None) -> int:
        with self._lock:
            changed = self.roster.merge_listed(bookings, starts_at)
            tokens = [self.roster.token_of_id.get(b.id) for b in bookings]
            entries = [self.roster.by_token[t] for t in tokens if t]
        if changed:
            self.store.save_roster(entries)
        return changed

    def learn(self, booking: Booking) -> Verdict:
        """A live lookup found the booking: it joins the roster and gets a verdict."""
        with self._lock:
            entry = self.roster.learn(booking, None)
        self.store.save_roster([entry])
        return self.scan(booking.token)

    # -- scanning ------------------------------------------------------------------------------
    def scan(self, text: str) -> Verdict:
        token = token_from_scan(text)
        if token is None:
            return Verdict(
                VerdictKind.UNREADABLE,
                "",
                "Code illisible : rescanner",
                "Ni QR pass Culture ni code à 6 caractères.",
            )
        with self._lock:
            entry = self.roster.by_token.get(token)
            person = self.roster.names.get(token)
            entered = self._entered.get(token)
        if entered is None and entry is not None:
            known = self.claims.who_entered(token)
            if isinstance(known, AlreadyClaimed):
                entered = (known.at, known.gate)
        if entry is not None and entered is None and self.scope.days and entry.day is None:
            return make_verdict(
                VerdictKind.UNKNOWN, token, "Inconnue : vérifier", "{offer} : date du billet inconnue.",
                {"offer": entry.offer_name}, entry=entry,
            )  # fmt: skip
        return decide(token, entry, person, entered, self.scope)

    def confirm(self, verdict: Verdict) -> Verdict:
        """Let in after the ID check: claim across gates, then record. Returns the final verdict."""
        if verdict.kind is not VerdictKind.ADMIT or verdict.entry is None:
            return verdict
        at = self._now()
        day = verdict.entry.day
        result = self.claims.claim(verdict.token, self.name, at, persons=verdict.persons, day=day)
        if isinstance(result, AlreadyClaimed) and (result.gate, result.at) != (self.name, at):
            with self._lock:
                self._entered.setdefault(verdict.token, (result.at, result.gate))
            return decide(verdict.token, verdict.entry, None, (result.at, result.gate), self.scope)
        stored = StoredEntry(
            verdict.token, self.name, at, verdict.persons, day.isoformat() if day else None,
            claimed=isinstance(result, Claimed),
        )  # fmt: skip
        with self._lock:
            earlier = self._entered.get(verdict.token)
            if earlier is not None:
                return decide(verdict.token, verdict.entry, None, earlier, self.scope)
            self._entered[verdict.token] = (at, self.name)
            self._entered_persons[verdict.token] = (verdict.persons, day)
        self.store.record_entry(stored, validate=self.validate_on_entry)
        if isinstance(result, ClaimsUnavailable):  # said on screen: reconciled when the claims are back
            note = "hors registre partagé"
            return replace(verdict, detail=f"{verdict.detail} — {note}", note=note)
        return verdict

    def reconcile_claims(self) -> list[LateReentry]:
        """Claim the entries admitted while the claims were unreachable; list the re-entries found."""
        found = []
        for stored in self.store.entries():
            if stored.claimed:
                continue
            day = date.fromisoformat(stored.day) if stored.day else None
            result = self.claims.claim(stored.token, stored.gate, stored.at, persons=stored.persons, day=day)
            if isinstance(result, Claimed):
                self.store.mark_claimed(stored.token)
            elif isinstance(result, AlreadyClaimed):
                if (result.gate, result.at) == (stored.gate, stored.at):
                    self.store.mark_claimed(stored.token)
                    continue
                late = LateReentry(stored.token, stored.gate, stored.at, result.gate, result.at)
                self.store.record_late_reentry(late)
                found.append(late)
        return found

    # -- counters ------------------------------------------------------------------------------
    def refresh_shared_counts(self) -> bool:
        """Read every gate's entries from the shared counts (the worker's thread, or a command);
        False when they cannot be read now (the counters then keep the last read and say so)."""
        if self.shared_counts is None:
            return False
        tallies = self.shared_counts.tallies()
        with self._lock:
            if isinstance(tallies, ClaimsUnavailable):
                self._shared_fresh = False
                return False
            self._shared_tallies = tallies
            self._shared_fresh = True
        return True

    def counters(self) -> Counters:
        counters = Counters()
        with self._lock:
            expected = list(self.roster.expected())
            entered = dict(self._entered)
            persons = dict(self._entered_persons)
            shared = list(self._shared_tallies or [])
            if self.shared_counts is not None:
                fresh = self._shared_fresh
                counters.other_gates = "pending" if fresh is None else "shared" if fresh else "unavailable"
        for entry in expected:
            if entry.status in (BookingStatus.CONFIRMED, BookingStatus.USED) and self._in_offers(entry):
                counters.expected_by_day[entry.day] = (
                    counters.expected_by_day.get(entry.day, 0) + entry.quantity
                )
        by_gate: Counter[str] = Counter()
        for token, (count, day) in persons.items():
            counters.entered_by_day[day] = counters.entered_by_day.get(day, 0) + count
            by_gate[entered[token][1]] += count
        # This gate's own entries from memory (current, outage ones included); the others' from the
        # last read of the shared counts (an entry shows there once its gate could claim it).
        for tally in shared:
            if tally.gate != self.name:
                counters.entered_by_day[tally.day] = counters.entered_by_day.get(tally.day, 0) + tally.persons
                by_gate[tally.gate] += tally.persons
        counters.entered_by_gate = dict(by_gate)
        return counters

    def _in_offers(self, entry: RosterEntry) -> bool:
        return not self.scope.offers or entry.offer_name in self.scope.offers
