"""The camera panel on a real video file: tokens out, preview with the code outlined in green,
states shown, on/off, the "no camera" and "busy" states (told apart with Qt's device list on every
OS), and the cashier's choices (camera, decoder, backend) applied at once and saved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from counter_fakes import FakeApi, LiveClock, RecordingJournal
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from pos_client import host_os
from pos_client.app.context import AppContext, save_webcam_settings
from pos_client.domain.scan import RawScan, ScanSource, SourceState, SourceStatus
from pos_client.i18n import Translator
from pos_client.paths import AppPaths
from pos_client.scanner.null_source import NullSource
from pos_client.scanner.webcam_source import MSG_BUSY, MSG_NO_CAMERA, CameraDevice
from pos_client.settings import Settings, WebcamSettings
from pos_client.ui.app import build_window
from pos_client.ui.camera_panel import (
    BUTTON_OFF,
    TEXT_OFF,
    TEXT_READY,
    CameraPanel,
    SourceFactory,
    camera_choices,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def appear_video(videos: dict[str, Any]) -> Path:
    return Path(videos["appear"].path)


def make_panel(
    qtbot: QtBot,
    device: str = "",
    *,
    settings: WebcamSettings | None = None,
    cameras: Sequence[tuple[str, bytes]] = (),
    pyzbar_installed: bool = False,
    source_factory: SourceFactory | None = None,
    language: str = "fr",
) -> CameraPanel:
    """A panel listing ``cameras`` as Qt would (name, id)."""
    listed = list(cameras)
    panel = CameraPanel(
        settings or WebcamSettings(device=device),
        source_factory=source_factory,
        cameras=lambda: listed,
        pyzbar_installed=lambda: pyzbar_installed,
        tr=Translator(language),
    )
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_panel_reads_a_code_and_outlines_it(qtbot: QtBot, appear_video: Path) -> None:
    panel = make_panel(qtbot, str(appear_video))
    assert panel.picker.currentText() == f"Vidéo : {appear_video}"
    scans: list[RawScan] = []
    panel.scanned.connect(scans.append)
    try:
        with qtbot.waitSignal(panel.scanned, timeout=10_000):
            panel.set_on(True)
        assert panel.toggle.text() == BUTTON_OFF
        qtbot.waitUntil(
            lambda: panel.last_preview is not None and bool(panel.last_preview.codes), timeout=5000
        )
        assert panel.state.text() == TEXT_READY
        pixmap = panel.preview.pixmap()
        assert not pixmap.isNull() and pixmap.width() <= 480
        # The outline is drawn in green on the code's corner.
        image = pixmap.toImage()
        assert panel.last_preview is not None
        # The preview is scaled to fit the dock: the code's corner moves with it.
        scale = pixmap.width() / panel.last_preview.image.shape[1]
        x, y = (coordinate * scale for coordinate in panel.last_preview.codes[0][0])
        greens = [
            image.pixelColor(int(x) + dx, int(y) + dy)
            for dx in range(-2, 3)
            for dy in range(-2, 3)
            if 0 <= int(x) + dx < image.width() and 0 <= int(y) + dy < image.height()
        ]
        assert any(c.green() > 150 and c.red() < 100 and c.blue() < 150 for c in greens)
    finally:
        panel.shutdown()
    assert [s.text for s in scans] == ["PASSCULTURE:v3;TOKEN:352UW4"]
    assert not panel.is_on
    assert panel.state.text() == TEXT_OFF


def test_a_missing_camera_is_said_plainly(qtbot: QtBot, tmp_path: Path) -> None:
    panel = make_panel(qtbot, str(tmp_path / "nowhere.avi"))
    statuses: list[SourceStatus] = []
    panel.status_changed.connect(statuses.append)
    try:
        panel.set_on(True)
        qtbot.waitUntil(lambda: any(s.state is SourceState.ERROR for s in statuses), timeout=5000)
        qtbot.waitUntil(lambda: panel.state.text() == MSG_NO_CAMERA, timeout=2000)
        assert panel.preview.text() == MSG_NO_CAMERA
    finally:
        panel.shutdown()


def test_an_english_window_has_an_english_camera_panel(qtbot: QtBot, tmp_path: Path) -> None:
    panel = make_panel(qtbot, str(tmp_path / "nowhere.avi"), language="en")
    try:
        assert panel.toggle.text() == "Turn the camera on" and panel.state.text() == "Camera off."
        labels = {label.text() for label in panel.findChildren(QLabel)}
        assert {"Decoder:", "Driver:"} <= labels
        panel.set_on(True)
        english = "No camera found: plug in a webcam (trying again automatically)."
        qtbot.waitUntil(lambda: panel.state.text() == english, timeout=5000)
        assert panel.toggle.text() == "Turn the camera off" and panel.preview.text() == english
    finally:
        panel.shutdown()


def test_qt_camera_ids_become_opencv_devices() -> None:
    linux = camera_choices([("HD Webcam C270", b"/dev/video2"), ("Integrated", b"/dev/video0")])
    assert [(c.name, c.device) for c in linux] == [
        ("HD Webcam C270", CameraDevice(path="/dev/video2")),
        ("Integrated", CameraDevice(path="/dev/video0")),
    ]
    windows = camera_choices([("USB Camera", rb"\\?\usb#vid_046d&pid_0825"), ("OBS", b"@device:sw")])
    assert [c.device for c in windows] == [CameraDevice(index=0), CameraDevice(index=1)]
    with_file = camera_choices([], "/tmp/demo.avi")
    assert [(c.name, c.device.is_file) for c in with_file] == [("Vidéo : /tmp/demo.avi", True)]
    assert [c.setting for c in linux] == ["HD Webcam C270", "Integrated"]  # saved by name
    assert [c.setting for c in with_file] == ["/tmp/demo.avi"]


# ----------------------------------------------------------------------------- no camera / busy
LINUX_CAMERAS = [("HD Webcam C270", b"/dev/video2"), ("Integrated", b"/dev/video0")]
WINDOWS_CAMERAS = [
    ("Integrated Camera", rb"\\?\usb#vid_04f2&pid_b6dd"),
    ("HD Webcam C270", rb"\\?\usb#vid_046d"),
]


def test_the_panel_says_which_cameras_qt_lists(qtbot: QtBot) -> None:
    plugged = list(WINDOWS_CAMERAS)
    panel = CameraPanel(WebcamSettings(), cameras=lambda: plugged, pyzbar_installed=lambda: False)
    qtbot.addWidget(panel)
    assert panel.camera_present(CameraDevice(index=0)) is True
    assert panel.camera_present(CameraDevice(index=1)) is True
    assert panel.camera_present(CameraDevice(index=2)) is False
    assert panel.camera_present(CameraDevice(path="/tmp/demo.avi", is_file=True)) is None
    plugged.pop()  # the second one unplugged: Qt's list changes, and says so
    panel.refresh_cameras()
    assert panel.camera_present(CameraDevice(index=1)) is False


@pytest.mark.parametrize(
    ("cameras", "message"),
    [(WINDOWS_CAMERAS[:1], MSG_BUSY), ([], MSG_NO_CAMERA)],
    ids=["listed-but-will-not-open", "not-listed"],
)
def test_windows_no_camera_and_busy_camera_are_told_apart(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, cameras: list[tuple[str, bytes]], message: str
) -> None:
    # As on Windows (no device node to look at): the panel's own source, real OpenCV failing to
    # open camera 0 (this machine has none), and Qt's list saying whether it is plugged in.
    monkeypatch.setattr(host_os, "_PLATFORM", "win32")
    panel = make_panel(qtbot, cameras=cameras)
    try:
        panel.set_on(True)
        qtbot.waitUntil(lambda: panel.state.text() == message, timeout=10_000)
        assert panel.preview.text() == message
    finally:
        panel.shutdown()


# ----------------------------------------------------------------------------- choices saved
def test_the_picked_camera_is_saved_by_name_and_found_again(qtbot: QtBot, tmp_path: Path) -> None:
    context = AppContext(paths=AppPaths.under(tmp_path), settings=Settings(till_name="caisse-test"))
    context.paths.ensure()
    panel = make_panel(qtbot, "Integrated", cameras=LINUX_CAMERAS)
    assert panel.picker.currentText() == "Integrated"
    changes: list[WebcamSettings] = []
    panel.settings_changed.connect(changes.append)
    panel.picker.setFocus()
    with qtbot.waitSignal(panel.settings_changed, timeout=2000):
        qtbot.keyClick(panel.picker, Qt.Key.Key_Up)  # the cashier picks the other camera
    assert panel.picker.currentText() == "HD Webcam C270"
    assert [c.device for c in changes] == ["HD Webcam C270"]
    assert panel.settings.device == "HD Webcam C270"
    save_webcam_settings(context, changes[-1])  # what the till does with the panel's signal
    saved = Settings.load(context.paths.settings_file)
    assert saved.webcam.device == "HD Webcam C270"
    assert saved.till_name == "caisse-test" and context.settings.webcam == saved.webcam
    # Next start, the cameras plugged in another order: the same camera, at its new place.
    again = make_panel(
        qtbot,
        settings=saved.webcam,
        cameras=[("Integrated", b"/dev/video0"), ("HD Webcam C270", b"/dev/video1")],
    )
    assert again.picker.currentText() == "HD Webcam C270"
    assert again.current_device() == CameraDevice(path="/dev/video1")
    # Windows: OpenCV opens by index; the name finds it in Qt's list.
    windows = make_panel(qtbot, settings=saved.webcam, cameras=WINDOWS_CAMERAS)
    assert windows.current_device() == CameraDevice(index=1)
    # A camera no longer there: the first one is shown, the saved choice is kept.
    gone = make_panel(qtbot, settings=saved.webcam, cameras=[("Integrated", b"/dev/video0")])
    assert gone.picker.currentText() == "Integrated" and gone.settings.device == "HD Webcam C270"


def test_picking_the_same_camera_again_saves_nothing(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, "Integrated", cameras=LINUX_CAMERAS)
    changes: list[WebcamSettings] = []
    panel.settings_changed.connect(changes.append)
    panel.picker.activated.emit(panel.picker.currentIndex())
    assert changes == []


class Started:
    """A source factory that records the panel's settings at each start (a camera restart)."""

    def __init__(self) -> None:
        self.panel: CameraPanel | None = None
        self.settings: list[WebcamSettings] = []

    def __call__(self, device: CameraDevice) -> ScanSource:
        assert self.panel is not None
        self.settings.append(self.panel.settings)
        return NullSource("webcam:fake")


