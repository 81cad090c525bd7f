"""A corpus of keyboard timing traces for the burst classifier, and the replay that drives the
classifier like the Qt adapter does (shared by tests/scanners/test_keyboard_traces.py and
bench/bench_keyboard.py).

Generated traces follow the models of issue 17 with a fixed seed:

* USB scanners: 1-20 ms between keys; one 40-150 ms hiccup inside a 1-7 ms burst;
* Bluetooth scanners: 30-120 ms between keys with jitter, or clumps of 2-8 keys 0-2 ms apart
  separated by 30-120 ms; with or without an Enter suffix; two suffix-less scans 250-700 ms apart;
* a person's key 20-150 ms before a burst, a person resuming typing 30-400 ms after one;
* a fast typist (35-90 ms between keys, pauses of 110-260 ms between words) typing ordinary text
  or a bare 6-character code; a held key's auto-repeat (250-600 ms delay, then 25-40 keys/s);
* layout mismatches: a US scanner on a French PC, with the physical keys known (X11, Windows) or
  not (remote desktop, offscreen), with Caps Lock on (Linux xkb).

``RECORDED_STYLE`` adds a few hand-written traces with literal timestamps in the style of real
logs (uneven USB polling, a Bluetooth unit's bursty radio, a typist's rollover); no scanner
hardware was available to record real ones. ``RECORDED_X11`` are real recordings of the X11 path
(``recorded_x11_traces.json``, made by ``scripts/record_x11_key_traces.py``: xdotool playing a US
scanner's physical keys and a person's typing on a French keymap under Xvfb, every key as the
keyboard capture saw it, with the X server's own timestamps and jitter).

A trace knows what should come out: the tokens its scans must read as, and the text a person typed
(in order, Enter as "\\r").
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pos_client.scanner.keyboard_burst import BurstClassifier, Fate, KeyKind, Keystroke
from pos_client.scanner.layouts import repair_by_id
from pos_client.scanner.payload import Contremarque, read_contremarque

TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234567"
FRENCH_WORDS = [
    "bonjour",
    "merci",
    "madame",
    "monsieur",
    "billet",
    "concert",
    "livre",
    "place",
    "ticket",
    "reservation",
    "code",
    "caisse",
    "samedi",
    "soir",
    "deux",
    "trois",
    "rayon",
    "jeunesse",
    "roman",
    "bande",
    "dessinee",
    "musique",
    "cinema",
    "theatre",
]


@dataclass(frozen=True)
class Trace:
    """One timing trace and what should come out of it."""

    case: str
    keys: tuple[Keystroke, ...]
    tokens: tuple[str, ...]  # what the scans must read as, in order
    typed: str  # what must reach the focused field, in order


@dataclass
class Replayed:
    """What the classifier made of a trace."""

    scans: list[tuple[str, str | None]]  # (text, physical text) of each scan
    typed: str


def replay(classifier: BurstClassifier, keys: tuple[Keystroke, ...] | list[Keystroke]) -> Replayed:
    """Drive the classifier like the Qt adapter: ``silence()`` whenever the gap to the next key
    exceeds ``silence_ms`` as the classifier gave it after the previous key."""
    out = Replayed([], "")
    typed: list[str] = []

    def apply(release: tuple[Keystroke, ...], scans: tuple[object, ...]) -> None:
        typed.extend(key.text for key in release)
        for scan in scans:
            out.scans.append((scan.text, scan.physical_text))  # type: ignore[attr-defined]

    last: float | None = None
    silence_after = classifier.silence_ms
    for key in keys:
        if last is not None and classifier.pending and key.timestamp_ms - last > silence_after:
            decision = classifier.silence()
            apply(decision.release, decision.scans)
        decision = classifier.press(key)
        apply(decision.release, decision.scans)
        if decision.fate is Fate.PASS:
            typed.append(key.text)
        if key.kind is not KeyKind.MODIFIER:
            last = key.timestamp_ms
        silence_after = classifier.silence_ms
    decision = classifier.silence()
    apply(decision.release, decision.scans)
    out.typed = "".join(typed)
    return out


def token_of(text: str, physical: str | None) -> str | None:
    """The token a scan reads as (physical text first, like ``read_scan``), None if refused."""
    for candidate in (physical, text):
        if candidate is not None:
            result = read_contremarque(candidate)
            if isinstance(result, Contremarque):
                return result.token
    return None


@dataclass(frozen=True)
class Score:
    scans_right: bool
    typed_right: bool
    wrong_tokens: int


def score(trace: Trace, replayed: Replayed) -> Score:
    tokens = [token_of(text, physical) for text, physical in replayed.scans]
    read = [token for token in tokens if token is not None]
    expected = list(trace.tokens)
    wrong = sum(1 for token in read if token not in expected)
    return Score(tokens == expected, replayed.typed == trace.typed, wrong)


# ----------------------------------------------------------------------------- building blocks
def random_token(rng: random.Random) -> str:
    return "".join(rng.choice(TOKEN_ALPHABET) for _ in range(6))


def payload_for(token: str, rng: random.Random) -> str:
    if rng.random() < 0.2:
        ean = "978" + "".join(rng.choice("0123456789") for _ in range(10))
        return f"PASSCULTURE:v2;EAN13:{ean};TOKEN:{token}"
    return f"PASSCULTURE:v3;TOKEN:{token}"


class Typing:
    """What each character becomes on the PC: the layout's text and the physical reading."""

    def __init__(self, repair_id: str | None = None, *, physical: bool = True) -> None:
        self.repair = repair_by_id(repair_id) if repair_id else None
        self.physical = physical

    def key(self, t: float, char: str) -> Keystroke:
        text = char
        if self.repair is not None:
            garbled = self.repair.garble(char)
            assert garbled is not None, (self.repair.repair_id, char)
            text = garbled
        return Keystroke(KeyKind.CHARACTER, t, text, char if self.physical else None, native_code=ord(char))


