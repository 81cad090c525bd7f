"""WebcamSource fed with real MJPG videos written by OpenCV: tokens reach the sink once per
appearance, previews carry outlines, and the camera states recover by themselves; "no camera" and
"camera busy" are told apart on Windows too, with the panel's device list (a fake one here)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import pytest

from pos_client import host_os
from pos_client.domain.scan import RawScan, ScanSource, SourceState, SourceStatus, Transport
from pos_client.scanner.webcam import DecoderOptions, analyse_frame
from pos_client.scanner.webcam_source import (
    HINT_CLOSER,
    HINT_GLARE,
    HINT_LESS_TILT,
    MSG_BUSY,
    MSG_FROZEN,
    MSG_MISSING_OR_BUSY,
    MSG_NO_CAMERA,
    MSG_UNPLUGGED,
    AppearanceTracker,
    CameraDevice,
    Presence,
    PreviewFrame,
    WebcamSource,
    hint_for,
    resolve_device,
)

TOKENS = ("352UW4", "K7XQ2M")  # what the session's videos show (conftest.py)
PAYLOADS = tuple(f"PASSCULTURE:v3;TOKEN:{t}" for t in TOKENS)


@dataclass
class Recorder:
    """Sinks for a source: every scan, status and preview, with a condition to wait on."""

    scans: list[RawScan] = field(default_factory=list)
    statuses: list[SourceStatus] = field(default_factory=list)
    previews: list[PreviewFrame] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def on_scan(self, scan: RawScan) -> None:
        with self.changed:
            self.scans.append(scan)
            self.changed.notify_all()

    def on_status(self, status: SourceStatus) -> None:
        with self.changed:
            self.statuses.append(status)
            self.changed.notify_all()

    def on_preview(self, preview: PreviewFrame) -> None:
        with self.changed:
            self.previews.append(preview)
            self.changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self), timeout), (self.statuses, self.scans)

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.scans]

    @property
    def states(self) -> list[SourceState]:
        return [s.state for s in self.statuses]


def play(path: Path) -> tuple[Recorder, WebcamSource]:
    recorder = Recorder()
    source = WebcamSource(str(path), on_preview=recorder.on_preview, retry_s=0.05)
    assert isinstance(source, ScanSource)
    source.start(recorder.on_scan, recorder.on_status)
    try:
        assert source.wait_finished(timeout=20.0)
    finally:
        source.stop()
    return recorder, source


def test_a_phone_entering_moving_and_leaving_gives_its_token_once(videos: dict[str, Any]) -> None:
    truth = videos["enter_move_leave"]
    assert [a[0] for a in truth.appearances] == [PAYLOADS[0]]
    recorder, source = play(truth.path)
    assert recorder.texts == [PAYLOADS[0]]
    scan = recorder.scans[0]
    assert scan.transport is Transport.WEBCAM
    assert scan.source_id == "webcam:file:enter_move_leave.avi"
    assert recorder.states[0] is SourceState.STARTING
    assert SourceState.CONNECTED in recorder.states
    assert recorder.statuses[-1].state is SourceState.STOPPED
    # Most frames are decoded (the newest-frame slot only drops under load).
    assert source.frames_decoded >= 0.7 * truth.frame_count


def test_two_codes_give_two_tokens_once_each(videos: dict[str, Any]) -> None:
    recorder, _ = play(videos["two_codes"].path)
    assert sorted(recorder.texts) == sorted(PAYLOADS)


def test_no_code_gives_no_token_and_a_clean_preview(videos: dict[str, Any]) -> None:
    recorder, _ = play(videos["no_code"].path)
    assert recorder.texts == []
    assert recorder.previews, "the panel gets previews even when there is nothing to read"
    assert all(not p.codes for p in recorder.previews)


def test_a_code_shown_again_after_leaving_is_a_new_appearance(videos: dict[str, Any]) -> None:
    truth = videos["come_back"]
    assert len(truth.appearances) == 2
    recorder, _ = play(truth.path)
    assert recorder.texts == [PAYLOADS[0], PAYLOADS[0]]
    # The previews for the panel: small, with the code outlined where it is.
    outlined = [p for p in recorder.previews if p.codes]
    assert outlined
    preview = outlined[0]
    height, width = preview.image.shape[:2]
    assert width <= 480 and preview.image.ndim == 3
    xs = [x for quad in preview.codes for x, _ in quad]
    ys = [y for quad in preview.codes for _, y in quad]
    assert 0 <= min(xs) < max(xs) <= width and 0 <= min(ys) < max(ys) <= height
    assert len(recorder.previews) <= 16 * 3.6  # about 15 per second of video at most


def test_a_missing_camera_is_reported_then_picked_up_when_it_appears(
    videos: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "later.avi"
    recorder = Recorder()
    source = WebcamSource(str(target), retry_s=0.05)
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: SourceState.ERROR in r.states)
        assert recorder.statuses[-1].message == MSG_NO_CAMERA
        tmp = tmp_path / "partial.tmp"
        tmp.write_bytes(videos["come_back"].path.read_bytes())
        os.replace(tmp, target)  # appears at once, complete
        recorder.wait_for(lambda r: len(r.scans) >= 1)
        assert SourceState.CONNECTED in recorder.states
        assert recorder.texts[0] == PAYLOADS[0]
    finally:
        source.stop()


class _RecordedCamera:
    """A USB camera (which cannot exist here) replayed from a real video file; it dies when its
    device node disappears, as a V4L2 camera does when unplugged."""

    def __init__(self, video: Path, node: Path, opens: bool = True) -> None:
        self._capture = cv2.VideoCapture(str(video))
        self._node = node
        self._opens = opens
        self._next_frame_at = time.monotonic()
        self.running = threading.Event()  # cleared: read() blocks, as a frozen driver does
        self.running.set()

    def isOpened(self) -> bool:
        return self._opens and self._capture.isOpened()

    def read(self) -> tuple[bool, Any]:
        assert self.running.wait(timeout=20.0)
        if not self._node.exists():
            return False, None
        # A camera's read() returns when its next frame is ready: 30 per second.
        self._next_frame_at = max(self._next_frame_at + 1 / 30, time.monotonic() - 0.1)
        time.sleep(max(self._next_frame_at - time.monotonic(), 0.0))
        ok, frame = self._capture.read()
        if not ok:  # loop the recording: a live camera never ends
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        return ok, frame

    def get(self, prop_id: int) -> float:
        return float(self._capture.get(prop_id))

    def release(self) -> None:
        self._capture.release()


@pytest.fixture
def camera_node(tmp_path: Path) -> Iterator[Path]:
    node = tmp_path / "video0"
    node.touch()
    yield node


def test_unplugged_camera_is_reported_and_recovers(videos: dict[str, Any], camera_node: Path) -> None:
    video = videos["come_back"].path
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(path=str(camera_node)),
        retry_s=0.05,
        opener=lambda device, backend, size: _RecordedCamera(video, camera_node),
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: len(r.scans) >= 1)
        camera_node.unlink()
        recorder.wait_for(lambda r: r.states[-1] is SourceState.DISCONNECTED)
        assert recorder.statuses[-1].message == MSG_UNPLUGGED
        connected_before = recorder.states.count(SourceState.CONNECTED)
        camera_node.touch()
        recorder.wait_for(lambda r: r.states.count(SourceState.CONNECTED) > connected_before)
        # Reading again. The code still in view is the same appearance (a flaky cable does not
        # resend it); once it goes away and comes back (the recording loops), it is sent again.
        recorder.wait_for(lambda r: len(r.scans) >= 2)
    finally:
        source.stop()
    assert recorder.states[-1] is SourceState.STOPPED


def test_a_frozen_camera_is_reported_and_picked_up_again(videos: dict[str, Any], camera_node: Path) -> None:
    camera = _RecordedCamera(videos["come_back"].path, camera_node)
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(path=str(camera_node)),
        retry_s=0.05,
        freeze_after_s=0.3,
        opener=lambda device, backend, size: camera,
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: len(r.scans) >= 1)
        camera.running.clear()
        recorder.wait_for(lambda r: r.statuses[-1].message == MSG_FROZEN)
        assert recorder.states[-1] is SourceState.DISCONNECTED
        camera.running.set()
        recorder.wait_for(lambda r: r.states[-1] is SourceState.CONNECTED)
    finally:
        camera.running.set()
        source.stop()


def test_a_code_seen_but_not_read_gets_a_hint(corpus: ModuleType, tmp_path: Path) -> None:
    # A phone whose screen glare hides part of the code: located, not read even with every rescue
    # (the first such frame of the corpus' strong reflections, seed 8: the glare rescue reads
    # those of the "glare" condition; held still, so no fusion helps).
    frame = next(
        f
        for f in corpus.generate_corpus(20, conditions=("specular",), seed=8)
        if not (found := analyse_frame(f.image, options=DecoderOptions(budget_ms=0))).codes and found.unread
    )
    path = tmp_path / "glare.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (1280, 720))
    for _ in range(30):
        writer.write(frame.image)
    writer.release()
    recorder, _ = play(path)
    assert recorder.texts == []
    hinted = [p for p in recorder.previews if p.hint]
    assert hinted and hinted[-1].hint == HINT_GLARE and hinted[-1].unread


def test_a_camera_that_will_not_open_is_busy(videos: dict[str, Any], camera_node: Path) -> None:
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(path=str(camera_node)),
        retry_s=0.05,
        opener=lambda device, backend, size: _RecordedCamera(videos["no_code"].path, camera_node, False),
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: SourceState.ERROR in r.states)
    finally:
        source.stop()
    assert recorder.statuses[-2].message == MSG_BUSY


def test_appearances_are_once_per_showing() -> None:
    tracker = AppearanceTracker(gone_after_s=1.0)
    assert tracker.update(["A"], 0.0) == ["A"]
    assert tracker.update(["A", "B"], 0.5) == ["B"]
    assert tracker.update(["A"], 1.2) == []  # missed on a few frames: same appearance
    assert tracker.update([], 2.0) == []
    assert tracker.update(["A"], 2.3) == ["A"]  # away for more than a second: shown again
    assert tracker.update(["B"], 2.4) == ["B"]
    held = [tracker.update(["A"], 3.0 + t / 10) for t in range(600)]
    assert not any(held)  # held in view for a minute: one appearance, sent once


def test_device_strings() -> None:
    assert resolve_device("") == CameraDevice(index=0)
    assert resolve_device("2") == CameraDevice(index=2)
    assert resolve_device("/dev/video1") == CameraDevice(path="/dev/video1")
    by_id = "/dev/v4l/by-id/usb-cam-video-index0"
    assert resolve_device(by_id) == CameraDevice(path=by_id)
    assert resolve_device("/tmp/x.avi") == CameraDevice(path="/tmp/x.avi", is_file=True)
    assert resolve_device("/tmp/x.avi").source_id == "webcam:file:x.avi"
    assert resolve_device("1").source_id == "webcam:1"


def test_hints_name_the_likely_cause() -> None:
    grey = np.full((720, 1280), 128, np.uint8)
    small = ((100.0, 100.0), (140.0, 100.0), (140.0, 140.0), (100.0, 140.0))
    assert hint_for(grey, small) == HINT_CLOSER
    tilted = ((100.0, 100.0), (300.0, 130.0), (300.0, 230.0), (100.0, 300.0))
    assert hint_for(grey, tilted) == HINT_LESS_TILT
    grey[150:250, 150:250] = 255
    square = ((100.0, 100.0), (300.0, 100.0), (300.0, 300.0), (100.0, 300.0))
    assert hint_for(grey, square) == HINT_GLARE


# ----------------------------------------------------------------------------- presence (Windows)
class _ClosedCamera:
    """What ``cv2.VideoCapture`` gives for a camera that cannot be opened (missing or taken)."""

    def isOpened(self) -> bool:
        return False

    def read(self) -> tuple[bool, Any]:
        return False, None

    def get(self, prop_id: int) -> float:
        return 0.0

    def release(self) -> None:
        pass


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The source's OS checks as on Windows: no device node says whether a camera is plugged in."""
    monkeypatch.setattr(host_os, "_PLATFORM", "win32")


