"""The emulator's product offers by EAN: pass Culture's product database, the asynchronous batch upsert,
the reads, the offer's page, and a control call that books an offer as a young person would.

Modelled on the public API (``/public/offers/v1/products/ean``): ``POST`` answers 204 and queues a
job; the job (run when due, on the emulator's clock, before every read) creates the venue's offer from
the product and its stock, or updates the stock, and silently skips an EAN it cannot offer (unknown,
not a paper book / CD / vinyl, not compliant), as the real job does; ``GET .../check_availability``
tells why beforehand. An upsert's quantity is what stays bookable (the job adds what is booked), so 0
closes the offer. Offers and stocks live in the store's own tables, so a booking made on them runs
through the bookings routes like any other.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pos_client.domain.formats import format_euros
from pos_client.domain.offers import ALLOWED_SUBCATEGORIES, MAX_PRICE_CENTS, ean_check_digit
from pos_client.emulator.store import EmulatorStore, from_db, to_db

__all__ = [
    "CATALOGUE",
    "DEMO_EANS",
    "DIGITAL_VENUE_ID",
    "OfferBookingRefused",
    "ProductControl",
    "SeededProduct",
    "install_catalogue",
    "product_routes",
]

OFFERS_PREFIX = "/public/offers/v1/products/ean"
CONTROL_PREFIX = "/_control/products"
DIGITAL_VENUE_ID = 5409
DEFAULT_JOB_DELAY_S = 2.0
MAX_STOCK_QUANTITY = 1_000_000


@dataclass(frozen=True)
class SeededProduct:
    """One product of pass Culture's database, as the emulator seeds it (titles invented or public)."""

    ean: str
    name: str
    subcategory: str
    can_be_synchronized: bool = True
    author: str | None = None
    performer: str | None = None


def _ean(stem: str) -> str:
    return stem + str(ean_check_digit(stem))


