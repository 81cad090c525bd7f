"""``pos-client --gate``: the gate window, on the festival emulator with ``--demo``, else on the
gate file the last ``pos-client gate load`` filled (and the API of the settings for refreshes)."""

from __future__ import annotations

import sys
from contextlib import ExitStack

from PySide6.QtWidgets import QApplication, QMessageBox

from pos_client.api.environments import InsecureUrlError, base_url_for
from pos_client.api.keys import KeyringKeys, KeyStoreError
from pos_client.api.null import UnconfiguredServer
from pos_client.app.backend import open_client
from pos_client.app.context import AppContext
from pos_client.app.exits import Exit
from pos_client.app.gate import (
    GateSession,
    favour_scans,
    gate_store_path,
    join_ledger,
    open_gate,
    saved_setup,
)
from pos_client.domain.ports import BookingsApi
from pos_client.i18n import Translator
from pos_client.ui.gate_window import GateWindow, LookupBridge

__all__ = ["run_gate_app"]


def run_gate_app(context: AppContext, *, demo: bool, gate_name: str = "A") -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    bridge = LookupBridge()
    favour_scans()
    with ExitStack() as stack:
        session: GateSession
        if demo:
            from pos_client.app.gate_demo import open_demo_gate

            path = context.paths.journal_file.with_name("gate-demo.sqlite3")
            path.unlink(missing_ok=True)
            demo_gate = open_demo_gate(path, name=gate_name, on_lookup=bridge.deliver)
            stack.callback(demo_gate.close)
            session = demo_gate.session
        else:
            path = gate_store_path(context.paths.journal_file)
            setup = saved_setup(path, gate_name)
            if setup.venue_id == 0:
                QMessageBox.information(
                    None, "Contrôle d'entrée",
                    "Aucune liste chargée : lancez d'abord"
                    " « pos-client gate load --export FICHIER --venue ID "
                    "--date AAAA-MM-JJ », ou « pos-client --gate --demo ».",
                )  # fmt: skip
                return Exit.USAGE
            api: BookingsApi
            try:
                environment = context.settings.api.environment
                url = base_url_for(environment, context.settings.api.custom_url)
                api_key = KeyringKeys().get_key(environment)
                join_ledger(setup, context.settings, api=(url, api_key) if api_key else None)
                client = open_client(url, api_key, context.settings, limiter=setup.client_budget)
                api = stack.enter_context(client)
            except (InsecureUrlError, KeyStoreError) as exc:
                api = UnconfiguredServer(str(exc))
                if setup.claims is None:
                    join_ledger(setup, context.settings)
            session = open_gate(setup, api, on_lookup=bridge.deliver)
            stack.callback(session.close)
        window = GateWindow(session, bridge, translate=Translator(context.settings.ui.language))
        window.showFullScreen()
        return int(app.exec())
