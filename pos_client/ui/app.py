"""The Qt application: builds the till (API client, journal, scan sources, window) and runs it.

``--demo`` starts the local API emulator in this process, points the client at it with the demo
key and shows a "DÉMO" banner; the demo journal is a separate file, so demo sales never mix with
real ones. Normal mode uses the settings and the API key from the OS keyring.

Start-up trouble never keeps the window shut: a keyring that cannot be read (no D-Bus session) means
no API key, and a custom server address that is empty or not https means a server that answers
"injoignable"; either way the status bar says what is wrong in French and F2 opens the settings.
With no API key at all (first run), a welcome offers the settings or the demo mode first.

A journal the till must not touch (written by a newer pos-client, or not a journal at all) is the one
start-up trouble that stops it: the French reason is shown in a box and the exit code is 3, as for
``pos-client export``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_client.api.client import BookingsClient
from pos_client.api.emulator import RunningEmulator, demo_data
from pos_client.api.environments import InsecureUrlError, base_url_for
from pos_client.api.keys import KeyringKeys, KeyStoreError, key_hint
from pos_client.app.counter import build_counter
from pos_client.cli import AppContext
from pos_client.counter.machine import Counter
from pos_client.domain.outcomes import NetworkUnreachable, Outcome
from pos_client.domain.ports import BookingsApi, Journal
from pos_client.domain.scan import ScanSource
from pos_client.journal import JournalTooNewError, NotAJournalError, SqliteJournal, open_journal
from pos_client.journal.commands import EXIT_BAD_JOURNAL
from pos_client.journal.outbox import Outbox, OutboxWorker, outbox_from_settings
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings, WebcamSettings
from pos_client.ui.i18n import Translator
from pos_client.ui.main_window import MainWindow
from pos_client.ui.qt_translations import install_qt_translation
from pos_client.ui.settings_dialog import ApiKeyStore, SettingsDialog
from pos_client.ui.welcome import WelcomeChoice, ask_first_run_choice, first_run_choice
from pos_client.ui.worker import QtTaskRunner

__all__ = [
    "Backend",
    "RunningHandOff",
    "UnconfiguredServer",
    "build_sources",
    "demo_till",
    "open_backend",
    "run_app",
    "save_webcam_settings",
    "till_under",
]

log = logging.getLogger(__name__)

ENVIRONMENT_LABELS = {
    ApiEnvironment.PRODUCTION: "production",
    ApiEnvironment.INTEGRATION: "intégration",
    ApiEnvironment.CUSTOM: "personnalisé",
}


class UnconfiguredServer:
    """The API when the server address cannot be used: every call answers "injoignable" with the
    reason, nothing is ever sent, and the till still opens so the cashier can fix the settings."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _unreachable(self) -> Outcome:
        return NetworkUnreachable(self.reason)

    def get_booking(self, token: str) -> Outcome:
        return self._unreachable()

    def validate(self, token: str) -> Outcome:
        return self._unreachable()

    def keep(self, token: str) -> Outcome:
        return self._unreachable()

    def cancel(self, token: str) -> Outcome:
        return self._unreachable()

    def list_bookings(
        self,
        *,
        offer_id: int | None = None,
        venue_id: int | None = None,
        status: str | None = None,
        first_index: int = 1,
        limit: int = 50,
    ) -> Outcome:
        return self._unreachable()


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


def _start_handoff(journal: SqliteJournal, settings: Settings, stack: ExitStack) -> RunningHandOff | None:
    outbox = outbox_from_settings(journal, settings.handoff)
    if outbox is None:
        return None
    stack.callback(outbox.close)
    worker = OutboxWorker(outbox)
    worker.start()
    stack.callback(worker.stop)  # runs before outbox.close and journal.close (last in, first out)
    return RunningHandOff(outbox, worker)


def open_backend(
    context: AppContext,
    *,
    demo: bool,
    keys: ApiKeyStore,
    stack: ExitStack,
) -> Backend:
    """Start what the window talks to; everything opened is closed by ``stack``."""
    settings = context.settings
    api_key: str | None
    emulator: RunningEmulator | None = None
    problems: list[str] = list(settings.warnings)  # values refused at load: defaults in use
    tr = Translator(settings.ui.language)
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
    api: BookingsApi
    if base_url is None:
        api = UnconfiguredServer(problems[-1])
    else:
        client = BookingsClient(
            base_url,
            api_key,
            till_name=settings.till_name,
            connect_timeout_s=settings.api.connect_timeout_s,
            read_timeout_s=settings.api.read_timeout_s,
        )
        stack.callback(client.close)
        api = client
    # Demo sales are fictitious: they are never handed to the shop's cash register.
    handoff = None if demo else _start_handoff(journal, settings, stack)
    return Backend(api, journal, label, api_key, emulator, problems, handoff)


def counter_for(
    api: BookingsApi, journal: Journal, settings: Settings, monotonic: Callable[[], float] = time.monotonic
) -> tuple[Counter, QtTaskRunner]:
    """A ready counter for a window, on a Qt task runner (its jobs answer on the GUI thread)."""
    runner = QtTaskRunner()
    translate = Translator(settings.ui.language)
    counter = build_counter(api, journal, runner, settings, translate=translate, monotonic=monotonic)
    return counter, runner


def build_window(
    *,
    api: BookingsApi,
    journal: Journal,
    settings: Settings,
    monotonic: Callable[[], float] = time.monotonic,
    **options: Any,
) -> MainWindow:
    """A till window on ``api`` and ``journal``, with its counter built from ``settings``."""
    counter, runner = counter_for(api, journal, settings, monotonic)
    return MainWindow(counter=counter, runner=runner, journal=journal, settings=settings, **options)


