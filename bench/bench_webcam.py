"""Webcam decoding: per-frame time, decode rate per condition, and code-to-token latency.

    .venv/bin/python bench/bench_webcam.py [--per-condition 30] [--latency-runs 6] [--seed 7]

All decoders read the same frames in the same run (synthetic corpus from
``scripts/make_webcam_corpus.py``, rendered at 1280x720 and 640x480):

* ``decode_frame``: pos_client's pipeline (zxing-cpp + bounded rescues);
* ``zxing plain``: zxing-cpp's ``read_barcodes`` with default options, QR codes only;
* ``pyzbar plain``: zbar through pyzbar, when pyzbar and libzbar0 are importable ("absent" otherwise);
* ablations: ``decode_frame`` with one rescue switched off, to show what each step buys and costs.

Timing runs on one core (process pinned where the OS allows, OpenCV limited to one thread).
Latency: a 30 fps MJPG video where a phone appears after 1 s is played through ``WebcamSource``
in real time; the latency is from the first frame showing the whole code to the token reaching
the sink. Hand-held streams (issue 17): short 30 fps sequences of a phone held by hand (tremor, a
reflection sliding over the glass), per condition (plain, blur, glare, occlusion, low light, none),
read as the capture loop reads them: one frame at a time (``analyse_frame`` with the hints), and
through ``GlareFusion`` as ``WebcamSource`` runs it ("+ glare fusion": the fusion over the last
frames, plus the stream's scheduling of the rescues: what read lately first, what the budget
left out on the next frame, the smear measured on one frame deconvolved on the next).
Targets (issue 7): higher rate than plain zxing-cpp, p95 < 12 ms per 720p frame, code-to-token
< 150 ms; (issue 17): 95 % of the streams' frames read, glare 75 %, occlusion 90 %, no false
token. Times: CPU time of the decoding thread and wall time, with the load average; run it
pinned to one core (``taskset -c 1``) on a shared machine. Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import zxingcpp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pos_client.domain.scan import RawScan, SourceStatus  # noqa: E402 - after the path set-up
from pos_client.scanner.webcam import (  # noqa: E402
    DecodedCode,
    DecoderOptions,
    FrameAnalysis,
    PyzbarDecoder,
    Quad,
    Stage,
    _quad_of,
    analyse_frame,
    qr_formats,
)
from pos_client.scanner.webcam_fusion import GlareFusion  # noqa: E402
from pos_client.scanner.webcam_source import WebcamSource  # noqa: E402

P95_BUDGET_MS = 12.0
# The summary's conditions (issue 17), and the corpus conditions each one stands for.
SUMMARY_GROUPS = (
    ("plain", ("clean",)),
    ("blur", ("blurred",)),
    ("glare", ("specular",)),
    ("occlusion", ("finger",)),
    ("low light", ("lowlight",)),
)
_HINT_MEMORY_S = 0.5  # as WebcamSource: where a code was seen this recently is a hint
LATENCY_BUDGET_MS = 150.0


def load_corpus() -> ModuleType:
    """``scripts/make_webcam_corpus.py`` as a module (scripts/ is not a package)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import make_webcam_corpus

    return make_webcam_corpus


Decoder = Callable[[np.ndarray], list[str]]


def zxing_plain(frame: np.ndarray) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(frame, formats=qr_formats())]


def with_options(options: DecoderOptions) -> Decoder:
    def decode(frame: np.ndarray) -> list[str]:
        return analyse_frame(frame, options=options).texts

    return decode


def decoders() -> dict[str, Decoder | None]:
    pyzbar = PyzbarDecoder()
    base = DecoderOptions()
    return {
        "decode_frame": with_options(base),
        "zxing plain": zxing_plain,
        "pyzbar plain": (lambda f: pyzbar.analyse(f).texts) if pyzbar.available else None,
        "- no deblur": with_options(DecoderOptions(deblur=False)),
        "- no cleaned pass": with_options(DecoderOptions(cleaned_pass=False)),
        "- no upscaled centre": with_options(DecoderOptions(upscaled_centre=False)),
        "- no ROI rescue": with_options(DecoderOptions(roi_rescue=False)),
        "+ fixed binarizer ROI": with_options(
            DecoderOptions(roi_variants=("median", "sharpen", "defocus", "fixed"))
        ),
        "- no invert in rescues": with_options(DecoderOptions(rescue_invert=False)),
        "- no defocus ROI": with_options(DecoderOptions(roi_variants=("median", "sharpen"))),
        "+ levelled ROI": with_options(
            DecoderOptions(roi_variants=("median", "sharpen", "defocus", "level"))
        ),
        "no time budget": with_options(DecoderOptions(budget_ms=0)),
    }


