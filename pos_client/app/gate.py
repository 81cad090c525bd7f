"""Gate mode, composed: the gate, its file beside the journal, its claims, budget, loader and worker.

Used by the window (``pos-client --gate``), the command line (``pos-client gate ...``) and the bench.
``open_gate`` loads the pro portal's export when given (names then held in memory), else restarts from
the gate's file (no names: the screen says so); it then finds the offer's id on the API list and starts
the background refresh. With the API unreachable the gate still opens from what it has.

With a ``[ledger]`` configured (``join_ledger``), the gate claims its entries in the shared ledger (every
gate sees a re-entry at once), reads every gate's entries for its counters, and takes its API requests
from the key's bucket shared with the tills; with the ledger down it admits alone (entries kept
unclaimed, reconciled when it is back) and uses its safe share of the key.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pos_client.domain.gate import EntryClaims, EntryCounts, RateBudget
from pos_client.domain.ports import BookingsApi, RequestBudget
from pos_client.gate.budget import MinuteBudget
from pos_client.gate.claims import FileClaims, MemoryClaims
from pos_client.gate.loader import Refresher, discover_offer_ids
from pos_client.gate.roster import parse_export
from pos_client.gate.service import Gate
from pos_client.gate.store import GateStore
from pos_client.gate.validation import ValidationSender
from pos_client.gate.verdict import GateScope
from pos_client.gate.worker import GateWorker, Lookup

if TYPE_CHECKING:
    from pos_client.ledger.connection import PasswordSource
    from pos_client.settings import Settings

__all__ = [
    "GateSession", "GateSetup", "favour_scans", "gate_store_path", "join_ledger", "open_gate", "saved_setup",
]  # fmt: skip

KEY_REQUESTS_PER_MINUTE = 200
SCAN_SWITCH_INTERVAL_S = 0.001


def favour_scans() -> None:
    """For a gate's process: a scan on the window's thread must not wait for the worker's Python work
    (a list page parsed and merged) for the interpreter's default 5 ms switch interval."""
    sys.setswitchinterval(SCAN_SWITCH_INTERVAL_S)


def gate_store_path(journal_path: Path) -> Path:
    """The gate's own file, beside the journal (``journal.sqlite3`` -> ``journal.gate.sqlite3``)."""
    return journal_path.with_suffix(".gate" + journal_path.suffix)


def share_of_key(gates: int, margin: float = 0.8) -> float:
    """One gate's requests a minute: the key's 200 shared by ``gates``, with room left for the tills."""
    return KEY_REQUESTS_PER_MINUTE * margin / max(1, gates)


@dataclass
class GateSetup:
    name: str
    venue_id: int
    store_path: Path
    days: frozenset[date] = frozenset()
    offers: frozenset[str] = frozenset()
    price_labels: frozenset[str] = frozenset()
    export_text: str | None = None
    claims_path: Path | None = None
    claims: EntryClaims | None = None
    budget: RateBudget | None = None
    counts: EntryCounts | None = None  # every gate's entries (the shared ledger), for the counters
    client_budget: RequestBudget | None = None  # the API client's limiter: every request start counted
    on_close: list[Callable[[], None]] = field(default_factory=list)  # e.g. the ledger's connections
    gates_sharing_key: int = 1
    validate_on_entry: bool = False
    refresh_every_s: float = 30.0
    problems: list[str] = field(default_factory=list)


@dataclass
class GateSession:
    gate: Gate
    refresher: Refresher
    worker: GateWorker
    loaded_at: datetime | None
    offer_ids: dict[str, int]
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        self.worker.stop()
        self.gate.store.close()
        for close in self.on_close:
            close()

    def choices(self) -> tuple[list[tuple[str, datetime]], list[str]]:
        """What can be controlled: (offer, event start) pairs and price categories of the roster."""
        entries = list(self.gate.roster.by_token.values())
        starts = sorted({(e.offer_name, e.starts_at) for e in entries if e.starts_at is not None})
        labels = sorted({e.price_label for e in entries if e.price_label})
        return starts, labels

    def change_scope(self, scope: GateScope) -> None:
        """Control other dates, offers or price categories from now on (the refresh follows)."""
        self.gate.scope = scope
        starts = sorted({
            (self.offer_ids[entry.offer_name], entry.starts_at)
            for entry in self.gate.roster.by_token.values()
            if entry.offer_name in self.offer_ids and entry.starts_at is not None and scope.admits(entry)
        })  # fmt: skip
        self.refresher.set_starts(starts)
        saved = json.loads(self.gate.store.meta("scope") or "{}")
        saved.update({
            "days": sorted(d.isoformat() for d in scope.days), "offers": sorted(scope.offers),
            "price_labels": sorted(scope.price_labels),
        })  # fmt: skip
        self.gate.store.set_meta("scope", json.dumps(saved))


def _scope_meta(setup: GateSetup) -> dict[str, object]:
    return {
        "venue_id": setup.venue_id, "days": sorted(d.isoformat() for d in setup.days),
        "offers": sorted(setup.offers), "price_labels": sorted(setup.price_labels),
    }  # fmt: skip


