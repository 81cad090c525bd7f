"""A realistic festival for gate mode: three evenings, several price categories, thousands of bookings.

``install`` adds the venue « Festival Les Nuits du Port » (linked to the demo provider) with one event
offer, a stock per evening and price category, duo bookings (about one in five) and a few
cancellations, all booked days ago so they are confirmed (``add_bookings`` adds more to one evening).
``cancel_some`` cancels confirmed bookings
as the organiser would during the event (the control route ``POST /_control/festival/cancellations``).
``export_csv`` writes the pro portal's bookings export for the venue, with pcapi's
``BOOKING_EXPORT_HEADER`` columns (the API's list carries no contremarque; the export does).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from pos_client.emulator.store import TOKEN_ALPHABET, EmulatorStore, from_db, to_db

__all__ = [
    "FESTIVAL_OFFER_NAME",
    "FESTIVAL_VENUE_ID",
    "PRICE_CATEGORIES",
    "add_bookings",
    "cancel_some",
    "export_csv",
    "festival_routes",
    "install",
]

FESTIVAL_VENUE_ID = 5460
FESTIVAL_OFFER_NAME = "Festival Les Nuits du Port"
PRICE_CATEGORIES = (("Fosse", 3000), ("Gradins", 2500), ("Carré or", 4500))
_FIRST_NAMES = (
    "Léa",
    "Yanis",
    "Inès",
    "Lucas",
    "Chloé",
    "Adam",
    "Manon",
    "Hugo",
    "Jade",
    "Nathan",
    "Lina",
    "Théo",
)
_LAST_NAMES = (
    "Dubois",
    "Morel",
    "Petit",
    "Garcia",
    "Roux",
    "Fontaine",
    "Lambert",
    "Bonnet",
    "Mercier",
    "Faure",
)
EXPORT_HEADER = (
    "Lieu", "Nom de l’offre", "Date de l'évènement", "EAN", "Nom et prénom du bénéficiaire",
    "Email du bénéficiaire", "Téléphone du bénéficiaire", "Date et heure de réservation",
    "Date et heure de validation", "Contremarque", "Intitulé du tarif", "Prix de la réservation",
    "Statut de la contremarque", "Date et heure de remboursement", "Type d'offre",
    "Code postal du bénéficiaire", "Duo",
)  # fmt: skip
_STATUS_LABELS = {"CONFIRMED": "confirmé", "USED": "validé", "CANCELLED": "annulé", "REIMBURSED": "remboursé"}


def festival_evenings(now: datetime) -> list[datetime]:
    """Three evenings at 18:00 UTC, the first today (doors open during the demo)."""
    first = now.replace(hour=18, minute=0, second=0, microsecond=0)
    return [first + timedelta(days=day) for day in range(3)]


def install(store: EmulatorStore, *, bookings: int = 3000, seed: int = 19) -> None:
    """Add the festival venue, offer, stocks and ``bookings`` bookings (ids after the existing ones)."""
    rng = random.Random(seed)
    demo_provider = 1
    store.add_venue(
        "Festival Les Nuits du Port", provider_ids=[demo_provider], venue_id=FESTIVAL_VENUE_ID,
        street="Quai des Arts", department_code="13",
    )  # fmt: skip
    now = store.clock.now()
    stocks: list[tuple[datetime, str, int]] = []
    for evening in festival_evenings(now):
        for label, price in PRICE_CATEGORIES:
            stocks.append((evening, label, price))
            store.create_booking(  # the first booking of each stock creates offer, category and stock
                venue_id=FESTIVAL_VENUE_ID, offer_name=FESTIVAL_OFFER_NAME, price_cents=price,
                event_starts_at=evening, price_category=label,
                created_at=(now - timedelta(days=20, seconds=len(stocks))).replace(microsecond=0),
                **_person(rng),
            )  # fmt: skip
    _insert_bookings(store, stocks, max(0, bookings - len(stocks)), rng)


def add_bookings(store: EmulatorStore, count: int, *, evening: int = 0, seed: int = 20) -> None:
    """``count`` more bookings for one evening (0: today), e.g. for a long gate bench."""
    day = festival_evenings(store.clock.now())[evening]
    stocks = [(day, label, price) for label, price in PRICE_CATEGORIES]
    _insert_bookings(store, stocks, count, random.Random(seed))


def _insert_bookings(
    store: EmulatorStore, stocks: list[tuple[datetime, str, int]], count: int, rng: random.Random
) -> None:
    now = store.clock.now()
    with store.transaction() as db:
        stock_ids = {
            (from_db(row[0]), row[1]): row[2]
            for row in db.execute(
                "SELECT s.beginning_datetime, s.price_category_label, s.id FROM stock s JOIN offer o"
                " ON o.id = s.offer_id WHERE o.venue_id = ?", (FESTIVAL_VENUE_ID,),
            )
        }  # fmt: skip
        taken = {row[0] for row in db.execute("SELECT token FROM booking")}
        next_id = int(db.execute("SELECT MAX(id) FROM booking").fetchone()[0]) + 1
        rows = []
        for index in range(count):
            evening, label, price = rng.choice(stocks)
            token = _new_token(rng, taken)
            booked_at = now - timedelta(days=3 + rng.random() * 40, seconds=index)
            status = "CANCELLED" if rng.random() < 0.03 else "CONFIRMED"
            person = _person(rng)
            rows.append((
                next_id + index, token, stock_ids[(evening, label)], 2 if rng.random() < 0.2 else 1, price,
                status, to_db(booked_at.replace(microsecond=0)), to_db(evening - timedelta(hours=48)),
                "BENEFICIARY" if status == "CANCELLED" else None, person["user_email"],
                person["user_first_name"], person["user_last_name"], person["user_phone"],
                person["user_birth_date"], person["user_postal_code"],
            ))  # fmt: skip
        db.executemany(
            "INSERT INTO booking (id, token, stock_id, quantity, amount_cents, status, date_created,"
            " cancellation_limit_date, cancellation_reason, user_email, user_first_name, user_last_name,"
            " user_phone, user_birth_date, user_postal_code)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _new_token(rng: random.Random, taken: set[str]) -> str:
    while True:
        token = "".join(rng.choice(TOKEN_ALPHABET) for _ in range(6))
        if token not in taken:
            taken.add(token)
            return token


def _person(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    born = datetime(2006, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    return {
        "user_email": f"{first.lower()}.{last.lower()}{rng.randrange(1000)}@example.com",
        "user_first_name": first,
        "user_last_name": last,
        "user_phone": f"+336{rng.randrange(10**8):08d}",
        "user_birth_date": born.date().isoformat(),
        "user_postal_code": f"13{rng.randrange(1000):03d}",
    }


def cancel_some(store: EmulatorStore, count: int, *, seed: int | None = None) -> list[str]:
    """Cancel ``count`` confirmed festival bookings (the organiser cancels during the event)."""
    rng = random.Random(seed)
    with store.transaction() as db:
        rows = db.execute(
            "SELECT b.id, b.token FROM booking b JOIN stock s ON s.id = b.stock_id"
            " JOIN offer o ON o.id = s.offer_id"
            " WHERE o.venue_id = ? AND b.status = 'CONFIRMED' ORDER BY b.id", (FESTIVAL_VENUE_ID,),
        ).fetchall()  # fmt: skip
        chosen = rng.sample(rows, min(count, len(rows)))
        db.executemany(
            "UPDATE booking SET status = 'CANCELLED', cancellation_reason = 'OFFERER' WHERE id = ?",
            [(row[0],) for row in chosen],
        )
    return [row[1] for row in chosen]


def export_csv(store: EmulatorStore, venue_id: int = FESTIVAL_VENUE_ID) -> str:
    """The pro portal's bookings export of a venue (``;``-separated, like pcapi's CSV)."""
    with store.transaction() as db:
        rows = db.execute(
            "SELECT v.name, o.name, s.beginning_datetime, o.ean, b.user_last_name, b.user_first_name,"
            " b.user_email, b.user_phone, b.date_created, b.date_used, b.token, s.price_category_label,"
            " b.amount_cents, b.status, b.quantity FROM booking b JOIN stock s ON s.id = b.stock_id"
            " JOIN offer o ON o.id = s.offer_id JOIN venue v ON v.id = o.venue_id"
            " WHERE v.id = ? ORDER BY b.id",
            (venue_id,),
        ).fetchall()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        starts, booked, used = (from_db(row[i]) for i in (2, 8, 9))
        writer.writerow((
            row[0], row[1], starts.isoformat() if starts else "", row[3] or "", f"{row[4]} {row[5]}", row[6],
            row[7] or "", booked.isoformat() if booked else "", used.isoformat() if used else "", row[10],
            row[11] or "", f"{row[12] / 100:.2f}", _STATUS_LABELS[row[13]], "", "Évènement", "",
            "Oui" if row[14] == 2 else "Non",
        ))  # fmt: skip
    return out.getvalue()


def festival_routes(store_of: Any, prefix: str) -> list[BaseRoute]:
    """``POST {prefix}/festival/cancellations`` ``{"count": n}`` and ``GET {prefix}/festival/export``.
    ``store_of()`` gives the emulator's current store."""

    async def cancellations(request: Request) -> Response:
        body = await request.json()
        count = int(body.get("count", 1))
        return JSONResponse({"cancelled": cancel_some(store_of(), count, seed=body.get("seed"))})

    async def export(request: Request) -> Response:
        return PlainTextResponse(export_csv(store_of()), media_type="text/csv; charset=utf-8")

    return [
        Route(prefix + "/festival/cancellations", cancellations, methods=["POST"]),
        Route(prefix + "/festival/export", export, methods=["GET"]),
    ]
