"""The camera panel: live webcam preview with the code outlined, a hint, a camera picker, on/off.

The panel owns a ``WebcamSource`` while it is switched on. The source works in its own threads
and calls back from there; the panel re-emits through queued signals and paints on the GUI
thread. Only the newest preview is kept pending, so a busy GUI never piles previews up.

Camera names come from QtMultimedia (``QMediaDevices.videoInputs()``); OpenCV cannot list them.
On Linux the camera's id is its ``/dev/videoN`` path, which OpenCV opens directly; elsewhere the
panel passes the position in Qt's list as OpenCV's index (usually, not always, the same order:
the picker lets the cashier try the next one). A video file in ``webcam.device`` is listed too
(demo and tests).

Signals: ``scanned(RawScan)`` for the workflow, ``status_changed(SourceStatus)`` for the status bar.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from pos_client.scanner.source import ScanSource, SourceState, SourceStatus
from pos_client.scanner.webcam import Quad
from pos_client.scanner.webcam_source import CameraDevice, PreviewFrame, WebcamSource, resolve_device
from pos_client.settings import WebcamSettings

__all__ = ["CameraChoice", "CameraPanel", "camera_choices", "list_cameras"]

log = logging.getLogger(__name__)

TEXT_OFF = "Caméra éteinte."
TEXT_READY = "Présentez le QR code du téléphone à la caméra."
TEXT_NO_CAMERA_LISTED = "Aucune caméra détectée"
BUTTON_ON = "Allumer la caméra"
BUTTON_OFF = "Éteindre la caméra"
_READ_COLOUR = QColor(0, 200, 80)
_UNREAD_COLOUR = QColor(255, 150, 0)
_PREVIEW_SIZE = QSize(384, 216)  # 16:9; small enough for the till's 1024 px with the dock open


class CameraChoice:
    """One entry of the picker: the name shown and what OpenCV opens."""

    def __init__(self, name: str, device: CameraDevice) -> None:
        self.name = name
        self.device = device

    def __repr__(self) -> str:
        return f"CameraChoice({self.name!r}, {self.device!r})"


def list_cameras(configured: str = "") -> list[CameraChoice]:
    """The cameras Qt knows, by name, plus the configured device when it is a video file."""
    cameras = [(camera.description(), bytes(camera.id().data())) for camera in QMediaDevices.videoInputs()]
    return camera_choices(cameras, configured)


def camera_choices(cameras: Sequence[tuple[str, bytes]], configured: str = "") -> list[CameraChoice]:
    """Qt's (name, id) pairs as what OpenCV opens: the V4L2 path when Qt's id is one (Linux),
    else the position in Qt's list as OpenCV's index."""
    choices = []
    for position, (name, raw_id) in enumerate(cameras):
        camera_id = raw_id.decode("utf-8", "replace")
        on_v4l2 = camera_id.startswith("/dev/video")
        choices.append(
            CameraChoice(name, CameraDevice(path=camera_id) if on_v4l2 else CameraDevice(position))
        )
    if configured:
        wanted = resolve_device(configured)
        if wanted.is_file:
            choices.append(CameraChoice(f"Vidéo : {configured}", wanted))
    return choices


SourceFactory = Callable[[CameraDevice], ScanSource]


class CameraPanel(QWidget):
    """Preview, outline, hint, picker, on/off and the camera's state; see the module docstring."""

    scanned = Signal(object)  # RawScan
    status_changed = Signal(object)  # SourceStatus
    _preview_ready = Signal()

    def __init__(
        self,
        settings: WebcamSettings,
        parent: QWidget | None = None,
        source_factory: SourceFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("camera_panel")
        self._settings = settings
        self._factory = source_factory or self._make_source
        self._source: ScanSource | None = None
        self._pending: PreviewFrame | None = None
        self._pending_lock = threading.Lock()
        self.last_preview: PreviewFrame | None = None

        self.picker = QComboBox()
        self.picker.setObjectName("camera_picker")
        self.picker.setAccessibleName("Caméra")
        self.toggle = QPushButton(BUTTON_ON)
        self.toggle.setObjectName("camera_toggle")
        self.toggle.setCheckable(True)
        self.preview = QLabel(TEXT_OFF)
        self.preview.setObjectName("camera_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(_PREVIEW_SIZE)
        # Neither a 480 px frame nor a long message may widen the dock: the frame is scaled to fit.
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("background: #202020; color: #e0e0e0;")
        self.hint = QLabel("")
        self.hint.setObjectName("camera_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #b35900; font-weight: bold;")
        self.state = QLabel(TEXT_OFF)
        self.state.setObjectName("camera_state")
        self.state.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.state)

        self._media_devices = QMediaDevices(self)
        self._media_devices.videoInputsChanged.connect(self.refresh_cameras)
        self.toggle.toggled.connect(self._on_toggled)
        self.picker.activated.connect(self._on_picked)
        self._preview_ready.connect(self._paint_pending, Qt.ConnectionType.QueuedConnection)
        self.status_changed.connect(self._show_status)
        self.refresh_cameras()

    # ------------------------------------------------------------------ cameras
    def refresh_cameras(self) -> None:
        """(Re)list the cameras, keeping the current choice when it is still there."""
        current = self.current_device()
        choices = list_cameras(self._settings.device)
        self.picker.clear()
        for choice in choices:
            self.picker.addItem(choice.name, choice)
        if not choices:
            self.picker.addItem(TEXT_NO_CAMERA_LISTED, None)
        wanted = current or (resolve_device(self._settings.device) if self._settings.device else None)
        for row in range(self.picker.count()):
            choice = self.picker.itemData(row)
            if isinstance(choice, CameraChoice) and choice.device == wanted:
                self.picker.setCurrentIndex(row)
                break

    def current_device(self) -> CameraDevice | None:
        choice = self.picker.currentData()
        return choice.device if isinstance(choice, CameraChoice) else None

    def _on_picked(self, _row: int) -> None:
        if self.toggle.isChecked():  # switch cameras live
            self._stop_source()
            self._start_source()

    # ------------------------------------------------------------------ on / off
    def set_on(self, on: bool) -> None:
        self.toggle.setChecked(on)

    @property
    def is_on(self) -> bool:
        return self._source is not None

    def _on_toggled(self, on: bool) -> None:
        self.toggle.setText(BUTTON_OFF if on else BUTTON_ON)
        if on:
            self._start_source()
        else:
            self._stop_source()
            self.preview.clear()
            self.preview.setText(TEXT_OFF)
            self.hint.clear()
            self.state.setText(TEXT_OFF)

    def _start_source(self) -> None:
        device = self.current_device()
        if device is None:
            # Nothing listed: still try the first camera (Qt may not see what OpenCV can open).
            device = resolve_device(self._settings.device)
        self._source = self._factory(device)
        if isinstance(self._source, WebcamSource):
            self._source.set_preview_sink(self._on_preview)
        self._source.start(self.scanned.emit, self.status_changed.emit)

    def _stop_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.stop()

    def _make_source(self, device: CameraDevice) -> ScanSource:
        width, _, height = self._settings.resolution.lower().partition("x")
        try:
            resolution = (int(width), int(height))
        except ValueError:
            resolution = (1280, 720)
        return WebcamSource(
            device,
            backend=self._settings.backend,
            resolution=resolution,
            decoder=self._settings.decoder,
            pyzbar_second_chance=self._settings.pyzbar_second_chance,
            repeat_after_s=self._settings.repeat_after_s,
        )

    def shutdown(self) -> None:
        """Stop the camera (call when the window closes)."""
        self.toggle.setChecked(False)
        self._stop_source()

    # ------------------------------------------------------------------ from the worker threads
    def _on_preview(self, preview: PreviewFrame) -> None:
        with self._pending_lock:
            already_queued = self._pending is not None
            self._pending = preview
        if not already_queued:
            self._preview_ready.emit()

    # ------------------------------------------------------------------ on the GUI thread
    def _paint_pending(self) -> None:
        with self._pending_lock:
            preview, self._pending = self._pending, None
        if preview is None or self._source is None:
            return
        self.last_preview = preview
        room = self.preview.contentsRect().size().expandedTo(_PREVIEW_SIZE)
        self.preview.setPixmap(
            self._render(preview).scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.hint.setText(preview.hint)

    @staticmethod
    def _render(preview: PreviewFrame) -> QPixmap:
        image = preview.image
        height, width = image.shape[:2]
        # copy(): the QImage must own its pixels once the numpy buffer goes away.
        qimage = QImage(image.data, width, height, int(image.strides[0]), QImage.Format.Format_BGR888).copy()
        pixmap = QPixmap.fromImage(qimage)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for quads, colour in ((preview.codes, _READ_COLOUR), (preview.unread, _UNREAD_COLOUR)):
                painter.setPen(QPen(colour, 3))
                for quad in quads:
                    painter.drawPolygon(_polygon(quad))
        finally:
            painter.end()
        return pixmap

    def _show_status(self, status: SourceStatus) -> None:
        if self._source is None or status.source_id != self._source.source_id:
            return  # late news from a camera switched off or replaced
        if status.state is SourceState.CONNECTED:
            self.state.setText(TEXT_READY)
        elif status.message:
            self.state.setText(status.message)
        if status.state in (SourceState.ERROR, SourceState.DISCONNECTED):
            self.preview.clear()
            self.preview.setText(status.message)
            self.hint.clear()


def _polygon(quad: Quad) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in quad])
