"""A background job that raises never leaves the till stuck: the Qt runner hands the failure back on the
GUI thread and the window shows an error the cashier can act on."""

from __future__ import annotations

import threading
from collections.abc import Callable

from counter_fakes import FakeApi, RecordingJournal
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pos_client.counter.view import Action, State
from pos_client.domain.ledger import IntentResolution
from pos_client.domain.outcomes import AlreadyValidated
from pos_client.domain.scan import RawScan, Transport
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import QtTaskRunner

TOKEN = "352UW4"
WindowFactory = Callable[..., MainWindow]


def test_the_qt_runner_hands_a_failure_back_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = QtTaskRunner()
    gui = QApplication.instance()
    assert gui is not None
    seen: list[tuple[str, bool]] = []
    worked_on: list[int] = []

    def broken() -> int:
        worked_on.append(threading.get_ident())
        raise LookupError("bug in a job")

    def failed(exc: Exception) -> None:
        seen.append((str(exc), QThread.currentThread() == gui.thread()))

    runner.submit(broken, lambda _result: seen.append(("done", True)), failed)
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [("bug in a job", True)]
    assert worked_on and worked_on[0] != threading.get_ident()  # the work ran on a pool thread
    # Without ``failed`` the failure is only logged, as before: nothing is delivered.
    runner.submit(broken, lambda _result: seen.append(("done", True)))
    assert runner.wait_idle(3000)
    QApplication.processEvents()  # anything the finished job had sent back is delivered now
    assert len(seen) == 1


def test_a_validation_that_raises_shows_an_error_and_the_till_goes_on(
    make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal], qtbot: QtBot
) -> None:
    api, journal = fake_backend
    window = make_window(api, journal)
    window.on_scan(RawScan(TOKEN, Transport.TYPED, "typed"))
    qtbot.waitUntil(lambda: window.counter.state is State.ID_CHECK, timeout=3000)
    assert window.trigger(Action.CONFIRM_ID)
    api.errors[("use", TOKEN)] = RuntimeError("bug in the client")
    assert window.trigger(Action.VALIDATE)
    qtbot.waitUntil(lambda: window.counter.state is State.OUTCOME_UNKNOWN, timeout=3000)
    assert window.status_area.title.text() == "Erreur inattendue : ne remettez rien"
    assert "RuntimeError" in window.status_area.detail.text()
    assert window.buttons[Action.RETRY].isVisible() and not window.buttons[Action.VALIDATE].isVisible()
    assert [i.resolution for i in journal.intents] == [IntentResolution.PENDING]  # open: settled by reading
    # Retry re-reads: the request had left before the bug, the booking is validated.
    api.lookups[TOKEN] = AlreadyValidated(TOKEN)
    assert window.trigger(Action.RETRY)
    qtbot.waitUntil(lambda: window.counter.state is State.VALIDATED, timeout=3000)
    assert [p.token for p in journal.payments] == [TOKEN] and api.count("use") == 1
    assert "confirmé en relisant" in window.status_area.detail.text()


def test_a_lookup_that_raises_can_be_closed(
    make_window: WindowFactory, fake_backend: tuple[FakeApi, RecordingJournal], qtbot: QtBot
) -> None:
    api, journal = fake_backend
    api.errors[("get", TOKEN)] = ValueError("unexpected answer")
    window = make_window(api, journal)
    window.on_scan(RawScan(TOKEN, Transport.TYPED, "typed"))
    qtbot.waitUntil(lambda: window.counter.state is State.JOURNAL_ERROR, timeout=3000)
    assert window.status_area.title.text() == "Erreur interne de la caisse"
    assert window.trigger(Action.DISMISS)
    assert window.counter.state is State.READY
