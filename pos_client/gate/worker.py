"""The gate's background worker: refresh the list, send validations, reconcile claims, look up.

One daemon thread per gate; each tick does at most a few quick things, so stopping is prompt. Live
lookups (an « Inconnue » code) go first, then the list refresh, then validations, all through the
same rate budget. Every few ticks it reconciles claims made during an outage and reads the other
gates' entries for the counters.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pos_client.domain.outcomes import AlreadyValidated, Cancelled, Found, NotFound, Outcome
from pos_client.domain.ports import BookingsApi
from pos_client.gate.loader import Refresher
from pos_client.gate.service import Gate
from pos_client.gate.validation import ValidationSender
from pos_client.gate.verdict import Verdict, VerdictKind

__all__ = ["GateWorker", "Lookup"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lookup:
    """A live lookup's answer: the new verdict, or the outcome that stopped it."""

    token: str
    verdict: Verdict | None
    outcome: Outcome


class GateWorker:
    def __init__(
        self,
        gate: Gate,
        api: BookingsApi,
        refresher: Refresher,
        validations: ValidationSender,
        *,
        on_lookup: Callable[[Lookup], None] = lambda _: None,
        tick_s: float = 0.5,
        refresh_every_s: float = 30.0,
    ) -> None:
        self.gate = gate
        self.refresher = refresher
        self.validations = validations
        self._api = api
        self._on_lookup = on_lookup
        self._tick_s = tick_s
        self._refresh_every = max(1, int(refresh_every_s / tick_s))
        self._lookups: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"gate-{gate.name}", daemon=True)
        self.late_reentries = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def look_up(self, token: str) -> None:
        self._lookups.put(token)

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(self._tick_s):
            try:
                self._tick(tick)
            except Exception:  # a bug must not stop the gate's background work silently
                log.exception("gate worker tick failed")
            tick += 1

    def _tick(self, tick: int) -> None:
        while not self._lookups.empty():
            token = self._lookups.get()
            if not self.refresher.budget.try_acquire():
                self._lookups.put(token)
                break
            self._on_lookup(self._lookup(token))
        # The list first (cancellations matter at the door), validations with what is left.
        if not self.refresher.status.first_load_done or tick % self._refresh_every == 0:
            self.refresher.step()
        self.validations.step()
        if tick % 20 == 0:
            self.late_reentries += len(self.gate.reconcile_claims())
        if tick % 4 == 0:  # other gates' entries, for the counters (never read by a scan)
            self.gate.refresh_shared_counts()

    def _lookup(self, token: str) -> Lookup:
        outcome = self._api.get_booking(token)
        if isinstance(outcome, Found):
            verdict = self.gate.learn(outcome.booking)
            return Lookup(token, verdict, outcome)
        return Lookup(token, _refused(token, outcome), outcome)


def _refused(token: str, outcome: Outcome) -> Verdict:
    if isinstance(outcome, Cancelled):
        return Verdict(VerdictKind.CANCELLED, token, "Réservation annulée", "Vu sur pass Culture.")
    if isinstance(outcome, AlreadyValidated):
        return Verdict(VerdictKind.ALREADY_IN, token, "Déjà validée", "Vu sur pass Culture : refuser.")
    if isinstance(outcome, NotFound):
        detail = "Contremarque inconnue de pass Culture pour ce lieu : refuser."
        return Verdict(VerdictKind.UNKNOWN, token, "Inconnue : vérifier", detail)
    detail = "Vérification impossible (réseau) : contrôler le billet et la pièce d'identité."
    return Verdict(VerdictKind.UNKNOWN, token, "Inconnue : vérifier", detail)
