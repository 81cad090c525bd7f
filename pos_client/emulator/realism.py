"""Behaviours of the real platform that tests switch on from the control API (issue 14).

- ``race_window_s``: a validation or a cancel holds its "transaction" open this long before it
  commits, as the real server does while it writes the finance event. The real ``mark_as_used``
  takes no lock: a second validation overlapping the first breaks the partial unique index on
  finance events and answers 500. A cancel takes the stock's lock, waits for the change in flight,
  re-reads the booking and answers a French 410 (``booking_cancelled`` after a cancel, a ``booking``
  list after a validation), from the global error handlers.
- ``omit_optional_fields``: the booking JSON leaves out the 11 keys the OpenAPI does not require.
- ``legacy_address_names``: the address keys under their names before June 2025 (``venueAddress``,
  ``venueDepartmentCode``).

Also the real ``GET /public/offers/v1/offerer_venues`` serializer (``GetOfferersVenuesResponse``):
a list of ``{"offerer": {...}, "venues": [...]}``, one entry per offerer the key's provider reaches.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pos_client.emulator.rules import Answer, format_utc

__all__ = [
    "CANCEL_RACE_CANCELLED",
    "CANCEL_RACE_VALIDATED",
    "METHOD_NOT_ALLOWED",
    "OPTIONAL_BOOKING_KEYS",
    "InFlight",
    "Realism",
    "offerer_venues_json",
    "reshape_booking_json",
]

# pcapi.routes.error_handlers.generic_error_handlers.method_not_allowed
METHOD_NOT_ALLOWED = Answer(405, {"global": ["La méthode que vous utilisez n'existe pas sur notre serveur"]})
# bookings_error_handlers: BookingIsAlreadyCancelled / BookingIsAlreadyUsed raised outside the route's try
CANCEL_RACE_CANCELLED = Answer(410, {"booking_cancelled": ["Cette réservation a été annulée"]})
CANCEL_RACE_VALIDATED = Answer(410, {"booking": ["Cette réservation a déjà été validée"]})

# GetBookingResponse keys with ``default: null`` in the OpenAPI (not in its ``required`` list).
OPTIONAL_BOOKING_KEYS = (
    "confirmationDate",
    "priceCategoryId",
    "priceCategoryLabel",
    "offerEan",
    "offerAddress",
    "offerDepartmentCode",
    "userPhoneNumber",
    "userFirstName",
    "userLastName",
    "userBirthDate",
    "userPostalCode",
)
_LEGACY_NAMES = {"offerAddress": "venueAddress", "offerDepartmentCode": "venueDepartmentCode"}


@dataclass
class Realism:
    """The switches; all off by default (the emulator then answers like a quiet production day)."""

    race_window_s: float = 0.0
    omit_optional_fields: bool = False
    legacy_address_names: bool = False

    def update(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name == "race_window_s":
                seconds = float(value)
                if not 0.0 <= seconds <= 60.0:
                    raise ValueError("race_window_s must be between 0 and 60")
                self.race_window_s = seconds
            elif name in ("omit_optional_fields", "legacy_address_names"):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
                setattr(self, name, value)
            else:
                raise ValueError(f"unknown switch {name!r}")

    def as_json(self) -> dict[str, Any]:
        return {
            "race_window_s": self.race_window_s,
            "omit_optional_fields": self.omit_optional_fields,
            "legacy_address_names": self.legacy_address_names,
        }


@dataclass
class InFlight:
    """Changes whose transaction is still open, by booking id (asyncio: one event loop serves all)."""

    _changes: dict[int, tuple[str, asyncio.Event]] = field(default_factory=dict)

    def current(self, booking_id: int) -> tuple[str, asyncio.Event] | None:
        return self._changes.get(booking_id)

    def open(self, booking_id: int, action: str) -> asyncio.Event:
        done = asyncio.Event()
        self._changes[booking_id] = (action, done)
        return done

    def close(self, booking_id: int) -> None:
        entry = self._changes.pop(booking_id, None)
        if entry is not None:
            entry[1].set()


def reshape_booking_json(data: dict[str, Any], realism: Realism) -> dict[str, Any]:
    """The booking JSON as the switched-on variants send it."""
    if realism.omit_optional_fields:
        data = {key: value for key, value in data.items() if key not in OPTIONAL_BOOKING_KEYS}
    if realism.legacy_address_names:
        data = {_LEGACY_NAMES.get(key, key): value for key, value in data.items()}
    return data


def _siren(offerer_id: int) -> str:
    return f"{900_000_000 + offerer_id:09d}"


def offerer_venues_json(rows: list[dict[str, Any]], created: datetime) -> list[dict[str, Any]]:
    """``GetOfferersVenuesResponse`` for venue rows (id, name, street, department, offerer id/name)."""
    by_offerer: dict[int, dict[str, Any]] = {}
    for row in rows:
        offerer_id = int(row["offerer_id"])
        entry = by_offerer.setdefault(
            offerer_id,
            {
                "offerer": {
                    "id": offerer_id,
                    "createdDatetime": format_utc(created),
                    "name": row["offerer_name"],
                    "siren": _siren(offerer_id),
                },
                "venues": [],
            },
        )
        postal = f"{row['department_code']}000" if row["department_code"] else None
        entry["venues"].append(
            {
                "id": row["id"],
                "siretComment": None,
                "siret": f"{_siren(offerer_id)}{int(row['id']) % 100_000:05d}",
                "createdDatetime": format_utc(created),
                "location": {
                    "address": row["street"],
                    "city": None,
                    "postalCode": postal,
                    "type": "physical",
                },
                "legalName": row["name"],
                "publicName": row["name"],
                "venueTypeCode": "BOOKSTORE",
                "accessibility": {
                    "audioDisabilityCompliant": None,
                    "mentalDisabilityCompliant": None,
                    "motorDisabilityCompliant": None,
                    "visualDisabilityCompliant": None,
                },
            }
        )
    return list(by_offerer.values())