@dataclass
class Tally:
    times_ms: list[float] = field(default_factory=list)  # CPU time of the decoding thread
    wall_ms: list[float] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)
    false_tokens: int = 0
    by_condition: dict[str, list[float]] = field(default_factory=dict)
    false_by_condition: dict[str, int] = field(default_factory=dict)
    wall_by_condition: dict[str, list[float]] = field(default_factory=dict)

    def total(self, counts: dict[str, int]) -> int:
        """Sum over the corpus conditions (severity bins, keyed "condition/bin", counted apart)."""
        return sum(n for key, n in counts.items() if "/" not in key)


def run_decoders(frames: Sequence[Any], table: dict[str, Decoder | None]) -> dict[str, Tally]:
    tallies = {name: Tally() for name, decoder in table.items() if decoder is not None}
    for frame in frames:
        for name, tally in tallies.items():
            decoder = table[name]
            assert decoder is not None
            began, began_cpu = time.perf_counter(), time.thread_time()
            got = set(decoder(frame.image))
            tally.times_ms.append((time.thread_time() - began_cpu) * 1000)
            tally.wall_ms.append((time.perf_counter() - began) * 1000)
            tally.false_tokens += len(got - set(frame.expected))
            if frame.expected:
                tally.shown[frame.condition] = tally.shown.get(frame.condition, 0) + 1
                hit = set(frame.expected) <= got
                tally.read[frame.condition] = tally.read.get(frame.condition, 0) + hit
    return tallies


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def print_times(results: dict[str, dict[str, Tally]], names: Sequence[str]) -> None:
    print("\n## Per-frame decode time, ms, all frames (positives and negatives), one core")
    print("CPU time of the decoding thread (what the decoder costs); wall p95 also depends on the load.")
    header = " | ".join(f"{s} median | {s} p95 | {s} p99 | {s} wall p95" for s in results)
    print(f"| decoder | {header} |")
    print("|---|" + "---|" * (4 * len(results)))
    for name in names:
        cells = []
        for tallies in results.values():
            tally = tallies.get(name)
            if tally is None:
                cells += ["absent"] * 4
            else:
                cells += [
                    f"{statistics.median(tally.times_ms):.1f}",
                    f"{percentile(tally.times_ms, 95):.1f}",
                    f"{percentile(tally.times_ms, 99):.1f}",
                    f"{percentile(tally.wall_ms, 95):.1f}",
                ]
        print(f"| {name} | {' | '.join(cells)} |")


def print_rates(
    size: str, tallies: dict[str, Tally], names: Sequence[str], conditions: Sequence[str]
) -> None:
    print(f"\n## Decode rate per condition at {size} (codes read / codes shown), false tokens on negatives")
    print(f"| decoder | {' | '.join(conditions)} | total | false tokens |")
    print("|---|" + "---|" * (len(conditions) + 2))
    for name in names:
        tally = tallies.get(name)
        if tally is None:
            print(f"| {name} | " + " | ".join(["absent"] * (len(conditions) + 2)) + " |")
            continue
        cells = [f"{tally.read.get(c, 0)}/{tally.shown.get(c, 0)}" for c in conditions]
        total = f"{sum(tally.read.values())}/{sum(tally.shown.values())}"
        print(f"| {name} | {' | '.join(cells)} | {total} | {tally.false_tokens} |")


def measure_latency(corpus: ModuleType, scenario: str, runs: int, size: tuple[int, int]) -> list[float]:
    """Code-to-token latencies (ms) of ``runs`` real-time plays of a scenario's video, from the
    first frame showing the whole code."""
    latencies = []
    with tempfile.TemporaryDirectory(prefix="bench-webcam-") as folder:
        for run in range(runs):
            path = Path(folder) / f"{scenario}{run}.avi"
            truth = corpus.write_video(path, scenario, size=size, seed=run)
            payload, first_frame, _ = truth.appearances[0]
            scans: list[RawScan] = []
            got = threading.Event()

            def on_scan(scan: RawScan, scans: list[RawScan] = scans, got: threading.Event = got) -> None:
                scans.append(scan)
                got.set()

            def on_status(status: SourceStatus) -> None:
                pass

            source = WebcamSource(str(truth.path))
            source.start(on_scan, on_status)
            try:
                source.wait_finished(timeout=30.0)
            finally:
                source.stop()
            started = source.first_frame_at
            if not scans or started is None or scans[0].text != payload:
                print(f"  run {run}: no token ({[s.text for s in scans]})")
                continue
            shown_at = started + first_frame / truth.fps
            latencies.append((scans[0].received_at - shown_at) * 1000)
    return latencies


