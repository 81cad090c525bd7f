"""The motion-blur rescue of decode_frame: a phone sliding in front of the camera smears the code
along its path; the cepstrum finds that smear's length and direction and a Wiener filter undoes it."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

import cv2
import numpy as np
import pytest

from pos_client.scanner import webcam
from pos_client.scanner.webcam import DecoderOptions, Stage, analyse_frame, to_grey


def _smeared_frame(corpus: ModuleType, length: float, angle_deg: float, seed: int = 3) -> np.ndarray:
    phone = corpus.Phone(content=corpus.contremarque_payload("352UW4"), centre=(0.45, 0.5), code_px=200)
    camera = corpus.Camera(blur_sigma=0.7, noise_sigma=2.0, jpeg_quality=90, motion_px=length)
    camera = replace(camera, motion_angle_deg=angle_deg)
    scene = corpus.Scene(phones=(phone,), camera=camera, background_seed=11)
    image: np.ndarray = corpus.SceneRenderer((1280, 720)).render(scene, np.random.default_rng(seed))
    return image


@pytest.mark.parametrize(("length", "angle_deg"), [(14.0, 0.0), (15.0, 90.0), (15.0, 30.0), (16.0, 120.0)])
def test_a_smear_is_measured_from_the_cepstrum(corpus: ModuleType, length: float, angle_deg: float) -> None:
    grey = to_grey(_smeared_frame(corpus, length, angle_deg))
    side = 320
    x0, y0 = int(0.45 * 1280 - side / 2), int(0.5 * 720 - side / 2)
    estimate = webcam._estimate_motion_blur(grey[y0 : y0 + side, x0 : x0 + side])
    assert estimate is not None
    found_length, found_angle = estimate
    # The corpus' kernel is a line of ceil(length)|1 pixels, rotated by OpenCV (counter-clockwise
    # as seen, so minus in image coordinates); a line has no sign, so angles are modulo 180.
    assert abs(found_length - (int(np.ceil(length)) | 1)) <= 1.5
    difference = (found_angle + angle_deg) % 180
    assert min(difference, 180 - difference) <= 8


@pytest.mark.parametrize(("length", "angle_deg"), [(15.0, 30.0), (13.0, 160.0), (12.0, 25.0), (10.0, 135.0)])
def test_the_smear_is_measured_to_a_fraction_of_a_pixel(
    corpus: ModuleType, length: float, angle_deg: float
) -> None:
    """Oblique smears end between pixels: the centroid of the cepstrum's peak gives their direction
    within 2 degrees (the nearest cell alone was 1.7-3.8 degrees off on these), which the
    deconvolution needs to read a 13 px smear on every frame."""
    grey = to_grey(_smeared_frame(corpus, length, angle_deg))
    side = 320
    x0, y0 = int(0.45 * 1280 - side / 2), int(0.5 * 720 - side / 2)
    estimate = webcam._estimate_motion_blur(grey[y0 : y0 + side, x0 : x0 + side])
    assert estimate is not None
    found_length, found_angle = estimate
    assert abs(found_length - (int(np.ceil(length)) | 1)) <= 0.5
    difference = (found_angle + angle_deg) % 180
    assert min(difference, 180 - difference) <= 2.0


def test_a_defocused_code_is_outlined_where_it_is(corpus: ModuleType) -> None:
    """The defocus variant deconvolves at half size: the code it reads is outlined at full size,
    where it is (the next frames look for it there)."""
    phone = corpus.Phone(
        content=corpus.contremarque_payload("352UW4"), centre=(0.45, 0.5), code_px=200, roll_deg=10
    )
    camera = corpus.Camera(blur_sigma=3.5, noise_sigma=2.0, jpeg_quality=90)
    scene = corpus.Scene(phones=(phone,), camera=camera, background_seed=11)
    frame = corpus.SceneRenderer((1280, 720)).render(scene, np.random.default_rng(3))
    truth = [tuple(corner) for corner in corpus.code_quad(phone, (1280, 720))]
    only_roi = DecoderOptions(
        budget_ms=0, cleaned_pass=False, deblur=False, upscaled_centre=False, glare_rescue=False
    )
    found = analyse_frame(frame, roi_hints=[tuple(truth)], options=only_roi)  # type: ignore[list-item]
    assert [(code.stage, code.variant) for code in found.codes] == [(Stage.ROI, "defocus")]
    for (x, y), (tx, ty) in zip(found.codes[0].quad, truth, strict=True):
        assert abs(x - tx) < 15 and abs(y - ty) < 15


def test_a_sharp_code_is_read_before_any_deconvolution(corpus: ModuleType) -> None:
    found = analyse_frame(_smeared_frame(corpus, 0.0, 0.0))
    assert [code.stage for code in found.codes] == [Stage.FULL]


def test_a_horizontal_smear_is_read_only_thanks_to_the_deblur_stage(corpus: ModuleType) -> None:
    frame = _smeared_frame(corpus, 14.0, 0.0)
    payload = corpus.contremarque_payload("352UW4")
    without = analyse_frame(frame, options=DecoderOptions(deblur=False, budget_ms=0))
    assert without.texts == []
    found = analyse_frame(frame, options=DecoderOptions(budget_ms=0))
    assert found.texts == [payload]
    assert found.codes[0].stage is Stage.DEBLUR
    # The outline is where the code is in the frame (for the camera panel), not in the square.
    xs = [x for x, _ in found.codes[0].quad]
    assert 0.3 * 1280 < min(xs) < max(xs) < 0.6 * 1280


def test_the_frames_of_a_phone_sliding_in_are_read_while_it_moves(corpus: ModuleType) -> None:
    """The enter/move/leave video's sliding frames (14 px smear): read before the phone stops."""
    renderer = corpus.SceneRenderer((1280, 720))
    scenes = list(corpus.video_scenes("enter_move_leave", ("352UW4", "K7XQ2M")))
    moving_in_view = [i for i, (scene, shown) in enumerate(scenes) if shown and scene.camera.motion_px > 0]
    first = moving_in_view[0]
    assert scenes[first][0].camera.motion_px == 14.0
    read = 0
    for index in moving_in_view[:4]:
        frame = renderer.render(scenes[index][0], np.random.default_rng([3, index]))
        read += bool(analyse_frame(frame, options=DecoderOptions(budget_ms=0)).texts)
    assert read >= 3


def test_deconvolution_finds_nothing_in_codeless_frames(corpus: ModuleType) -> None:
    for frame in corpus.generate_corpus(6, (1280, 720), conditions=("ean13", "clutter", "text"), seed=5):
        found: dict[str, webcam.DecodedCode] = {}
        square = webcam._deblur_square(to_grey(frame.image), ())
        assert square is not None
        blur = webcam._estimate_motion_blur(square[0])
        if blur is not None:
            webcam._read_deblurred(square, blur, found)
        assert found == {}
    assert cv2.getOptimalDFTSize(int(0.25 * 1280)) == 320  # the square the tests above assume
