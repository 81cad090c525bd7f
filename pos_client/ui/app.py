"""The Qt application: builds the till (API client, journal, scan sources, window) and runs it.

``--demo`` starts the local API emulator in this process, points the client at it with the demo
key and shows a "DÉMO" banner; the demo journal is a separate file, so demo sales never mix with
real ones. Normal mode uses the settings and the API key from the OS keyring.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_client.api.client import BookingsClient
from pos_client.api.emulator import RunningEmulator, demo_data
from pos_client.api.environments import InsecureUrlError, base_url_for
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.cli import AppContext
from pos_client.journal import SqliteJournal, open_journal
from pos_client.paths import AppPaths
from pos_client.ports import BookingsApi, Journal
from pos_client.scanner.source import ScanSource
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.main_window import MainWindow
from pos_client.ui.settings_dialog import ApiKeyStore, SettingsDialog

__all__ = ["Backend", "build_sources", "demo_till", "open_backend", "run_app"]

log = logging.getLogger(__name__)

ENVIRONMENT_LABELS = {
    ApiEnvironment.PRODUCTION: "production",
    ApiEnvironment.INTEGRATION: "intégration",
    ApiEnvironment.CUSTOM: "personnalisé",
}


@dataclass
class Backend:
    api: BookingsApi
    journal: Journal
    environment_label: str
    api_key: str | None
    emulator: RunningEmulator | None = None  # demo mode: the in-process emulator


def _real_parts(
    settings: Settings, base_url: str, api_key: str | None, journal_path: Path
) -> tuple[BookingsClient, SqliteJournal]:
    client = BookingsClient(
        base_url,
        api_key,
        till_name=settings.till_name,
        connect_timeout_s=settings.api.connect_timeout_s,
        read_timeout_s=settings.api.read_timeout_s,
    )
    return client, open_journal(journal_path, till=settings.till_name)


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
    if demo:
        emulator = stack.enter_context(RunningEmulator.start(seed="demo"))
        base_url, api_key = emulator.base_url, demo_data.DEMO_API_KEY
        label = "DÉMO (émulateur local)"
        journal_path = context.paths.data_dir / "demo-journal.sqlite3"
    else:
        environment = settings.api.environment
        try:
            api_key = keys.get_key(environment)
        except KeyStoreError:
            log.warning("keyring unreadable: starting without an API key")
            api_key = None  # the first lookup says "clé manquante" and opens the settings
        base_url = base_url_for(environment, settings.api.custom_url)
        label = ENVIRONMENT_LABELS[environment]
        journal_path = context.paths.journal_file
    client, journal = _real_parts(settings, base_url, api_key, journal_path)
    stack.callback(client.close)
    stack.callback(journal.close)
    return Backend(client, journal, label, api_key, emulator)


@contextmanager
def demo_till(
    root: Path, settings: Settings, sources: Sequence[ScanSource] = ()
) -> Iterator[tuple[MainWindow, Backend]]:
    """A demo till under ``root`` (emulator, client, journal, window), closed on exit: for the bench,
    the screenshot script and the window's tests."""
    context = AppContext(paths=AppPaths.under(root), settings=settings)
    context.paths.ensure()
    with ExitStack() as stack:
        backend = open_backend(context, demo=True, keys=KeyringKeys(), stack=stack)
        window = MainWindow(
            api=backend.api,
            journal=backend.journal,
            settings=settings,
            sources=sources,
            demo=True,
            environment_label=backend.environment_label,
            api_key_hint=lambda: demo_data.DEMO_API_KEY[-4:],
        )
        window.resize(1024, 768)
        try:
            yield window, backend
        finally:
            window.close()


def build_sources(settings: Settings) -> list[ScanSource]:
    """Every scan source the settings ask for: the keyboard-wedge capture, serial / HID POS / evdev
    scanners, and the webcam. Each source reports its own trouble in the status bar."""
    from pos_client.scanner.discovery import build_hardware_sources
    from pos_client.ui.keyboard_capture import KeyboardCapture

    sources: list[ScanSource] = []
    if settings.scanner.keyboard_capture:
        sources.append(KeyboardCapture(settings.scanner))
    sources.extend(build_hardware_sources(settings.scanner))
    if settings.webcam.enabled:
        from pos_client.scanner.webcam_source import WebcamSource, resolve_device

        width, _, height = settings.webcam.resolution.partition("x")
        sources.append(
            WebcamSource(
                resolve_device(settings.webcam.device),
                backend=settings.webcam.backend,
                resolution=(int(width or 1280), int(height or 720)),
                decoder=settings.webcam.decoder,
                pyzbar_second_chance=settings.webcam.pyzbar_second_chance,
                repeat_after_s=settings.webcam.repeat_after_s,
            )
        )
    return sources


def _apply_font_scale(app: QApplication, settings: Settings) -> None:
    if settings.ui.font_scale != 1.0:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * settings.ui.font_scale)
        app.setFont(font)


def run_app(context: AppContext, *, demo: bool, sources: Sequence[ScanSource] | None = None) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    keys = KeyringKeys()
    while True:
        _apply_font_scale(app, context.settings)
        outcome = _run_once(app, context, keys, demo=demo, sources=sources)
        if outcome is not None:
            return outcome
        log.info("settings changed: restarting the till with them")


def _run_once(
    app: QApplication,
    context: AppContext,
    keys: KeyringKeys,
    *,
    demo: bool,
    sources: Sequence[ScanSource] | None,
) -> int | None:
    """Run the till until the window closes (exit code) or the settings change (None: run again with
    them, so a new API key, server, language or sound setting applies at once)."""
    restart = False
    with ExitStack() as stack:
        try:
            backend = open_backend(context, demo=demo, keys=keys, stack=stack)
        except InsecureUrlError as exc:
            # A custom server URL that is empty or not https: say so, let the cashier fix it.
            QMessageBox.critical(None, "pos-client", str(exc))
            dialog = SettingsDialog(context.settings, keys)
            if dialog.exec():
                context.save_settings(dialog.result_settings())
                return None
            return 2
        window = MainWindow(
            api=backend.api,
            journal=backend.journal,
            settings=context.settings,
            sources=build_sources(context.settings) if sources is None else sources,
            demo=demo,
            environment_label=backend.environment_label,
            api_key_hint=lambda: backend.api_key[-4:] if backend.api_key else None,
        )

        def open_settings() -> None:
            nonlocal restart
            dialog = SettingsDialog(context.settings, keys, window)
            if dialog.exec():
                context.save_settings(dialog.result_settings())
                restart = True
                window.close()  # waits for a change in flight; the journal already holds it

        window.settings_requested.connect(open_settings)
        window.resize(1024, 768)
        window.show()
        code = int(app.exec())
        window.close()
    return None if restart else code
