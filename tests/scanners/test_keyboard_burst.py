"""The burst classifier on timing traces: fast and slow scanners, fast typists, a person typing
while a scan arrives, terminators and silence, and the physical (layout-independent) reading."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_client.scanner.keyboard_burst import (
    MAX_BURST_KEYS,
    BurstClassifier,
    Fate,
    KeyKind,
    Keystroke,
)
from pos_client.scanner.payload import Contremarque, Rejection, read_contremarque

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"


def char(t: float, text: str, physical: str | None = None) -> Keystroke:
    return Keystroke(KeyKind.CHARACTER, t, text, physical if physical is not None else text)


def enter(t: float) -> Keystroke:
    return Keystroke(KeyKind.TERMINATOR, t, "\r", "\r")


def replay(classifier: BurstClassifier, keys: list[Keystroke]) -> tuple[list[str], str, list[Fate]]:
    """Drive the classifier like the Qt adapter does: silence() whenever the gap to the next key
    exceeds silence_ms. Returns (scans, text that reached the widget in order, fates)."""
    scans: list[str] = []
    widget: list[str] = []
    fates: list[Fate] = []
    last: float | None = None
    for key in keys:
        if last is not None and key.timestamp_ms - last > classifier.silence_ms:
            decision = classifier.silence()
            widget.extend(k.text for k in decision.release)
            if decision.scan:
                scans.append(decision.scan.text)
        decision = classifier.press(key)
        widget.extend(k.text for k in decision.release)
        if decision.scan:
            scans.append(decision.scan.text)
        assert decision.fate is not None
        fates.append(decision.fate)
        if decision.fate is Fate.PASS:
            widget.append(key.text)
        last = key.timestamp_ms
    decision = classifier.silence()
    widget.extend(k.text for k in decision.release)
    if decision.scan:
        scans.append(decision.scan.text)
    return scans, "".join(widget), fates


def scanner_trace(text: str, start: float, gaps: list[float]) -> list[Keystroke]:
    keys, t = [], start
    for i, c in enumerate(text):
        keys.append(char(t, c))
        t += gaps[i % len(gaps)]
    return keys


# Inter-key gaps of real scanners, from published measurements (N. Leenheer's KeyboardBarcodeScanner
# comments; MagTek and WooCommerce figures): Datalogic BC2090 1 ms, Netum NSL-5 6 ms, Honeywell
# 1400g 10 ms, Netum NSC750 19 ms; with USB polling jitter.
FAST_SCANNERS = {
    "datalogic_1ms": [1.0, 1.1, 0.9, 1.0],
    "netum_6ms": [6.0, 5.8, 6.3, 6.1, 5.9],
    "honeywell_10ms": [10.0, 9.8, 10.3, 10.1, 8.0, 12.0],
    "netum_19ms": [19.0, 18.5, 20.1, 19.4],
}


@pytest.mark.parametrize("name", sorted(FAST_SCANNERS))
def test_fast_scanner_with_enter_is_one_swallowed_scan(name: str) -> None:
    keys = scanner_trace(PAYLOAD, 1000.0, FAST_SCANNERS[name])
    keys.append(enter(keys[-1].timestamp_ms + FAST_SCANNERS[name][0]))
    scans, widget, fates = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == ""
    assert fates[-1] is Fate.SWALLOW
    assert set(fates[:-1]) == {Fate.HOLD}


def test_scanner_without_suffix_ends_on_silence() -> None:
    keys = scanner_trace(PAYLOAD, 0.0, [8.0])
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == ""


def test_slow_bluetooth_scanner_is_a_scan_at_the_default_gap() -> None:
    rng = random.Random(6)
    gaps = [rng.uniform(60, 140) for _ in range(40)]
    keys = scanner_trace(PAYLOAD, 0.0, gaps)
    keys.append(enter(keys[-1].timestamp_ms + 90))
    # Content decides: a pass Culture header is never typed by hand.
    for classifier in (BurstClassifier(), BurstClassifier(max_gap_ms=150)):
        scans, widget, _ = replay(classifier, keys)
        assert scans == [PAYLOAD]
        assert widget == ""
    # The same rhythm with ordinary text is a person's at the default gap...
    text = "Bonjour madame, voici votre billet"
    typed = scanner_trace(text, 0.0, gaps)
    assert replay(BurstClassifier(), typed)[:2] == ([], text)
    # ...and a scan with the Bluetooth override (the old timing rule, kept as a setting).
    assert replay(BurstClassifier(max_gap_ms=150), typed)[:2] == ([text], "")


def test_fast_typist_with_rollover_keeps_every_key_in_order() -> None:
    # A 100-wpm typist: 60-180 ms between keys, with frequent rollovers (next key 15-40 ms
    # later, up to 3 keys under the gap in a row).
    rng = random.Random(42)
    text = "Bonjour, je cherche la reservation 352UW4 de Mme Durand."
    keys, t, quick_run = [], 0.0, 0
    for c in text:
        keys.append(char(t, c))
        if quick_run < 3 and rng.random() < 0.35:
            quick_run += 1
            t += rng.uniform(15, 40)
        else:
            quick_run = 0
            t += rng.uniform(60, 180)
    keys.append(enter(t))
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == []
    assert widget == text + "\r"


def test_key_mashing_under_the_gap_but_short_is_not_a_scan() -> None:
    keys = [char(0, "a"), char(20, "z"), char(38, "e"), char(55, "r")]
    scans, widget, _ = replay(BurstClassifier(), [*keys, enter(70)])
    assert scans == []
    assert widget == "azer\r"


def test_person_key_just_before_a_scan_is_split_off_and_released() -> None:
    keys = [char(0.0, "x"), *scanner_trace(PAYLOAD, 30.0, [5.0])]
    keys.append(enter(keys[-1].timestamp_ms + 5))
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == "x"


# ----------------------------------------------------------------------------- interleaved typing
def test_person_key_right_after_a_burst_without_suffix_is_given_back() -> None:
    # A scanner with no suffix (6 ms between keys); the cashier hits a key 35 ms after the last
    # scanner key, well under the 50 ms max gap: it is not glued to the scan.
    burst = scanner_trace(PAYLOAD, 0.0, [6.0])
    keys = [*burst, char(burst[-1].timestamp_ms + 35, "x")]
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == "x"
    # Two quick keys of a person (x then y 40 ms later) after the burst: both given back.
    keys = [*burst, char(burst[-1].timestamp_ms + 35, "x"), char(burst[-1].timestamp_ms + 75, "y")]
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == "xy"


def test_person_key_right_after_and_then_enter_reach_the_field() -> None:
    burst = scanner_trace(PAYLOAD, 0.0, [5.0])
    after = burst[-1].timestamp_ms
    scans, widget, _ = replay(BurstClassifier(), [*burst, char(after + 40, "x"), enter(after + 400)])
    assert scans == [PAYLOAD]
    assert widget == "x\r"  # the person's Enter is not taken for the scan's late terminator


def test_person_key_inside_a_burst_is_glued_and_the_reader_rejects_the_scan() -> None:
    # The documented limit: a key typed between two scanner keys (5 ms apart) cannot be told
    # apart by timing. It is swallowed with the burst, and the reader refuses the result.
    burst = scanner_trace(PAYLOAD, 0.0, [5.0])
    keys = sorted([*burst, char(62.0, "x")], key=lambda k: k.timestamp_ms)
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == ["PASSCULTURE:vx3;TOKEN:352UW4"]
    assert widget == ""
    assert isinstance(read_contremarque(scans[0]), Rejection)
    assert isinstance(read_contremarque(PAYLOAD), Contremarque)


@pytest.mark.parametrize("where", [3, 10, 20, 23])
def test_a_hiccup_inside_a_burst_never_cuts_the_scan(where: int) -> None:
    # The X server stamps keys when it reads them: a loaded PC can show one 45 ms gap inside a
    # 5 ms burst. With 3 or more keys after it, it stays one scan (with or without Enter).
    gaps = [5.0] * len(PAYLOAD)
    gaps[where] = 45.0
    keys = scanner_trace(PAYLOAD, 0.0, gaps)
    assert replay(BurstClassifier(), keys)[:2] == ([PAYLOAD], "")
    with_enter = [*keys, enter(keys[-1].timestamp_ms + 5)]
    assert replay(BurstClassifier(), with_enter)[:2] == ([PAYLOAD], "")


def test_a_slow_bluetooth_burst_without_suffix_keeps_its_last_keys() -> None:
    rng = random.Random(7)
    keys = scanner_trace(PAYLOAD, 0.0, [rng.uniform(60, 140) for _ in range(40)])
    scans, widget, _ = replay(BurstClassifier(max_gap_ms=150), keys)
    assert scans == [PAYLOAD]
    assert widget == ""


def test_person_typing_then_scan_after_a_pause() -> None:
    keys = [char(0, "1"), char(150, "2"), *scanner_trace(PAYLOAD, 400.0, [7.0])]
    keys.append(enter(keys[-1].timestamp_ms + 7))
    keys += [char(keys[-1].timestamp_ms + 300, "3")]
    scans, widget, _ = replay(BurstClassifier(), keys)
    assert scans == [PAYLOAD]
    assert widget == "123"


def test_two_scans_back_to_back() -> None:
    first = scanner_trace(PAYLOAD, 0.0, [5.0])
    first.append(enter(first[-1].timestamp_ms + 5))
    second = scanner_trace("PASSCULTURE:v3;TOKEN:ABCDEF", first[-1].timestamp_ms + 300, [5.0])
    second.append(enter(second[-1].timestamp_ms + 5))
    scans, widget, _ = replay(BurstClassifier(), first + second)
    assert scans == [PAYLOAD, "PASSCULTURE:v3;TOKEN:ABCDEF"]
    assert widget == ""


def test_late_enter_after_silence_closed_scan_is_swallowed() -> None:
    classifier = BurstClassifier()
    keys = scanner_trace(PAYLOAD, 0.0, [5.0])
    for key in keys:
        classifier.press(key)
    closed = classifier.silence()
    assert closed.scan is not None and closed.scan.text == PAYLOAD
    late = enter(keys[-1].timestamp_ms + 120)
    assert classifier.would_hold(late)
    assert classifier.press(late).fate is Fate.SWALLOW
    # A later, lone Enter is the cashier's.
    assert classifier.press(enter(keys[-1].timestamp_ms + 2000)).fate is Fate.PASS


def test_lone_enter_and_function_keys_pass_at_once() -> None:
    classifier = BurstClassifier()
    assert not classifier.would_hold(enter(0))
    assert classifier.press(enter(0)).fate is Fate.PASS
    assert classifier.press(Keystroke(KeyKind.OTHER, 5)).fate is Fate.PASS
    assert classifier.press(Keystroke(KeyKind.MODIFIER, 6)).fate is Fate.PASS
    assert not classifier.pending


def test_other_key_inside_a_short_candidate_releases_it_first() -> None:
    classifier = BurstClassifier()
    classifier.press(char(0, "a"))
    decision = classifier.press(Keystroke(KeyKind.OTHER, 10, ""))
    assert decision.fate is Fate.PASS
    assert [k.text for k in decision.release] == ["a"]


def test_physical_text_recovers_a_us_scanner_on_an_azerty_pc() -> None:
    garbled = 'PQSSCULTUREMv"mTOKENM"(éUZ\''
    keys = [char(i * 5.0, g, p) for i, (g, p) in enumerate(zip(garbled, PAYLOAD, strict=True))]
    classifier = BurstClassifier()
    for key in keys:
        classifier.press(key)
    decision = classifier.press(enter(135))
    assert decision.scan is not None
    assert decision.scan.text == garbled
    assert decision.scan.physical_text == PAYLOAD
    assert decision.scan.last_ms == 135
    assert max(decision.scan.gaps_ms()) == 5.0


def test_physical_text_is_none_when_a_position_is_unknown() -> None:
    classifier = BurstClassifier(min_length=2)
    classifier.press(Keystroke(KeyKind.CHARACTER, 0, "a", None))
    classifier.press(char(1, "b"))
    scan = classifier.press(enter(2)).scan
    assert scan is not None and scan.physical_text is None


def test_reset_hands_back_held_keys() -> None:
    classifier = BurstClassifier()
    classifier.press(char(0, "a"))
    assert [k.text for k in classifier.reset()] == ["a"]
    assert not classifier.pending


def test_runaway_device_is_cut_into_bounded_scans() -> None:
    classifier = BurstClassifier()
    scans = 0
    for i in range(MAX_BURST_KEYS * 2 + 10):
        if classifier.press(char(float(i), "A")).scan is not None:
            scans += 1
    assert scans == 2
    assert len(classifier.held) <= MAX_BURST_KEYS


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        BurstClassifier(max_gap_ms=0)
    with pytest.raises(ValueError):
        BurstClassifier(min_length=0)


@given(
    text=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ234567:;v", min_size=1, max_size=40),
    gaps=st.lists(st.floats(min_value=0.0, max_value=400.0), min_size=1, max_size=40),
)
def test_no_key_is_ever_lost_or_duplicated(text: str, gaps: list[float]) -> None:
    classifier = BurstClassifier()
    keys = scanner_trace(text, 0.0, gaps)
    scans, widget, _ = replay(classifier, keys)
    # Every key is either in exactly one scan or reached the widget, in order.
    assert sorted("".join(scans) + widget) == sorted(text)
    assert not classifier.pending
