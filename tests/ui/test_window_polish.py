"""Cashier polish: placeholder, « Tester le scanner » reachable, French source names in one compact
status item, English texts, and the window fitting 1024x768 in every state, camera closed or open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from counter_fakes import FakeApi, NoKeys, RecordingJournal, make_booking
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, State
from pos_client.domain.outcomes import AlreadyValidated, Found, NotFound
from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
from pos_client.i18n import Translator
from pos_client.settings import Settings
from pos_client.ui.main_window import MainWindow, handoff_text
from pos_client.ui.scanner_test_window import ScannerTestWindow
from pos_client.ui.settings_dialog import SettingsDialog
from pos_client.ui.status_bar import scanners_summary, source_name

WindowFactory = Callable[..., MainWindow]
FR, EN = Translator("fr"), Translator("en")
LONG_ERROR = "Accès refusé à /dev/hidraw3 : ajoutez l'utilisateur au groupe plugdev puis rebranchez"


def test_the_code_placeholder_is_an_instruction_not_a_token(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024)
    assert window.code_field.edit.placeholderText() == "Scannez ou tapez le code (6 caractères)"
    assert EN("Scannez ou tapez le code (6 caractères)") == "Scan or type the code (6 characters)"


def test_sources_have_short_french_names_and_states_in_words() -> None:
    assert source_name("keyboard", FR) == "Douchette clavier"
    assert source_name("evdev:/dev/input/event5", FR) == "Douchette clavier"
    assert source_name("serial:/dev/ttyACM0", FR) == "Douchette série (ttyACM0)"
    assert source_name("serial:COM3", FR) == "Douchette série (COM3)"
    assert source_name("hid:0c2e:0b8f", FR) == "Douchette HID"
    assert source_name("webcam:0", FR) == "Caméra"
    assert source_name("serial:COM3", EN) == "Serial scanner (COM3)"
    statuses = [
        SourceStatus("keyboard", SourceState.CONNECTED),
        SourceStatus("hid:0c2e:0b8f", SourceState.ERROR, LONG_ERROR),
        SourceStatus("serial:COM3", SourceState.STOPPED),
    ]
    text, tooltip = scanners_summary(statuses, FR)
    assert text == "Lecteurs ⚠ 1/2 : Douchette HID ⚠ erreur"
    assert tooltip.splitlines() == [
        "Douchette clavier : ✔ prête [keyboard]",
        f"Douchette HID : ⚠ erreur — {LONG_ERROR} [hid:0c2e:0b8f]",
    ]
    assert scanners_summary(statuses[:1], FR)[0] == "Douchette clavier ✔ prête"
    assert scanners_summary(statuses[:1], EN)[0] == "Keyboard scanner ✔ ready"
    assert scanners_summary([statuses[0], SourceStatus("webcam:0", SourceState.CONNECTED)], EN)[0] == (
        "Readers ✔ 2 ready"
    )
    assert scanners_summary([statuses[2]], FR) == ("", "")


def test_scanner_test_window_opens_from_the_settings_and_sees_the_till_scans(
    qtbot: QtBot, make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal]
) -> None:
    window = make_window(*fake_backend)
    dialog = SettingsDialog(
        Settings(till_name="t"), NoKeys(), window, attach_scanner_test=window.attach_scanner_test
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.test_scanner_button.text() == "Tester le scanner…"
    qtbot.mouseClick(dialog.test_scanner_button, Qt.MouseButton.LeftButton)
    opened = dialog.scanner_test_window
    assert isinstance(opened, ScannerTestWindow) and opened.isVisible() and opened.isWindow()
    assert opened.windowTitle() == "Tester le scanner"
    window.bridge.scanned.emit(RawScan("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL, "serial:COM3"))
    assert opened.verdict.text() == "✔ Contremarque lue : 352UW4"
    assert "serial:COM3" in opened.log.toPlainText()
    qtbot.mouseClick(dialog.test_scanner_button, Qt.MouseButton.LeftButton)
    assert dialog.scanner_test_window is opened  # brought back, not a second one
    dialog.reject()
    assert not opened.isVisible()


def test_english_for_the_camera_hand_off_and_start_up_texts() -> None:
    assert EN("Caméra (F3)") == "Camera (F3)" and EN("Caméra") == "Camera"
    assert handoff_text({"http": 2}, {}, EN) == "2 payments not yet passed to the cash register"
    assert handoff_text({"http": 1}, {}) == "1 paiement non transmis à la caisse"
    assert EN("{reason} Clé d'API indisponible.", reason="X.") == "X. API key unavailable."
    fix_it = EN("{reason} Corrigez-la dans les réglages (F2).", reason="X.")
    assert fix_it == "X. Correct it in the settings (F2)."
    assert EN("DÉMO (émulateur local)") == "DEMO (local emulator)"


def _assert_fits_1024x768(window: MainWindow, where: str) -> None:
    QApplication.processEvents()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 768, f"{where}: {hint.width()}x{hint.height()}"
    assert window.minimumWidth() <= 1024 and window.minimumHeight() <= 768, where


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_state_fits_1024x768_with_a_busy_status_bar_camera_closed_and_open(
    qtbot: QtBot,
    tmp_path: Path,
    make_window: WindowFactory,
    fake_backend: tuple[FakeApi, RecordingJournal],
    language: str,
) -> None:
    api, journal = fake_backend
    long_name = "Festival " + "des musiques du monde " * 6
    for walk_id in "KM":
        for n in (1, 2):
            token = f"{walk_id}2A4B{n}"
            api.lookups[token] = Found(replace(make_booking(token, quantity=2), offer_name=long_name))
        api.lookups[f"{walk_id}2A4B4"] = NotFound(f"{walk_id}2A4B4")
    settings = Settings(till_name="t").with_values(
        ui={"sound_enabled": False, "language": language}, webcam={"device": str(tmp_path / "no-camera.avi")}
    )
    window = make_window(api, journal, settings=settings)
    window.resize(1024, 768)
    # The busiest status bar: a start-up problem, undelivered payments, three sources, two failing.
    window.problem_label.setText("Le trousseau du système est inaccessible (pas de session D-Bus). " * 2)
    window.problem_label.setVisible(True)
    undelivered = handoff_text({"http": 12}, {"http": "caisse injoignable (ConnectError) " * 3})
    window._show_handoff(undelivered)
    window._show_handoff(undelivered)  # shown once it lasts
    assert window.handoff_label.isVisible()
    for source_id, state in (
        ("keyboard", SourceState.CONNECTED),
        ("serial:/dev/serial/by-id/usb-Honeywell_Imaging_1900_ttyACM0", SourceState.DISCONNECTED),
        ("hid:0c2e:0b8f", SourceState.ERROR),
    ):
        window._on_source_status(SourceStatus(source_id, state, LONG_ERROR))
    tr = Translator(language)
    summary = {"fr": "Lecteurs ⚠ 2/3", "en": "Readers ⚠ 2/3"}[language]
    assert window.scanners_label.text().startswith(summary)
    assert f"{tr('Douchette HID')} : ⚠ {tr('erreur')}" in window.scanners_label.toolTip()

    def go(action: Action | None, state: State, where: str, token: str = "") -> None:
        if token:
            window.counter.scan(RawScan(token, Transport.TYPED, "typed"))
        if action is not None:
            assert window.trigger(action), f"{where}: {action} refused in {window.counter.state}"
        qtbot.waitUntil(lambda: window.counter.state is state, timeout=3000)
        _assert_fits_1024x768(window, f"{where}, {state.name}")

    def walk(where: str, walk_id: str) -> None:
        _assert_fits_1024x768(window, f"{where}, ready")
        go(None, State.ID_CHECK, where, f"{walk_id}2A4B1")
        go(Action.CONFIRM_ID, State.ID_CHECK, where)
        go(Action.VALIDATE, State.VALIDATED, where)
        api.lookups[f"{walk_id}2A4B1"] = AlreadyValidated(f"{walk_id}2A4B1")  # by this till: revert offered
        go(None, State.ID_CHECK, where, f"{walk_id}2A4B2")
        go(Action.CANCEL_BOOKING, State.CONFIRM_CANCEL, where)
        go(None, State.ALREADY_VALIDATED, where, f"{walk_id}2A4B1")
        go(Action.REVERT, State.CONFIRM_REVERT, where)
        go(Action.DISMISS, State.READY, where)
        go(None, State.NOT_FOUND, where, f"{walk_id}2A4B4")

    walk("camera closed", "K")
    full_placeholder = window.code_field.edit.placeholderText()
    window.show_camera(True)
    assert window.camera_dock is not None and window.camera_dock.isVisible()
    qtbot.waitUntil(lambda: window.code_field.edit.placeholderText() != full_placeholder, timeout=2000)
    assert window.code_field.edit.placeholderText() == tr("Scannez ou tapez le code")  # never cut
    walk("camera open", "M")
