"""The « offre sur-mesure » screen end to end in the till window (pytest-qt) against the emulator: a
bare EAN scanned on the ready screen, price, creation with progress, the QR code, the young person's
contremarque validated with the card's note, the offer closed after the sale; the double scan; a
restart while waiting; refusals shown in French."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from offer_fixtures import run_jobs
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "counter"))

from counter_fakes import StoredKey

from pos_client.counter.view import Action, State
from pos_client.domain.offers import OfferInProgress, OfferQueued
from pos_client.domain.scan import RawScan, Transport
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.products import CATALOGUE, DEMO_EANS
from pos_client.offers import StillWaiting
from pos_client.scanner.null_source import NullSource
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.app import till_under
from pos_client.ui.main_window import MainWindow
from pos_client.ui.offer_panel import OfferController

VINYL = CATALOGUE["vinyl"].ean


def settings_for(emulator: RunningEmulator, **offer: object) -> Settings:
    return Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False},
        api={"environment": ApiEnvironment.CUSTOM, "custom_url": emulator.base_url, "read_timeout_s": 3.0},
        offer={"venue_id": demo_data.BOOKSHOP_VENUE_ID, **offer},
    )


@contextmanager
def till(
    qtbot: QtBot, root: Path, emulator: RunningEmulator, source: NullSource | None = None, **offer: object
) -> Iterator[tuple[MainWindow, OfferController]]:
    sources = (source,) if source is not None else ()
    keys = StoredKey(demo_data.DEMO_API_KEY)
    with till_under(root, settings_for(emulator, **offer), sources, demo=False, keys=keys) as (window, _):
        qtbot.addWidget(window)
        window.show()
        controller = window.findChild(OfferController)
        assert controller is not None
        timer = controller.panel.findChild(QTimer, "offer_poll_timer")
        assert timer is not None
        timer.setInterval(20)  # the tests' emulator runs jobs only when told: no waiting on time
        yield window, controller
        controller.runner.wait_idle()


def is_waiting(outcome: object) -> bool:
    return isinstance(outcome, StillWaiting)


def test_the_whole_flow_at_the_till(qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator) -> None:
    source = NullSource("serial:test")
    with till(qtbot, tmp_path, emulator, source, close_after_booking=True) as (window, controller):
        panel = controller.panel
        assert window.tools.offers(controller.button) and not panel.isVisible()  # behind « Outils »
        source.feed(VINYL, Transport.SERIAL)  # a bare EAN-13 on the ready screen
        qtbot.waitUntil(panel.isVisible, timeout=5000)
        assert panel.ean.text() == VINYL and panel.quantity.value() == 1
        assert window.counter.state is State.READY  # the counter never saw it
        qtbot.keyClicks(panel.price, "24,50")
        with qtbot.waitSignal(panel.outcome_shown, timeout=8000, check_params_cb=is_waiting):
            panel.create_button.click()
        assert panel.progress.isVisible() and "en cours" in panel.title.text()
        source.feed(VINYL, Transport.SERIAL)  # the scanner reads it again: guarded
        qtbot.waitUntil(
            lambda: "Déjà en cours" in panel.title.text() or panel.progress.isVisible(), timeout=3000
        )
        run_jobs(emulator)
        qtbot.waitUntil(lambda: panel.qr.isVisible(), timeout=8000)
        assert panel.title.text() == "Les Nuits Électriques (vinyle 33 tours)"
        assert panel.qr.pixmap().width() >= 300
        offer_id = int(panel.link.text().rsplit("/", 1)[1])
        assert panel.link.text() == f"{emulator.base_url}/offre/{offer_id}"
        posts = [seen for seen in emulator.control.requests_seen() if seen.method == "POST"]
        assert len(posts) == 1
        # The young person books it in the app and shows the contremarque: the normal flow runs.
        panel.hide()
        token = emulator.products.book_offer(offer_id)
        source.feed(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL)
        qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
        assert controller.note.isVisible() and "créée à cette caisse" in controller.note.text()
        assert window.trigger(Action.CONFIRM_ID) and window.trigger(Action.VALIDATE)
        qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=8000)
        # offer.close_after_booking: the offer is closed (stock to 0) once validated.
        qtbot.waitUntil(lambda: emulator.products.pending_jobs() == 1, timeout=8000)
        run_jobs(emulator)
        qtbot.waitUntil(lambda: "Offre fermée" in panel.title.text(), timeout=8000)
        assert controller.desk.made()[-1].closed
        assert not panel.close_offer_button.isEnabled()


def test_refusals_are_explained_in_the_panel(qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator) -> None:
    with till(qtbot, tmp_path, emulator) as (window, controller):
        panel = controller.panel
        window.on_scan(RawScan(DEMO_EANS["unknown"][0], Transport.TYPED, "clavier"))
        panel.price.setText("10")
        panel.create_button.click()
        qtbot.waitUntil(lambda: "inconnu de pass Culture" in panel.title.text(), timeout=8000)
        assert "espace pro" in panel.detail.text()
        panel.ean.setText(VINYL)
        panel.price.setText("32")
        panel.credit.setText("20")
        panel.create_button.click()
        qtbot.waitUntil(lambda: panel.complete_button.isVisible(), timeout=8000)
        assert "à compléter par le jeune" in panel.detail.text()
        with qtbot.waitSignal(panel.outcome_shown, timeout=8000, check_params_cb=is_waiting):
            panel.complete_button.click()  # created at the young person's credit, the rest paid at the till
        assert controller.desk.pending is not None and controller.desk.pending.price_cents == 2000


def test_a_contremarque_scan_still_goes_to_the_counter(
    qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator
) -> None:
    with till(qtbot, tmp_path, emulator) as (window, controller):
        window.on_scan(RawScan(demo_data.TOKENS["book"], Transport.TYPED, "clavier"))
        qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
        assert not controller.panel.isVisible() and not controller.note.isVisible()
        window.on_scan(RawScan(VINYL, Transport.TYPED, "clavier"))  # not on the ready screen: the counter's
        assert not controller.panel.isVisible()


def test_a_restart_while_waiting_resumes(qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator) -> None:
    with till(qtbot, tmp_path, emulator) as (window, controller):
        window.on_scan(RawScan(VINYL, Transport.TYPED, "clavier"))
        controller.panel.price.setText("19,90")
        with qtbot.waitSignal(controller.panel.outcome_shown, timeout=8000,
                              check_params_cb=lambda o: isinstance(o, OfferQueued)):  # fmt: skip
            controller.panel.create_button.click()
    # The till is closed while pass Culture's job has not run; it runs meanwhile.
    run_jobs(emulator)
    with till(qtbot, tmp_path, emulator) as (window, controller):
        panel = controller.panel
        qtbot.waitUntil(lambda: panel.qr.isVisible(), timeout=8000)  # resumed on its own
        assert panel.ean.text() == VINYL and "Les Nuits" in panel.title.text()
        assert controller.desk.pending is None
    posts = [seen for seen in emulator.control.requests_seen() if seen.method == "POST"]
    assert len(posts) == 1


def test_f7_opens_the_panel_and_a_second_scan_keeps_the_qr_code(
    qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator
) -> None:
    emulator.products.set_jobs(delay_s=0)
    with till(qtbot, tmp_path, emulator) as (window, controller):
        controller.open_panel()
        panel = controller.panel
        assert panel.isVisible()
        panel.take_ean(CATALOGUE["cd"].ean)
        panel.price.setText("12,99")
        panel.create_button.click()
        qtbot.waitUntil(lambda: panel.qr.isVisible(), timeout=8000)
        with qtbot.waitSignal(panel.outcome_shown, timeout=3000,
                              check_params_cb=lambda o: isinstance(o, OfferInProgress)):  # fmt: skip
            window.on_scan(RawScan(CATALOGUE["cd"].ean, Transport.TYPED, "clavier"))
        assert panel.qr.isVisible() and "Déjà en cours" in panel.title.text()
        assert len([seen for seen in emulator.control.requests_seen() if seen.method == "POST"]) == 1


def test_the_demo_runs_without_a_phone(qtbot: QtBot, tmp_path: Path) -> None:
    from pos_client.ui.app import demo_till

    settings = Settings(till_name="caisse-démo").with_values(ui={"sound_enabled": False})
    with demo_till(tmp_path, settings) as (window, backend):
        qtbot.addWidget(window)
        window.show()
        assert backend.emulator is not None
        backend.emulator.products.set_jobs(delay_s=0)
        controller = window.findChild(OfferController)
        assert controller is not None and controller.desk.venue_id == demo_data.BOOKSHOP_VENUE_ID
        panel = controller.panel
        window.on_scan(RawScan(CATALOGUE["cd"].ean, Transport.TYPED, "clavier"))
        panel.price.setText("12,99")
        panel.create_button.click()
        qtbot.waitUntil(panel.demo_book_button.isVisible, timeout=8000)
        panel.demo_book_button.click()
        qtbot.waitUntil(lambda: "démo" in panel.title.text(), timeout=8000)
        token = panel.link.text()
        assert len(token) == 6 and token in panel.title.text() and panel.qr.isVisible()
        panel.hide()
        window.on_scan(RawScan(token, Transport.TYPED, "clavier"))
        qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
        assert controller.note.isVisible() and "Chansons du Port" in controller.note.text()
        controller.runner.wait_idle()
