"""The camera panel on a real video file: tokens out, preview with the code outlined in green,
states shown, on/off, and the "no camera" state."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from pytestqt.qtbot import QtBot

from pos_client.scanner.source import RawScan, SourceState, SourceStatus
from pos_client.scanner.webcam_source import MSG_NO_CAMERA, CameraDevice
from pos_client.settings import WebcamSettings
from pos_client.ui.camera_panel import BUTTON_OFF, TEXT_OFF, TEXT_READY, CameraPanel, camera_choices

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def appear_video(corpus: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "appear.avi"
    truth = corpus.write_video(path, "appear", ("352UW4",))
    return Path(truth.path)


def make_panel(qtbot: QtBot, device: str) -> CameraPanel:
    panel = CameraPanel(WebcamSettings(device=device))
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