# ----------------------------------------------------------------------------- hand-held streams
StreamDecoder = Callable[[np.ndarray, float, Sequence[Quad]], FrameAnalysis]


def stream_decoders() -> dict[str, Callable[[], StreamDecoder]]:
    """Decoders as the capture loop runs them: a fresh one per sequence (for the fusion's memory),
    called with each frame, its time and the regions where codes were seen in the last 0.5 s."""

    def stateless(options: DecoderOptions) -> Callable[[], StreamDecoder]:
        def make() -> StreamDecoder:
            return lambda frame, now, hints: analyse_frame(frame, hints, options)

        return make

    def fused() -> StreamDecoder:
        fusion = GlareFusion()
        return lambda frame, now, hints: fusion.analyse(frame, now, hints)

    def plain() -> StreamDecoder:
        def decode(frame: np.ndarray, now: float, hints: Sequence[Quad]) -> FrameAnalysis:
            found = zxingcpp.read_barcodes(frame, formats=qr_formats())
            return FrameAnalysis(
                codes=tuple(DecodedCode(b.text, _quad_of(b.position), Stage.FULL) for b in found)
            )

        return decode

    return {
        "zxing plain": plain,
        "one frame": stateless(DecoderOptions()),
        "+ glare fusion": fused,
    }


def run_streams(
    sequences: Sequence[Any],
    makers: dict[str, Callable[[], StreamDecoder]],
    severity: Callable[[Any], str] | None = None,
) -> dict[str, Tally]:
    """Every decoder over every hand-held sequence at 30 fps, tallied per corpus condition (and per
    severity bin, keyed "condition/bin", when ``severity`` names one). The decoders take turns on
    each frame, so a change in the machine's load hits them all alike."""
    tallies = {name: Tally() for name in makers}
    for sequence in sequences:
        decoders = {name: make() for name, make in makers.items()}
        seen: dict[str, list[tuple[float, Quad]]] = {name: [] for name in makers}
        label = severity(sequence) if severity is not None else ""
        keys = [sequence.condition] + ([f"{sequence.condition}/{label}"] if label else [])
        for number, frame in enumerate(sequence.frames):
            now = number / 30.0
            for name, decode in decoders.items():
                tally = tallies[name]
                recent = seen[name] = [(t, q) for t, q in seen[name] if now - t <= _HINT_MEMORY_S]
                began, began_cpu = time.perf_counter(), time.thread_time()
                analysis = decode(frame.image, now, [q for _, q in recent])
                tally.times_ms.append((time.thread_time() - began_cpu) * 1000)
                tally.wall_ms.append((time.perf_counter() - began) * 1000)
                recent += [(now, c.quad) for c in analysis.codes] + [(now, q) for q in analysis.unread]
                for key in keys:
                    tally.by_condition.setdefault(key, []).append(tally.times_ms[-1])
                    tally.wall_by_condition.setdefault(key, []).append(tally.wall_ms[-1])
                    _count(tally, key, frame, set(analysis.texts))
    return tallies


def _count(tally: Tally, key: str, frame: Any, got: set[str]) -> None:
    false = len(got - set(frame.expected))
    tally.false_by_condition[key] = tally.false_by_condition.get(key, 0) + false
    if "/" not in key:
        tally.false_tokens += false
    if frame.expected:
        tally.shown[key] = tally.shown.get(key, 0) + 1
        tally.read[key] = tally.read.get(key, 0) + (set(frame.expected) <= got)


