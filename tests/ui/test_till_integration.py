"""The till as ``pos-client`` builds it, against the running emulator (real HTTP on loopback, real
SQLite journal): start-up trouble shown in the status bar, hand-off of payments to the cash register,
the camera panel feeding the workflow, the revert offered after a restart, the first-run welcome."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from counter_fakes import StoredKey
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pos_client.api.keys import KeyStoreError
from pos_client.app.context import AppContext
from pos_client.counter.view import Action, State
from pos_client.domain.scan import Transport
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.paths import AppPaths
from pos_client.scanner.null_source import NullSource
from pos_client.settings import ApiEnvironment, Settings
from pos_client.ui.app import run_app, till_under
from pos_client.ui.main_window import MainWindow, handoff_text
from pos_client.ui.settings_dialog import SettingsDialog
from pos_client.ui.welcome import WelcomeChoice

TOKENS = demo_data.TOKENS


class NoKeyring(StoredKey):
    def get_key(self, environment: ApiEnvironment) -> str | None:
        raise KeyStoreError("Trousseau du système inaccessible : pas de session D-Bus.")


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator.start(seed="demo") as running:
        yield running


def till_settings(base_url: str, **sections: dict[str, object]) -> Settings:
    return Settings(till_name="caisse-test").with_values(
        ui={"sound_enabled": False},
        api={
            "environment": ApiEnvironment.CUSTOM,
            "custom_url": base_url,
            "read_timeout_s": 2.0,
            "connect_timeout_s": 1.0,
        },
        **sections,
    )


def validate(qtbot: QtBot, window: MainWindow, source: NullSource, token: str) -> None:
    source.feed(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL)
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=8000)
    assert window.trigger(Action.CONFIRM_ID) and window.trigger(Action.VALIDATE)
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=8000)


# ----------------------------------------------------------------------------- start-up trouble
def test_an_empty_custom_server_still_opens_the_till_and_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    source = NullSource("serial:test")
    settings = till_settings("")
    with till_under(tmp_path, settings, (source,), demo=False, keys=StoredKey("k" * 20)) as (window, _):
        qtbot.addWidget(window)
        window.show()
        assert window.problem_label.isVisible()
        assert "Aucune adresse de serveur" in window.problem_label.text()
        assert "réglages (F2)" in window.problem_label.text()
        source.feed("PASSCULTURE:v3;TOKEN:352UW4", Transport.SERIAL)
        qtbot.waitUntil(lambda: window.counter.state is State.NETWORK_TROUBLE, timeout=5000)
        assert "validée" not in window.status_area.title.text()


def test_an_unreadable_keyring_opens_the_till_without_a_key(
    qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator
) -> None:
    settings = till_settings(emulator.base_url)
    with till_under(tmp_path, settings, demo=False, keys=NoKeyring(None)) as (window, backend):
        qtbot.addWidget(window)
        window.show()
        assert backend.api_key is None
        assert "pas de session D-Bus" in window.problem_label.text() and window.problem_label.isVisible()
        assert window.key_label.text() == "Clé d'API : absente"


# ----------------------------------------------------------------------------- hand-off
def test_each_payment_is_dropped_for_the_cash_register(
    qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator
) -> None:
    drop = tmp_path / "caisse"
    source = NullSource("serial:test")
    settings = till_settings(emulator.base_url, handoff={"folder": str(drop)})
    keys = StoredKey(demo_data.DEMO_API_KEY)
    with till_under(tmp_path, settings, (source,), demo=False, keys=keys) as (window, backend):
        qtbot.addWidget(window)
        window.show()
        assert backend.handoff is not None
        validate(qtbot, window, source, TOKENS["book"])
        qtbot.waitUntil(lambda: len(list(drop.glob("pos-client-*.json"))) == 1, timeout=5000)
        qtbot.waitUntil(lambda: backend.handoff is not None and not any(backend.handoff.pending().values()))
        window.refresh_handoff()
        qtbot.wait(300)
        assert not window.handoff_label.isVisible()
    assert backend.handoff.worker._thread is not None and not backend.handoff.worker._thread.is_alive()


def test_undelivered_payments_are_counted_in_the_status_bar(
    qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    source = NullSource("serial:test")
    settings = till_settings(emulator.base_url, handoff={"folder": str(not_a_folder / "caisse")})
    keys = StoredKey(demo_data.DEMO_API_KEY)
    with till_under(tmp_path, settings, (source,), demo=False, keys=keys) as (window, _backend):
        qtbot.addWidget(window)
        window.show()
        validate(qtbot, window, source, TOKENS["museum_pass"])
        qtbot.waitUntil(window.handoff_label.isVisible, timeout=5000)
        text = window.handoff_label.text()
        assert text.startswith("1 paiement non transmis à la caisse : dossier ") and "inaccessible" in text


def test_handoff_text() -> None:
    assert handoff_text({"folder": 0}, {}) == ""
    assert handoff_text({"folder": 3, "http": 1}, {"http": "caisse injoignable (ConnectError)"}) == (
        "3 paiements non transmis à la caisse : caisse injoignable (ConnectError)"
    )


def test_demo_sales_are_never_handed_over(qtbot: QtBot, tmp_path: Path) -> None:
    from pos_client.ui.app import demo_till

    settings = Settings(till_name="t").with_values(
        ui={"sound_enabled": False}, handoff={"folder": str(tmp_path / "caisse")}
    )
    with demo_till(tmp_path, settings) as (window, backend):
        qtbot.addWidget(window)
        assert backend.handoff is None


# ----------------------------------------------------------------------------- revert after a restart
def test_revert_is_offered_after_a_restart(qtbot: QtBot, tmp_path: Path, emulator: RunningEmulator) -> None:
    token = TOKENS["museum_pass"]
    settings = till_settings(emulator.base_url)
    keys = StoredKey(demo_data.DEMO_API_KEY)
    source = NullSource("serial:test")
    with till_under(tmp_path, settings, (source,), demo=False, keys=keys) as (window, _):
        qtbot.addWidget(window)
        window.show()
        validate(qtbot, window, source, token)
    source = NullSource("serial:test")
    with till_under(tmp_path, settings, (source,), demo=False, keys=keys) as (window, _):
        qtbot.addWidget(window)
        window.show()
        source.feed(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL)
        qtbot.waitUntil(lambda: window.counter.state is State.ALREADY_VALIDATED, timeout=8000)
        assert window.status_area.detail.text().startswith("Validée par cette caisse le ")
        assert window.buttons[Action.REVERT].isVisible()
        qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: window.counter.state is State.CONFIRM_REVERT, timeout=2000)
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: window.counter.state is State.REVERTED, timeout=8000)
        assert emulator.control.booking_state(token)["status"] == "CONFIRMED"
        qtbot.waitUntil(lambda: window.day_total_cents == 0, timeout=3000)


# ----------------------------------------------------------------------------- camera
@pytest.fixture(scope="module")
def qr_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    if str(scripts) not in sys.path:
        sys.path.insert(0, str(scripts))
    import make_webcam_corpus

    path = tmp_path_factory.mktemp("camera") / "appear.avi"
    return Path(make_webcam_corpus.write_video(path, "appear", (TOKENS["book"],)).path)


def test_the_camera_panel_feeds_the_counter(qtbot: QtBot, tmp_path: Path, qr_video: Path) -> None:
    from pos_client.ui.app import demo_till

    settings = Settings(till_name="t").with_values(
        ui={"sound_enabled": False}, webcam={"enabled": True, "device": str(qr_video)}
    )
    with demo_till(tmp_path, settings) as (window, _backend):
        qtbot.addWidget(window)
        window.show()
        panel = window.camera_panel
        assert panel is not None and panel.is_on and window.camera_button.isChecked()
        qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=10_000)
        assert window.counter.view.token == TOKENS["book"]
        # Usable at 1024x768 with the panel open.
        assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 768
        qtbot.keyClick(window, Qt.Key.Key_F3)  # hide: the camera goes off
        assert not panel.is_on and not window.camera_button.isChecked()
        qtbot.keyClick(window, Qt.Key.Key_F3)
        assert panel.is_on
    assert not panel.is_on  # closing the window switched it off


# ----------------------------------------------------------------------------- first run
def run_context(tmp_path: Path) -> AppContext:
    context = AppContext(
        paths=AppPaths.under(tmp_path),
        settings=Settings(till_name="t").with_values(ui={"sound_enabled": False}),
    )
    context.paths.ensure()
    return context


def test_first_run_without_a_key_can_quit_before_any_window(qtbot: QtBot, tmp_path: Path) -> None:
    asked: list[bool] = []

    def quit_choice() -> WelcomeChoice:
        asked.append(True)
        return WelcomeChoice.QUIT

    assert (
        run_app(run_context(tmp_path), demo=False, sources=(), keys=StoredKey(None), ask_welcome=quit_choice)
        == 0
    )
    assert asked == [True]


@pytest.mark.parametrize("choice", [WelcomeChoice.DEMO, WelcomeChoice.SETTINGS])
def test_first_run_choices_open_the_till(qtbot: QtBot, tmp_path: Path, choice: WelcomeChoice) -> None:
    seen: list[str] = []

    def act() -> None:
        dialogs = [
            d for d in QApplication.topLevelWidgets() if isinstance(d, SettingsDialog) and d.isVisible()
        ]
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if dialogs:
            seen.append("settings")
            dialogs[0].reject()
        elif windows and (choice is WelcomeChoice.DEMO or seen):
            seen.append(windows[0].windowTitle())
            windows[0].close()
            return
        QTimer.singleShot(20, act)

    QTimer.singleShot(20, act)
    keys = StoredKey(None)
    assert run_app(run_context(tmp_path), demo=False, sources=(), keys=keys, ask_welcome=lambda: choice) == 0
    if choice is WelcomeChoice.DEMO:
        assert len(seen) == 1 and seen[0].endswith("— DÉMO")
    else:
        assert seen[0] == "settings" and not seen[1].endswith("— DÉMO")
