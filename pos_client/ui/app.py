"""The Qt application: the window over the backend (``pos_client.app.backend``), and its run loop.

The backend (API client or null API, journal, hand-off) is built without Qt in ``pos_client.app``;
here are the scan sources that need Qt (keyboard capture), the window, the ``QApplication``, the
settings dialog and the restart when the settings change. ``--demo`` also shows a "DÉMO" banner.
Start-up trouble never keeps the window shut: the status bar says what is wrong in French and F2
opens the settings. With no API key at all (first run), a welcome offers the settings or the demo
mode first.

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
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_client.api.key_file import key_store_for
from pos_client.api.keys import key_hint
from pos_client.app.backend import Backend, open_backend
from pos_client.app.context import AppContext, save_webcam_settings
from pos_client.app.counter import build_counter
from pos_client.app.exits import Exit
from pos_client.counter.machine import Counter
from pos_client.domain.ports import BookingClaims, BookingsApi, Journal, JournalError
from pos_client.domain.scan import ScanSource
from pos_client.i18n import Translator
from pos_client.paths import AppPaths
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.main_window import MainWindow
from pos_client.ui.offer_panel import attach_offer_desk
from pos_client.ui.pauses import SETTLE_AFTER_SHOW_MS, settle_after_start
from pos_client.ui.qt_translations import install_qt_translation
from pos_client.ui.settings_dialog import ApiKeyStore, SettingsDialog
from pos_client.ui.termination import stop_on_termination
from pos_client.ui.welcome import WelcomeChoice, ask_first_run_choice, first_run_choice
from pos_client.ui.worker import QtTaskRunner

__all__ = ["build_sources", "demo_till", "run_app", "till_under"]

log = logging.getLogger(__name__)


def counter_for(
    api: BookingsApi,
    journal: Journal,
    settings: Settings,
    monotonic: Callable[[], float] = time.monotonic,
    claims: BookingClaims | None = None,
) -> tuple[Counter, QtTaskRunner]:
    """A ready counter for a window, on a Qt task runner (its jobs answer on the GUI thread)."""
    runner = QtTaskRunner()
    translate = Translator(settings.ui.language)
    counter = build_counter(
        api, journal, runner, settings, translate=translate, monotonic=monotonic, claims=claims
    )
    return counter, runner


def build_window(
    *,
    api: BookingsApi,
    journal: Journal,
    settings: Settings,
    monotonic: Callable[[], float] = time.monotonic,
    claims: BookingClaims | None = None,
    **options: Any,
) -> MainWindow:
    """A till window on ``api`` and ``journal``, with its counter built from ``settings``."""
    counter, runner = counter_for(api, journal, settings, monotonic, claims)
    return MainWindow(counter=counter, runner=runner, journal=journal, settings=settings, **options)


def _window_for(
    backend: Backend, settings: Settings, sources: Sequence[ScanSource], *, demo: bool
) -> MainWindow:
    window = build_window(
        api=backend.api,
        journal=backend.journal,
        settings=settings,
        claims=backend.claims,
        sources=sources,
        demo=demo,
        environment_label=backend.environment_label,
        server_address=_custom_address(settings, demo=demo),
        api_key_hint=lambda: key_hint(backend.api_key),
        problems=backend.problems,
        handoff=backend.handoff,
        ledger=backend.ledger,
        ledger_status=backend.ledger_status,
    )
    window.resize(1024, 768)
    return window


def _custom_address(settings: Settings, *, demo: bool) -> str:
    """The custom server's address for the status bar ("" for production, integration and the demo)."""
    if demo or settings.api.environment is not ApiEnvironment.CUSTOM:
        return ""
    return settings.api.custom_url


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
        store = keys if keys is not None else key_store_for(settings.api, context.paths.config_dir)
        backend = open_backend(context, demo=demo, keys=store, stack=stack)
        window = _window_for(backend, settings, sources, demo=demo)
        attach_offer_desk(window, backend, context, demo=demo, stack=stack)
        try:
            yield window, backend
        finally:
            window.close()


def demo_till(
    root: Path, settings: Settings, sources: Sequence[ScanSource] = ()
) -> AbstractContextManager[tuple[MainWindow, Backend]]:
    """A demo till under ``root`` (see ``till_under``)."""
    return till_under(root, settings, sources, demo=True)


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
    # SIGTERM (shutdown, logout, systemctl): close as the window's close does, then exit 0.
    with stop_on_termination(lambda: _stop_till(app)) as stop:
        code = _run_app(app, context, demo=demo, sources=sources, keys=keys, ask_welcome=ask_welcome)
    if stop.requested:
        log.warning(
            "%s : caisse fermée proprement (journal, transmission et douchettes fermés)", stop.signal_name
        )
        return 0
    return code


def _stop_till(app: QApplication) -> None:
    app.closeAllWindows()  # dialogs answer "cancel"; the window stops its scanners
    app.quit()
    QTimer.singleShot(0, app.quit)  # a signal during start-up: quit as soon as the loop runs


def _run_app(
    app: QApplication,
    context: AppContext,
    *,
    demo: bool,
    sources: Sequence[ScanSource] | None,
    keys: ApiKeyStore | None,
    ask_welcome: Callable[[], WelcomeChoice],
) -> int:
    keys = keys if keys is not None else key_store_for(context.settings.api, context.paths.config_dir)
    install_qt_translation(context.settings.ui.language)  # Qt's own texts: « Annuler », not "Cancel"
    # First run: no API key yet -> the welcome offers the settings or the demo mode.
    first_run = first_run_choice(
        demo=demo, read_key=lambda: keys.get_key(context.settings.api.environment), ask=ask_welcome
    )
    if first_run is WelcomeChoice.QUIT:
        return Exit.OK
    demo = demo or first_run is WelcomeChoice.DEMO
    settings_first = first_run is WelcomeChoice.SETTINGS
    while True:
        _apply_font_scale(app, context.settings)
        install_qt_translation(context.settings.ui.language)  # again: the settings may have changed it
        try:
            outcome = _run_once(app, context, keys, demo=demo, sources=sources, settings_first=settings_first)
        except JournalError as exc:
            # Newer, foreign, damaged, a folder, locked: refused untouched, say why (a desktop launch
            # has no terminal to show a traceback); the same exit code as the command line's.
            log.error("journal refused: %s", exc)
            tr = Translator(context.settings.ui.language)
            QMessageBox.critical(None, tr("Caisse pass Culture"), str(exc))
            return Exit.BAD_JOURNAL
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
        attach_offer_desk(window, backend, context, demo=demo, stack=stack)

        def open_settings() -> None:
            nonlocal restart
            dialog = SettingsDialog(
                context.settings,
                keys,
                window,
                attach_scanner_test=window.attach_scanner_test,
                demo=demo,
                load_venues=getattr(backend.api, "offerer_venues", None),  # the key's venues
            )
            if dialog.exec():
                context.save_settings(dialog.result_settings())
                restart = True
                window.close()  # waits for a change in flight; the journal already holds it
            else:
                window.take_keyboard_back()  # without a window manager nobody else gives it back

        window.settings_requested.connect(open_settings)
        window.webcam_settings_changed.connect(lambda webcam: save_webcam_settings(context, webcam))
        window.show()
        # Once the window is up (history read, sounds loaded): start-up objects out of the collector.
        QTimer.singleShot(SETTLE_AFTER_SHOW_MS, settle_after_start)
        log.info("caisse prête (%s)", backend.environment_label)
        if settings_first:
            QTimer.singleShot(0, open_settings)  # over the window, once its event loop runs
        code = int(app.exec())
        window.close()
    return None if restart else code
