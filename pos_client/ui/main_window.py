"""The till window: status area, code field, booking card with the ID check, actions, today's
history and total, status bar. Everything it shows comes from the workflow's ``CounterView``.

Keyboard (every action has a key; Enter never validates, so a scanner's trailing Enter can't):
    Entrée   look up the typed code          Alt+I   ID checked
    Alt+V    validate                         Alt+R   retry
    Alt+A    undo a validation (asks first)   Alt+O   yes, undo it
    Alt+N    cancel the booking (asks first)  Alt+D   cancel for good (after typing ANNULER)
    Échap    close the result / card          F2      settings
    F3       show / hide the camera panel       F4      export the payments (« Exporter… »)
    F6       pass Culture's reimbursements (« Remboursements… »)

Just over 600 lines: the window's wiring (outputs of the counter, status bar, dialogs opened from
it); its parts that stand alone are modules beside it (``action_bar``, ``counter_widgets``, ``look``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos_client import APP_TITLE
from pos_client.counter.machine import Counter
from pos_client.counter.view import BUSY_STATES, Action, Connection, CounterView, State
from pos_client.domain.ledger import Intent, IntentResolution, JournalLine
from pos_client.domain.ports import Journal
from pos_client.domain.scan import RawScan, ScanSource, SourceStatus, Transport
from pos_client.i18n import Translator
from pos_client.journal.store import SqliteJournal
from pos_client.ledger.connection import LedgerLink
from pos_client.settings import Settings, WebcamSettings
from pos_client.ui.action_bar import ActionBar
from pos_client.ui.counter_widgets import BookingCard, CodeField, HistoryPanel, ReadySteps, StatusArea
from pos_client.ui.export_dialog import (
    ExportDialog,
    Exporter,
    ExportResult,
    default_export_folder,
    export_message,
    exporter_for,
    run_export,
)
from pos_client.ui.keyboard_capture import KeyboardCapture
from pos_client.ui.reconcile_dialog import ReconcileDialog, reconciler_for_journal
from pos_client.ui.relayout import layouts_above, one_relayout
from pos_client.ui.scan_bridge import ScanBridge
from pos_client.ui.sounds import SoundPlayer
from pos_client.ui.status_bar import ElidedLabel, scanners_summary
from pos_client.ui.tools_menu import ToolsButton
from pos_client.ui.worker import QtTaskRunner

if TYPE_CHECKING:
    from pos_client.ui.camera_panel import CameraPanel
    from pos_client.ui.scanner_test_window import ScannerTestWindow

__all__ = ["HandOffLink", "MainWindow", "handoff_text"]

log = logging.getLogger(__name__)

# Identity is shown only while the cashier has to check it.
IDENTITY_STATES = frozenset({State.ID_CHECK, State.VALIDATING, State.CONFIRM_CANCEL})
HANDOFF_REFRESH_MS = 1000
NARROW_WIDTH_PX = 960  # an 800 px screen; 1024 px keeps the history's table whole


class LedgerStatusLine(Protocol):
    """The shared ledger's line for the status bar (``app.backend.LedgerStatus``), read off the GUI
    thread: replication lag or "caisse seule", and the day's total across all tills."""

    def line(self, day: date, translate: Callable[[str], str]) -> str: ...


class HandOffLink(Protocol):
    """The running hand-off of payment records to the shop's cash register (journal outbox)."""

    def wake(self) -> None: ...

    def pending(self) -> dict[str, int]: ...

    def last_errors(self) -> dict[str, str]: ...


def handoff_text(pending: dict[str, int], errors: dict[str, str], tr: Translator | None = None) -> str:
    """The status bar's hand-off line ("" when everything was handed over)."""
    tr = tr or Translator()
    waiting = max(pending.values(), default=0)
    if not waiting:
        return ""
    if waiting == 1:
        text = tr("1 paiement non transmis à la caisse")
    else:
        text = tr("{n} paiements non transmis à la caisse", n=waiting)
    if errors:
        text += " : " + " ; ".join(errors.values())
    return text


