"""What the till talks to, built from the settings: the API client (or the null API), the journal and
the hand-off to the cash register. No Qt here: the window (``pos_client.ui.app``), the command line
and the bench build on it.

``--demo`` starts the local API emulator in this process, points the client at it with the demo
key; the demo journal is a separate file, so demo sales never mix with real ones, and demo sales are
never handed to the cash register. Normal mode uses the settings and the API key from the OS keyring.

Start-up trouble never keeps the till shut: a keyring that cannot be read (no D-Bus session) means
no API key, and a custom server address that is empty or not https means a server that answers
"injoignable" (``pos_client.api.null.UnconfiguredServer``); either way ``Backend.problems`` says what
is wrong in French for the status bar.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from pos_client.api.client import BookingsClient, ClientConfig
from pos_client.api.environments import InsecureUrlError, base_url_for
from pos_client.api.keys import KeyStoreError
from pos_client.api.null import UnconfiguredServer
from pos_client.app.context import AppContext
from pos_client.app.ledger_join import join_ledger, shared_budget
from pos_client.counter import messages as msg
from pos_client.counter.messages import Text, Translate
from pos_client.domain.formats import format_euros
from pos_client.domain.ledger import Operation
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, RequestBudget
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.handoff.outbox import Outbox, OutboxJournal, OutboxWorker
from pos_client.i18n import FrenchText, Translator
from pos_client.journal import SqliteJournal, open_journal
from pos_client.ledger.connection import LedgerLink
from pos_client.ledger.errors import LedgerError
from pos_client.ledger.replication import ReplicationWorker
from pos_client.settings import ApiEnvironment, HandOffSettings, Settings

__all__ = [
    "ENVIRONMENT_LABELS",
    "Backend",
    "KeyReader",
    "RunningHandOff",
    "client_config",
    "open_backend",
    "open_client",
    "outbox_from_settings",
]

log = logging.getLogger(__name__)

ENVIRONMENT_LABELS = {
    ApiEnvironment.PRODUCTION: "production",
    ApiEnvironment.INTEGRATION: "intégration",
    ApiEnvironment.CUSTOM: "personnalisé",
}


class KeyReader(Protocol):
    """Where the API key is read (the keyring or the key file: ``api.key_file.key_store_for``;
    a dict in tests)."""

    def get_key(self, environment: ApiEnvironment) -> str | None: ...


def client_config(settings: Settings) -> ClientConfig:
    """The client's timeouts and retries from the settings, the one place they are copied out."""
    return ClientConfig(
        till_name=settings.till_name,
        connect_timeout_s=settings.api.connect_timeout_s,
        read_timeout_s=settings.api.read_timeout_s,
        deadline_s=settings.api.request_deadline_s,
    )


def open_client(
    base_url: str, api_key: str | None, settings: Settings, *, limiter: RequestBudget | None = None
) -> BookingsClient:
    """The HTTP client for ``base_url`` with the settings' timeouts (``InsecureUrlError`` for a bad
    address); the caller closes it. ``limiter``: the key's budget shared through the ledger."""
    return BookingsClient.from_config(base_url, api_key, client_config(settings), limiter=limiter)


@dataclass
class RunningHandOff:
    """The journal outbox and its worker thread, as the window sees them (``HandOffLink``)."""

    outbox: Outbox
    worker: OutboxWorker

    def wake(self) -> None:
        self.worker.wake()

    def pending(self) -> dict[str, int]:
        return self.outbox.pending()

    def last_errors(self) -> dict[str, str]:
        return self.outbox.last_errors()


@dataclass
class Backend:
    api: BookingsApi
    journal: Journal
    environment_label: str
    api_key: str | None
    emulator: RunningEmulator | None = None  # demo mode: the in-process emulator
    problems: list[str] = field(default_factory=list)  # French, for the status bar
    handoff: RunningHandOff | None = None
    claims: BookingClaims | None = None  # the shared ledger's claims; None: a single till
    ledger: LedgerLink | None = None  # the shared ledger's link for reads (reports, reconciliation)
    ledger_status: LedgerStatus | None = None  # for the status bar


def outbox_from_settings(journal: OutboxJournal, handoff: HandOffSettings) -> Outbox | None:
    """The outbox the settings ask for, or None when no hand-off is configured."""
    folder = Path(handoff.folder).expanduser() if handoff.folder.strip() else None
    url = handoff.http_url.strip() or None
    if folder is None and url is None:
        return None
    return Outbox(journal, folder=folder, http_url=url)


def _start_handoff(journal: SqliteJournal, settings: Settings, stack: ExitStack) -> RunningHandOff | None:
    outbox = outbox_from_settings(journal, settings.handoff)
    if outbox is None:
        return None
    stack.callback(outbox.close)
    worker = OutboxWorker(outbox)
    worker.start()
    stack.callback(worker.stop)  # runs before outbox.close and journal.close (last in, first out)
    return RunningHandOff(outbox, worker)


DEMO_MEMORY_DAYS = 31


