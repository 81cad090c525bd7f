"""``OfferDesk``: the offer made at the till, one step per call, the same for the window and the CLI.

``submit`` checks what the till can check itself (the EAN, the price cap, the young person's credit
when the cashier typed it, the double-scan guard), asks pass Culture whether it takes the EAN
(``check_availability``: the upsert job itself gives no feedback), sends the upsert and remembers it
as pending (on disk: a restart resumes the wait). ``poll`` reads the venue's offer for the EAN once:
``OfferReady`` when it shows the price and quantity asked, ``StillWaiting`` before, ``JobNeverDone``
once the wait is over. ``wait`` loops on ``poll`` for the command line; the window polls on a timer
so it shows progress. ``close`` sends quantity 0 for an offer made here, so nobody else books it.

Polls are spaced (``poll_every_s``, 2 s by default: 30 requests a minute at most, well inside the
200 a minute the key shares with the bookings calls) and every request goes through the key's shared
limiter in the client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from pos_client.domain.offers import (
    MAX_PRICE_CENTS,
    EanAvailable,
    JobNeverDone,
    OfferInProgress,
    OfferOutcome,
    OfferQueued,
    OverCredit,
    PriceRefused,
    ProductOffer,
    ProductOffers,
    ProductsApi,
    normalised_ean,
    offer_link,
)
from pos_client.domain.outcomes import InvalidRequest, Refusal, Success, Trouble
from pos_client.offers.pending import DeskState, MadeOffer, PendingOffer, PendingStore

__all__ = ["DeskOutcome", "OfferDesk", "OfferReady", "StillWaiting"]

DEFAULT_WAIT_S = 60.0
DEFAULT_POLL_EVERY_S = 2.0
# A second scan of the same EAN this soon after its offer appeared shows that offer again (no upsert).
DOUBLE_SCAN_GUARD_S = 120.0


@dataclass(frozen=True)
class OfferReady(Success):
    """The offer exists with the price and quantity asked; ``link`` opens it in the app."""

    offer: ProductOffer
    link: str
    purpose: str = "create"


@dataclass(frozen=True)
class StillWaiting(Success):
    """The job has not shown its result yet."""

    pending: PendingOffer
    elapsed_s: float
    polls: int
    seen: ProductOffer | None = None  # the offer as it stands (an update not applied yet)


DeskOutcome = OfferOutcome | OfferReady | StillWaiting


class OfferDesk:
    """The offers this till makes for its venue, through ``api``; thread-safe."""

    def __init__(
        self,
        api: ProductsApi,
        store: PendingStore,
        *,
        venue_id: int,
        wait_s: float = DEFAULT_WAIT_S,
        poll_every_s: float = DEFAULT_POLL_EVERY_S,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.venue_id = venue_id
        self.wait_s = wait_s
        self.poll_every_s = poll_every_s
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.RLock()
        self._state = store.load()
        self._polls = 0

    # ------------------------------------------------------------------ state
    @property
    def pending(self) -> PendingOffer | None:
        """The upsert being waited for on this server (one from another server is not resumed)."""
        with self._lock:
            pending = self._state.pending
            return pending if pending is not None and pending.server == self.api.base_url else None

    def made(self) -> list[MadeOffer]:
        with self._lock:
            return [entry for entry in self._state.made if entry.server == self.api.base_url]

    def made_here(self, offer_id: int) -> MadeOffer | None:
        """The offer this till made with this id, if any (the card says so)."""
        return next((entry for entry in reversed(self.made()) if entry.offer_id == offer_id), None)

    def last_made(self) -> MadeOffer | None:
        made = self.made()
        return made[-1] if made else None

    def abandon(self) -> None:
        """Stop waiting (the cashier gave up): the server may still run the job."""
        with self._lock:
            self._state.pending = None
            self._store.save(self._state)

    def _save(self, state: DeskState) -> None:
        self._state = state
        self._store.save(state)

    # ------------------------------------------------------------------ steps
    def submit(
        self, ean_text: str, price_cents: int, quantity: int = 1, *, credit_cents: int | None = None
    ) -> DeskOutcome:
        """Create or update the venue's offer for this EAN: ``OfferQueued`` (now ``poll``), an
        ``OfferReady`` already shown (double scan), or why not."""
        if self.venue_id <= 0:
            return InvalidRequest(
                "Aucun lieu n'est réglé pour les offres sur-mesure : indiquez l'identifiant pass Culture du "
                "lieu de la boutique (réglage offer.venue_id, visible dans l'espace pro)."
            )
        ean = normalised_ean(ean_text)
        if ean is None:
            return InvalidRequest("EAN-13 illisible : 13 chiffres attendus, clé de contrôle comprise.")
        if not 0 <= price_cents <= MAX_PRICE_CENTS:
            return PriceRefused(price_cents)
        if not 1 <= quantity <= 1000:
            return InvalidRequest("La quantité doit être entre 1 et 1000.")
        if credit_cents is not None and price_cents > credit_cents:
            return OverCredit(price_cents, credit_cents)
        with self._lock:
            guard = self._double_scan(ean, price_cents)
            if guard is not None:
                return guard
            checked = self.api.check_ean(ean)
            if not isinstance(checked, EanAvailable):
                return checked
            return self._send(ean, price_cents, quantity, "create")

    def _double_scan(self, ean: str, price_cents: int) -> DeskOutcome | None:
        pending = self.pending
        if pending is not None:
            return OfferInProgress(pending.ean)
        recent = next(
            (
                entry
                for entry in reversed(self.made())
                if entry.ean == ean
                and not entry.closed
                and self._clock() - entry.made_at < DOUBLE_SCAN_GUARD_S
            ),
            None,
        )
        if recent is not None and recent.price_cents == price_cents:
            return OfferInProgress(ean)
        return None

    def _send(self, ean: str, price_cents: int, quantity: int, purpose: str) -> DeskOutcome:
        queued = self.api.upsert(self.venue_id, ean, price_cents, quantity)
        if isinstance(queued, OfferQueued):
            pending = PendingOffer(
                ean=ean, price_cents=price_cents, quantity=quantity, venue_id=self.venue_id,
                server=self.api.base_url, requested_at=self._clock(), purpose=purpose,
            )  # fmt: skip
            self._polls = 0
            self._save(replace(self._state, pending=pending))
        return queued

    def poll(self) -> DeskOutcome:
        """Read the offer once: ``OfferReady``, ``StillWaiting``, ``JobNeverDone``, or a refusal or
        trouble (a trouble keeps the wait going; a refusal ends it)."""
        with self._lock:
            pending = self.pending
            if pending is None:
                return InvalidRequest("Aucune offre en attente.")
            self._polls += 1
            answer = self.api.offers_by_ean(pending.venue_id, pending.ean)
            elapsed = max(0.0, self._clock() - pending.requested_at)
            seen: ProductOffer | None = None
            if isinstance(answer, ProductOffers):
                seen = answer.for_ean(pending.ean)
                if seen is not None and seen.matches(pending.price_cents, pending.quantity):
                    return self._ready(pending, seen)
            elif isinstance(answer, Refusal) or not _is_trouble(answer):
                self._save(replace(self._state, pending=None))
                return answer
            if elapsed >= self.wait_s:
                self._save(replace(self._state, pending=None))
                return JobNeverDone(pending.ean, round(elapsed, 1))
            if not isinstance(answer, ProductOffers):
                return answer  # a trouble (rate limit, network): the wait goes on
            return StillWaiting(pending, round(elapsed, 1), self._polls, seen)

    def _ready(self, pending: PendingOffer, offer: ProductOffer) -> OfferReady:
        made = [entry for entry in self._state.made if entry.offer_id != offer.offer_id]
        previous = self.made_here(offer.offer_id)
        made_at = previous.made_at if previous is not None and pending.purpose == "close" else self._clock()
        made.append(
            MadeOffer(
                offer_id=offer.offer_id, ean=offer.ean, name=offer.name, price_cents=pending.price_cents,
                venue_id=pending.venue_id, server=pending.server, made_at=made_at,
                closed=pending.purpose == "close",
            )
        )  # fmt: skip
        self._save(DeskState(pending=None, made=made))
        return OfferReady(offer, offer_link(self.api.base_url, offer.offer_id), pending.purpose)

    def wait(self, on_progress: Callable[[DeskOutcome], None] | None = None) -> DeskOutcome:
        """Poll until the offer is ready, refused, or the wait is over (command line, scripts)."""
        while True:
            outcome = self.poll()
            if not isinstance(outcome, StillWaiting) and not _is_trouble(outcome):
                return outcome
            if on_progress is not None:
                on_progress(outcome)
            if self.pending is None:
                return outcome
            self._sleep(self.poll_every_s)

    def close(self, offer_id: int | None = None) -> DeskOutcome:
        """Send quantity 0 for an offer made here (the last one by default): nobody else books it."""
        with self._lock:
            if self.pending is not None:
                return OfferInProgress(self.pending.ean)
            made = self.made_here(offer_id) if offer_id is not None else self.last_made()
            if made is None:
                return InvalidRequest("Aucune offre faite par cette caisse à fermer.")
            return self._send(made.ean, made.price_cents, 0, "close")


def _is_trouble(outcome: object) -> bool:
    return isinstance(outcome, Trouble) and not isinstance(outcome, JobNeverDone)