def test_the_decoder_is_chosen_in_the_panel_and_applied_at_once(qtbot: QtBot) -> None:
    started = Started()
    panel = make_panel(qtbot, cameras=LINUX_CAMERAS, pyzbar_installed=True, source_factory=started)
    started.panel = panel
    assert [panel.decoder.itemText(i) for i in range(panel.decoder.count())] == ["zxing-cpp", "pyzbar"]
    assert panel.decoder.currentData() == "zxing"
    panel.set_on(True)
    changes: list[WebcamSettings] = []
    panel.settings_changed.connect(changes.append)
    panel.decoder.setFocus()
    with qtbot.waitSignal(panel.settings_changed, timeout=2000):
        qtbot.keyClick(panel.decoder, Qt.Key.Key_Down)
    assert [c.decoder for c in changes] == ["pyzbar"]
    # The running camera was restarted with the new decoder.
    assert [s.decoder for s in started.settings] == ["zxing", "pyzbar"] and panel.is_on
    panel.backend.setFocus()
    values = [panel.backend.itemData(i) for i in range(panel.backend.count())]
    assert values[0] == "auto" and panel.backend.currentText() == "automatique"
    with qtbot.waitSignal(panel.settings_changed, timeout=2000):
        qtbot.keyClick(panel.backend, Qt.Key.Key_Down)
    assert changes[-1].backend == values[1] and changes[-1].decoder == "pyzbar"
    assert [s.backend for s in started.settings] == ["auto", "auto", values[1]]
    panel.shutdown()