def _replay_demo_sales(journal: SqliteJournal, api: BookingsApi) -> None:
    """The demo emulator starts afresh while the demo journal remembers: bookings the demo till
    validated (and did not undo) are validated again on the emulator, so a code already in the history
    is not offered for validation a second time after a restart."""
    today = date.today()
    live: dict[str, int] = {}
    for row in journal.payments_between(today - timedelta(days=DEMO_MEMORY_DAYS), today):
        live[row.record.token] = live.get(row.record.token, 0) + (1 if row.operation is Operation.USE else -1)
    for token, count in live.items():
        if count > 0:
            api.validate(token)


def open_backend(
    context: AppContext,
    *,
    demo: bool,
    keys: KeyReader,
    stack: ExitStack,
) -> Backend:
    """Start what the window talks to; everything opened is closed by ``stack``. Raises the journal's
    ``JournalTooNewError``/``NotAJournalError`` for a file the till must not touch."""
    settings = context.settings
    api_key: str | None
    emulator: RunningEmulator | None = None
    tr = Translator(settings.ui.language)
    # Values refused at load (defaults in use), said in the window's language (French in the log).
    problems: list[str] = [
        note.render(tr) if isinstance(note, FrenchText) else note for note in settings.warnings
    ]
    base_url: str | None
    if demo:
        emulator = stack.enter_context(RunningEmulator.start(seed="demo"))
        base_url, api_key = emulator.base_url, demo_data.DEMO_API_KEY
        label = "DÉMO (émulateur local)"
        journal_path = context.paths.data_dir / "demo-journal.sqlite3"
    else:
        environment = settings.api.environment
        try:
            api_key = keys.get_key(environment)
        except KeyStoreError as exc:
            log.warning("keyring unreadable: starting without an API key")
            api_key = None  # the first lookup says "clé manquante" and opens the settings
            problems.append(tr("{reason} Clé d'API indisponible.", reason=exc))
        try:
            base_url = base_url_for(environment, settings.api.custom_url)
        except InsecureUrlError as exc:
            base_url = None
            problems.append(tr("{reason} Corrigez-la dans les réglages (F2).", reason=exc))
        label = ENVIRONMENT_LABELS[environment]
        journal_path = context.paths.journal_file
    journal = open_journal(journal_path, till=settings.till_name)
    stack.callback(journal.close)
    # Demo sales are fictitious: they are never handed to the shop's cash register, nor to a ledger.
    claims, ledger, ledger_status = (None, None, None) if demo else _join_ledger(journal, settings, stack)
    api: BookingsApi
    if base_url is None:
        api = UnconfiguredServer(problems[-1])
    else:
        budget: RequestBudget | None = None
        if ledger is not None and api_key:
            budget = shared_budget(ledger, base_url, api_key, settings)
        client = open_client(base_url, api_key, settings, limiter=budget)
        stack.callback(client.close)
        api = client
    if demo:
        _replay_demo_sales(journal, api)
    handoff = None if demo else _start_handoff(journal, settings, stack)
    return Backend(api, journal, label, api_key, emulator, problems, handoff, claims, ledger, ledger_status)


class LedgerStatus:
    """What the status bar says of the shared ledger: the replication's state (lag, or "caisse seule"
    while it cannot be reached) and the day's total across all tills. Read off the GUI thread; its
    texts are the counter's catalogue's (``counter.messages``), rendered with the window's language."""

    def __init__(self, worker: ReplicationWorker, link: LedgerLink) -> None:
        self._worker = worker
        self._link = link

    def line(self, day: date, translate: Translate = str) -> str:
        status = self._worker.last_status
        if status is None:
            return msg.LEDGER_CONNECTING.render(translate)
        if not status.reachable:
            alone = msg.LEDGER_ALONE_WAITING(count=status.behind) if status.behind else msg.LEDGER_ALONE
            return alone.render(translate)
        if status.behind:
            text = msg.LEDGER_BEHIND(count=status.behind, seconds=f"{status.seconds_behind:.0f}")
        else:
            text = msg.LEDGER_UP_TO_DATE
        from pos_client.ledger.reports import period_report

        try:
            total = period_report(self._link, day, day).total.total_cents
        except LedgerError:
            return text.render(translate)
        return (text + Text(" ") + msg.LEDGER_ALL_TILLS_TODAY(total=format_euros(total))).render(translate)


def _join_ledger(
    journal: SqliteJournal, settings: Settings, stack: ExitStack
) -> tuple[BookingClaims | None, LedgerLink | None, LedgerStatus | None]:
    """With a ``[ledger]`` configured: the claims the counter asks before each change, and the
    replication of this journal's records in the background. Nothing connects now: a ledger that
    cannot be reached makes the till work alone (and catch up later), never stops it."""
    parts = join_ledger(journal.uid, settings, stack)
    if parts is None:
        return None, None, None
    from pos_client.ledger.connection import LedgerConfig, LedgerPasswords
    from pos_client.ledger.replication import Replicator

    config = LedgerConfig.from_settings(settings)
    feed_link = stack.enter_context(LedgerLink(config, LedgerPasswords().source(config)))
    worker = ReplicationWorker(Replicator(journal, feed_link))
    worker.start()
    stack.callback(worker.stop)
    return parts.claims, parts.link, LedgerStatus(worker, feed_link)