def _window_for(
    backend: Backend, settings: Settings, sources: Sequence[ScanSource], *, demo: bool
) -> MainWindow:
    window = build_window(
        api=backend.api,
        journal=backend.journal,
        settings=settings,
        sources=sources,
        demo=demo,
        environment_label=backend.environment_label,
        api_key_hint=lambda: key_hint(backend.api_key),
        problems=backend.problems,
        handoff=backend.handoff,
    )
    window.resize(1024, 768)
    return window


@contextmanager
def till_under(
    root: Path,
    settings: Settings,
    sources: Sequence[ScanSource] = (),
    *,
    demo: bool,
    keys: ApiKeyStore | None = None,
) -> Iterator[tuple[MainWindow, Backend]]:
    """A till under ``root`` (client or emulator, journal, hand-off, window), closed on exit: for the
    bench, the screenshot script and the window's tests."""
    context = AppContext(paths=AppPaths.under(root), settings=settings)
    context.paths.ensure()
    with ExitStack() as stack:
        store = keys if keys is not None else KeyringKeys()
        backend = open_backend(context, demo=demo, keys=store, stack=stack)
        window = _window_for(backend, settings, sources, demo=demo)
        try:
            yield window, backend
        finally:
            window.close()


def demo_till(
    root: Path, settings: Settings, sources: Sequence[ScanSource] = ()
) -> AbstractContextManager[tuple[MainWindow, Backend]]:
    """A demo till under ``root`` (see ``till_under``)."""
    return till_under(root, settings, sources, demo=True)


def save_webcam_settings(context: AppContext, webcam: WebcamSettings) -> None:
    """Keep the camera panel's choices (camera picked, decoder, backend) for the next start,
    through the same save as the settings dialog. A file that cannot be written is logged: the
    camera keeps working with the choice until the till closes."""
    try:
        context.save_settings(replace(context.settings, webcam=webcam))
    except OSError as exc:
        log.warning("réglages de la caméra non enregistrés : %s", exc)


def build_sources(settings: Settings) -> list[ScanSource]:
    """Every scanner the settings ask for: the keyboard-wedge capture and serial / HID POS / evdev
    scanners. Each source reports its own trouble in the status bar. The webcam is not here: the
    window's camera panel owns it (preview, picker, on/off)."""
    from pos_client.scanner.discovery import build_hardware_sources
    from pos_client.ui.keyboard_capture import KeyboardCapture

    sources: list[ScanSource] = []
    if settings.scanner.keyboard_capture:
        sources.append(KeyboardCapture(settings.scanner))
    sources.extend(build_hardware_sources(settings.scanner))
    return sources


def _apply_font_scale(app: QApplication, settings: Settings) -> None:
    if settings.ui.font_scale != 1.0:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * settings.ui.font_scale)
        app.setFont(font)


def run_app(
    context: AppContext,
    *,
    demo: bool,
    sources: Sequence[ScanSource] | None = None,
    keys: ApiKeyStore | None = None,
    ask_welcome: Callable[[], WelcomeChoice] = ask_first_run_choice,
) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    keys = keys if keys is not None else KeyringKeys()
    install_qt_translation(context.settings.ui.language)  # Qt's own texts: « Annuler », not "Cancel"
    # First run: no API key yet -> the welcome offers the settings or the demo mode.
    first_run = first_run_choice(
        demo=demo, read_key=lambda: keys.get_key(context.settings.api.environment), ask=ask_welcome
    )
    if first_run is WelcomeChoice.QUIT:
        return 0
    demo = demo or first_run is WelcomeChoice.DEMO
    settings_first = first_run is WelcomeChoice.SETTINGS
    while True:
        _apply_font_scale(app, context.settings)
        install_qt_translation(context.settings.ui.language)  # again: the settings may have changed it
        try:
            outcome = _run_once(app, context, keys, demo=demo, sources=sources, settings_first=settings_first)
        except (JournalTooNewError, NotAJournalError) as exc:
            # Refused untouched: say why (a desktop launch has no terminal to show a traceback).
            log.error("journal refused: %s", exc)
            tr = Translator(context.settings.ui.language)
            QMessageBox.critical(None, tr("Caisse pass Culture"), str(exc))
            return EXIT_BAD_JOURNAL
        settings_first = False
        if outcome is not None:
            return outcome
        log.info("settings changed: restarting the till with them")


def _run_once(
    app: QApplication,
    context: AppContext,
    keys: ApiKeyStore,
    *,
    demo: bool,
    sources: Sequence[ScanSource] | None,
    settings_first: bool = False,
) -> int | None:
    """Run the till until the window closes (exit code) or the settings change (None: run again with
    them, so a new API key, server, language or sound setting applies at once)."""
    restart = False
    with ExitStack() as stack:
        backend = open_backend(context, demo=demo, keys=keys, stack=stack)
        window = _window_for(
            backend,
            context.settings,
            build_sources(context.settings) if sources is None else sources,
            demo=demo,
        )

        def open_settings() -> None:
            nonlocal restart
            dialog = SettingsDialog(
                context.settings,
                keys,
                window,
                attach_scanner_test=window.attach_scanner_test,
                load_venues=getattr(backend.api, "offerer_venues", None),  # the key's venues
            )
            if dialog.exec():
                context.save_settings(dialog.result_settings())
                restart = True
                window.close()  # waits for a change in flight; the journal already holds it

        window.settings_requested.connect(open_settings)
        window.webcam_settings_changed.connect(lambda webcam: save_webcam_settings(context, webcam))
        window.show()
        if settings_first:
            QTimer.singleShot(0, open_settings)  # over the window, once its event loop runs
        code = int(app.exec())
        window.close()
    return None if restart else code
