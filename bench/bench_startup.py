"""Start-up time and resident memory of the till, for the PyInstaller bundle and the plain install.

    python bench/bench_startup.py [--runs 7] [--scans 1000] [--bundle dist/pos-client/pos-client]

Each run starts a fresh process, ``pos-client --demo --dev-dir <tmp> startup-probe``, on the
offscreen Qt platform (no display needed). The probe builds the real window through
``pos_client.ui.app.run_app`` in demo mode (local emulator, no network) and prints:

    stage probe <t>  the command line is parsed: interpreter, CLI and subcommand modules loaded
    stage app <t>    the application's modules are imported (window, client, journal, emulator)
    ready            the window is shown and the event loop turned once (timed here, from spawn)
    rss idle <B>     resident memory after one second of idling
    rss scans <B> <n> <s>   after <n> scans fed through the window's scan path

Budget (issue 8): ready in under 1.5 s, idle under 200 MB. The first run of each variant pays
for a cold disk cache and is reported apart; the medians are over the other runs. Output is a
table; nothing here asserts (tests/packaging/test_bench_startup.py only smoke-runs it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_BUDGET_S = 1.5
IDLE_BUDGET_MB = 200.0
PROBE_TIMEOUT_S = 300.0


@dataclass
class Run:
    ready_s: float
    cli_s: float  # spawn -> command line parsed
    imports_s: float  # -> the application's modules imported (the rest, to ready, builds the till)
    idle_mb: float
    scans_mb: float | None
    scans: int
    scans_s: float | None


@dataclass
class Variant:
    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)


def _probe_once(command: list[str], scans: int, idle_s: float) -> Run:
    with tempfile.TemporaryDirectory(prefix="pos-client-bench-") as folder:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("PYTHONPATH", None)
        probe = ["startup-probe", "--scans", str(scans), "--idle-s", str(idle_s)]
        argv = [*command, "--demo", "--dev-dir", folder, *probe]
        start = time.perf_counter()
        spawned_at = time.time()
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder
        )
        ready_s: float | None = None
        values: dict[str, list[str]] = {}
        stages: dict[str, float] = {}
        try:
            assert process.stdout is not None
            for line in process.stdout:
                words = line.split()
                if words[:1] == ["ready"] and ready_s is None:
                    ready_s = time.perf_counter() - start
                elif words[:1] == ["stage"] and len(words) == 3:
                    stages[words[1]] = float(words[2]) - spawned_at
                elif words[:1] == ["rss"] and len(words) >= 3:
                    values[words[1]] = words[2:]
            _, stderr = process.communicate(timeout=PROBE_TIMEOUT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        if process.returncode != 0 or ready_s is None or "idle" not in values or len(stages) != 2:
            raise SystemExit(f"probe failed ({' '.join(argv)}), exit {process.returncode}:\n{stderr[-3000:]}")
    scans_values = values.get("scans")
    return Run(
        ready_s=ready_s,
        cli_s=stages["probe"],
        imports_s=stages["app"] - stages["probe"],
        idle_mb=int(values["idle"][0]) / 1e6,
        scans_mb=int(scans_values[0]) / 1e6 if scans_values else None,
        scans=int(scans_values[1]) if scans_values else 0,
        scans_s=float(scans_values[2]) if scans_values else None,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _mark(value: float, budget: float) -> str:
    return "ok" if value < budget else "OVER"


def print_table(variants: list[Variant]) -> None:
    header = (
        f"{'variant':<14} {'runs':>4} {'first ready':>11} {'ready med':>9} {'ready p99':>9} "
        f"{'/budget':>7} {'idle MB':>8} {'/budget':>7} {'scans':>6} {'after MB':>8} {'growth':>7} "
        f"{'scan/s':>7}"
    )
    print(header)
    print("-" * len(header))
    for variant in variants:
        if not variant.runs:
            continue
        first, rest = variant.runs[0], variant.runs[1:] or variant.runs
        ready = [r.ready_s for r in rest]
        idle = [r.idle_mb for r in rest]
        ready_med, idle_med = statistics.median(ready), statistics.median(idle)
        after = [r.scans_mb for r in rest if r.scans_mb is not None]
        after_med = statistics.median(after) if after else None
        rates = [r.scans / r.scans_s for r in rest if r.scans_s]
        print(
            f"{variant.name:<14} {len(variant.runs):>4} {first.ready_s:>10.2f}s {ready_med:>8.2f}s "
            f"{_percentile(ready, 0.99):>8.2f}s {ready_med / READY_BUDGET_S:>6.0%} "
            f"{idle_med:>8.1f} {idle_med / IDLE_BUDGET_MB:>6.0%} "
            f"{rest[0].scans:>6} "
            + (
                f"{after_med:>8.1f} {after_med - idle_med:>+7.1f} "
                if after_med is not None
                else f"{'-':>8} {'-':>7} "
            )
            + (f"{statistics.median(rates):>7.0f}" if rates else f"{'-':>7}")
        )
    print()
    print("where the warm start goes (medians): command line parsed / app modules imported / till built")
    for variant in variants:
        if variant.runs:
            rest = variant.runs[1:] or variant.runs
            cli = statistics.median(r.cli_s for r in rest)
            imports = statistics.median(r.imports_s for r in rest)
            build = statistics.median(r.ready_s - r.cli_s - r.imports_s for r in rest)
            print(f"  {variant.name:<14} {cli:.2f} s + {imports:.2f} s + {build:.2f} s")
    print()
    print(f"budget: ready < {READY_BUDGET_S} s ({_legend()}), idle < {IDLE_BUDGET_MB:.0f} MB resident")
    for variant in variants:
        if variant.runs:
            rest = variant.runs[1:] or variant.runs
            ready_med = statistics.median(r.ready_s for r in rest)
            idle_med = statistics.median(r.idle_mb for r in rest)
            print(
                f"  {variant.name}: ready {_mark(ready_med, READY_BUDGET_S)}, "
                f"idle {_mark(idle_med, IDLE_BUDGET_MB)}"
            )


def _legend() -> str:
    return "median of the warm runs; p99 = slowest warm run for a handful of runs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="processes started per variant (first = cold)")
    parser.add_argument("--scans", type=int, default=1000, help="scans fed after the idle measure")
    parser.add_argument("--idle-s", type=float, default=1.0, help="idle time before the idle measure")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "pos-client" / "pos-client")
    parser.add_argument("--only", choices=["bundle", "install"], help="measure one variant only")
    args = parser.parse_args(argv)

    variants: list[Variant] = []
    if args.only != "bundle":
        variants.append(Variant("plain install", [sys.executable, "-m", "pos_client"]))
    if args.only != "install":
        if args.bundle.is_file():
            variants.append(Variant("bundle", [str(args.bundle)]))
        else:
            print(f"(no bundle at {args.bundle}: build it with packaging/build_linux.sh --no-deb)\n")
    for variant in variants:
        for _ in range(args.runs):
            variant.runs.append(_probe_once(variant.command, args.scans, args.idle_s))
    print(
        f"pos-client start-up and memory, {args.runs} runs per variant, {args.scans} scans, "
        f"{os.cpu_count()} CPUs"
    )
    print_table(variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