def _first_error(presence: Presence | None) -> SourceStatus:
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(index=1), retry_s=0.05, presence=presence, opener=lambda *_: _ClosedCamera()
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: SourceState.ERROR in r.states)
    finally:
        source.stop()
    return next(s for s in recorder.statuses if s.state is SourceState.ERROR)


@pytest.mark.usefixtures("on_windows")
def test_windows_tells_no_camera_from_a_busy_one_with_the_panels_device_list() -> None:
    asked: list[CameraDevice] = []

    def listed(device: CameraDevice) -> bool:
        asked.append(device)
        return device.index == 1

    assert _first_error(listed).message == MSG_BUSY  # listed by Qt, but will not open: taken
    assert asked and asked[0] == CameraDevice(index=1)
    assert _first_error(lambda device: False).message == MSG_NO_CAMERA  # not listed: not plugged in
    # Without a device list (or one that cannot say), the message covers both.
    assert _first_error(None).message == MSG_MISSING_OR_BUSY
    assert _first_error(lambda device: None).message == MSG_MISSING_OR_BUSY


@pytest.mark.usefixtures("on_windows")
def test_a_broken_device_list_does_not_stop_the_camera() -> None:
    def broken(device: CameraDevice) -> bool:
        raise RuntimeError("Qt Multimedia is gone")

    assert _first_error(broken).message == MSG_MISSING_OR_BUSY