# case -> product; "unknown" is an EAN that pass Culture does not know (never stored).
CATALOGUE: dict[str, SeededProduct] = {
    "book": SeededProduct(
        "9782070612758", "Le Petit Prince", "LIVRE_PAPIER", author="Antoine de Saint-Exupéry"
    ),
    "book_2": SeededProduct(_ean("978207036822"), "La Peste", "LIVRE_PAPIER", author="Albert Camus"),
    "cd": SeededProduct(_ean("370018767964"), "Chansons du Port (CD)", "SUPPORT_PHYSIQUE_MUSIQUE_CD",
                        performer="Les Mouettes"),
    "vinyl": SeededProduct(_ean("370018767971"), "Les Nuits Électriques (vinyle 33 tours)",
                           "SUPPORT_PHYSIQUE_MUSIQUE_VINYLE", performer="Électre"),
    "dvd": SeededProduct(_ean("337001234567"), "Le Voyage immobile (DVD)", "SUPPORT_PHYSIQUE_FILM"),
    "not_compliant": SeededProduct(_ean("978209000001"), "Cahier de vacances CE2", "LIVRE_PAPIER",
                                   can_be_synchronized=False),
}  # fmt: skip
UNKNOWN_EAN = _ean("978299999999")
DEMO_EANS: dict[str, tuple[str, str]] = {
    "book": (CATALOGUE["book"].ean, "Livre connu de pass Culture : l'offre se crée."),
    "cd": (CATALOGUE["cd"].ean, "CD connu de pass Culture : l'offre se crée."),
    "vinyl": (CATALOGUE["vinyl"].ean, "Vinyle connu de pass Culture : l'offre se crée."),
    "dvd": (CATALOGUE["dvd"].ean, "DVD : catégorie non autorisée par EAN, refusé."),
    "not_compliant": (CATALOGUE["not_compliant"].ean, "Produit non conforme aux CGU, refusé."),
    "unknown": (UNKNOWN_EAN, "EAN inconnu de pass Culture : refusé (espace pro)."),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS product (
    ean TEXT PRIMARY KEY, name TEXT NOT NULL, subcategory TEXT NOT NULL,
    can_be_synchronized INTEGER NOT NULL, author TEXT, performer TEXT);
CREATE TABLE IF NOT EXISTS ean_job (
    id INTEGER PRIMARY KEY AUTOINCREMENT, provider_id INTEGER NOT NULL, venue_id INTEGER NOT NULL,
    products TEXT NOT NULL, due_at TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS product_stock (
    stock_id INTEGER PRIMARY KEY REFERENCES stock(id), quantity INTEGER, is_active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS virtual_venue (venue_id INTEGER PRIMARY KEY);
"""

# A person invented for the bookings made on the till's offers (the app's young person).
_YOUNG_PERSON = {
    "user_email": "noe.lefevre@example.com",
    "user_first_name": "Noé",
    "user_last_name": "Lefèvre",
    "user_phone": None,
    "user_birth_date": "2007-09-21",
    "user_postal_code": "75010",
}


def install_catalogue(store: EmulatorStore) -> None:
    """Create the product tables and seed the product database and the digital venue (once)."""
    with store._lock:  # executescript commits on its own: outside a transaction
        store._db.executescript(_SCHEMA)
    with store.transaction() as db:
        if db.execute("SELECT COUNT(*) FROM product").fetchone()[0]:
            return
        db.executemany(
            "INSERT INTO product VALUES (?, ?, ?, ?, ?, ?)",
            [
                (p.ean, p.name, p.subcategory, int(p.can_be_synchronized), p.author, p.performer)
                for p in CATALOGUE.values()
            ],
        )
        providers = [row[0] for row in db.execute("SELECT id FROM provider ORDER BY id LIMIT 1")]
    if providers and not _venue_exists(store, DIGITAL_VENUE_ID):
        store.add_venue("Offres numériques (lieu virtuel)", provider_ids=providers, venue_id=DIGITAL_VENUE_ID)
        with store.transaction() as db:
            db.execute("INSERT OR IGNORE INTO virtual_venue VALUES (?)", (DIGITAL_VENUE_ID,))


def _venue_exists(store: EmulatorStore, venue_id: int) -> bool:
    with store._lock:
        return store._db.execute("SELECT 1 FROM venue WHERE id = ?", (venue_id,)).fetchone() is not None


class OfferBookingRefused(Exception):
    """The app would not let the young person book this offer; the message is French."""


class ProductControl:
    """The product side of the emulator, for its routes, the tests and the demo (thread-safe); one
    per store (``for_store``), so the routes and ``RunningEmulator.products`` share it."""

    _by_store: ClassVar[weakref.WeakKeyDictionary[EmulatorStore, ProductControl]] = (
        weakref.WeakKeyDictionary()
    )
    _by_store_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def for_store(cls, store: EmulatorStore) -> ProductControl:
        """The store's product control, its tables made and its catalogue seeded on first use."""
        with cls._by_store_lock:
            control = cls._by_store.get(store)
            if control is None:
                install_catalogue(store)
                control = cls._by_store[store] = cls(store)
            return control

    def __init__(self, store: EmulatorStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self.job_delay = timedelta(seconds=DEFAULT_JOB_DELAY_S)
        self.jobs_stalled = False  # a queue that never runs: the till's wait must give up and explain

    def set_jobs(self, *, delay_s: float | None = None, stalled: bool | None = None) -> None:
        with self._lock:
            if delay_s is not None:
                if delay_s < 0:
                    raise ValueError("delay_s must be positive")
                self.job_delay = timedelta(seconds=delay_s)
            if stalled is not None:
                self.jobs_stalled = stalled

    # -- the public routes' work ------------------------------------------------------------------
    def queue_upsert(self, provider_id: int, venue_id: int, products: list[dict[str, Any]]) -> None:
        due = self.store.clock.now() + self.job_delay
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO ean_job (provider_id, venue_id, products, due_at) VALUES (?, ?, ?, ?)",
                (provider_id, venue_id, json.dumps(products), to_db(due)),
            )

    def pending_jobs(self) -> int:
        with self.store._lock:
            return int(self.store._db.execute("SELECT COUNT(*) FROM ean_job WHERE done = 0").fetchone()[0])

    def run_due_jobs(self) -> int:
        """Run the queued jobs whose time has come (not while stalled); returns how many ran."""
        if self.jobs_stalled:
            return 0
        now = to_db(self.store.clock.now())
        with self.store._lock:
            due = self.store._db.execute(
                "SELECT id, venue_id, products FROM ean_job WHERE done = 0 AND due_at <= ? ORDER BY id",
                (now,),
            ).fetchall()
        for job_id, venue_id, products in due:
            with self.store.transaction() as db:
                for item in json.loads(products):
                    self._upsert_one(db, venue_id, item["ean"], item["stock"])
                db.execute("UPDATE ean_job SET done = 1 WHERE id = ?", (job_id,))
        return len(due)

    def _upsert_one(self, db: Any, venue_id: int, ean: str, stock: dict[str, Any]) -> None:
        quantity = stock["quantity"]  # validated by the route: an int or "unlimited"
        wanted: int | None = None if quantity == "unlimited" else int(quantity)
        existing = db.execute(
            "SELECT id FROM offer WHERE venue_id = ? AND ean = ? AND is_event = 0 ORDER BY id DESC LIMIT 1",
            (venue_id, ean),
        ).fetchone()
        if existing is None:
            product = db.execute(
                "SELECT name, subcategory, can_be_synchronized FROM product WHERE ean = ?", (ean,)
            ).fetchone()
            if product is None or product[1] not in ALLOWED_SUBCATEGORIES or not product[2]:
                return  # the real job logs "ean.not_found" and goes on: no feedback to the provider
            offer_id = self.store._insert(
                db, "offer",
                {"venue_id": venue_id, "name": product[0], "ean": ean, "subcategory": product[1],
                 "is_event": 0, "can_expire": 1},
            )  # fmt: skip
            stock_id = self.store._insert(
                db,
                "stock",
                {"offer_id": offer_id, "beginning_datetime": None, "price_cents": int(stock["price"])},
            )
            db.execute("INSERT INTO product_stock VALUES (?, ?, 1)", (stock_id, wanted))
            return
        offer_id = int(existing[0])
        row = _active_stock(db, offer_id)
        if row is None:
            stock_id = self.store._insert(
                db,
                "stock",
                {"offer_id": offer_id, "beginning_datetime": None, "price_cents": int(stock["price"])},
            )
            db.execute("INSERT INTO product_stock VALUES (?, ?, 1)", (stock_id, wanted))
            return
        stock_id = row[0]
        booked = _booked(db, stock_id)
        db.execute("UPDATE stock SET price_cents = ? WHERE id = ?", (int(stock["price"]), stock_id))
        db.execute(
            "UPDATE product_stock SET quantity = ? WHERE stock_id = ?",
            (None if wanted is None else wanted + booked, stock_id),
        )

    def offers_json(self, venue_id: int, eans: list[str]) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in eans)
        with self.store._lock:
            rows = self.store._db.execute(
                f"SELECT o.id, o.name, o.ean, o.subcategory, p.author, p.performer FROM offer o"
                f" LEFT JOIN product p ON p.ean = o.ean WHERE o.venue_id = ? AND o.is_event = 0"
                f" AND o.ean IN ({marks}) ORDER BY o.id DESC",
                (venue_id, *eans),
            ).fetchall()
            return [self._offer_json(self.store._db, venue_id, row) for row in rows]

    def _offer_json(self, db: Any, venue_id: int, row: tuple[Any, ...]) -> dict[str, Any]:
        offer_id, name, ean, subcategory, author, performer = row
        stock_row = _active_stock(db, offer_id)
        booked = 0 if stock_row is None else _booked(db, stock_row[0])
        stock = None
        status = "INACTIVE"
        if stock_row is not None:
            quantity = stock_row[2]
            stock = {
                "bookingLimitDatetime": None,
                "bookedQuantity": booked,
                "quantity": "unlimited" if quantity is None else quantity,
                "price": stock_row[1],
            }
            status = "ACTIVE" if quantity is None or quantity > booked else "SOLD_OUT"
        fields = {"category": subcategory, "ean": ean}
        if author:
            fields["author"] = author
        if performer:
            fields["performer"] = performer
        return {
            "id": offer_id,
            "accessibility": {"audioDisabilityCompliant": None, "mentalDisabilityCompliant": None,
                              "motorDisabilityCompliant": None, "visualDisabilityCompliant": None},
            "bookingContact": None, "bookingEmail": None, "description": None,
            "externalTicketOfficeUrl": None, "image": None, "enableDoubleBookings": False,
            "location": {"type": "physical", "venueId": venue_id},
            "name": name, "status": status, "withdrawalDetails": None, "idAtProvider": ean,
            "categoryRelatedFields": fields, "stock": stock,
        }  # fmt: skip

    def availability(self, eans: list[str]) -> dict[str, Any]:
        available: list[str] = []
        rejected: dict[str, list[str]] = {
            "notFound": [],
            "subcategoryNotAllowed": [],
            "notCompliantWithCgu": [],
        }
        with self.store._lock:
            for ean in eans:
                row = self.store._db.execute(
                    "SELECT subcategory, can_be_synchronized FROM product WHERE ean = ?", (ean,)
                ).fetchone()
                if row is None:
                    rejected["notFound"].append(ean)
                elif row[0] not in ALLOWED_SUBCATEGORIES:
                    rejected["subcategoryNotAllowed"].append(ean)
                elif not row[1]:
                    rejected["notCompliantWithCgu"].append(ean)
                else:
                    available.append(ean)
        return {"available": available, "rejected": rejected}

    def is_virtual(self, venue_id: int) -> bool:
        with self.store._lock:
            return (
                self.store._db.execute(
                    "SELECT 1 FROM virtual_venue WHERE venue_id = ?", (venue_id,)
                ).fetchone()
                is not None
            )

    # -- control --------------------------------------------------------------------------------
    def offer_summary(self, offer_id: int) -> dict[str, Any] | None:
        """The offer as the app would show it (name, price, what remains), or None if unknown."""
        self.run_due_jobs()
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT o.id, o.name, o.ean, o.subcategory, p.author, p.performer, o.venue_id FROM offer o"
                " LEFT JOIN product p ON p.ean = o.ean WHERE o.id = ?",
                (offer_id,),
            ).fetchone()
            if row is None:
                return None
            return self._offer_json(self.store._db, row[6], row[:6])

    def book_offer(self, offer_id: int, *, credit_cents: int = 15000) -> str:
        """Book one unit of the offer as a young person with ``credit_cents`` left would in the app;
        returns the contremarque, or raises ``OfferBookingRefused`` (sold out, credit too low...)."""
        offer = self.offer_summary(offer_id)
        if offer is None:
            raise OfferBookingRefused("Offre introuvable.")
        stock = offer["stock"]
        if stock is None or offer["status"] != "ACTIVE":
            raise OfferBookingRefused("Cette offre n'est plus réservable (épuisée ou fermée).")
        if stock["price"] > credit_cents:
            raise OfferBookingRefused(
                f"Crédit insuffisant : l'offre coûte {stock['price'] / 100:.2f} €, "
                f"il reste {credit_cents / 100:.2f} € au jeune."
            )
        category = offer["categoryRelatedFields"]["category"]
        token = self.store.create_booking(
            venue_id=offer["location"]["venueId"], offer_name=offer["name"], price_cents=stock["price"],
            ean=offer["categoryRelatedFields"]["ean"], subcategory=category, can_expire=True, **_YOUNG_PERSON,
        )  # fmt: skip
        # create_booking picks a stock by price: put the booking on the offer's active stock (a seeded
        # booking of the same offer may have a stock at the same price).
        with self.store.transaction() as db:
            active = _active_stock(db, offer_id)
            if active is not None:
                db.execute("UPDATE booking SET stock_id = ? WHERE token = ?", (active[0], token))
        return token

    def last_offer_id(self) -> int | None:
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT MAX(o.id) FROM offer o JOIN stock s ON s.offer_id = o.id"
                " JOIN product_stock ps ON ps.stock_id = s.id"
            ).fetchone()
        return None if row is None or row[0] is None else int(row[0])