US_PC = Typing()


def enter(t: float) -> Keystroke:
    return Keystroke(KeyKind.TERMINATOR, t, "\r", "\r", native_code=36)


def usb_gaps(rng: random.Random, count: int, low: float = 1.0, high: float = 20.0) -> list[float]:
    base = rng.uniform(low, high)
    return [max(0.2, base + rng.uniform(-0.3, 0.3) * base) for _ in range(count)]


def bluetooth_gaps(rng: random.Random, count: int) -> list[float]:
    """30-120 ms between keys: a unit's own pace plus radio jitter."""
    pace = rng.uniform(45, 95)
    return [min(120.0, max(30.0, pace + rng.gauss(0, 15))) for _ in range(count)]


def clump_gaps(rng: random.Random, count: int) -> list[float]:
    """Clumps of 2-8 keys 0-2 ms apart, 30-120 ms between clumps."""
    gaps: list[float] = []
    while len(gaps) < count:
        size = rng.randint(2, 8)
        gaps.extend(rng.uniform(0.0, 2.0) for _ in range(size - 1))
        gaps.append(rng.uniform(30, 120))
    return gaps[:count]


def typist_gaps(rng: random.Random, text: str) -> list[float]:
    """35-90 ms between keys, 110-260 ms pauses after a space."""
    return [rng.uniform(110, 260) if char == " " else rng.uniform(35, 90) for char in text]


def burst(typing: Typing, text: str, start: float, gaps: list[float]) -> list[Keystroke]:
    keys, t = [], start
    for index, char in enumerate(text):
        keys.append(typing.key(t, char))
        if index < len(gaps):
            t += gaps[index]
    return keys


def person(text: str, start: float, gaps: list[float]) -> list[Keystroke]:
    return burst(US_PC, text, start, gaps)


# ----------------------------------------------------------------------------- case generators
TraceMaker = Callable[[random.Random], Trace]


def _scan(
    rng: random.Random,
    case: str,
    gaps: Callable[[random.Random, int], list[float]],
    *,
    suffix: bool,
    typing: Typing = US_PC,
) -> Trace:
    token = random_token(rng)
    payload = payload_for(token, rng)
    keys = burst(typing, payload, 0.0, gaps(rng, len(payload)))
    if suffix:
        keys.append(enter(keys[-1].timestamp_ms + gaps(rng, 1)[0]))
    return Trace(case, tuple(keys), (token,), "")


def _hiccup(rng: random.Random, suffix: bool) -> Trace:
    token = random_token(rng)
    payload = payload_for(token, rng)
    gaps = usb_gaps(rng, len(payload), 1.0, 7.0)
    gaps[rng.randrange(len(payload) - 1)] = rng.uniform(40, 150)
    keys = burst(US_PC, payload, 0.0, gaps)
    if suffix:
        keys.append(enter(keys[-1].timestamp_ms + 3))
    return Trace("usb hiccup 40-150 ms" + (" + Enter" if suffix else ""), tuple(keys), (token,), "")


def _person_before(rng: random.Random, rhythm: str) -> Trace:
    token = random_token(rng)
    payload = payload_for(token, rng)
    char = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
    before = person(char, 0.0, [])
    gaps = usb_gaps(rng, len(payload)) if rhythm == "usb" else bluetooth_gaps(rng, len(payload))
    keys = [*before, *burst(US_PC, payload, rng.uniform(20, 150), gaps)]
    keys.append(enter(keys[-1].timestamp_ms + gaps[0]))
    return Trace(f"person key 20-150 ms before ({rhythm})", tuple(keys), (token,), char)