def sequence_severity(corpus: ModuleType, condition: str, number: int, index: int, seed: int) -> str:
    """The severity bin of a hand-held sequence, from its scene: the scene is drawn first from the
    sequence's generator, seeded as ``generate_sequences`` seeds it (``[seed, 1000 + number, index]``,
    ``number`` the condition's place in the list asked for)."""
    rng = np.random.default_rng([seed, 1000 + number, index])
    scene, _ = corpus.condition_scene(condition, rng, 0)
    phone, camera = scene.phones[0], scene.camera
    if condition == "specular" and phone.glare is not None:
        return _bin(phone.glare.strength / 255.0, (0.5, 0.75, 0.95, 1.2), "+{:.2f}-{:.2f} of full scale")
    if condition == "finger" and phone.finger is not None:
        fingers = importlib.import_module("webcam_fingers")  # scripts/, on the path with the corpus
        share = 100 * fingers.finger_coverage(phone.finger)
        return _bin(share, (2.0, 6.0, 10.0, 14.0), "{:.0f}-{:.0f} % covered")
    if not scene.phones[0].content.startswith("PASSCULTURE"):
        return "no code"
    if condition == "blurred":
        if camera.motion_px > 1:
            return "motion 6-13 px" if camera.motion_px < 13 else "motion 13-20 px"
        module = phone.code_px / 31
        return "defocus < 0.4 mod" if camera.blur_sigma / module < 0.4 else "defocus >= 0.4 mod"
    return ""


def _bin(value: float, edges: Sequence[float], label: str) -> str:
    """``label`` filled with the bounds of the bin of ``edges`` that holds ``value``."""
    for low, high in itertools.pairwise(edges):
        if value < high:
            return label.format(low, high)
    return label.format(edges[-2], edges[-1])