def _active_stock(db: Any, offer_id: int) -> tuple[int, int, int | None] | None:
    row = db.execute(
        "SELECT s.id, s.price_cents, ps.quantity FROM stock s JOIN product_stock ps ON ps.stock_id = s.id"
        " WHERE s.offer_id = ? AND ps.is_active = 1 ORDER BY s.id DESC LIMIT 1",
        (offer_id,),
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), row[2])


def _booked(db: Any, stock_id: int) -> int:
    """``dnBookedQuantity``: the stock's bookings not cancelled."""
    row = db.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM booking WHERE stock_id = ? AND status != 'CANCELLED'",
        (stock_id,),
    ).fetchone()
    return int(row[0])


# ----------------------------------------------------------------------------- HTTP
_EAN_SHAPE = re.compile(r"^\d{13}$")


def _ean_list(raw: str | None) -> tuple[list[str], dict[str, list[str]]]:
    """``eans=a,b``: 1 to 100 EANs of 13 digits, with the API's English messages."""
    if not raw:
        return [], {"eans": ["EAN list must not be empty"]}
    eans = raw.split(",")
    if len(eans) > 100:
        return [], {"eans": ["Too many EANs"]}
    for ean in eans:
        if not ean.isdigit():
            return [], {"eans": ["EAN must be an integer"]}
        if not _EAN_SHAPE.match(ean):
            return [], {"eans": ["Only 13 characters EAN are accepted"]}
    return eans, {}


