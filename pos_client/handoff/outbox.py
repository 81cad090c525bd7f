"""Hand-off of each payment record to the shop's cash register program, at least once.

Two channels, each optional (``Settings.handoff``): a folder drop (one JSON file per record, written
to a temporary name, flushed to disk and renamed, the rename itself flushed to disk before the
journal notes the delivery, so the register never reads half a file nor misses one) and an
HTTP POST (JSON, with the record's unique id in the body and in an ``Idempotency-Key`` header so the
receiver can drop repeats; each POST ends within one overall deadline and at most 64 KB of the answer
is read, see ``pos_client.safety.http_limits``). What was acknowledged is recorded in the journal
(``deliveries``), so undelivered records survive restarts: they are simply what has no delivery row
yet. A failing channel is retried with exponential backoff; the other channel is not held up by it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from pos_client import APP_NAME, __version__
from pos_client.domain.ledger import PaymentRecord
from pos_client.domain.payment_document import PaymentLine, payment_document
from pos_client.durable import durable_replace, sync_directory
from pos_client.host_os import HostOs, current_host_os
from pos_client.safety.http_limits import AnswerTooLarge, deadline, install_deadlines, read_capped
from pos_client.safety.private_files import temporary_beside

__all__ = ["FOLDER_CHANNEL", "HTTP_CHANNEL", "DeliveryPass", "Outbox", "OutboxJournal", "OutboxWorker"]

log = logging.getLogger(__name__)

FOLDER_CHANNEL = "folder"
HTTP_CHANNEL = "http"
_BATCH = 100
_MAX_RECEIVER_ANSWER_BYTES = 65_536  # only the status matters; the body is read to keep the connection


class OutboxJournal(Protocol):
    """What the outbox needs of the journal (``pos_client.journal.SqliteJournal``): the records not
    yet delivered on a channel, and a durable note of each delivery."""

    def undelivered(self, channel: str, *, limit: int = 100) -> Sequence[PaymentLine]: ...

    def undelivered_count(self, channel: str) -> int: ...

    def mark_delivered(self, payment: PaymentRecord, channel: str) -> None: ...


class DeliveryError(Exception):
    """A record could not be handed over this time (it will be retried)."""


@dataclass
class _ChannelState:
    deliver: Callable[[PaymentLine], None]
    failures: int = 0
    due_at: float = 0.0
    last_error: str = ""


@dataclass
class DeliveryPass:
    delivered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # channel -> French error for the status bar


class Outbox:
    """Delivers undelivered payment records. ``deliver_due`` is one pass; ``OutboxWorker`` loops it."""

    def __init__(
        self,
        journal: OutboxJournal,
        *,
        folder: Path | None = None,
        http_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout_s: float = 5.0,
        base_backoff_s: float = 1.0,
        max_backoff_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._journal = journal
        self._folder = folder
        self._http_url = http_url
        self._owns_client = http_client is None and http_url is not None
        self._http = (
            http_client
            if http_client is not None
            else (
                httpx.Client(timeout=timeout_s, headers={"User-Agent": f"{APP_NAME}/{__version__}"})
                if http_url is not None
                else None
            )
        )
        if self._http is not None:
            install_deadlines(self._http)
        self._deadline_s = 3 * timeout_s  # the whole POST, however slowly the receiver answers
        self._base_backoff_s = base_backoff_s
        self._max_backoff_s = max_backoff_s
        self._clock = clock
        self._lock = threading.Lock()
        self._channels: dict[str, _ChannelState] = {}
        if folder is not None:
            self._channels[FOLDER_CHANNEL] = _ChannelState(self._drop_in_folder)
        if http_url is not None:
            self._channels[HTTP_CHANNEL] = _ChannelState(self._post)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def close(self) -> None:
        if self._owns_client and self._http is not None:
            self._http.close()

    # ------------------------------------------------------------------ delivery
    def deliver_due(self) -> DeliveryPass:
        """Deliver what is waiting on every channel that is not backing off. Never raises."""
        result = DeliveryPass()
        with self._lock:
            for name, channel in self._channels.items():
                if self._clock() < channel.due_at:
                    continue
                delivered = 0
                try:
                    while batch := self._journal.undelivered(name, limit=_BATCH):
                        for row in batch:
                            channel.deliver(row)
                            self._journal.mark_delivered(row.record, name)
                            delivered += 1
                except DeliveryError as exc:
                    channel.failures += 1
                    delay = min(self._max_backoff_s, self._base_backoff_s * 2 ** (channel.failures - 1))
                    channel.due_at = self._clock() + delay
                    channel.last_error = str(exc)
                    result.failed[name] = str(exc)
                    log.warning(
                        "hand-off %s failed (%d in a row), retry in %.0f s: %s",
                        name,
                        channel.failures,
                        delay,
                        exc,
                    )
                else:
                    channel.failures = 0
                    channel.due_at = 0.0
                    channel.last_error = ""
                if delivered:
                    result.delivered[name] = delivered
        return result

    def next_due_in(self) -> float | None:
        """Seconds until a backing-off channel may be tried again; None when none is backing off."""
        now = self._clock()
        waits = [channel.due_at - now for channel in self._channels.values() if channel.failures]
        return max(0.0, min(waits)) if waits else None

    def pending(self) -> dict[str, int]:
        """Undelivered records per channel (for the status bar)."""
        return {name: self._journal.undelivered_count(name) for name in self._channels}

    def last_errors(self) -> dict[str, str]:
        return {name: channel.last_error for name, channel in self._channels.items() if channel.last_error}

    # ------------------------------------------------------------------ channels
    def _drop_in_folder(self, row: PaymentLine) -> None:
        assert self._folder is not None
        target = self._folder / f"pos-client-{row.local_day.isoformat()}-{row.record.uid}.json"
        try:
            if target.exists():
                # Written before a crash (or a failed folder flush) that came before the journal noted
                # it: make sure its entry is on disk too, then it counts as delivered.
                if current_host_os() is not HostOs.WINDOWS:
                    sync_directory(self._folder)
                return
            data = json.dumps(payment_document(row), ensure_ascii=False, indent=1).encode("utf-8")
            self._folder.mkdir(parents=True, exist_ok=True)
            # A temporary file a kill leaves behind is deleted at the next start (private_files); until
            # then it is a hidden ``.part`` file, which the register ignores (the folder's contract).
            with temporary_beside(target, suffix=".part") as (handle, temporary):
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                # Renamed durably (the folder flushed too) before the journal notes the delivery: a
                # power cut must not lose a file the journal records as handed over.
                durable_replace(temporary, target)
        except OSError as exc:
            raise DeliveryError(f"dossier {self._folder} inaccessible : {exc.strerror or exc}") from exc

    def _post(self, row: PaymentLine) -> None:
        assert self._http is not None and self._http_url is not None
        try:
            headers = {"Idempotency-Key": row.record.uid}
            with deadline(self._deadline_s), self._http.stream(
                "POST", self._http_url, json=payment_document(row), headers=headers
            ) as response:
                read_capped(response, _MAX_RECEIVER_ANSWER_BYTES)
        except AnswerTooLarge:
            pass  # the status is the answer; an endless body is not read
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DeliveryError(f"caisse injoignable ({type(exc).__name__})") from exc
        # 409: the receiver already has this id, which is an acknowledgement too.
        if not (response.is_success or response.status_code == 409):
            raise DeliveryError(f"la caisse a répondu {response.status_code}")


class OutboxWorker:
    """Runs ``Outbox.deliver_due`` on a background thread: at start, after ``wake()`` (a new payment)
    and when a backoff ends; also every ``poll_s`` in case another process wrote to the journal."""

    def __init__(self, outbox: Outbox, *, poll_s: float = 30.0) -> None:
        self._outbox = outbox
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_pass = DeliveryPass()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pos-client-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.last_pass = self._outbox.deliver_due()
            except Exception:
                log.exception("hand-off pass failed")
            due = self._outbox.next_due_in()
            self._wake.wait(self._poll_s if due is None else min(self._poll_s, due))
