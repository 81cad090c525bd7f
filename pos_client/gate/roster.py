"""Who is expected at the gate: one entry per contremarque, held in memory.

The API's bookings list (``GET /public/bookings/v1/bookings``) does not carry the contremarque (its
``GetBookingResponse`` has no token field), so a list alone cannot answer a scan. The contremarques
come from the pro portal's bookings export (the CSV « Télécharger les réservations », columns
``BOOKING_EXPORT_HEADER`` of pcapi: « Contremarque », « Date de l'évènement », « Intitulé du tarif »,
« Duo »...), imported before doors open. The API list then gives each booking's id, stock, price
category and status, matched to the export by offer name and booking time, and later refreshes bring
cancellations and new bookings. Names and birth dates stay in ``names`` (memory only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from pos_client.domain.booking import Booking, BookingStatus
from pos_client.domain.token import normalised_token

__all__ = ["EXPORT_COLUMNS", "Person", "Roster", "RosterEntry", "parse_export"]

EXPORT_COLUMNS = {
    "offer": "Nom de l’offre",
    "starts_at": "Date de l'évènement",
    "name": "Nom et prénom du bénéficiaire",
    "booked_at": "Date et heure de réservation",
    "token": "Contremarque",
    "price_label": "Intitulé du tarif",
    "status": "Statut de la contremarque",
    "duo": "Duo",
}
_EXPORT_STATUSES = {
    "réservé": BookingStatus.CONFIRMED,
    "confirmé": BookingStatus.CONFIRMED,
    "validé": BookingStatus.USED,
    "annulé": BookingStatus.CANCELLED,
    "remboursé": BookingStatus.REIMBURSED,
}


@dataclass(frozen=True)
class Person:
    """Name and birth date for the ID check: in memory only, never written."""

    full_name: str
    birth_date: date | None

    def __repr__(self) -> str:
        return "Person(<hidden>)"


@dataclass(frozen=True)
class RosterEntry:
    """One expected booking, without personal data (this is what the gate's file keeps)."""

    token: str
    offer_name: str
    starts_at: datetime | None
    price_label: str | None
    quantity: int
    status: BookingStatus
    booked_at: datetime | None = None
    booking_id: int | None = None
    offer_id: int | None = None

    @classmethod
    def of(cls, booking: Booking, token: str, starts_at: datetime | None) -> RosterEntry:
        """What the gate keeps of an API booking (its beneficiary stays out)."""
        return cls(
            token=token,
            offer_name=booking.offer_name,
            starts_at=starts_at,
            price_label=booking.price_category_label,
            quantity=booking.quantity,
            status=booking.status,
            booked_at=booking.creation_date,
            booking_id=booking.id,
            offer_id=booking.offer_id,
        )

    @property
    def day(self) -> date | None:
        return None if self.starts_at is None else self.starts_at.date()


def _moment(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    for candidate in (text.replace("Z", "+00:00"), text):
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            try:
                moment = datetime.strptime(candidate, "%d/%m/%Y %H:%M")
            except ValueError:
                continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def parse_export(text: str) -> tuple[list[RosterEntry], dict[str, Person], list[str]]:
    """The pro portal's export (``;``-separated) as roster entries, names, and French problems."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    missing = [column for column in EXPORT_COLUMNS.values() if column not in (reader.fieldnames or [])]
    if missing:
        return [], {}, [f"Colonne absente de l'export : « {name} »." for name in missing]
    entries: list[RosterEntry] = []
    people: dict[str, Person] = {}
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        token = normalised_token(row[EXPORT_COLUMNS["token"]] or "")
        status = _EXPORT_STATUSES.get((row[EXPORT_COLUMNS["status"]] or "").strip().lower())
        if token is None or status is None:
            problems.append(f"Ligne {line} ignorée : contremarque ou statut illisible.")
            continue
        entries.append(
            RosterEntry(
                token=token,
                offer_name=(row[EXPORT_COLUMNS["offer"]] or "").strip(),
                starts_at=_moment(row[EXPORT_COLUMNS["starts_at"]] or ""),
                price_label=(row[EXPORT_COLUMNS["price_label"]] or "").strip() or None,
                quantity=2 if (row[EXPORT_COLUMNS["duo"]] or "").strip().lower() == "oui" else 1,
                status=status,
                booked_at=_moment(row[EXPORT_COLUMNS["booked_at"]] or ""),
            )
        )
        name = (row[EXPORT_COLUMNS["name"]] or "").strip()
        if name:
            people[token] = Person(name, None)
    return entries, people, problems


def _match_key(offer_name: str, booked_at: datetime | None) -> tuple[str, str] | None:
    if booked_at is None:
        return None
    return offer_name, booked_at.astimezone(UTC).replace(microsecond=0).isoformat()


class Roster:
    """Entries by token, bookings by id, names in memory. Not thread-safe: the gate holds a lock."""

    def __init__(self) -> None:
        self.by_token: dict[str, RosterEntry] = {}
        self.token_of_id: dict[int, str] = {}
        self.unmatched: dict[int, RosterEntry] = {}  # listed by the API, contremarque not known yet
        self.names: dict[str, Person] = {}
        self._by_key: dict[tuple[str, str], str] = {}

    def add(self, entries: Iterable[RosterEntry], people: dict[str, Person] | None = None) -> None:
        for entry in entries:
            self.by_token[entry.token] = entry
            if entry.booking_id is not None:
                self.token_of_id[entry.booking_id] = entry.token
            key = _match_key(entry.offer_name, entry.booked_at)
            if key is not None:
                # Two bookings of one offer in the same second cannot be told apart: neither is matched
                # (a live lookup by token joins them later).
                known = self._by_key.get(key, entry.token)
                self._by_key[key] = entry.token if known == entry.token else ""

        self.names.update(people or {})

    def merge_listed(self, bookings: Iterable[Booking], starts_at: datetime | None) -> int:
        """Apply one page of the API list, fetched for one event start (the list's
        ``beginningDatetime`` filter: its entries carry no date); returns how many entries changed."""
        changed = 0
        for booking in bookings:
            token = (
                self.token_of_id.get(booking.id)
                or self._by_key.get(_match_key(booking.offer_name, booking.creation_date) or ("", ""))
                or None
            )
            person = Person(booking.beneficiary.full_name, booking.beneficiary.birth_date)
            if token is None:
                entry = RosterEntry.of(booking, "", starts_at)
                if self.unmatched.get(booking.id) != entry:
                    self.unmatched[booking.id] = entry
                    changed += 1
                continue
            old = self.by_token[token]
            new = replace(
                old,
                booking_id=booking.id,
                offer_id=booking.offer_id,
                status=booking.status,
                quantity=booking.quantity,
                price_label=booking.price_category_label or old.price_label,
            )
            if new != old:
                self.by_token[token] = new
                changed += 1
            self.token_of_id[booking.id] = token
            self.names[token] = person
        return changed

    def learn(self, booking: Booking, starts_at: datetime | None) -> RosterEntry:
        """A booking read by its token (live lookup): it joins the roster."""
        listed = self.unmatched.pop(booking.id, None)
        entry = RosterEntry.of(booking, booking.token, starts_at or (listed.starts_at if listed else None))
        self.add(
            [entry], {booking.token: Person(booking.beneficiary.full_name, booking.beneficiary.birth_date)}
        )
        return entry

    def expected(self) -> Iterable[RosterEntry]:
        """Every booking the gate expects, with or without a known contremarque."""
        yield from self.by_token.values()
        yield from self.unmatched.values()