def print_summary(
    tallies: dict[str, Tally], negatives: Sequence[str], sequences: int, length: int, load: str = ""
) -> None:
    print(
        f"\n## Hand-held streams, 1280x720 (issue 17): {sequences} sequences of {length} frames at 30 fps "
        "per condition, each decoder run as the capture loop runs it"
    )
    print(
        "Frames read / frames shown; false tokens; ms per frame on one core: CPU time of the decoding "
        f"thread (what the decoder costs) and wall time (also the machine's load). {load}"
    )
    print(
        "| condition | decoder | frames read | rate | false tokens | CPU median ms | CPU p95 ms "
        "| wall median ms | wall p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    groups = [*SUMMARY_GROUPS, ("none", tuple(negatives))]
    for label, conditions in groups:
        for name, tally in tallies.items():
            _summary_row(label, name, tally, conditions)
    severities = sorted({key for tally in tallies.values() for key in tally.by_condition if "/" in key})
    for key in severities:
        for name, tally in tallies.items():
            _summary_row(key.replace("/", ", "), name, tally, (key,))
    for name, tally in tallies.items():
        _summary_row("all", name, tally, tuple(k for k in tally.by_condition if "/" not in k))


def _summary_row(label: str, name: str, tally: Tally, conditions: Sequence[str]) -> None:
    times = [t for c in conditions for t in tally.by_condition.get(c, [])]
    walls = [t for c in conditions for t in tally.wall_by_condition.get(c, [])]
    false = sum(tally.false_by_condition.get(c, 0) for c in conditions)
    shown = sum(tally.shown.get(c, 0) for c in conditions)
    read = sum(tally.read.get(c, 0) for c in conditions)
    rate = f"{read}/{shown}" if shown else "-"
    share = f"{100 * read / shown:.0f} %" if shown else "-"
    cells = [
        f"{statistics.median(values):.1f} | {percentile(values, 95):.1f}" if values else "- | -"
        for values in (times, walls)
    ]
    print(f"| {label} | {name} | {rate} | {share} | {false} | {cells[0]} | {cells[1]} |")


def load_average() -> str:
    """The machine's load average (1, 5, 15 min), where the OS tells it."""
    if not hasattr(os, "getloadavg"):
        return "load average: unknown"
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def pin_to_one_core() -> str:
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (OS has no sched_setaffinity); OpenCV on 1 thread"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=30, help="single frames per condition (0: none)")
    parser.add_argument("--latency-runs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sizes", default="1280x720,640x480", help="frame sizes, WIDTHxHEIGHT,...")
    parser.add_argument(
        "--sequences", type=int, default=12, help="hand-held sequences per condition (0: none)"
    )
    parser.add_argument("--sequence-length", type=int, default=8)
    parser.add_argument("--stream-size", default="1280x720", help="frame size of the hand-held sequences")
    args = parser.parse_args(argv)
    corpus = load_corpus()
    print(f"# bench_webcam: {args.per_condition} frames per condition, seed {args.seed}, {pin_to_one_core()}")
    print(
        f"zxing-cpp {getattr(zxingcpp, '__version__', '?')} (single-threaded), OpenCV {cv2.__version__} "
        f"({cv2.getNumThreads()} thread); {load_average()}"
    )
    table = decoders()
    names = list(table)
    results: dict[str, dict[str, Tally]] = {}
    for size in args.sizes.split(",") if args.per_condition > 0 else ():
        width, height = (int(v) for v in size.lower().split("x"))
        frames = list(corpus.generate_corpus(args.per_condition, (width, height), seed=args.seed))
        results[f"{width}x{height}"] = run_decoders(frames, table)
    if results:
        print_times(results, names)
    for size, tallies in results.items():
        print_rates(size, tallies, names, corpus.POSITIVE_CONDITIONS)
    stream: dict[str, Tally] = {}
    if args.sequences > 0:
        width, height = (int(v) for v in args.stream_size.lower().split("x"))
        conditions = [c for _, group in SUMMARY_GROUPS for c in group] + list(corpus.NEGATIVE_CONDITIONS)
        sequences = list(
            corpus.generate_sequences(
                args.sequences, conditions, args.sequence_length, (width, height), seed=args.seed
            )
        )
        load_before = load_average()

        def severity(sequence: Any) -> str:
            number = conditions.index(sequence.condition)
            return sequence_severity(corpus, sequence.condition, number, sequence.index, args.seed)

        stream = run_streams(sequences, stream_decoders(), severity)
        load = f"Before: {load_before}; after: {load_average()}."
        print_summary(stream, corpus.NEGATIVE_CONDITIONS, args.sequences, args.sequence_length, load)
    latencies: dict[str, list[float]] = {}
    if args.latency_runs > 0:
        print("\n## Code-to-token latency, 30 fps 1280x720 video played in real time through WebcamSource")
        print(
            "(from the first frame showing the whole code; the camera's own exposure/USB delay is not in it;"
            " negative: read before that frame, the scenario counts a code as in view only once its"
            " centre is 15 % inside the frame)"
        )
        print("| video | runs with a token | median ms | p95 ms | max ms |")
        print("|---|---|---|---|---|")
        for scenario in ("appear", "enter_move_leave"):
            values = latencies[scenario] = measure_latency(corpus, scenario, args.latency_runs, (1280, 720))
            cells = (
                [f"{statistics.median(values):.0f}", f"{percentile(values, 95):.0f}", f"{max(values):.0f}"]
                if values
                else ["-"] * 3
            )
            print(f"| {scenario} | {len(values)}/{args.latency_runs} | {' | '.join(cells)} |")
    print("\n## Targets")
    for size, tallies in list(results.items())[:1]:
        ours, plain = tallies["decode_frame"], tallies["zxing plain"]
        print(
            f"- rate {size}: decode_frame {sum(ours.read.values())}, "
            f"zxing plain {sum(plain.read.values())} codes"
        )
        print(
            f"- p95 {size} decode_frame {percentile(ours.times_ms, 95):.1f} ms CPU, "
            f"{percentile(ours.wall_ms, 95):.1f} ms wall (budget {P95_BUDGET_MS:.0f} ms)"
        )
    if stream:
        after = stream["+ glare fusion"]
        glare = after.read.get("specular", 0) / max(after.shown.get("specular", 0), 1)
        finger = after.read.get("finger", 0) / max(after.shown.get("finger", 0), 1)
        overall = after.total(after.read) / max(after.total(after.shown), 1)
        print(
            f"- hand-held streams: {100 * overall:.0f} % of frames read (target 95 %), "
            f"glare {100 * glare:.0f} % (75 %), occlusion {100 * finger:.0f} % (90 %), "
            f"false tokens {after.false_tokens} (0), "
            f"p95 {percentile(after.times_ms, 95):.1f} ms CPU, "
            f"{percentile(after.wall_ms, 95):.1f} ms wall (12 ms)"
        )
    for scenario, values in latencies.items():
        if values:
            print(
                f"- code-to-token p95 ({scenario}) {percentile(values, 95):.0f} ms "
                f"(budget {LATENCY_BUDGET_MS:.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