class MainWindow(QMainWindow):
    """Signals:
    settings_requested(): the cashier (or an API-key problem) asks for the settings dialog.
    view_shown(object): a ``CounterView`` was painted (tests and the bench wait on it).
    webcam_settings_changed(object): the camera panel's choices changed (``WebcamSettings``: the
        camera picked, decoder, backend), for the application to save.
    export_finished(object): an « Exporter… » run ended (``ExportResult``), its message shown.
    """

    settings_requested = Signal()
    view_shown = Signal(object)
    webcam_settings_changed = Signal(object)
    export_finished = Signal(object)

    def __init__(
        self,
        *,
        counter: Counter,
        runner: QtTaskRunner,
        journal: Journal,
        settings: Settings,
        sources: Sequence[ScanSource] = (),
        demo: bool = False,
        environment_label: str = "",
        server_address: str = "",
        api_key_hint: Callable[[], str | None] = lambda: None,
        problems: Sequence[str] = (),
        handoff: HandOffLink | None = None,
        ledger: LedgerLink | None = None,
        ledger_status: LedgerStatusLine | None = None,
        exporter: Exporter | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.tr_ = Translator(settings.ui.language)
        tr = self.tr_
        self.setWindowTitle(tr("Caisse pass Culture") + (" — DÉMO" if demo else "") or APP_TITLE)
        self._journal = journal
        self._api_key_hint = api_key_hint
        self._handoff = handoff
        # « Exporter… » (F4): the journal's payments to a file; None (a test's memory journal) hides it.
        self._exporter = exporter if exporter is not None else exporter_for(journal)
        self._export_folder = default_export_folder()
        self.export_dialog: ExportDialog | None = None
        # « Remboursements… » (F6): pass Culture's reimbursement files against this journal's payments.
        self._reconciler = (
            reconciler_for_journal(journal, ledger) if isinstance(journal, SqliteJournal) else None
        )
        self.reconcile_dialog: ReconcileDialog | None = None
        self.export_message: QMessageBox | None = None
        self._handoff_waiting_before = False
        self._webcam_settings = settings.webcam
        self.camera_panel: CameraPanel | None = None  # made on first use (Qt Multimedia is slow to load)
        self.camera_dock: QDockWidget | None = None
        self.runner = runner
        self.sounds = SoundPlayer(self, enabled=settings.ui.sound_enabled, volume=settings.ui.sound_volume)
        self.counter = counter
        counter.listen(self._on_view, self._on_intents_settled)
        self.history_lines: list[JournalLine] = []
        # Scans something else takes before the counter (the offer desk's bare EAN-13: ui.offer_panel).
        self.scan_interceptors: list[Callable[[RawScan], bool]] = []
        self.day_total_cents = 0

        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)  # every pixel counts at 1024x768 with the camera open
        self.demo_banner = QLabel(tr("DÉMO — réservations fictives, émulateur local"))
        self.demo_banner.setObjectName("demo_banner")
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_banner.setStyleSheet("background: #5b2a86; color: white; font-weight: bold; padding: 4px;")
        self.demo_banner.setVisible(demo)
        outer.addWidget(self.demo_banner)
        self.status_area = StatusArea()
        outer.addWidget(self.status_area)

        self.code_field = CodeField(tr)
        self.code_field.submitted.connect(self._on_code_typed)
        self.card = BookingCard(tr)
        self.history = HistoryPanel(tr)

        self.action_bar = ActionBar(self, tr)
        self.action_bar.clicked.connect(self.trigger)
        self.action_bar.key_pressed.connect(self._shortcut)
        self.buttons = self.action_bar.buttons
        self.cancel_word = QLineEdit()
        self.cancel_word.setObjectName("cancel_word")
        self.cancel_word.setPlaceholderText(tr("Tapez ANNULER"))
        self.cancel_word.returnPressed.connect(lambda: self.trigger(Action.CONFIRM_CANCEL))

        left_column = QWidget()
        left_column.setObjectName("left_column")
        left = QVBoxLayout(left_column)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.code_field)
        self.ready_steps = ReadySteps(tr)  # in « Prêt », where the card will be
        left.addWidget(self.ready_steps)
        left.addWidget(self.card)
        left.addWidget(self.cancel_word)
        left.addStretch(1)  # the code field stays on top when no card is shown
        # A low window (1024x600, 800x600) scrolls the card rather than draw its lines over each other.
        self.left_scroll = QScrollArea()
        self.left_scroll.setObjectName("left_scroll")
        self.left_scroll.setWidgetResizable(True)
        self.left_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.left_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.left_scroll.setWidget(left_column)
        middle = QHBoxLayout()
        middle.addWidget(self.left_scroll, 3)
        middle.addWidget(self.history, 2)
        self._middle = middle  # a narrow window gives the card the history's room (``_fit_width``)
        outer.addLayout(middle, 1)
        outer.addLayout(self.action_bar.layout)
        self.setCentralWidget(body)

        env_text = tr("Serveur : {env}", env=tr(environment_label))
        if server_address:
            env_text += f" ({server_address})"  # a custom server says which one
        self.env_label = ElidedLabel(env_text, min_chars=18)  # cut with "…", never mid-word silently
        self.env_label.setObjectName("status_env")
        # The venue(s) this till serves (settings); a booking of another venue is refused.
        venue_names = settings.api.venue_names or tr("tous ceux de la clé")
        self.venue_label = ElidedLabel(tr("Lieu : {names}", names=venue_names), min_chars=12)
        self.venue_label.setObjectName("status_venue")
        self.connection_label = ElidedLabel(tr("Connexion : —"), min_chars=12)
        self.connection_label.setObjectName("status_connection")
        self.key_label = ElidedLabel(min_chars=10)
        self.key_label.setObjectName("status_key")
        # Every scan source in one compact item; each one's state and message in its tooltip.
        self.source_statuses: dict[str, SourceStatus] = {}
        self.scanners_label = ElidedLabel(min_chars=30)  # its state stays readable
        self.scanners_label.setObjectName("status_scanners")
        self.scanners_label.setVisible(False)
        # Start-up trouble (keyring, server address): the till still opens and says what is wrong.
        self.problem_label = ElidedLabel(" ; ".join(problems), min_chars=10)
        self.problem_label.setObjectName("status_problem")
        self.problem_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.problem_label.setVisible(bool(problems))
        self.handoff_label = ElidedLabel(min_chars=10)
        self.handoff_label.setObjectName("status_handoff")
        self.handoff_label.setStyleSheet("color: #b35900; font-weight: bold;")
        self.handoff_label.setVisible(False)
        self._ledger_status = ledger_status
        self.ledger_label = ElidedLabel(min_chars=10)
        self.ledger_label.setObjectName("status_ledger")
        self.ledger_label.setVisible(ledger_status is not None)
        # The tools live behind « Outils » (``tools_menu``): the status bar keeps its lines at 800 px.
        self.tools = ToolsButton(tr("Outils"), tr("Caméra, export, remboursements, réglages…"))
        self.tools.closed.connect(self._back_to_code_field)
        self.camera_button = QPushButton(tr("Caméra (F3)"))
        self.camera_button.setObjectName("camera_button")
        self.camera_button.setCheckable(True)
        self.camera_button.toggled.connect(self.show_camera)
        self.export_button = QPushButton(tr("Exporter… (F4)"))
        self.export_button.setObjectName("export_button")
        self.export_button.setVisible(self._exporter is not None)
        self.export_button.clicked.connect(self.open_export)
        self.reconcile_button = QPushButton(tr("Remboursements… (F6)"))
        self.reconcile_button.setObjectName("reconcile_button")
        self.reconcile_button.setToolTip(
            tr("Remboursements pass Culture : rapprocher les fichiers de virement")
        )
        self.reconcile_button.setVisible(self._reconciler is not None)
        self.reconcile_button.clicked.connect(self.open_reconcile)
        self.settings_tool = QPushButton(tr("Réglages (F2)"))
        self.settings_tool.setObjectName("settings_tool")
        self.settings_tool.clicked.connect(self.settings_requested.emit)
        for tool in (self.camera_button, self.export_button, self.reconcile_button, self.settings_tool):
            self.tools.add(tool)
        bar = self.statusBar()
        bar.addWidget(self.problem_label, 1)
        bar.addWidget(self.handoff_label, 1)
        bar.addWidget(self.ledger_label, 1)
        for permanent in (
            self.scanners_label,
            self.venue_label,
            self.env_label,
            self.connection_label,
            self.key_label,
            self.tools,
        ):
            bar.addPermanentWidget(permanent)
        self.refresh_key_label()

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self, self.settings_requested.emit)
        QShortcut(QKeySequence(Qt.Key.Key_F3), self, self.camera_button.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self, self.open_export)
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self.open_reconcile)

        self.bridge = ScanBridge(sources, self)
        self.bridge.scanned.connect(self.on_scan)
        self.bridge.status_changed.connect(self._on_source_status)
        self._tick = QTimer(self)
        self._tick.setObjectName("return_to_ready_timer")
        self._tick.setInterval(250)
        self._tick.timeout.connect(self.counter.tick)
        self._tick.start()
        self._handoff_timer = QTimer(self)
        self._handoff_timer.setInterval(HANDOFF_REFRESH_MS)
        self._handoff_timer.timeout.connect(self.refresh_handoff)
        if handoff is not None or ledger_status is not None:
            self._handoff_timer.start()

        # Below the layout's own minimum (<= 1024x768, tested): a maximised window on a 1024x768 screen
        # with a taskbar and a title bar must not be forced larger than the screen.
        self.setMinimumSize(800, 560)
        self._activated_once = False
        self._scanner_test: ScannerTestWindow | None = None
        self._step_shown: tuple[State, str | None, bool] | None = None
        self._view_layouts = layouts_above(
            [self.card.id_panel, self.ready_steps, self.cancel_word, *self.buttons.values()]
        )
        self._on_view(self.counter.view)
        QTimer.singleShot(0, self.sounds.preload)  # after the window shows, not at the first result
        self.refresh_history()
        # Changes whose answer was lost before the last exit are settled by re-reading them (then every
        # ``SETTLE_EVERY_S`` from the tick timer, off the GUI thread).
        self.counter.settle_in_background()
        self.bridge.start()
        if settings.webcam.enabled:
            self.camera_button.setChecked(True)  # opens the panel, which switches the camera on

    # ----------------------------------------------------------------- inputs
    def on_scan(self, scan: RawScan) -> None:
        """A scan from any source, on the GUI thread. While « Tester le scanner » is open, scans are
        for the test only: they never open a booking behind it. An interceptor may take it (the offer
        desk's EANs)."""
        if self._scanner_test is not None and self._scanner_test.isVisible():
            return
        if not any(intercept(scan) for intercept in self.scan_interceptors):
            self.counter.scan(scan)

    def _escape(self) -> None:
        """Échap: whatever was typed goes, and the result or card closes."""
        self.code_field.clear()
        self.trigger(Action.DISMISS)

    def _shortcut(self, action: Action, key: str) -> None:
        if action in self.counter.view.actions:
            if not self.trigger(action):
                # Offered but refused: it came within a scanner's burst (Alt+I just after a scan).
                self.code_field.say(self.tr_("{key} trop tôt après la lecture : appuyez de nouveau", key=key))
            return
        if self.counter.state in BUSY_STATES:
            waiting = self.tr_("{key} : la caisse attend une réponse ; appuyez de nouveau ensuite", key=key)
            self.code_field.say(waiting)
            return
        if action is Action.VALIDATE and Action.CONFIRM_ID in self.counter.view.actions:
            self.code_field.say(self.tr_("Alt+V : confirmez d'abord la pièce d'identité (Alt+I)"))
            return
        self.code_field.say(self.tr_("{key} : rien à faire pour l'instant", key=key))

    def click_guard_s(self) -> float:
        return self.action_bar.click_guard_s()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._fit_width()

    def _fit_width(self) -> None:
        """Below ``NARROW_WIDTH_PX`` the history takes a quarter of the width, not 2/5 (walk-through
        2026-12: at 800x600 the card scrolled while the history kept 2/5)."""
        narrow = self.width() < NARROW_WIDTH_PX
        self._middle.setStretch(1, 1 if narrow else 2)
        self.history.set_narrow(narrow)
        camera_shown = self.camera_dock is not None and self.camera_dock.isVisibleTo(self)
        # With the camera open on an 800 px screen the card needs the history's room too.
        self.history.setVisible(not (narrow and camera_shown))
        if self.camera_panel is not None:
            self.camera_panel.set_compact(narrow)
        # Beside the camera on an 800 px screen the card is about 520 px wide: two rows of buttons.
        self.action_bar.set_narrow(narrow and camera_shown)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if not self._activated_once:
            # Without a window manager (a kiosk), nobody gives the window the keyboard: ask for it,
            # so Échap, Alt+… and the F-keys work before the first click.
            self._activated_once = True
            QTimer.singleShot(0, self._back_to_code_field)

    def _on_code_typed(self, text: str) -> None:
        self.on_scan(RawScan(text=text, transport=Transport.TYPED, source_id="clavier"))

    def trigger(self, action: Action) -> bool:
        """Run an action of the current view (buttons and shortcuts land here)."""
        view = self.counter.view
        if action not in view.actions:
            return False
        token = view.token or ""
        done = True
        if action is Action.CONFIRM_ID:
            done = self.counter.confirm_id_check(token)
        elif action is Action.VALIDATE:
            done = self.counter.validate(token)
        elif action is Action.RETRY:
            done = self.counter.retry()
        elif action is Action.REVERT:
            done = self.counter.request_revert(token)
        elif action is Action.CONFIRM_REVERT:
            done = self.counter.confirm_revert(token)
        elif action is Action.CANCEL_BOOKING:
            done = self.counter.request_cancel(token)
        elif action is Action.CONFIRM_CANCEL:
            done = self.counter.confirm_cancel(token, self.cancel_word.text())
        elif action is Action.STOP_WAITING:
            done = self.counter.stop_waiting()
        elif action is Action.OPEN_SETTINGS:
            self.settings_requested.emit()
        elif action is Action.DISMISS:
            self.counter.dismiss()
        return done

    # ----------------------------------------------------------------- outputs
    def _on_view(self, view: CounterView) -> None:
        step = (view.state, view.token, view.id_checked)
        if step != self._step_shown:  # a refused key's explanation is about the step it was pressed on
            self._step_shown = step
            self.code_field.unsay()
        with one_relayout(self._view_layouts):  # the card, its rows and buttons: laid out once
            self.status_area.show_view(view)
            self.card.show_booking(
                view.booking,
                id_checked=view.id_checked,
                show_identity=view.state in IDENTITY_STATES,
                token=view.token,
            )
            self.action_bar.show_only(view.actions)
            self.cancel_word.setVisible(view.state is State.CONFIRM_CANCEL)
            self.ready_steps.setVisible(view.booking is None and view.state is State.READY)
        if view.state is State.CONFIRM_CANCEL:
            self.cancel_word.clear()
            self.cancel_word.setFocus()
        else:
            self.code_field.edit.setFocus()
        if view.connection is Connection.TROUBLE:
            self.connection_label.setText(self.tr_("Connexion : en difficulté"))
        elif view.connection is Connection.OK:
            self.connection_label.setText(self.tr_("Connexion : OK"))
        if view.sound is not None:
            self.sounds.play(view.sound)
        if view.journal_changed:
            self.refresh_history()
            if self._handoff is not None:
                self._handoff.wake()  # a new payment record to hand over
        if view.settings_needed:
            self.settings_requested.emit()
        self.view_shown.emit(view)

    def refresh_history(self) -> None:
        """Re-read today's lines and total off the GUI thread."""
        journal = self._journal

        def work() -> tuple[list[JournalLine], int]:
            today = date.today()
            return journal.lines_for_day(today), journal.total_for_day_cents(today)

        self.runner.submit(work, self._show_history)

    def _show_history(self, result: tuple[list[JournalLine], int]) -> None:
        self.history_lines, self.day_total_cents = result
        self.history.show_lines(*result)

    def refresh_handoff(self) -> None:
        """Re-read what the cash register has not received yet, and the shared ledger's state, off the
        GUI thread."""
        ledger = self._ledger_status
        if ledger is not None:
            tr_ = self.tr_
            self.runner.submit(lambda: ledger.line(date.today(), tr_), self.ledger_label.setText)
        handoff = self._handoff
        if handoff is None:
            return
        tr = self.tr_

        def read() -> str:
            return handoff_text(handoff.pending(), handoff.last_errors(), tr)

        self.runner.submit(read, self._show_handoff)

    def _show_handoff(self, text: str) -> None:
        # A record just written waits a moment for the outbox: only say so when it lasts or failed.
        waiting = bool(text)
        failed = bool(self._handoff and self._handoff.last_errors())
        self.handoff_label.setText(text)
        self.handoff_label.setVisible(waiting and (failed or self._handoff_waiting_before))
        self._handoff_waiting_before = waiting

    # ----------------------------------------------------------------- export
    def open_export(self) -> ExportDialog | None:
        """« Exporter… » (F4): the dialog, then the export on a worker thread (None: no export here)."""
        if self._exporter is None:
            return None
        if self.export_dialog is not None:  # already open: bring it back
            self.export_dialog.raise_()
            self.export_dialog.activateWindow()
            return self.export_dialog
        dialog = ExportDialog(self.tr_, today=date.today(), folder=self._export_folder, parent=self)
        self.export_dialog = dialog
        dialog.accepted.connect(lambda: self._start_export(dialog))
        dialog.finished.connect(lambda _code: self._export_dialog_closed(dialog))
        dialog.open()  # window-modal, without a nested event loop: scans and results keep flowing
        return dialog

    def open_reconcile(self) -> ReconcileDialog | None:
        """« Remboursements… » (F6): pass Culture's reimbursement files against this journal (None:
        no journal file here)."""
        if self._reconciler is None:
            return None
        if self.reconcile_dialog is not None:
            self.reconcile_dialog.raise_()
            self.reconcile_dialog.activateWindow()
            return self.reconcile_dialog
        dialog = ReconcileDialog(
            self.tr_, self._reconciler, folder=self._export_folder, runner=self.runner, parent=self
        )
        self.reconcile_dialog = dialog
        dialog.finished.connect(lambda _code: self._reconcile_dialog_closed(dialog))
        dialog.open()  # window-modal, without a nested event loop: scans and results keep flowing
        return dialog

    def _reconcile_dialog_closed(self, dialog: ReconcileDialog) -> None:
        self.reconcile_dialog = None
        dialog.deleteLater()
        self._back_to_code_field()

    def _export_dialog_closed(self, dialog: ExportDialog) -> None:
        self.export_dialog = None
        dialog.deleteLater()
        if self.export_message is None:
            self._back_to_code_field()

    def _start_export(self, dialog: ExportDialog) -> None:
        exporter = self._exporter
        assert exporter is not None
        request = dialog.request()
        self._export_folder = request.path.parent  # the next export starts there
        self.export_button.setEnabled(False)  # one export at a time
        tr = self.tr_
        journal = self._journal
        self.runner.submit(lambda: run_export(exporter, request, tr, journal), self._show_export_result)

    def _show_export_result(self, result: ExportResult) -> None:
        self.export_button.setEnabled(True)
        ok = result.count is not None
        box = QMessageBox(
            QMessageBox.Icon.Information if ok else QMessageBox.Icon.Critical,
            self.tr_("Export terminé") if ok else self.tr_("Export impossible"),
            export_message(result, self.tr_),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("export_message")
        if self.export_message is not None:
            self.export_message.close()
        self.export_message = box
        box.finished.connect(lambda _code: self._export_message_closed(box))
        box.open()
        self.export_finished.emit(result)

    def _export_message_closed(self, box: QMessageBox) -> None:
        if self.export_message is box:
            self.export_message = None
        box.deleteLater()
        self._back_to_code_field()

    def _back_to_code_field(self) -> None:
        """After a dialog or a message: the next scan or typed code lands in the code field."""
        self.activateWindow()
        self.code_field.edit.setFocus()

    def take_keyboard_back(self) -> None:
        """After a dialog opened over the window from outside it (the settings) closed: a kiosk
        without a window manager leaves the keyboard to no window, and scans, Échap and F-keys die."""
        self._back_to_code_field()

    # ----------------------------------------------------------------- camera
    def show_camera(self, shown: bool) -> None:
        """Show (making it the first time) or hide the camera panel; hiding it switches it off."""
        if self.camera_panel is None:
            if not shown:
                return
            self._make_camera_panel(self._webcam_settings)
        assert self.camera_panel is not None and self.camera_dock is not None
        self.camera_dock.setVisible(shown)
        self.history.set_compact(shown)
        self._fit_width()
        self.camera_panel.set_on(shown)
        if self.camera_button.isChecked() != shown:
            self.camera_button.setChecked(shown)
        self.code_field.edit.setFocus()

    def _make_camera_panel(self, settings: WebcamSettings) -> None:
        from pos_client.ui.camera_panel import CameraPanel

        panel = CameraPanel(settings, bridge=self.bridge, tr=self.tr_)
        # A long camera name (or a video file's path) must not widen the panel past 1024 px.
        panel.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        panel.picker.setMinimumContentsLength(12)
        panel.settings_changed.connect(self._on_webcam_settings)
        dock = QDockWidget(self.tr_("Caméra"), self)
        dock.setObjectName("camera_dock")
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.visibilityChanged.connect(self._on_camera_dock_visibility)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.camera_panel, self.camera_dock = panel, dock

    def _on_webcam_settings(self, webcam: WebcamSettings) -> None:
        self._webcam_settings = webcam
        self.webcam_settings_changed.emit(webcam)

    def _on_camera_dock_visibility(self, visible: bool) -> None:
        # The dock's own close button: switch the camera off too.
        if not visible and self.camera_button.isChecked() and not self.isMinimized() and self.isVisible():
            self.camera_button.setChecked(False)

    def attach_scanner_test(self, test_window: ScannerTestWindow) -> None:
        """Feed « Tester le scanner » with every scan, the serial bytes and HID reports as they
        arrive (the bridge's queued ``raw_received``) and, for the keyboard capture, every key."""
        self.bridge.scanned.connect(test_window.show_scan)
        self.bridge.raw_received.connect(test_window.show_raw)
        captures = [s for s in self.bridge.sources if isinstance(s, KeyboardCapture)]
        for capture in captures:
            capture.set_on_key(test_window.show_key)
        self._scanner_test = test_window

        def detach() -> None:
            self._scanner_test = None
            for capture in captures:
                capture.set_on_key(None)

        test_window.destroyed.connect(detach)

    def _on_intents_settled(self, settled: list[tuple[Intent, IntentResolution]]) -> None:
        if settled:
            log.info("settled %d open intents by re-reading", len(settled))
            # The re-read reached the server: the connection is fine again.
            self.connection_label.setText(self.tr_("Connexion : OK"))
            self.refresh_history()
            if self._handoff is not None:
                self._handoff.wake()  # payment records written by the settlement

    def refresh_key_label(self) -> None:
        hint = self._api_key_hint()
        self.key_label.setText(
            self.tr_("Clé d'API : {key}", key="••••" + hint) if hint else self.tr_("Clé d'API : absente")
        )

    def _on_source_status(self, status: SourceStatus) -> None:
        self.source_statuses[status.source_id] = status
        text, tooltip = scanners_summary(self.source_statuses.values(), self.tr_)
        self.scanners_label.setText(text)
        self.scanners_label.setToolTip(tooltip)
        self.scanners_label.setVisible(bool(text))

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        self._tick.stop()
        self._handoff_timer.stop()
        self.bridge.stop()
        if self.camera_panel is not None:
            self.camera_panel.shutdown()
        self.runner.wait_idle(5000)
        super().closeEvent(event)
