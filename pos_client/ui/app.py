"""The Qt application: builds the till (API client, journal, scan sources, window) and runs it.

``--demo`` starts the local API emulator in this process, points the client at it with the demo
key and shows a "DÉMO" banner; the demo journal is a separate file, so demo sales never mix with
real ones. Normal mode uses the settings and the API key from the OS keyring.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel

from pos_client.api.emulator import RunningEmulator, demo_data
from pos_client.cli import AppContext
from pos_client.paths import AppPaths
from pos_client.ports import BookingsApi, Journal
from pos_client.scanner.source import ScanSource
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.main_window import MainWindow
from pos_client.ui.settings_dialog import ApiKeyStore, SettingsDialog

__all__ = ["Backend", "KeyringStore", "demo_till", "open_backend", "run_app"]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pos-client"
ENVIRONMENT_LABELS = {
    ApiEnvironment.PRODUCTION: "production",
    ApiEnvironment.INTEGRATION: "intégration",
    ApiEnvironment.CUSTOM: "personnalisé",
}


class KeyringStore:
    """API keys in the OS keyring, one per environment."""

    def get_key(self, environment: ApiEnvironment) -> str | None:
        import keyring
        import keyring.errors

        try:
            value = keyring.get_password(KEYRING_SERVICE, f"api-key-{environment.value}")
        except keyring.errors.KeyringError:
            log.warning("keyring unavailable")
            return None
        return str(value) if value else None

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        import keyring

        keyring.set_password(KEYRING_SERVICE, f"api-key-{environment.value}", key)


@dataclass
class Backend:
    api: BookingsApi
    journal: Journal
    environment_label: str
    api_key: str | None
    emulator: RunningEmulator | None = None  # demo mode: the in-process emulator


def _client_factory() -> Any:
    # The API client module is built in parallel (issue 3); imported by name so the window keeps
    # working (and type-checking) while it lands.
    return importlib.import_module("pos_client.api.client").BookingsClient


def _open_journal(path: Any) -> Journal:
    journal: Journal = importlib.import_module("pos_client.journal").open_journal(path)
    return journal


# (base URL, API key, journal path) -> (API, journal): lets tools swap in other implementations.
BackendParts = Callable[[str, "str | None", Path], tuple[BookingsApi, Journal]]


def _real_parts(context: AppContext) -> BackendParts:
    def build(base_url: str, api_key: str | None, journal_path: Path) -> tuple[BookingsApi, Journal]:
        settings = context.settings
        client: BookingsApi = _client_factory()(
            base_url=base_url,
            api_key=api_key,
            connect_timeout_s=settings.api.connect_timeout_s,
            read_timeout_s=settings.api.read_timeout_s,
            till_name=settings.till_name,
        )
        return client, _open_journal(journal_path)

    return build


def open_backend(
    context: AppContext,
    *,
    demo: bool,
    keys: ApiKeyStore,
    stack: ExitStack,
    parts: BackendParts | None = None,
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
        api_key = keys.get_key(environment)
        base_url = {
            ApiEnvironment.PRODUCTION: "https://backend.passculture.app",
            ApiEnvironment.INTEGRATION: "https://backend.integration.passculture.pro",
            ApiEnvironment.CUSTOM: settings.api.custom_url,
        }[environment]
        label = ENVIRONMENT_LABELS[environment]
        journal_path = context.paths.journal_file
    client, journal = (parts or _real_parts(context))(base_url, api_key, journal_path)
    if hasattr(client, "close"):
        stack.callback(client.close)
    if hasattr(journal, "close"):
        stack.callback(journal.close)
    return Backend(client, journal, label, api_key, emulator)


@contextmanager
def demo_till(
    root: Path, settings: Settings, sources: Sequence[ScanSource] = (), *, parts: BackendParts | None = None
) -> Iterator[tuple[MainWindow, Backend]]:
    """A demo till under ``root`` (emulator, client, journal, window), closed on exit: for the bench,
    the screenshot script and the window's tests."""
    context = AppContext(paths=AppPaths.under(root), settings=settings)
    context.paths.ensure()
    with ExitStack() as stack:
        backend = open_backend(context, demo=True, keys=KeyringStore(), stack=stack, parts=parts)
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


def _apply_font_scale(app: QApplication, settings: Settings) -> None:
    if settings.ui.font_scale != 1.0:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * settings.ui.font_scale)
        app.setFont(font)


def run_app(context: AppContext, *, demo: bool, sources: Sequence[ScanSource] = ()) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    _apply_font_scale(app, context.settings)
    keys = KeyringStore()
    with ExitStack() as stack:
        try:
            backend = open_backend(context, demo=demo, keys=keys, stack=stack)
        except ImportError as exc:
            # A part built in parallel is missing from this checkout: say so instead of crashing.
            log.error("till parts missing: %s", exc)
            placeholder = QLabel(f"Caisse incomplète : un module manque ({exc.name}).")
            placeholder.setWindowTitle("pos-client" + (" — DÉMO" if demo else ""))
            placeholder.resize(1024, 768)
            placeholder.show()
            return int(app.exec())
        window = MainWindow(
            api=backend.api,
            journal=backend.journal,
            settings=context.settings,
            sources=sources,
            demo=demo,
            environment_label=backend.environment_label,
            api_key_hint=lambda: backend.api_key[-4:] if backend.api_key else None,
        )

        def open_settings() -> None:
            dialog = SettingsDialog(context.settings, keys, window)
            if dialog.exec():
                context.save_settings(dialog.result_settings())
                window.refresh_key_label()

        window.settings_requested.connect(open_settings)
        window.resize(1024, 768)
        window.show()
        return int(app.exec())