@pytest.mark.usefixtures("on_windows")
def test_windows_unplug_and_replug_follow_the_device_list(videos: dict[str, Any], camera_node: Path) -> None:
    # An index camera (Windows has no device path): plugged in while the panel lists it.
    video = videos["come_back"].path
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(index=0),
        retry_s=0.05,
        presence=lambda device: camera_node.exists(),
        opener=lambda device, backend, size: _RecordedCamera(video, camera_node, camera_node.exists()),
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: len(r.scans) >= 1)
        camera_node.unlink()  # unplugged: reads fail and Qt no longer lists it
        recorder.wait_for(lambda r: r.states[-1] is SourceState.DISCONNECTED)
        assert recorder.statuses[-1].message == MSG_UNPLUGGED
        connected_before = recorder.states.count(SourceState.CONNECTED)
        camera_node.touch()
        recorder.wait_for(lambda r: r.states.count(SourceState.CONNECTED) > connected_before)
    finally:
        source.stop()
    # Never "busy" or "missing or busy": the list said what happened.
    assert {s.message for s in recorder.statuses} & {MSG_BUSY, MSG_MISSING_OR_BUSY} == set()


def test_on_linux_the_device_node_answers_before_the_device_list(camera_node: Path) -> None:
    # A Linux device path that exists but will not open is busy, whatever a device list says.
    recorder = Recorder()
    source = WebcamSource(
        CameraDevice(path=str(camera_node)),
        retry_s=0.05,
        presence=lambda device: False,
        opener=lambda *_: _ClosedCamera(),
    )
    source.start(recorder.on_scan, recorder.on_status)
    try:
        recorder.wait_for(lambda r: SourceState.ERROR in r.states)
    finally:
        source.stop()
    assert next(s for s in recorder.statuses if s.state is SourceState.ERROR).message == MSG_BUSY
