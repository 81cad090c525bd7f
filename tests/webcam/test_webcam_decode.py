"""decode_frame on the synthetic corpus: contract, decode rate against plain zxing-cpp, and zero
false tokens on the negatives (EAN-13 barcodes, QR-like clutter, text, empty desks)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import zxingcpp

from pos_client.scanner.webcam import PyzbarDecoder, Stage, analyse_frame, decode_frame, qr_formats, to_grey


def _plain_zxing(frame: np.ndarray) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(frame, formats=qr_formats())]


def test_grey_and_bgr_frames_give_the_same_payload(corpus: ModuleType) -> None:
    frame = next(corpus.generate_corpus(1, conditions=("clean",), seed=1))
    assert decode_frame(frame.image) == list(frame.expected)
    assert decode_frame(to_grey(frame.image)) == list(frame.expected)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((10, 10), np.float32), np.zeros((10, 10, 4), np.uint8), np.zeros(10, np.uint8), "frame"],
)
def test_anything_but_a_uint8_grey_or_bgr_frame_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="webcam frame"):
        decode_frame(bad)  # type: ignore[arg-type]


def test_two_codes_in_one_frame_are_both_returned(corpus: ModuleType) -> None:
    payloads = (corpus.contremarque_payload("352UW4"), corpus.contremarque_payload("K7XQ2M"))
    scene = corpus.Scene(
        phones=(
            corpus.Phone(content=payloads[0], centre=(0.28, 0.5), code_px=170),
            corpus.Phone(content=payloads[1], centre=(0.72, 0.5), code_px=170, roll_deg=20),
        )
    )
    image = corpus.SceneRenderer((1280, 720)).render(scene, np.random.default_rng(5))
    assert sorted(decode_frame(image)) == sorted(payloads)
    analysis = analyse_frame(image)
    assert len(analysis.codes) == 2
    # Each outline lies around its phone: the left code on the left half.
    left = next(c for c in analysis.codes if c.text == payloads[0])
    assert max(x for x, _ in left.quad) < 640


def test_zero_false_tokens_on_negatives(corpus: ModuleType) -> None:
    frames = list(corpus.generate_corpus(6, conditions=corpus.NEGATIVE_CONDITIONS, seed=21))
    false_tokens = {f"{f.condition}_{f.index}": decode_frame(f.image) for f in frames}
    assert len(frames) == 6 * len(corpus.NEGATIVE_CONDITIONS) == 30
    assert {k: v for k, v in false_tokens.items() if v} == {}


def test_decode_rate_beats_plain_zxing_and_never_invents(corpus: ModuleType) -> None:
    hard = ("moire", "glare", "small", "tilted", "blurred", "lowlight", "noise", "jpeg")
    ours = plain = total = 0
    for frame in corpus.generate_corpus(4, conditions=hard, seed=33):
        got, baseline = decode_frame(frame.image), _plain_zxing(frame.image)
        assert set(got) <= set(frame.expected), frame.condition
        ours += set(frame.expected) <= set(got)
        plain += set(frame.expected) <= set(baseline)
        total += 1
    assert ours > plain, (ours, plain, total)
    assert ours >= 0.8 * total, (ours, total)


def test_pyzbar_reads_a_clean_code_when_installed(corpus: ModuleType) -> None:
    decoder = PyzbarDecoder()
    if not decoder.available:
        pytest.skip("pyzbar or libzbar0 is not installed (optional)")
    frame = next(corpus.generate_corpus(1, conditions=("clean",), seed=1))
    analysis = decoder.analyse(frame.image)
    assert analysis.texts == list(frame.expected)
    assert analysis.codes[0].stage is Stage.PYZBAR
