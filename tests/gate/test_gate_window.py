"""The gate window on the festival emulator: typed scans, one key to let in, a live lookup, sounds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos_client.app.gate_demo import DemoGate, open_demo_gate
from pos_client.domain.booking import BookingStatus
from pos_client.emulator import festival
from pos_client.gate.budget import MinuteBudget
from pos_client.ui.gate_window import GateWindow, LookupBridge


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoGate]:
    demo = open_demo_gate(tmp_path / "gate.sqlite3", start_worker=False)
    demo.session.refresher.budget = MinuteBudget(10**6)  # the first load spent the demo's share
    yield demo
    demo.close()


@pytest.fixture
def window(demo: DemoGate, qtbot: QtBot) -> Iterator[GateWindow]:
    window = GateWindow(demo.session, LookupBridge(), sounds_enabled=False)
    qtbot.addWidget(window)
    yield window
    window.close()


def _tonight(demo: DemoGate, quantity: int) -> str:
    gate = demo.session.gate
    return min(
        e.token for e in gate.roster.by_token.values()
        if gate.scope.admits(e) and e.status is BookingStatus.CONFIRMED and e.quantity == quantity
    )  # fmt: skip


def test_scan_let_in_with_space_then_the_reentry_is_red(
    demo: DemoGate, qtbot: QtBot, window: GateWindow
) -> None:
    token = _tonight(demo, 2)
    qtbot.keyClicks(window.code_field, f"PASSCULTURE:v3;TOKEN:{token}")
    qtbot.keyClick(window.code_field, Qt.Key.Key_Return)
    assert window.headline.text() == "Duo : 2 personnes" and window.name_label.text()
    assert window.sounds.played == ["duo"]
    qtbot.keyClick(window.code_field, Qt.Key.Key_Space)
    assert demo.session.gate.counters().entered_by_gate == {"A": 2}
    qtbot.keyClicks(window.code_field, token)
    qtbot.keyClick(window.code_field, Qt.Key.Key_Return)
    assert window.headline.text().startswith("Déjà entrée à") and window.headline.text().endswith("(porte A)")
    assert window.sounds.played[-1] == "already_in" and not window.enter_button.isVisibleTo(window)


def test_an_unknown_code_is_looked_up_and_the_screen_updates(
    demo: DemoGate, qtbot: QtBot, window: GateWindow
) -> None:
    evening = demo.session.refresher.status  # the first load is done
    assert evening.first_load_done
    tonight = festival.festival_evenings(demo.emulator.control.now())[0]
    token = demo.emulator.control.create_booking(
        venue_id=festival.FESTIVAL_VENUE_ID, offer_name=festival.FESTIVAL_OFFER_NAME, price_cents=3000,
        price_category="Fosse", event_starts_at=tonight,
    )  # fmt: skip
    for _ in range(6):  # a refresh round lists it (its date known), without its contremarque
        demo.session.refresher.step()
    window.show_verdict(demo.session.gate.scan(token))
    assert window.headline.text() == "Inconnue : vérifier" and window.sounds.played == ["unknown"]
    requested = demo.session.worker._lookups.get_nowait()
    bridge = window.bridge
    with qtbot.waitSignal(bridge.answered):
        bridge.deliver(demo.session.worker._lookup(requested))
    assert window.headline.text() == "Entrée : 1 personne" and window.name_label.text()
    assert window.sounds.played == ["unknown", "admit"]


def test_choosing_another_evening_changes_the_verdicts_and_the_refresh(
    demo: DemoGate, qtbot: QtBot, window: GateWindow
) -> None:
    gate = demo.session.gate
    starts, labels = demo.session.choices()
    assert len(starts) == 3 and labels == ["Carré or", "Fosse", "Gradins"]
    from pos_client.ui.gate_scope_dialog import GateScopeDialog

    dialog = GateScopeDialog(starts, labels, gate.scope)
    qtbot.addWidget(dialog)
    assert [box.isChecked() for box, _, _ in dialog.start_boxes] == [True, False, False]
    dialog.start_boxes[0][0].setChecked(False)
    dialog.start_boxes[1][0].setChecked(True)
    dialog.label_boxes[2][0].setChecked(True)  # Gradins only
    window.apply_scope(dialog.scope())
    second = starts[1][1].date()
    token = min(
        e.token for e in gate.roster.by_token.values()
        if e.day == second and e.price_label == "Gradins" and e.status is BookingStatus.CONFIRMED
    )  # fmt: skip
    fosse = min(
        e.token for e in gate.roster.by_token.values() if e.day == second and e.price_label == "Fosse"
    )
    window.show_verdict(gate.scan(token))
    assert window.headline.text() in ("Entrée : 1 personne", "Duo : 2 personnes")
    window.show_verdict(gate.scan(fosse))
    assert (
        window.headline.text() == "Pas pour cette date / ce spectacle" and "(Fosse)" in window.detail.text()
    )
    assert gate.roster.by_token[token].booking_id is None  # only the first evening was listed
    for _ in range(40):  # the rest of tonight's round, then the new evening's ~20 pages
        if gate.roster.by_token[token].booking_id is not None:
            break
        demo.session.refresher.step()
    assert gate.roster.by_token[token].booking_id is not None  # the new evening's list was read
