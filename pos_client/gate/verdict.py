"""Scan -> verdict, from memory only: what the gate screen shows and which sound it plays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pos_client.domain.booking import BookingStatus
from pos_client.gate.roster import Person, RosterEntry

__all__ = ["Colour", "GateScope", "Verdict", "VerdictKind", "decide", "make_verdict"]


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
    # The French templates and their values, for a translated screen (``render``).
    templates: tuple[str, str] = ("", "")
    values: tuple[tuple[str, str], ...] = ()
    note: str = ""  # a French remark after the detail (« hors registre partagé »)

    @property
    def colour(self) -> Colour:
        return COLOURS[self.kind]

    def render(self, translate: Callable[..., str]) -> tuple[str, str]:
        """(headline, detail) through ``translate`` (``pos_client.i18n.Translator``)."""
        note = f" — {translate(self.note)}" if self.note else ""
        if not self.templates[0]:
            return translate(self.headline), (translate(self.detail) if self.detail else "") + note
        values = dict(self.values)
        headline, detail = self.templates
        return translate(headline, **values), (translate(detail, **values) if detail else "") + note


def make_verdict(
    kind: VerdictKind, token: str, headline: str, detail: str = "", values: dict[str, str] | None = None,
    **more: Any,
) -> Verdict:  # fmt: skip
    """A verdict from French templates (``{name}`` fields) and their values."""
    values = values or {}
    return Verdict(
        kind, token, headline.format(**values), detail.format(**values) if detail else "",
        templates=(headline, detail), values=tuple(sorted(values.items())), **more,
    )  # fmt: skip


def _describe(entry: RosterEntry, prefix: str = "") -> tuple[str, dict[str, str]]:
    values = {"offer": entry.offer_name, "price": entry.price_label or ""}
    price = " ({price})" if entry.price_label else ""
    if entry.starts_at is None:
        return prefix + "{offer}" + price, values
    local = entry.starts_at.astimezone()
    values.update(day=local.strftime("%d/%m"), time=local.strftime("%H:%M"))
    return prefix + "{offer} le {day} à {time}" + price, values


def decide(
    token: str,
    entry: RosterEntry | None,
    person: Person | None,
    entered: tuple[datetime, str] | None,
    scope: GateScope,
) -> Verdict:
    """The verdict for ``token``: ``entered`` is (when, gate) of an earlier entry, if any."""
    if entry is None:
        return make_verdict(
            VerdictKind.UNKNOWN, token, "Inconnue : vérifier", "Contremarque absente de la liste."
        )
    detail, values = _describe(entry)
    if entered is not None:
        at, gate = entered
        values.update(at=at.astimezone().strftime("%H:%M"), gate=gate)
        return make_verdict(
            VerdictKind.ALREADY_IN, token, "Déjà entrée à {at} (porte {gate})", detail, values, entry=entry
        )
    if entry.status is BookingStatus.CANCELLED:
        return make_verdict(VerdictKind.CANCELLED, token, "Réservation annulée", detail, values, entry=entry)
    if not scope.admits(entry):
        detail, values = _describe(entry, "Billet pour : ")
        return make_verdict(
            VerdictKind.WRONG_EVENT, token, "Pas pour cette date / ce spectacle", detail, values, entry=entry
        )
    if entry.status in (BookingStatus.USED, BookingStatus.REIMBURSED):
        headline = "Déjà validée (hors de ces portes)"
        return make_verdict(VerdictKind.ALREADY_IN, token, headline, detail, values, entry=entry)
    persons = entry.quantity
    headline = "Duo : 2 personnes" if persons == 2 else "Entrée : 1 personne"
    return make_verdict(
        VerdictKind.ADMIT, token, headline, detail, values, persons=persons,
        name=None if person is None else person.full_name, name_unavailable=person is None, entry=entry,
    )  # fmt: skip
