"""The exposure hook (issue 17): a code seen but blinded by a reflection makes the capture loop ask
the camera for a shorter exposure; a capture that cannot (a video file) says so once, and the
reading goes on unchanged. (No camera exists here: what a V4L2 or MSMF camera does with the value
is not exercised.)"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import pytest

from pos_client.domain.scan import RawScan, SourceState, SourceStatus
from pos_client.scanner.webcam import DecoderOptions, FrameAnalysis, analyse_frame, to_grey
from pos_client.scanner.webcam_exposure import ExposureGuard
from pos_client.scanner.webcam_source import HINT_GLARE, WebcamSource, hint_for


@pytest.fixture(scope="module")
def blinded(corpus: ModuleType) -> tuple[Any, FrameAnalysis]:
    """A phone whose reflection hides part of its code: located, not read, its pixels clipped."""
    # (Issue 17's glare rescue reads the first 20 such frames of the "glare" condition: this is a
    # strong reflection of the "specular" condition, located on every frame of its video.)
    for frame in corpus.generate_corpus(20, conditions=("specular",), seed=8):
        grey = to_grey(frame.image)
        found = analyse_frame(grey, options=DecoderOptions(budget_ms=0))
        if not found.codes and found.unread and hint_for(grey, found.unread[0]) == HINT_GLARE:
            return frame, found
    raise AssertionError("the glare corpus has no blinded code")


def test_a_blinded_code_asks_for_a_shorter_exposure_after_three_frames(
    blinded: tuple[Any, FrameAnalysis],
) -> None:
    frame, analysis = blinded
    grey = to_grey(frame.image)
    guard = ExposureGuard()
    guard.observe(grey, analysis, 0.0)
    guard.observe(grey, analysis, 1 / 30)
    assert guard.requests == []  # a flash is not a reflection
    guard.observe(grey, analysis, 2 / 30)
    assert guard.requests == ["shorter"]


def test_codes_read_or_not_clipped_ask_nothing(corpus: ModuleType) -> None:
    (clean,) = corpus.generate_corpus(1, conditions=("clean",), seed=7)
    grey = to_grey(clean.image)
    read = analyse_frame(grey)
    assert read.codes
    # The same code as if located but unread: its pixels do not clip.
    unread = FrameAnalysis(unread=(read.codes[0].quad,))
    guard = ExposureGuard()
    for number in range(10):
        guard.observe(grey, read if number % 2 else unread, number / 30)
    assert guard.requests == []


def test_a_capture_that_cannot_set_its_exposure_is_left_alone(
    blinded: tuple[Any, FrameAnalysis], tmp_path: Path
) -> None:
    frame, analysis = blinded
    path = tmp_path / "one.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (1280, 720))
    writer.write(frame.image)
    writer.release()
    capture = cv2.VideoCapture(str(path))
    try:
        guard = ExposureGuard()
        for number in range(3):
            guard.observe(to_grey(frame.image), analysis, number / 30)
        guard.apply(capture)  # a video file: OpenCV has no exposure to set
        assert guard.supported is False and guard.steps == 0
        guard.observe(to_grey(frame.image), analysis, 1.0)
        assert guard.requests == ["shorter"]  # not asked again
        ok, _ = capture.read()
        assert ok  # the capture still delivers its frames
    finally:
        capture.release()


def test_the_capture_loop_asks_then_reads_on(blinded: tuple[Any, FrameAnalysis], tmp_path: Path) -> None:
    """Through ``WebcamSource`` on a video file: the decoder thread asks, the grabber thread tries,
    the file refuses, the source keeps streaming to the end, no token, no error."""
    frame, _ = blinded
    path = tmp_path / "glare.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (1280, 720))
    for _ in range(30):
        writer.write(frame.image)
    writer.release()
    scans: list[RawScan] = []
    statuses: list[SourceStatus] = []
    source = WebcamSource(str(path), retry_s=0.05)
    source.start(scans.append, statuses.append)
    try:
        assert source.wait_finished(timeout=20.0)
    finally:
        source.stop()
    assert scans == []
    assert source.exposure.requests[:1] == ["shorter"]
    assert source.exposure.supported is False
    assert [s.state for s in statuses if s.state is SourceState.ERROR] == []
    assert statuses[-1].state is SourceState.STOPPED