def _person_after(rng: random.Random, rhythm: str) -> Trace:
    token = random_token(rng)
    payload = payload_for(token, rng)
    gaps = usb_gaps(rng, len(payload)) if rhythm == "usb" else bluetooth_gaps(rng, len(payload))
    scan = burst(US_PC, payload, 0.0, gaps)
    word = rng.choice(FRENCH_WORDS)
    after = person(word, scan[-1].timestamp_ms + rng.uniform(30, 400), typist_gaps(rng, word))
    if rng.random() < 0.5:  # and Enter: the cashier's, not the scan's late terminator
        after.append(enter(after[-1].timestamp_ms + rng.uniform(35, 260)))
        word += "\r"
    return Trace(f"person resumes 30-400 ms after ({rhythm})", (*scan, *after), (token,), word)


def _two_scans(rng: random.Random) -> Trace:
    tokens = (random_token(rng), random_token(rng))
    first = payload_for(tokens[0], rng)
    keys = burst(US_PC, first, 0.0, bluetooth_gaps(rng, len(first)))
    second = payload_for(tokens[1], rng)
    keys += burst(
        US_PC, second, keys[-1].timestamp_ms + rng.uniform(250, 700), bluetooth_gaps(rng, len(second))
    )
    return Trace("two bluetooth scans 250-700 ms apart", tuple(keys), tokens, "")


def _typist_text(rng: random.Random) -> Trace:
    text = " ".join(rng.choice(FRENCH_WORDS) for _ in range(rng.randint(3, 8)))
    if rng.random() < 0.5:
        text = text.capitalize()
    keys = person(text, 0.0, typist_gaps(rng, text))
    keys.append(enter(keys[-1].timestamp_ms + rng.uniform(110, 260)))
    return Trace("fast typist, text", tuple(keys), (), text + "\r")


def _typist_code(rng: random.Random) -> Trace:
    code = random_token(rng)
    if rng.random() < 0.5:
        code = code.lower()
    keys = person(code, 0.0, [rng.uniform(35, 90) for _ in code])
    keys.append(enter(keys[-1].timestamp_ms + rng.uniform(35, 90)))
    return Trace("fast typist, bare code", tuple(keys), (), code + "\r")


def _auto_repeat(rng: random.Random) -> Trace:
    char = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
    count = rng.randint(6, 40)
    period = 1000.0 / rng.uniform(25, 40)
    stamps = [0.0, rng.uniform(250, 600)]
    while len(stamps) < count:
        stamps.append(stamps[-1] + period + rng.uniform(-1, 1))
    keys = [Keystroke(KeyKind.CHARACTER, t, char, char, native_code=ord(char)) for t in stamps]
    return Trace("held key auto-repeat", tuple(keys), (), char * count)


CASES: dict[str, TraceMaker] = {
    "usb 1-20 ms + Enter": lambda rng: _scan(rng, "usb 1-20 ms + Enter", usb_gaps, suffix=True),
    "usb 1-20 ms, no suffix": lambda rng: _scan(rng, "usb 1-20 ms, no suffix", usb_gaps, suffix=False),
    "usb hiccup 40-150 ms": lambda rng: _hiccup(rng, suffix=False),
    "usb hiccup 40-150 ms + Enter": lambda rng: _hiccup(rng, suffix=True),
    "bluetooth 30-120 ms + Enter": lambda rng: _scan(
        rng, "bluetooth 30-120 ms + Enter", bluetooth_gaps, suffix=True
    ),
    "bluetooth 30-120 ms, no suffix": lambda rng: _scan(
        rng, "bluetooth 30-120 ms, no suffix", bluetooth_gaps, suffix=False
    ),
    "bluetooth clumps + Enter": lambda rng: _scan(rng, "bluetooth clumps + Enter", clump_gaps, suffix=True),
    "bluetooth clumps, no suffix": lambda rng: _scan(
        rng, "bluetooth clumps, no suffix", clump_gaps, suffix=False
    ),
    "bluetooth, US scanner on fr PC": lambda rng: _scan(
        rng, "bluetooth, US scanner on fr PC", bluetooth_gaps, suffix=False, typing=Typing("us-on-fr-azerty")
    ),
    "bluetooth, fr PC, no scan codes": lambda rng: _scan(
        rng,
        "bluetooth, fr PC, no scan codes",
        bluetooth_gaps,
        suffix=True,
        typing=Typing("us-on-fr-azerty", physical=False),
    ),
    "clumps, fr PC Caps Lock, no scan codes": lambda rng: _scan(
        rng,
        "clumps, fr PC Caps Lock, no scan codes",
        clump_gaps,
        suffix=False,
        typing=Typing("us-on-fr-azerty+capslock-linux", physical=False),
    ),
    "person key 20-150 ms before (usb)": lambda rng: _person_before(rng, "usb"),
    "person key 20-150 ms before (bluetooth)": lambda rng: _person_before(rng, "bluetooth"),
    "person resumes 30-400 ms after (usb)": lambda rng: _person_after(rng, "usb"),
    "person resumes 30-400 ms after (bluetooth)": lambda rng: _person_after(rng, "bluetooth"),
    "two bluetooth scans 250-700 ms apart": _two_scans,
    "fast typist, text": _typist_text,
    "fast typist, bare code": _typist_code,
    "held key auto-repeat": _auto_repeat,
}


