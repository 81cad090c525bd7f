"""The burst classifier at its default settings on the corpus of timing traces
(``keyboard_traces.py``): every case scans right, a person's keys come back exactly and in order,
and no scan ever reads a token the trace does not carry. Plus the content rules one by one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyboard_traces import (
    CASES,
    RECORDED_STYLE,
    RECORDED_X11,
    US_PC,
    Trace,
    Typing,
    burst,
    enter,
    generate,
    person,
    replay,
    score,
    session_trace,
)

from pos_client.scanner.burst_content import ContentState, PayloadContent
from pos_client.scanner.keyboard_burst import (
    CONTENT_GAP_MS,
    BurstClassifier,
    Fate,
    KeyKind,
    Keystroke,
)

PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"
TRACES_PER_CASE = 25


def _assert_read_right(trace: Trace, classifier: BurstClassifier | None = None) -> None:
    replayed = replay(classifier or BurstClassifier(), trace.keys)
    result = score(trace, replayed)
    assert result.wrong_tokens == 0, (trace.case, replayed.scans)
    assert result.scans_right, (trace.case, trace.tokens, replayed.scans)
    assert result.typed_right, (trace.case, trace.typed, replayed.typed)


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_case_at_default_settings(case: str) -> None:
    for trace in generate(case, TRACES_PER_CASE):
        _assert_read_right(trace)


@pytest.mark.parametrize("trace", RECORDED_STYLE + RECORDED_X11, ids=lambda trace: trace.case)
def test_recorded_style_trace(trace: Trace) -> None:
    _assert_read_right(trace)


def test_a_person_typing_a_header_beginning_gets_it_back_as_soon_as_it_breaks() -> None:
    classifier = BurstClassifier()
    keys = person("Paris", 0.0, [80.0] * 5)
    assert classifier.press(keys[0]).fate is Fate.HOLD
    assert classifier.content_state is ContentState.PREFIX
    assert classifier.silence_ms == CONTENT_GAP_MS + 40  # a Bluetooth rhythm may follow
    classifier.press(keys[1])
    decision = classifier.press(keys[2])  # "Par": no header begins like that
    assert [key.text for key in decision.release] == ["P", "a"]
    assert classifier.content_state is ContentState.NONE
    assert classifier.silence_ms == 90  # back to the timing rule's silence


def test_a_scanner_decoration_stays_with_the_scan_and_a_persons_letter_does_not() -> None:
    gaps = [70.0] * 40
    for lead, typed in (("<", ""), (">>", ""), ("]Q1", ""), ("x", "x"), ("7", "7")):
        keys = burst(US_PC, lead + PAYLOAD, 0.0, gaps)
        replayed = replay(BurstClassifier(), keys)
        assert replayed.typed == typed, lead
        assert len(replayed.scans) == 1
        assert replayed.scans[0][0] == (lead + PAYLOAD)[len(typed) :]


def test_the_content_gap_adapts_to_a_slow_scanner_once_read() -> None:
    classifier = BurstClassifier()
    assert classifier.content_gap_ms == CONTENT_GAP_MS
    slow = burst(US_PC, PAYLOAD, 0.0, [140.0] * 30)
    slow.append(enter(slow[-1].timestamp_ms + 140))
    assert [text for text, _ in replay(classifier, slow).scans] == [PAYLOAD]
    assert classifier.content_gap_ms == pytest.approx(2.5 * 140)
    # That scanner's next scan may now have 300 ms gaps (a weak radio link): still one scan.
    slower = burst(US_PC, PAYLOAD, 10_000.0, [140.0] * 10 + [300.0] + [140.0] * 20)
    assert [text for text, _ in replay(classifier, slower).scans] == [PAYLOAD]


def test_a_bluetooth_enter_after_the_completion_wait_is_still_swallowed() -> None:
    classifier = BurstClassifier()
    keys = burst(US_PC, PAYLOAD, 0.0, [100.0] * 30)
    for key in keys:
        classifier.press(key)
    assert classifier.content_state is ContentState.COMPLETE
    closed = classifier.silence()
    assert closed.scan is not None and closed.scan.text == PAYLOAD
    late = enter(keys[-1].timestamp_ms + 250)
    assert classifier.would_hold(late)
    assert classifier.press(late).fate is Fate.SWALLOW


def test_physical_text_decides_when_the_layout_text_is_garbled_and_dead_keys_type_nothing() -> None:
    # A US scanner with an AIM prefix on a Swiss PC: "]" is a dead key (no text) and libX11
    # swallows "Q"; the physical keys still say "]Q1".
    swiss = Typing("us-on-ch-fr-qwertz")
    keys = [
        Keystroke(KeyKind.CHARACTER, 0.0, "", "]"),
        Keystroke(KeyKind.CHARACTER, 60.0, "", "Q"),
        *burst(swiss, "1" + PAYLOAD, 120.0, [60.0] * 30),
    ]
    replayed = replay(BurstClassifier(), keys)
    assert replayed.typed == ""
    assert [physical for _, physical in replayed.scans] == ["]Q1" + PAYLOAD]


def test_the_configured_suffix_is_part_of_the_scan() -> None:
    keys = burst(US_PC, PAYLOAD + "#", 0.0, [70.0] * 30)
    configured = BurstClassifier(content=PayloadContent(suffix="#"))
    assert replay(configured, keys).scans == [(PAYLOAD + "#", PAYLOAD + "#")]
    # Unconfigured, the suffix is not part of the payload: it reaches the field.
    assert replay(BurstClassifier(), keys).typed == "#"


def test_bench_prints_one_row_per_case(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_keyboard.py"
    spec = importlib.util.spec_from_file_location("bench_keyboard", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_keyboard", bench)
    spec.loader.exec_module(bench)
    assert bench.main(["--n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [
        line for line in lines if line[:1].isalpha() and not line.startswith(("case", "Default", "Bluetooth"))
    ]
    assert len(rows) == 2 * (len(CASES) + 4)  # cases, 2 recorded, session and "all", both blocks


pieces = st.one_of(
    st.sampled_from(
        [PAYLOAD, "PASSCULTURE:v2;EAN13:9782070368228;TOKEN:ABCDEF", "PASS", "Paris", "<", "]Q1"]
    ),
    st.text(alphabet="PASCULTREOKN:;v352UW4xyz <>]", min_size=1, max_size=8),
)


@given(
    st.lists(
        st.tuples(pieces, st.sampled_from([0.5, 5.0, 40.0, 70.0, 120.0, 300.0])), min_size=1, max_size=5
    ),
    st.lists(st.floats(min_value=0.0, max_value=500.0), min_size=1, max_size=20),
    st.booleans(),
)
def test_keys_are_never_lost_duplicated_or_reordered(
    parts: list[tuple[str, float]], pauses: list[float], enters: bool
) -> None:
    """Scanner-like and person-like pieces at any rhythm, glued at any pause: every key ends in
    exactly one scan or in the field, and the field gets its keys in typing order."""
    keys: list[Keystroke] = []
    t = 0.0
    for index, (text, gap) in enumerate(parts):
        keys += burst(US_PC, text, t, [gap])
        t = keys[-1].timestamp_ms + pauses[index % len(pauses)]
        if enters and index % 2:
            keys.append(enter(t))
            t += pauses[(index + 1) % len(pauses)]
    typed = "".join(key.text for key in keys if key.kind is KeyKind.CHARACTER)
    classifier = BurstClassifier()
    replayed = replay(classifier, keys)
    field = replayed.typed.replace("\r", "")
    assert sorted("".join(text for text, _ in replayed.scans) + field) == sorted(typed)
    remaining = iter(typed)
    assert all(char in remaining for char in field)  # a subsequence: order kept
    assert not classifier.pending


def test_one_classifier_for_a_whole_session() -> None:
    """The classifier adapts to the scanner it has seen: a till's whole morning (every case, mixed,
    2 s apart) through one classifier still gives every scan and every person's key."""
    _assert_read_right(session_trace(4, seed=3))


def test_a_persons_enter_after_a_bluetooth_scan_and_their_key_reaches_the_field() -> None:
    # No suffix; the cashier types "x" 50 ms after the last scanner key, then Enter 250 ms later
    # (inside the late-Enter window of a Bluetooth scan): both are the cashier's.
    scan = burst(US_PC, PAYLOAD, 0.0, [110.0] * 30)
    last = scan[-1].timestamp_ms
    keys = [*scan, *person("x", last + 50, []), enter(last + 300)]
    replayed = replay(BurstClassifier(), keys)
    assert [text for text, _ in replayed.scans] == [PAYLOAD]
    assert replayed.typed == "x\r"
