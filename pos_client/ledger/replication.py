"""Replication of a till's journal to the ledger: in order, at least once, idempotent.

The local SQLite journal stays the till's source of truth and offline buffer. ``Replicator.push``
reads the journal's feed (``pos_client.journal.feed``) after the ledger's position for this journal
and inserts each batch in one transaction, every row named by ``(journal uid, seq)`` with
``ON CONFLICT DO NOTHING``: a batch resent after a lost commit acknowledgement, or a whole journal
replayed, adds nothing twice. The position is read back from the ledger after every (re)connection
(the greatest ``seq`` it holds for this journal: batches commit whole and in order, so every record
up to it is there), so the till keeps no replication state of its own.

``ReplicationWorker`` runs ``push`` in a thread every ``interval_s`` (sooner when asked), and hands
each ``ReplicationStatus`` (lag in records and seconds, French text for the status bar) to a
callback. Tills only INSERT: the role needs no other right on the records.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pos_client.domain.feed import FeedBatch
from pos_client.domain.ports import JournalError, JournalFeed
from pos_client.ledger.connection import LedgerError, LedgerLink

__all__ = ["ReplicationStatus", "ReplicationWorker", "Replicator"]

log = logging.getLogger(__name__)

_INSERT_INTENT = (
    "INSERT INTO ledger.intents (journal_uid, seq, intent_id, till, operation, token, booking_id,"
    " offer_name, ean, unit_price_cents, quantity, venue_id, venue_name, transport, created_at, local_day)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)
_INSERT_OUTCOME = (
    "INSERT INTO ledger.outcomes (journal_uid, seq, intent_id, resolution, detail, confirmed_by_reread,"
    " resolved_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)
_INSERT_PAYMENT = (
    "INSERT INTO ledger.payments (journal_uid, seq, uid, intent_id, till, operation, token, booking_id,"
    " offer_name, ean, unit_price_cents, quantity, amount_cents, venue_id, venue_name, transport,"
    " recorded_at, local_day, resolved_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT DO NOTHING"
)
_POSITION = (
    "SELECT coalesce(greatest("
    " (SELECT max(seq) FROM ledger.intents WHERE journal_uid = %(j)s),"
    " (SELECT max(seq) FROM ledger.outcomes WHERE journal_uid = %(j)s),"
    " (SELECT max(seq) FROM ledger.payments WHERE journal_uid = %(j)s)), 0)"
)


@dataclass(frozen=True)
class ReplicationStatus:
    """Where replication stands. ``behind``: journal records not yet in the ledger;
    ``seconds_behind``: age of the oldest of them (0 when none)."""

    reachable: bool
    position: int | None  # the ledger's last record of this journal (None: not known yet)
    behind: int
    seconds_behind: float
    error: str | None = None  # French, when the ledger could not be reached or refused

    @property
    def up_to_date(self) -> bool:
        return self.reachable and self.behind == 0

    def describe(self) -> str:
        """One line for the status bar (French)."""
        if not self.reachable:
            waiting = f" ; {self.behind} enregistrement(s) en attente" if self.behind else ""
            return f"Registre partagé injoignable : caisse seule{waiting}."
        if self.behind == 0:
            return "Registre partagé : à jour."
        return f"Registre partagé : {self.behind} enregistrement(s) en retard ({self.seconds_behind:.0f} s)."


class Replicator:
    """Pushes one journal's records to the ledger. Not thread-safe: one pusher per journal."""

    def __init__(
        self,
        journal: JournalFeed,
        link: LedgerLink,
        *,
        batch_size: int = 500,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._journal = journal
        self._link = link
        self.batch_size = batch_size
        self._now = now
        self.journal_uid = journal.uid
        self._position: int | None = None  # where the next batch starts; None: re-read from the ledger
        self._confirmed: int | None = None  # the last position the ledger confirmed (for the lag)
        self._last_error: str | None = None

    def _read_position(self) -> int:
        with self._link.transaction() as cursor:
            cursor.execute(_POSITION, {"j": self.journal_uid})
            row = cursor.fetchone()
        return 0 if row is None else int(str(row[0]))

    def _send(self, batch: FeedBatch) -> None:
        uid = self.journal_uid
        with self._link.transaction() as cursor:
            cursor.executemany(
                _INSERT_INTENT,
                [
                    (uid, r.seq, r.intent_id, r.till, r.operation, r.token, r.booking_id, r.offer_name, r.ean,
                     r.unit_price_cents, r.quantity, r.venue_id, r.venue_name, r.transport, r.created_at,
                     r.local_day)
                    for r in batch.intents
                ],
            )
            cursor.executemany(
                _INSERT_OUTCOME,
                [
                    (uid, r.seq, r.intent_id, r.resolution, r.detail, r.confirmed_by_reread, r.resolved_at)
                    for r in batch.outcomes
                ],
            )
            cursor.executemany(
                _INSERT_PAYMENT,
                [
                    (uid, r.seq, r.uid, r.intent_id, r.till, r.operation, r.token, r.booking_id, r.offer_name,
                     r.ean, r.unit_price_cents, r.quantity, r.amount_cents, r.venue_id, r.venue_name,
                     r.transport, r.recorded_at, r.local_day, r.resolved_at)
                    for r in batch.payments
                ],
            )

    def push(self, *, max_batches: int | None = None) -> ReplicationStatus:
        """Send every record the ledger lacks (or ``max_batches`` batches); never raises."""
        sent_batches = 0
        try:
            if self._position is None:
                self._position = self._confirmed = self._read_position()
            while max_batches is None or sent_batches < max_batches:
                batch = self._journal.feed_after(self._position, self.batch_size)
                if batch.last_seq == batch.after:
                    break
                self._send(batch)
                self._position = self._confirmed = batch.last_seq
                sent_batches += 1
            self._last_error = None
        except LedgerError as exc:
            # Re-read the position after the outage: a commit whose answer was lost may have landed.
            self._position = None
            self._last_error = str(exc)
            log.warning("ledger replication paused: %s", exc)
        return self.status()

    def replay_from(self, position: int) -> ReplicationStatus:
        """Send again everything after ``position`` (repair, tests): repeats are dropped."""
        self._position = position
        return self.push()

    def status(self) -> ReplicationStatus:
        """The lag as of now, from the journal and the last position the ledger confirmed."""
        position = self._confirmed
        feed = self._journal.feed_position(position or 0)
        seconds = 0.0
        if feed.oldest_written_at is not None:
            seconds = max(0.0, (self._now() - feed.oldest_written_at).total_seconds())
        return ReplicationStatus(
            reachable=self._last_error is None and position is not None,
            position=position,
            behind=feed.behind,
            seconds_behind=seconds,
            error=self._last_error,
        )


class ReplicationWorker:
    """Runs ``Replicator.push`` in a daemon thread every ``interval_s`` (or at once on ``wake``)."""

    def __init__(
        self,
        replicator: Replicator,
        *,
        interval_s: float = 2.0,
        on_status: Callable[[ReplicationStatus], None] | None = None,
    ) -> None:
        self.replicator = replicator
        self.interval_s = interval_s
        self._on_status = on_status
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_status: ReplicationStatus | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ledger-replication", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """A record was written: push soon."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = self.replicator.push()
            except JournalError:
                # The journal itself failed (disk, closed at exit): try again at the next round.
                log.exception("ledger replication: the journal could not be read")
                self._wake.wait(self.interval_s)
                continue
            self.last_status = status
            if self._on_status is not None:
                self._on_status(status)
            self._wake.wait(self.interval_s)
            self._wake.clear()

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