def generate(case: str, count: int, seed: int = 17) -> Iterator[Trace]:
    """``count`` traces of one case, the same ones on every run."""
    rng = random.Random(f"{seed}:{case}")
    for _ in range(count):
        yield CASES[case](rng)


def session_trace(per_case: int, seed: int = 17) -> Trace:
    """A till's session: ``per_case`` traces of every case, shuffled, 2 s apart, as one trace (one
    classifier sees them all and adapts to the scanners it meets)."""
    traces = [trace for case in sorted(CASES) for trace in generate(case, per_case, seed)]
    random.Random(seed).shuffle(traces)
    keys: list[Keystroke] = []
    tokens: list[str] = []
    typed = ""
    start = 0.0
    for trace in traces:
        offset = start - trace.keys[0].timestamp_ms
        keys += [replace(key, timestamp_ms=key.timestamp_ms + offset) for key in trace.keys]
        tokens += trace.tokens
        typed += trace.typed
        start = keys[-1].timestamp_ms + 2000.0
    return Trace("session: every case mixed, one classifier", tuple(keys), tuple(tokens), typed)


# ----------------------------------------------------------------------------- recorded style
def _literal(case: str, text: str, stamps: list[float], tokens: tuple[str, ...], typed: str) -> Trace:
    keys: list[Keystroke] = []
    for char, t in zip(text, stamps, strict=True):
        keys.append(enter(t) if char == "\r" else US_PC.key(t, char))
    return Trace(case, tuple(keys), tokens, typed)


_BT_PAYLOAD = "PASSCULTURE:v3;TOKEN:352UW4"
RECORDED_STYLE: tuple[Trace, ...] = (
    # A USB scanner polled at 8 ms with the odd doubled report, CR suffix.
    _literal(
        "recorded-style: usb 8 ms polling",
        _BT_PAYLOAD + "\r",
        [
            0,
            8,
            16,
            16.4,
            24,
            32,
            40,
            48,
            48.3,
            56,
            64,
            72,
            80,
            88,
            88.2,
            96,
            104,
            112,
            120,
            128,
            136,
            144,
            144.5,
            152,
            160,
            168,
            176,
            184,
        ],
        ("352UW4",),
        "",
    ),
    # A Bluetooth unit: radio packets of 3-6 keys, 40-110 ms apart, no suffix.
    _literal(
        "recorded-style: bluetooth packets",
        _BT_PAYLOAD,
        [
            0,
            0.9,
            1.7,
            2.4,
            61,
            61.8,
            62.5,
            63.1,
            64,
            131,
            131.6,
            132.5,
            175,
            176,
            176.8,
            177.4,
            251,
            252,
            252.7,
            296,
            296.9,
            297.5,
            298.2,
            299,
            388,
            388.7,
            389.3,
        ],
        ("352UW4",),
        "",
    ),
    # A Bluetooth unit one key per packet, slow and uneven, Enter suffix, then the cashier types.
    _literal(
        "recorded-style: slow bluetooth then cashier",
        _BT_PAYLOAD + "\r" + "merci",
        [
            0,
            72,
            131,
            218,
            276,
            349,
            402,
            489,
            551,
            608,
            688,
            743,
            811,
            880,
            931,
            1019,
            1077,
            1141,
            1212,
            1271,
            1350,
            1405,
            1468,
            1551,
            1610,
            1688,
            1747,
            1829,
            2310,
            2371,
            2437,
            2489,
            2562,
        ],
        ("352UW4",),
        "merci",
    ),
    # A typist with rollover: "code 352uw4" then Enter (two keys 12-20 ms apart now and then).
    _literal(
        "recorded-style: typist rollover",
        "code 352uw4\r",
        [0, 61, 79, 142, 301, 356, 371, 440, 497, 515, 588, 731],
        (),
        "code 352uw4\r",
    ),
)


def _recorded_x11() -> tuple[Trace, ...]:
    path = Path(__file__).with_name("recorded_x11_traces.json")
    traces = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        keys = tuple(
            Keystroke(KeyKind.TERMINATOR if text == "\r" else KeyKind.CHARACTER, t, text, physical)
            for t, text, physical in item["keys"]
        )
        traces.append(Trace(item["case"], keys, tuple(item["tokens"]), item["typed"]))
    return tuple(traces)


RECORDED_X11: tuple[Trace, ...] = _recorded_x11()
