"""Scan -> verdict, from memory only: what the gate screen shows and which sound it plays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pos_client.domain.booking import BookingStatus
from pos_client.gate.roster import Person, RosterEntry

__all__ = ["Colour", "GateScope", "Verdict", "VerdictKind", "decide"]


class VerdictKind(StrEnum):
    ADMIT = "admit"
    ALREADY_IN = "already_in"
    CANCELLED = "cancelled"
    WRONG_EVENT = "wrong_event"
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"


class Colour(StrEnum):
    GREEN = "green"
    RED = "red"
    AMBER = "amber"


COLOURS = {
    VerdictKind.ADMIT: Colour.GREEN,
    VerdictKind.ALREADY_IN: Colour.RED,
    VerdictKind.CANCELLED: Colour.RED,
    VerdictKind.WRONG_EVENT: Colour.RED,
    VerdictKind.UNKNOWN: Colour.AMBER,
    VerdictKind.UNREADABLE: Colour.AMBER,
}


@dataclass(frozen=True)
class GateScope:
    """What this gate controls: offers (by name), dates, and optionally price categories."""

    offers: frozenset[str]
    days: frozenset[date]
    price_labels: frozenset[str] = frozenset()

    def admits(self, entry: RosterEntry) -> bool:
        if self.offers and entry.offer_name not in self.offers:
            return False
        if self.days and entry.day not in self.days:
            return False
        return not self.price_labels or entry.price_label in self.price_labels


@dataclass(frozen=True)
class Verdict:
    """What the screen says. ``headline`` is the huge line, ``detail`` the line under it."""

    kind: VerdictKind
    token: str
    headline: str
    detail: str = ""
    persons: int = 0
    name: str | None = None
    name_unavailable: bool = False
    entry: RosterEntry | None = None

    @property
    def colour(self) -> Colour:
        return COLOURS[self.kind]


def _describe(entry: RosterEntry) -> str:
    when = "" if entry.starts_at is None else entry.starts_at.astimezone().strftime(" le %d/%m à %H:%M")
    price = f" ({entry.price_label})" if entry.price_label else ""
    return f"{entry.offer_name}{when}{price}"


def decide(
    token: str,
    entry: RosterEntry | None,
    person: Person | None,
    entered: tuple[datetime, str] | None,
    scope: GateScope,
) -> Verdict:
    """The verdict for ``token``: ``entered`` is (when, gate) of an earlier entry, if any."""
    if entry is None:
        return Verdict(VerdictKind.UNKNOWN, token, "Inconnue : vérifier", "Contremarque absente de la liste.")
    if entered is not None:
        at, gate = entered
        return Verdict(
            VerdictKind.ALREADY_IN, token,
            f"Déjà entrée à {at.astimezone().strftime('%H:%M')} (porte {gate})",
            _describe(entry), entry=entry,
        )  # fmt: skip
    if entry.status is BookingStatus.CANCELLED:
        return Verdict(VerdictKind.CANCELLED, token, "Réservation annulée", _describe(entry), entry=entry)
    if not scope.admits(entry):
        return Verdict(
            VerdictKind.WRONG_EVENT, token, "Pas pour cette date / ce spectacle",
            f"Billet pour : {_describe(entry)}", entry=entry,
        )  # fmt: skip
    if entry.status in (BookingStatus.USED, BookingStatus.REIMBURSED):
        return Verdict(
            VerdictKind.ALREADY_IN, token, "Déjà validée (hors de ces portes)", _describe(entry), entry=entry
        )
    persons = entry.quantity
    headline = "Duo : 2 personnes" if persons == 2 else "Entrée : 1 personne"
    return Verdict(
        VerdictKind.ADMIT, token, headline, _describe(entry), persons=persons,
        name=None if person is None else person.full_name, name_unavailable=person is None, entry=entry,
    )  # fmt: skip
