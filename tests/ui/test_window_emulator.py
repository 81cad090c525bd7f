"""The real window against the running emulator (real HTTP on loopback, real SQLite journal):
each outcome (refusals, key refused, rate limit, network down, timeout, server trouble, lost answer
then Retry), double click, double scan, the ID-check gate, revert, re-scan, French texts."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos_client.api.client import BookingsClient
from pos_client.counter.view import Action, State
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import Fault, FaultKind, RunningEmulator, demo_data
from pos_client.journal import SqliteJournal, open_journal
from pos_client.scanner.null_source import NullSource
from pos_client.settings import Settings
from pos_client.ui.app import build_window, demo_till
from pos_client.ui.main_window import MainWindow

TOKENS = demo_data.TOKENS


@dataclass
class Till:
    window: MainWindow
    emulator: RunningEmulator
    journal: SqliteJournal
    source: NullSource
    qtbot: QtBot
    # Seconds added to the window's monotonic clock (tills made by ``client_till`` only).
    clock_offset: list[float] = field(default_factory=lambda: [0.0])

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

    def payments_today(self) -> list[tuple[str, int, Operation]]:
        return [
            (line.token, line.amount_cents, line.operation)
            for line in self.journal.lines_for_day(date.today())
        ]


@pytest.fixture
def till(qtbot: QtBot, tmp_path: Path) -> Iterator[Till]:
    settings = Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False}, api={"read_timeout_s": 2.0, "connect_timeout_s": 1.0}
    )
    source = NullSource("serial:test")
    with demo_till(tmp_path, settings, (source,)) as (window, backend):
        qtbot.addWidget(window)
        window.show()
        assert backend.emulator is not None and isinstance(backend.journal, SqliteJournal)
        yield Till(window, backend.emulator, backend.journal, source, qtbot)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        yield running


ClientTill = Callable[..., Till]


@pytest.fixture
def client_till(qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator) -> Iterator[ClientTill]:
    """A till window whose own API client (key, URL, timeouts) talks to the running emulator, on a real
    journal; its monotonic clock can be moved forward (``Till.clock_offset``)."""
    opened: list[tuple[MainWindow, BookingsClient, SqliteJournal]] = []

    def factory(
        *,
        key: str = demo_data.DEMO_API_KEY,
        base_url: str | None = None,
        read_timeout_s: float = 2.0,
        read_attempts: int = 3,
    ) -> Till:
        client = BookingsClient(
            base_url or emulator.base_url,
            key,
            till_name="caisse-test",
            connect_timeout_s=1.0,
            read_timeout_s=read_timeout_s,
            read_attempts=read_attempts,
            backoff_s=0.05,
        )
        journal = open_journal(tmp_path / f"journal-{len(opened)}.sqlite3", till="caisse-test")
        source = NullSource("serial:test")
        offset = [0.0]
        window = build_window(
            api=client,
            journal=journal,
            settings=Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False}),
            sources=(source,),
            environment_label="test",
            api_key_hint=lambda: key[-4:],
            monotonic=lambda: time.monotonic() + offset[0],
        )
        qtbot.addWidget(window)
        window.show()
        opened.append((window, client, journal))
        return Till(window, emulator, journal, source, qtbot, offset)

    yield factory
    for window, client, journal in opened:
        window.close()  # waits for the window's jobs before the client and the journal go
        client.close()
        journal.close()


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
    till.qtbot.wait(round(till.window.click_guard_s() * 1000) + 50)  # deliberate, not a double-click
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
        ("used", State.ALREADY_VALIDATED, "Contremarque déjà validée", "pas par cette caisse"),
        ("cancelled", State.CANCELLED, "Réservation annulée", "ne peut plus être validée"),
        ("reimbursed", State.REIMBURSED, "Réservation déjà remboursée", "remboursée"),
        ("pending_event", State.NOT_YET_CONFIRMED, "Pas encore validable", "à partir du"),
        ("other_venue", State.NOT_FOUND, "Contremarque introuvable", "clé d'API de cette caisse"),
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

    from pos_client.domain.ledger import Operation
    from pos_client.journal import open_journal
    from pos_client.paths import AppPaths

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


# ----------------------------------------------------------------------------- credentials and trouble
def test_api_key_refused_says_so_and_opens_the_settings(client_till: ClientTill) -> None:
    till = client_till(key="cle_inconnue_de_ce_serveur_0000")
    asked: list[bool] = []
    till.window.settings_requested.connect(lambda: asked.append(True))
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.AUTH_INVALID)
    assert till.title() == "Clé d'API refusée" and "Vérifiez-la dans les réglages" in till.detail()
    assert asked and not till.window.buttons[Action.VALIDATE].isVisible()
    assert [r.status for r in till.emulator.control.requests_seen()] == [401]  # the server said no
    assert till.emulator.control.booking_state(token)["status"] == "CONFIRMED"


def test_rate_limited_validation_validates_nothing_and_retry_validates_once(till: Till) -> None:
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    # Longer than the client waits by itself: the answer reaches the cashier.
    till.emulator.control.inject_fault(
        Fault(FaultKind.RATE_LIMIT, count=None, method="PATCH", retry_after_s=30)
    )
    validate_through_keys(till)
    till.wait(State.RATE_LIMITED)
    assert till.title() == "Trop de demandes" and "patienter 30 s" in till.detail()
    assert "Rien n'a été validé" in till.detail() and till.window.buttons[Action.RETRY].isVisible()
    assert till.emulator.control.booking_state(token)["status"] == "CONFIRMED"
    assert till.payments_today() == [] and till.journal.open_intents() == []
    till.emulator.control.clear_faults()
    till.qtbot.keyClick(till.window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    till.wait(State.VALIDATED)
    assert till.emulator.control.booking_state(token)["status"] == "USED"
    assert till.payments_today() == [(token, 790, Operation.USE)]


def test_server_unreachable_then_back_retry_reads_the_booking(client_till: ClientTill) -> None:
    till = client_till(read_attempts=1)
    port = till.emulator.port
    till.emulator.stop()  # the server is gone: connections are refused
    till.scan(TOKENS["book"])
    till.wait(State.NETWORK_TROUBLE)
    assert till.title() == "Pas de connexion" and "injoignable" in till.detail()
    assert "difficulté" in till.window.connection_label.text()
    with RunningEmulator.start(seed="demo", port=port):  # back on the same address
        till.qtbot.keyClick(till.window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        till.wait(State.ID_CHECK)
        assert till.window.card.total.text().startswith("7,90")


def test_closed_port_is_network_trouble(client_till: ClientTill) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    till = client_till(base_url=f"http://127.0.0.1:{closed}", read_attempts=1)
    till.scan(TOKENS["book"])
    till.wait(State.NETWORK_TROUBLE)
    assert till.title() == "Pas de connexion" and Action.RETRY in till.window.counter.view.actions


def test_server_too_slow_is_a_timeout_and_retry_reads_again(client_till: ClientTill) -> None:
    till = client_till(read_timeout_s=0.3, read_attempts=1)
    token = TOKENS["book"]
    till.emulator.control.inject_fault(Fault(FaultKind.LATENCY, method="GET", latency_s=1.0))
    till.scan(token)
    till.wait(State.NETWORK_TROUBLE)
    assert till.title() == "Le serveur ne répond pas" and "n'a pas répondu à temps" in till.detail()
    till.qtbot.keyClick(till.window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    till.wait(State.ID_CHECK)  # the slow answer was given up; the new read found the booking
    assert till.window.counter.view.token == token and till.window.card.total.text().startswith("7,90")


# ----------------------------------------------------------------------------- this till's validations
def test_rescan_of_a_token_this_till_validated(client_till: ClientTill) -> None:
    till = client_till()
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    validate_through_keys(till)
    till.wait(State.VALIDATED)
    # Still under the scanner while the success shows: a repeat, the success stays.
    till.window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:test"))
    assert till.window.counter.state is State.VALIDATED
    till.clock_offset[0] += 30  # later: the screen went back to ready, the code comes again
    till.wait(State.READY)
    till.scan(token)
    till.wait(State.ALREADY_VALIDATED)
    assert till.title() == "Contremarque déjà validée"
    when = re.match(r"Validée par cette caisse le (\d\d/\d\d/\d{4}) à \d\d:\d\d\.", till.detail())
    assert when is not None and when.group(1) == date.today().strftime("%d/%m/%Y")
    assert till.window.buttons[Action.REVERT].isVisible()
    assert till.requests("GET", f"/token/{token}") == 2 and till.requests("PATCH", "/use/") == 1
    assert till.payments_today() == [(token, 790, Operation.USE)]


def test_lost_answer_then_retry_ends_validated_with_one_payment(till: Till) -> None:
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    # The validation lands but its answer is lost, and the client's own re-read fails too.
    till.emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, method="PATCH"))
    till.emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, method="GET", status_code=500))
    validate_through_keys(till)
    till.wait(State.OUTCOME_UNKNOWN)
    assert till.title() == "Résultat inconnu : ne remettez rien"
    assert till.emulator.control.booking_state(token)["status"] == "USED"
    assert till.payments_today() == [] and len(till.journal.open_intents()) == 1
    till.qtbot.keyClick(till.window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    till.wait(State.VALIDATED)
    assert till.title() == "Contremarque validée"
    assert (
        "Paiement pass Culture enregistré : 7,90" in till.detail() and "confirmé en relisant" in till.detail()
    )
    assert till.payments_today() == [(token, 790, Operation.USE)]
    assert till.journal.open_intents() == []
    assert till.requests("PATCH", "/use/") == 1
    till.qtbot.waitUntil(lambda: till.window.day_total_cents == 790, timeout=3000)


def test_a_closed_journal_refuses_the_validation_and_sends_nothing(client_till: ClientTill) -> None:
    till = client_till()
    token = TOKENS["book"]
    till.scan(token)
    till.wait(State.ID_CHECK)
    till.journal.close()  # e.g. the till is shutting down
    validate_through_keys(till)
    till.wait(State.JOURNAL_ERROR)
    assert till.title() == "Journal impossible à écrire : rien n'a été envoyé"
    assert "journal fermé" in till.detail() and till.window.buttons[Action.RETRY].isVisible()
    assert till.requests("PATCH", "/") == 0
    assert till.emulator.control.booking_state(token)["status"] == "CONFIRMED"
