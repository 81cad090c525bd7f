"""Glare and a finger (issue 17): the corpus renders them at the review's severities, reproducibly,
and the glare fusion reads a hand-held phone whose reflection hides the code in every single
frame, without ever mixing two codes or reading one from a codeless stream."""

from __future__ import annotations

import importlib
from dataclasses import replace
from types import ModuleType

import cv2
import numpy as np
import pytest
import zxingcpp

from pos_client.scanner import webcam_filters, webcam_fusion
from pos_client.scanner.webcam import DecoderOptions, Stage, analyse_frame, qr_formats, to_grey
from pos_client.scanner.webcam_fusion import GlareFusion

# No time budget: what is read must not depend on how busy the machine is.
UNBOUNDED = DecoderOptions(budget_ms=0)
OTHER_TOKEN = "K7XQ2M"


def _sequence(
    corpus: ModuleType, condition: str, index: int, length: int
) -> list[tuple[np.ndarray, tuple[str, ...]]]:
    """A hand-held sequence of ``condition`` (seed 7, number ``index``): ``length`` frames."""
    rng = np.random.default_rng([7, 1000, index])
    frames = corpus.handheld_sequence(condition, rng, 7500 + index, length)
    return [(image, expected) for image, expected, _ in frames]


# ----------------------------------------------------------------------------- the corpus
def test_specular_glare_is_the_reviews_blob_on_the_code(corpus: ModuleType) -> None:
    for index in range(12):
        scene, expected = corpus.condition_scene("specular", np.random.default_rng([3, index]), index)
        glare = scene.phones[0].glare
        assert expected and glare is not None
        assert 0.5 * 255 <= glare.strength <= 1.2 * 255  # +0.5 to +1.2 of full scale
        assert glare.bloom > 0
        # Centred on the code: its texture spans 0.24-0.76 across and 0.35-0.61 down.
        assert 0.24 < glare.centre[0] < 0.76 and 0.35 < glare.centre[1] < 0.61


@pytest.mark.parametrize("coverage", [0.02, 0.08, 0.14])
def test_a_fingertip_covers_its_share_of_the_symbol_and_never_a_finder(
    corpus: ModuleType, coverage: float
) -> None:
    fingers = importlib.import_module("webcam_fingers")  # beside the corpus script (on the path)
    for seed in range(6):
        finger = fingers.random_finger(np.random.default_rng([seed, int(coverage * 100)]), coverage)
        assert fingers.finger_coverage(finger) == pytest.approx(coverage, abs=0.003)
        assert not fingers.finger_on_finder(finger)
    # The check itself: a finger from the left edge at the top-left finder's height touches it.
    assert fingers.finger_on_finder(fingers.Finger("left", 3.5, 7.0, 6.0))


