"""The camera panel: live webcam preview with the code outlined, a hint, a camera picker, on/off.

The panel owns a ``WebcamSource`` while it is switched on. The source works in its own threads
and calls back from there; the panel re-emits through queued signals and paints on the GUI
thread. Only the newest preview is kept pending, so a busy GUI never piles previews up.

Camera names come from QtMultimedia (``QMediaDevices.videoInputs()``); OpenCV cannot list them.
On Linux the camera's id is its ``/dev/videoN`` path, which OpenCV opens directly; elsewhere the
panel passes the position in Qt's list as OpenCV's index (usually, not always, the same order:
the picker lets the cashier try the next one). A video file in ``webcam.device`` is listed too
(demo and tests). Qt's list also tells the source whether a camera that does not open is missing
("aucune caméra") or taken by another program ("occupée") on every OS (``camera_present``).

The camera picked (by its name; a video file by its path), the decoder (zxing-cpp, or pyzbar when
it is installed) and OpenCV's backend are chosen here and applied at once; each change is sent as
new ``WebcamSettings`` for the till to save, so the next start opens the same camera.

Signals: ``scanned(RawScan)`` for the workflow, ``status_changed(SourceStatus)`` for the status bar,
``settings_changed(WebcamSettings)`` when the cashier picks a camera, a decoder or a backend.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPen,
    QPixmap,
    QPolygonF,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from pos_client.domain.scan import ScanSource, SourceState, SourceStatus
from pos_client.host_os import CameraBackend, camera_backends, current_host_os
from pos_client.i18n import Translator
from pos_client.scanner.webcam import Quad
from pos_client.scanner.webcam_source import (
    CameraDevice,
    PreviewFrame,
    WebcamSource,
    pyzbar_available,
    resolve_device,
)
from pos_client.settings import WebcamSettings
from pos_client.ui.scan_bridge import ScanBridge

__all__ = ["CameraChoice", "CameraPanel", "camera_choices", "list_cameras", "qt_cameras"]

log = logging.getLogger(__name__)

TEXT_OFF = "Caméra éteinte."
TEXT_READY = "Présentez le QR code du téléphone à la caméra."
TEXT_NO_CAMERA_LISTED = "Aucune caméra détectée"
BUTTON_ON = "Allumer la caméra"
BUTTON_OFF = "Éteindre la caméra"
LABEL_DECODER = "Décodeur :"
LABEL_BACKEND = "Pilote :"
DECODER_NAMES = {"zxing": "zxing-cpp", "pyzbar": "pyzbar"}
TEXT_NOT_INSTALLED = "{name} (non installé)"
BACKEND_AUTO = "automatique"
_READ_COLOUR = QColor(0, 200, 80)
_UNREAD_COLOUR = QColor(255, 150, 0)
_PREVIEW_SIZE = QSize(384, 216)  # 16:9; small enough for the till's 1024 px with the dock open
_COMPACT_PREVIEW_SIZE = QSize(240, 135)  # an 800 px screen: the card keeps about 520 px
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" (QWIDGETSIZE_MAX is not exported by PySide6)


class CameraChoice:
    """One entry of the picker: the name shown, what OpenCV opens, and what ``webcam.device``
    saves (the camera's name, which stays right when cameras are plugged in another order; a
    video file's path)."""

    def __init__(self, name: str, device: CameraDevice, setting: str | None = None) -> None:
        self.name = name
        self.device = device
        self.setting = name if setting is None else setting

    def __repr__(self) -> str:
        return f"CameraChoice({self.name!r}, {self.device!r}, {self.setting!r})"


CameraLister = Callable[[], Sequence[tuple[str, bytes]]]


def qt_cameras() -> list[tuple[str, bytes]]:
    """The cameras Qt knows: (name, id) in Qt's order."""
    return [(camera.description(), bytes(camera.id().data())) for camera in QMediaDevices.videoInputs()]


def list_cameras(configured: str = "") -> list[CameraChoice]:
    """The cameras Qt knows, by name, plus the configured device when it is a video file."""
    return camera_choices(qt_cameras(), configured)


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
            choices.append(CameraChoice(f"Vidéo : {configured}", wanted, configured))
    return choices


def _backend_values(configured: str) -> list[str]:
    """The backends this OS has ("auto" first), plus the configured one if it is another."""
    values = [CameraBackend.AUTO.value, *(b.value for b in camera_backends("auto", current_host_os()))]
    if configured and configured not in values:
        values.append(configured)
    return values


SourceFactory = Callable[[CameraDevice], ScanSource]


class CameraPanel(QWidget):
    """Preview, outline, hint, picker, decoder, on/off and the camera's state; see the module
    docstring. ``cameras`` lists Qt's cameras and ``pyzbar_installed`` says whether pyzbar can run
    (both replaced in tests)."""

    scanned = Signal(object)  # RawScan
    status_changed = Signal(object)  # SourceStatus
    settings_changed = Signal(object)  # WebcamSettings
    _preview_ready = Signal()

    def __init__(
        self,
        settings: WebcamSettings,
        parent: QWidget | None = None,
        source_factory: SourceFactory | None = None,
        *,
        cameras: CameraLister = qt_cameras,
        pyzbar_installed: Callable[[], bool] = pyzbar_available,
        bridge: ScanBridge | None = None,
        tr: Translator | None = None,
    ) -> None:
        """``bridge``: the window's scan bridge, which then carries the camera's scans and statuses
        like every other source's (without one, the panel's own ``scanned``/``status_changed``).
        ``tr``: the window's translator (the camera's French texts, hints and states included)."""
        super().__init__(parent)
        self._tr = tr or Translator()
        self.setObjectName("camera_panel")
        self._bridge = bridge
        self._settings = settings
        self._factory = source_factory or self._make_source
        self._cameras = cameras
        self._source: ScanSource | None = None
        self._pending: PreviewFrame | None = None
        self._pending_lock = threading.Lock()
        # Qt's cameras as OpenCV devices, read by the source's thread (``camera_present``).
        self._listed: frozenset[CameraDevice] = frozenset()
        self._listed_lock = threading.Lock()
        self.last_preview: PreviewFrame | None = None

        self.picker = QComboBox()
        self.picker.setObjectName("camera_picker")
        self.picker.setAccessibleName(self._tr("Caméra"))
        self.toggle = QPushButton(self._tr(BUTTON_ON))
        self.toggle.setObjectName("camera_toggle")
        self.toggle.setCheckable(True)
        self.decoder = QComboBox()
        self.decoder.setObjectName("camera_decoder")
        self.decoder.setAccessibleName(self._tr("Décodeur"))
        pyzbar_ok = pyzbar_installed()
        decoders = QStandardItemModel(self.decoder)
        for value, name in DECODER_NAMES.items():
            usable = value != "pyzbar" or pyzbar_ok
            item = QStandardItem(name if usable else self._tr(TEXT_NOT_INSTALLED, name=name))
            item.setData(value, Qt.ItemDataRole.UserRole)
            item.setEnabled(usable)  # listed, so the cashier knows it exists, but not selectable
            decoders.appendRow(item)
        self.decoder.setModel(decoders)
        # pyzbar chosen in the file but not installed: the source reads with zxing-cpp, say so.
        shown = settings.decoder if settings.decoder != "pyzbar" or pyzbar_ok else "zxing"
        self.decoder.setCurrentIndex(max(self.decoder.findData(shown), 0))
        self.backend = QComboBox()
        self.backend.setObjectName("camera_backend")
        self.backend.setAccessibleName(self._tr("Pilote vidéo"))
        for value in _backend_values(settings.backend):
            shown = self._tr(BACKEND_AUTO) if value == CameraBackend.AUTO.value else value
            self.backend.addItem(shown, value)
        self.backend.setCurrentIndex(max(self.backend.findData(settings.backend or "auto"), 0))
        self.preview = QLabel(self._tr(TEXT_OFF))
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
        self.state = QLabel(self._tr(TEXT_OFF))
        self.state.setObjectName("camera_state")
        self.state.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(self.toggle)
        self.options = QWidget()  # decoder and driver: hidden on a narrow screen (``set_compact``)
        options = QHBoxLayout(self.options)
        options.setContentsMargins(0, 0, 0, 0)
        options.addWidget(QLabel(self._tr(LABEL_DECODER)))
        options.addWidget(self.decoder, 1)
        options.addWidget(QLabel(self._tr(LABEL_BACKEND)))
        options.addWidget(self.backend, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.state)
        layout.addWidget(self.options)

        self._media_devices = QMediaDevices(self)
        self._media_devices.videoInputsChanged.connect(self.refresh_cameras)
        self.toggle.toggled.connect(self._on_toggled)
        self.picker.activated.connect(self._on_picked)
        self.decoder.activated.connect(self._on_decoder_picked)
        self.backend.activated.connect(self._on_backend_picked)
        self._preview_ready.connect(self._paint_pending, Qt.ConnectionType.QueuedConnection)
        self.status_changed.connect(self._show_status)
        if bridge is not None:
            bridge.status_changed.connect(self._show_status)
        self.refresh_cameras()

    def set_compact(self, compact: bool) -> None:
        """A narrow window (800 px): a smaller preview and no decoder/driver row (they stay in the
        settings), so the card beside it keeps its width."""
        self.options.setVisible(not compact)
        self.preview.setMinimumSize(_COMPACT_PREVIEW_SIZE if compact else _PREVIEW_SIZE)
        self.setMaximumWidth(_COMPACT_PREVIEW_SIZE.width() + 24 if compact else QWIDGETSIZE_MAX)

    @property
    def settings(self) -> WebcamSettings:
        """The webcam settings with the cashier's choices made here."""
        return self._settings

    @property
    def source(self) -> ScanSource | None:
        """The running source (None while the camera is off)."""
        return self._source

    # ------------------------------------------------------------------ cameras
    def refresh_cameras(self) -> None:
        """(Re)list the cameras, keeping the current choice when it is still there; else the
        saved one (by name, or by device for an index, a path or a video file)."""
        current = self.picker.currentData()
        choices = camera_choices(self._cameras(), self._settings.device)
        with self._listed_lock:
            self._listed = frozenset(c.device for c in choices if not c.device.is_file)
        self.picker.clear()
        for choice in choices:
            self.picker.addItem(choice.name, choice)
        if not choices:
            self.picker.addItem(self._tr(TEXT_NO_CAMERA_LISTED), None)
        row = self._row_of(current) if isinstance(current, CameraChoice) else None
        if row is None:
            row = self._saved_row()
        if row is not None:
            self.picker.setCurrentIndex(row)

    def _row_of(self, wanted: CameraChoice) -> int | None:
        for row in range(self.picker.count()):
            choice = self.picker.itemData(row)
            if (
                isinstance(choice, CameraChoice)
                and choice.name == wanted.name
                and choice.device == wanted.device
            ):
                return row
        return None

    def _saved_row(self) -> int | None:
        saved = self._settings.device.strip()
        if not saved:
            return None
        choices = [self.picker.itemData(row) for row in range(self.picker.count())]
        for row, choice in enumerate(choices):
            if isinstance(choice, CameraChoice) and choice.setting == saved:
                return row
        wanted = resolve_device(saved)
        for row, choice in enumerate(choices):
            if isinstance(choice, CameraChoice) and choice.device == wanted:
                return row
        return None

    def current_device(self) -> CameraDevice | None:
        choice = self.picker.currentData()
        return choice.device if isinstance(choice, CameraChoice) else None

    def camera_present(self, device: CameraDevice) -> bool | None:
        """Whether Qt lists ``device`` (any thread): lets the source tell a missing camera from a
        busy one where the OS cannot say (Windows). None for a video file (it answers for itself)."""
        if device.is_file:
            return None
        with self._listed_lock:
            return device in self._listed

    def _on_picked(self, _row: int) -> None:
        choice = self.picker.currentData()
        if isinstance(choice, CameraChoice):
            self._change_settings(replace(self._settings, device=choice.setting))
        if self.toggle.isChecked():  # switch cameras live
            self._restart_source()

    def _on_decoder_picked(self, _row: int) -> None:
        self._change_settings(replace(self._settings, decoder=str(self.decoder.currentData())))
        self._restart_source()

    def _on_backend_picked(self, _row: int) -> None:
        self._change_settings(replace(self._settings, backend=str(self.backend.currentData())))
        self._restart_source()

    def _change_settings(self, changed: WebcamSettings) -> None:
        if changed != self._settings:
            self._settings = changed
            self.settings_changed.emit(changed)

    # ------------------------------------------------------------------ on / off
    def set_on(self, on: bool) -> None:
        self.toggle.setChecked(on)

    @property
    def is_on(self) -> bool:
        return self._source is not None

    def _on_toggled(self, on: bool) -> None:
        self.toggle.setText(self._tr(BUTTON_OFF if on else BUTTON_ON))
        if on:
            self._start_source()
        else:
            self._stop_source()
            self.preview.clear()
            self.preview.setText(self._tr(TEXT_OFF))
            self.hint.clear()
            self.state.setText(self._tr(TEXT_OFF))

    def _restart_source(self) -> None:
        """Apply a new camera, decoder or backend to a running camera."""
        if self._source is not None:
            self._stop_source()
            self._start_source()

    def _start_source(self) -> None:
        device = self.current_device()
        if device is None:
            # Nothing listed: still try the first camera (Qt may not see what OpenCV can open).
            device = resolve_device(self._settings.device)
        self._source = self._factory(device)
        if isinstance(self._source, WebcamSource):
            self._source.set_preview_sink(self._on_preview)
        if self._bridge is not None:
            self._bridge.add(self._source)
        else:
            self._source.start(self.scanned.emit, self.status_changed.emit)

    def _stop_source(self) -> None:
        source, self._source = self._source, None
        if source is None:
            return
        if self._bridge is not None:
            self._bridge.remove(source)
        else:
            source.stop()

    def _make_source(self, device: CameraDevice) -> ScanSource:
        settings = self._settings
        width, _, height = settings.resolution.lower().partition("x")
        try:
            resolution = (int(width), int(height))
        except ValueError:
            resolution = (1280, 720)
        return WebcamSource(
            device,
            backend=settings.backend,
            resolution=resolution,
            decoder=settings.decoder,
            pyzbar_second_chance=settings.pyzbar_second_chance,
            presence=self.camera_present,
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
        self.hint.setText(self._tr(preview.hint) if preview.hint else "")

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
            self.state.setText(self._tr(TEXT_READY))
        elif status.message:
            self.state.setText(self._tr(status.message))
        if status.state in (SourceState.ERROR, SourceState.DISCONNECTED):
            self.preview.clear()
            self.preview.setText(self._tr(status.message) if status.message else "")
            self.hint.clear()


def _polygon(quad: Quad) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in quad])