def saved_setup(store_path: Path, name: str) -> GateSetup:
    """The setup the last ``gate load`` chose (venue, dates, offers, prices), to reopen the gate."""
    setup = GateSetup(name=name, venue_id=0, store_path=store_path)
    if not store_path.exists():
        return setup
    store = GateStore(store_path)
    try:
        saved = json.loads(store.meta("scope") or "{}")
    finally:
        store.close()
    setup.venue_id = int(saved.get("venue_id", 0))
    setup.days = frozenset(date.fromisoformat(d) for d in saved.get("days", []))
    setup.offers = frozenset(saved.get("offers", []))
    setup.price_labels = frozenset(saved.get("price_labels", []))
    return setup


def open_gate(setup: GateSetup, api: BookingsApi, *, on_lookup: Callable[[Lookup], None] = lambda _: None,
              start_worker: bool = True, tick_s: float = 0.5) -> GateSession:  # fmt: skip
    store = GateStore(setup.store_path)
    claims = setup.claims or (FileClaims(setup.claims_path) if setup.claims_path else MemoryClaims())
    scope = GateScope(setup.offers, setup.days, setup.price_labels)
    gate = Gate(
        setup.name, store, claims, scope,
        validate_on_entry=setup.validate_on_entry, shared_counts=setup.counts,
    )  # fmt: skip
    budget = setup.budget or MinuteBudget(share_of_key(setup.gates_sharing_key))
    if setup.export_text is not None:
        entries, people, problems = parse_export(setup.export_text)
        setup.problems.extend(problems)
        gate.add_to_roster(entries, people)
        gate.restore_entries()
        store.set_meta("loaded_at", datetime.now(UTC).isoformat())
        store.set_meta("scope", json.dumps(_scope_meta(setup)))
    else:
        gate.restore()
    loaded = store.meta("loaded_at")
    offer_ids: dict[str, int] = json.loads(store.meta("offer_ids") or "{}")
    names = {
        entry.offer_name
        for entry in gate.roster.by_token.values()
        if not setup.offers or entry.offer_name in setup.offers
    }
    if not names <= offer_ids.keys():
        found = discover_offer_ids(api, budget, setup.venue_id, names, sleep=time.sleep)
        if isinstance(found, dict):
            offer_ids.update(found)
            store.set_meta("offer_ids", json.dumps(offer_ids))
        else:
            setup.problems.append("Liste des réservations injoignable : contrôle sur la liste déjà chargée.")
    starts = sorted({
        (offer_ids[entry.offer_name], entry.starts_at)
        for entry in gate.roster.by_token.values()
        if entry.offer_name in offer_ids and entry.starts_at is not None
        and (not setup.days or entry.day in setup.days)
    })  # fmt: skip
    refresher = Refresher(api, budget, gate, starts)
    worker = GateWorker(
        gate, api, refresher, ValidationSender(api, budget, store),
        on_lookup=on_lookup, tick_s=tick_s, refresh_every_s=setup.refresh_every_s,
    )  # fmt: skip
    if start_worker:
        worker.start()
    loaded_at = datetime.fromisoformat(loaded) if loaded else None
    return GateSession(gate, refresher, worker, loaded_at, offer_ids, list(setup.on_close))


def join_ledger(
    setup: GateSetup,
    settings: Settings,
    *,
    api: tuple[str, str] | None = None,
    password: PasswordSource | None = None,
    retry_after_s: float = 5.0,
) -> bool:
    """With ``[ledger]`` configured: the ledger's entry claims and counts for ``setup`` and, given
    ``api`` (base URL, key), the key's request bucket shared with the tills, for the worker
    (``setup.budget``) and for the API client, to be opened with ``limiter=setup.client_budget``.
    Nothing connects now (a ledger that cannot be reached makes the gate work alone). False when no
    ledger is configured."""
    section = settings.ledger
    if not section.enabled or not section.host or not section.user:
        return False
    from pos_client.ledger.budget import SharedRateBudget
    from pos_client.ledger.connection import LedgerConfig, LedgerLink, LedgerPasswords
    from pos_client.ledger.gate_entries import LedgerEntryClaims, LedgerGateBudget

    # A gate names itself in the ledger by its gate name; a short connect timeout keeps a scan during
    # a network cut from waiting long (the link then fails fast for a few seconds).
    config = replace(LedgerConfig.from_settings(settings), till=f"porte {setup.name}", connect_timeout_s=1)
    source = password or LedgerPasswords().source(config)
    claims_link = LedgerLink(config, source, retry_after_s=retry_after_s)  # scans, confirms, reconciliation
    counts_link = LedgerLink(config, source, retry_after_s=retry_after_s)  # the worker's counts
    setup.claims = setup.counts = LedgerEntryClaims(claims_link, counts_link)
    setup.on_close += [claims_link.close, counts_link.close]
    if api is not None:
        budget_link = LedgerLink(config, source, retry_after_s=retry_after_s)
        base_url, api_key = api
        shared = SharedRateBudget(
            budget_link, base_url=base_url, api_key=api_key, till=config.till,
            tills_sharing_key=max(section.tills_sharing_key, setup.gates_sharing_key),
        )  # fmt: skip
        setup.budget = setup.client_budget = LedgerGateBudget(shared)
        setup.on_close.append(budget_link.close)
    return True
