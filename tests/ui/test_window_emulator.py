"""The real window against the running emulator (real HTTP on loopback, real SQLite journal):
each outcome, double click, double scan, the ID-check gate, revert, French texts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos_client.api.emulator import Fault, FaultKind, RunningEmulator, demo_data
from pos_client.scanner.source import NullSource, Transport
from pos_client.settings import Settings
from pos_client.ui.app import Backend, demo_till
from pos_client.ui.main_window import MainWindow
from pos_client.workflow import Action, State

TOKENS = demo_data.TOKENS


@dataclass
class Till:
    window: MainWindow
    backend: Backend
    source: NullSource
    qtbot: QtBot

    @property
    def emulator(self) -> RunningEmulator:
        assert self.backend.emulator is not None
        return self.backend.emulator

    def scan(self, token: str) -> None:
        self.source.feed(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL)

    def wait(self, state: State, timeout_ms: int = 8000) -> None:
        self.qtbot.waitUntil(lambda: self.window.counter.state is state, timeout=timeout_ms)

    def requests(self, method: str, fragment: str) -> int:
        return sum(
            1 for r in self.emulator.control.requests_seen() if r.method == method and fragment in r.path
        )

    def title(self) -> str:
        return self.window.status_area.title.text()

    def detail(self) -> str:
        return self.window.status_area.detail.text()


@pytest.fixture
def till(qtbot: QtBot, tmp_path: Path) -> Iterator[Till]:
    settings = Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False}, api={"read_timeout_s": 2.0, "connect_timeout_s": 1.0}
    )
    source = NullSource("serial:test")
    with demo_till(tmp_path, settings, (source,)) as (window, backend):
        qtbot.addWidget(window)
        window.show()
        yield Till(window, backend, source, qtbot)


def validate_through_keys(till: Till) -> None:
    window = till.window
    till.qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    till.qtbot.waitUntil(lambda: window.buttons[Action.VALIDATE].isVisible(), timeout=2000)
    till.qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)


def test_demo_banner_and_ready_texts(till: Till) -> None:
    assert till.window.demo_banner.isVisible() and "DÉMO" in till.window.demo_banner.text()
    assert till.title() == "Prêt : scannez une contremarque"
    assert "DÉMO" in till.window.env_label.text()


def test_duo_booking_validated_with_id_gate_and_payment(till: Till) -> None:
    token = TOKENS["duo_cinema"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    card = till.window.card
    assert card.duo.isVisible() and card.total.text().startswith("14,00")
    assert card.name.text() and re.search(r"\d+ ans", card.birth.text())
    assert not till.window.buttons[Action.VALIDATE].isVisible()
    assert not till.window.trigger(Action.VALIDATE)  # gate: not before the ID check
    validate_through_keys(till)
    till.wait(State.VALIDATED)
    assert till.title() == "Contremarque validée" and "14,00" in till.detail()
    assert till.emulator.control.booking_state(token)["status"] == "USED"
    till.qtbot.waitUntil(lambda: till.window.day_total_cents == 1400, timeout=3000)


def test_double_click_and_double_scan_send_one_validation(till: Till) -> None:
    token = TOKENS["book"]

    def repeat() -> None:
        for _ in range(10):
            till.scan(token)

    thread = threading.Thread(target=repeat)
    thread.start()
    thread.join(5)
    till.wait(State.ID_CHECK)
    till.window.trigger(Action.CONFIRM_ID)
    button = till.window.buttons[Action.VALIDATE]
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    repeat()
    till.wait(State.VALIDATED)
    repeat()
    till.qtbot.wait(100)
    assert till.requests("PATCH", "/use/") == 1
    assert till.requests("GET", f"/token/{token}") == 1


@pytest.mark.parametrize(
    ("case", "state", "title", "text"),
    [
        ("used", State.ALREADY_VALIDATED, "Contremarque déjà validée", "déjà été validée"),
        ("cancelled", State.CANCELLED, "Réservation annulée", "ne peut plus être validée"),
        ("reimbursed", State.REIMBURSED, "Réservation déjà remboursée", "remboursée"),
        ("pending_event", State.NOT_YET_CONFIRMED, "Pas encore validable", "à partir du"),
        ("other_venue", State.NOT_FOUND, "Contremarque introuvable", "pour ce lieu"),
        ("closed_structure", State.STRUCTURE_CLOSED, "Structure fermée", "structure fermée"),
    ],
)
def test_each_refusal_has_its_french_state(
    till: Till, case: str, state: State, title: str, text: str
) -> None:
    till.scan(TOKENS[case])
    till.wait(state)
    assert till.title() == title and text in till.detail()
    assert till.requests("PATCH", "/") == 0


def test_server_trouble_offers_retry_and_loses_nothing(till: Till) -> None:
    till.emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=None, status_code=503))
    till.scan(TOKENS["book"])
    till.wait(State.SERVER_TROUBLE)
    assert "Rien n'a été validé" in till.detail() and till.window.buttons[Action.RETRY].isVisible()
    assert "difficulté" in till.window.connection_label.text()
    till.emulator.control.clear_faults()
    till.qtbot.keyClick(till.window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    till.wait(State.ID_CHECK)


def test_lost_answer_after_commit_is_settled_by_reread(till: Till) -> None:
    token = TOKENS["book_2"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    till.emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, method="PATCH"))
    validate_through_keys(till)
    till.qtbot.waitUntil(
        lambda: till.window.counter.state not in (State.ID_CHECK, State.VALIDATING), timeout=10000
    )
    # The answer was lost after the server committed: the client proved it by re-reading.
    assert till.window.counter.state is State.VALIDATED
    assert "confirmé en relisant" in till.detail()
    assert till.requests("PATCH", "/use/") == 1


def test_revert_after_validation(till: Till) -> None:
    token = TOKENS["museum_pass"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    validate_through_keys(till)
    till.wait(State.VALIDATED)
    till.qtbot.keyClick(till.window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    till.wait(State.CONFIRM_REVERT)
    assert "Aucun remboursement" in till.detail()
    till.qtbot.keyClick(till.window, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    till.wait(State.REVERTED)
    assert till.emulator.control.booking_state(token)["status"] == "CONFIRMED"
    till.qtbot.waitUntil(lambda: till.window.day_total_cents == 0, timeout=3000)


def test_cancel_behind_the_typed_word(till: Till) -> None:
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    till.qtbot.keyClick(till.window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    till.wait(State.CONFIRM_CANCEL)
    till.qtbot.keyClicks(till.window.cancel_word, "non")
    till.qtbot.keyClick(till.window.cancel_word, Qt.Key.Key_Return)
    assert till.window.counter.state is State.CONFIRM_CANCEL
    till.window.cancel_word.clear()
    till.qtbot.keyClicks(till.window.cancel_word, "annuler")
    till.qtbot.keyClick(till.window.cancel_word, Qt.Key.Key_Return)
    till.wait(State.BOOKING_CANCELLED)
    assert till.emulator.control.booking_state(token)["status"] == "CANCELLED"


def test_an_intent_left_open_by_a_crash_is_settled_at_start_up(qtbot: QtBot, tmp_path: Path) -> None:
    from counter_fakes import make_booking

    from pos_client.journal import open_journal
    from pos_client.paths import AppPaths
    from pos_client.ports import Operation

    paths = AppPaths.under(tmp_path)
    paths.ensure()
    journal_path = paths.data_dir / "demo-journal.sqlite3"
    crashed = open_journal(journal_path, till="caisse-test")
    # The demo's "used" booking: validated on the server, but our answer was lost (crash).
    crashed.begin(
        Operation.USE,
        make_booking(TOKENS["used"]),
        transport=Transport.SERIAL,
        source_id="s",
        id_checked_at=None,
    )
    crashed.close()
    settings = Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False})
    with demo_till(tmp_path, settings) as (window, backend):
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: not backend.journal.open_intents(), timeout=8000)
        qtbot.waitUntil(lambda: window.day_total_cents > 0, timeout=3000)