def test_pyzbar_is_offered_only_when_installed(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, settings=WebcamSettings(decoder="pyzbar"), pyzbar_installed=False)
    assert panel.decoder.itemText(1) == "pyzbar (non installé)"
    model = panel.decoder.model()
    assert isinstance(model, QStandardItemModel) and not model.item(1).isEnabled()
    assert panel.decoder.currentData() == "zxing"  # what reads, since pyzbar cannot
    changes: list[WebcamSettings] = []
    panel.settings_changed.connect(changes.append)
    panel.decoder.setFocus()
    qtbot.keyClick(panel.decoder, Qt.Key.Key_Down)  # cannot land on it
    assert panel.decoder.currentData() == "zxing" and changes == []
    assert panel.settings.decoder == "pyzbar"  # the file is not rewritten behind the cashier's back


def test_the_window_hands_the_panels_choices_to_the_application(qtbot: QtBot) -> None:
    events: list[str] = []
    window = build_window(
        api=FakeApi(events),
        journal=RecordingJournal(events, LiveClock()),
        settings=Settings(till_name="caisse-test").with_values(ui={"sound_enabled": False}),
        environment_label="test",
    )
    qtbot.addWidget(window)
    window.show()
    try:
        window.show_camera(True)
        panel = window.camera_panel
        assert panel is not None
        panel.backend.setFocus()
        with qtbot.waitSignal(window.webcam_settings_changed, timeout=2000) as signal:
            qtbot.keyClick(panel.backend, Qt.Key.Key_Down)
        assert signal.args is not None
        assert signal.args[0] == panel.settings and panel.settings.backend != "auto"
    finally:
        window.close()