def test_the_new_conditions_are_reproducible_from_the_seed(corpus: ModuleType) -> None:
    def frames(seed: int) -> list[np.ndarray]:
        return [f.image for f in corpus.generate_corpus(1, (640, 480), ("specular", "finger"), seed=seed)]

    first, again, other = frames(4), frames(4), frames(5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not any(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_a_finger_over_the_code_is_still_read(corpus: ModuleType) -> None:
    for frame in corpus.generate_corpus(2, conditions=("finger",), seed=7):
        assert analyse_frame(frame.image, options=UNBOUNDED).texts == list(frame.expected)


# ----------------------------------------------------------------------------- one frame
def test_a_reflection_over_the_dark_modules_is_read_from_one_frame(corpus: ModuleType) -> None:
    """The reflection lifts the dark modules under it to a few grey levels below the clipped white:
    zxing-cpp's binarizer takes them for white, the glare rescue (local mean) for dark. The first
    frames of a sequence have no earlier frames to fuse: this is what reads them."""
    image, expected = _sequence(corpus, "specular", 14, 3)[2]
    assert webcam_filters.has_glare(to_grey(image))
    assert analyse_frame(image, options=replace(UNBOUNDED, glare_rescue=False)).texts == []
    found = analyse_frame(image, options=UNBOUNDED)
    assert found.texts == list(expected)
    assert found.codes[0].stage is Stage.GLARE
    # Outlined where the code is (the binarised frame is at half size).
    xs = [x for x, _ in found.codes[0].quad]
    assert max(xs) - min(xs) > 100


def test_the_glare_rescue_reads_nothing_in_codeless_frames(corpus: ModuleType) -> None:
    """Flat areas turn to noise once binarised against their local mean: no QR checksum survives
    that, nor a QR-like pattern of random modules under a reflection."""
    conditions = ("glossy", "clutter", "text", "empty", "ean13")
    glaring = 0
    for frame in corpus.generate_corpus(4, (1280, 720), conditions=conditions, seed=9):
        grey = to_grey(frame.image)
        glaring += webcam_filters.has_glare(grey)
        half = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        binary = webcam_filters.glare_binarised(half)
        assert zxingcpp.read_barcodes(binary, formats=qr_formats(), try_invert=True) == []
    assert glaring >= 4  # the glossy frames at least: the rescue would run on them


# ----------------------------------------------------------------------------- the fusion
def test_the_fusion_reads_a_code_that_no_single_frame_reads(corpus: ModuleType) -> None:
    # (The fifth frame of this sequence is read alone, by the single-frame glare rescue.)
    frames = _sequence(corpus, "specular", 0, 4)
    payload = frames[0][1][0]
    fusion = GlareFusion()
    stages = []
    for number, (image, _) in enumerate(frames):
        assert analyse_frame(image, options=UNBOUNDED).texts == []  # the reflection wins alone
        analysis = fusion.analyse(image, number / 30, options=UNBOUNDED)
        assert set(analysis.texts) <= {payload}
        stages += [code.stage for code in analysis.codes]
    assert Stage.FUSED in stages
    assert fusion.fused_reads >= 1


def test_a_fused_read_must_agree_with_the_modules_this_frame_shows(corpus: ModuleType) -> None:
    """The check that keeps two codes apart: a contremarque read from the earlier frames is refused
    when this frame shows another one in the same place (same finder patterns, same payload
    prefix), and accepted when it shows the same one."""
    renderer = corpus.SceneRenderer((1280, 720))
    rng = np.random.default_rng([7, 1000, 3])
    frames = corpus.handheld_sequence("clean", rng, 42, 2, renderer=renderer)
    scene, _ = corpus.condition_scene("clean", np.random.default_rng([7, 1000, 3]), 42)
    other_phone = replace(scene.phones[0], content=corpus.contremarque_payload(OTHER_TOKEN))
    other = renderer.render(replace(scene, phones=(other_phone,)), np.random.default_rng(1))
    box = webcam_fusion._box((720, 1280), tuple(map(tuple, frames[0][2])))
    assert box is not None
    earlier = webcam_fusion._Seen(0.0, to_grey(frames[0][0]))
    shares = {}
    for name, image in (("same", frames[1][0]), ("other", other)):
        now = webcam_fusion._Seen(0.1, to_grey(image))
        (dx, dy), _ = webcam_fusion._phase_correlation(now.spectrum(box), earlier.spectrum(box))
        shift = np.array([[1, 0, -2 * dx], [0, 1, -2 * dy]], dtype=np.float32)
        aligned = cv2.warpAffine(earlier.region(box), shift, (288, 288), borderMode=cv2.BORDER_REPLICATE)
        (barcode,) = zxingcpp.read_barcodes(aligned.astype(np.uint8), formats=qr_formats())
        contradicted, checked = webcam_fusion._contradictions(now.region(box), aligned, barcode)
        assert checked >= webcam_fusion._MIN_CHECKED
        shares[name] = contradicted / checked
    assert shares["same"] <= webcam_fusion._MAX_CONTRADICTED < shares["other"]


def test_the_fusion_never_gives_the_earlier_code_for_another_one(corpus: ModuleType) -> None:
    renderer = corpus.SceneRenderer((1280, 720))
    rng = np.random.default_rng([7, 1000, 0])
    frames = corpus.handheld_sequence("specular", rng, 7500, 4, renderer=renderer)
    scene, _ = corpus.condition_scene("specular", np.random.default_rng([7, 1000, 0]), 7500)
    swapped = replace(scene.phones[0], content=corpus.contremarque_payload(OTHER_TOKEN))
    fusion = GlareFusion()
    for number, (image, _, _) in enumerate(frames):
        fusion.analyse(image, number / 30, options=UNBOUNDED)
    # The phone is swapped for another one, same place, same reflection: never the first token.
    image = renderer.render(replace(scene, phones=(swapped,)), np.random.default_rng(9))
    assert set(fusion.analyse(image, 4 / 30, options=UNBOUNDED).texts) <= {swapped.content}


def test_codeless_glossy_streams_give_no_token_through_the_fusion(corpus: ModuleType) -> None:
    """A QR-like pattern (real finder patterns, random modules) under a sliding reflection: the
    fusion runs, and reads nothing."""
    for index in range(2):
        fusion = GlareFusion()
        for number, (image, expected) in enumerate(_sequence(corpus, "glossy", index, 4)):
            assert expected == ()
            assert fusion.analyse(image, number / 30, options=UNBOUNDED).texts == []
        assert fusion.fusions_tried >= 1