def _stock_errors(index: int, item: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    where = f"products.{index}"
    if not isinstance(item, dict) or set(item) - {"ean", "stock"}:
        return {where: ["extra fields not permitted"]}
    ean = item.get("ean")
    if not isinstance(ean, str) or len(ean) != 13:
        errors[f"{where}.ean"] = ["ensure this value has 13 characters"]
    stock = item.get("stock")
    if not isinstance(stock, dict):
        errors[f"{where}.stock"] = ["field required"]
        return errors
    price = stock.get("price")
    if type(price) is not int:
        errors[f"{where}.stock.price"] = ["value is not a valid integer"]
    elif price < 0 or price > MAX_PRICE_CENTS:
        errors[f"{where}.stock.price"] = [f"ensure this value is less than or equal to {MAX_PRICE_CENTS}"]
    quantity = stock.get("quantity")
    if quantity != "unlimited" and (type(quantity) is not int or not 0 <= quantity <= MAX_STOCK_QUANTITY):
        errors[f"{where}.stock.quantity"] = ["Value must be positive"]
    return errors


def _upsert_body(body: Any) -> tuple[int | None, list[dict[str, Any]], dict[str, list[str]]]:
    if not isinstance(body, dict):
        return None, [], {"__root__": ["value is not a valid dict"]}
    location = body.get("location")
    products = body.get("products")
    errors: dict[str, list[str]] = {}
    if not isinstance(location, dict) or type(location.get("venueId")) is not int:
        errors["location"] = ["field required"]
    if not isinstance(products, list) or not products:
        errors["products"] = ["field required"]
    elif len(products) > 500:
        errors["products"] = ["ensure this value has at most 500 items"]
    else:
        for index, item in enumerate(products):
            errors.update(_stock_errors(index, item))
    venue_id = location["venueId"] if not errors and isinstance(location, dict) else None
    return venue_id, products if isinstance(products, list) else [], errors


Admit = Callable[[Request, Any], Awaitable[Any]]


class _ProductRoutes:
    """The routes' endpoints, one method each, sharing the state, its authentication and the control."""

    def __init__(self, state: Any, admit: Admit) -> None:
        self.state = state
        self.admit = admit
        self.control = ProductControl.for_store(self.state.store)

    async def upsert(self, request: Request) -> Response:
        provider = await self.admit(request, self.state)
        if isinstance(provider, Response):
            return provider
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None
        venue_id, products, errors = _upsert_body(body)
        if errors or venue_id is None:
            return JSONResponse(errors, status_code=400)
        if not self.state.store.venue_reachable(provider.provider_id, venue_id):
            return JSONResponse({"global": "Venue cannot be found"}, status_code=404)
        if self.control.is_virtual(venue_id):
            return JSONResponse(
                {"location": ["Cannot create product offer for virtual venues"]}, status_code=400
            )
        self.control.queue_upsert(provider.provider_id, venue_id, products)
        return Response(status_code=204)

    async def read(self, request: Request) -> Response:
        provider = await self.admit(request, self.state)
        if isinstance(provider, Response):
            return provider
        eans, errors = _ean_list(request.query_params.get("eans"))
        raw_venue = request.query_params.get("venueId", "")
        if not raw_venue.strip().isdigit():
            errors["venueId"] = ["value is not a valid integer"]
        if errors:
            return JSONResponse(errors, status_code=400)
        venue_id = int(raw_venue)
        if not self.state.store.venue_reachable(provider.provider_id, venue_id):
            return JSONResponse({"venue_id": ["The venue could not be found"]}, status_code=404)
        self.control.run_due_jobs()
        return JSONResponse({"products": self.control.offers_json(venue_id, eans)})

    async def availability(self, request: Request) -> Response:
        provider = await self.admit(request, self.state)
        if isinstance(provider, Response):
            return provider
        eans, errors = _ean_list(request.query_params.get("eans"))
        if errors:
            return JSONResponse(errors, status_code=400)
        return JSONResponse(self.control.availability(eans))

    async def offer_page(self, request: Request) -> Response:
        offer = self.control.offer_summary(int(request.path_params["offer_id"]))
        if offer is None:
            return HTMLResponse("<h1>Offre introuvable</h1>", status_code=404)
        price = "—" if offer["stock"] is None else format_euros(offer["stock"]["price"])
        page = (
            f"<html><head><meta charset='utf-8'><title>{escape(offer['name'])}</title></head><body>"
            f"<h1>{escape(offer['name'])}</h1><p>{price} — {escape(offer['status'])}</p>"
            "<p>Page de démonstration de l'émulateur : dans l'application pass Culture, le jeune réserve "
            "ici et reçoit sa contremarque.</p></body></html>"
        )
        return HTMLResponse(page)

    async def jobs(self, request: Request) -> Response:
        if request.method == "POST":
            body = await request.json()
            self.control.set_jobs(delay_s=body.get("delay_s"), stalled=body.get("stalled"))
        return JSONResponse(
            {"delay_s": self.control.job_delay.total_seconds(), "stalled": self.control.jobs_stalled,
             "pending": self.control.pending_jobs()}
        )  # fmt: skip

    async def book(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        try:
            token = self.control.book_offer(int(request.path_params["offer_id"]), **body)
        except OfferBookingRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"token": token}, status_code=201)


def product_routes(state: Any, admit: Admit) -> list[BaseRoute]:
    """The public product routes (behind the front door: auth, faults, rate limit), the offer's page
    and the control routes. ``state`` is the ``EmulatorState``; ``admit`` its one authentication
    (shared with the bookings routes): a provider, or the refusal to send."""
    endpoints = _ProductRoutes(state, admit)
    return [
        Route(OFFERS_PREFIX, endpoints.upsert, methods=["POST"]),
        Route(OFFERS_PREFIX, endpoints.read, methods=["GET"]),
        Route(OFFERS_PREFIX + "/check_availability", endpoints.availability, methods=["GET"]),
        Route("/offre/{offer_id:int}", endpoints.offer_page, methods=["GET"]),
        Route(CONTROL_PREFIX + "/jobs", endpoints.jobs, methods=["GET", "POST"]),
        Route(CONTROL_PREFIX + "/offers/{offer_id:int}/book", endpoints.book, methods=["POST"]),
    ]


def due_at(store: EmulatorStore, job_id: int) -> Any:
    """When a job runs (tests)."""
    with store._lock:
        row = store._db.execute("SELECT due_at FROM ean_job WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else from_db(row[0])
