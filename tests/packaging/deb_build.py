"""The build of the Linux bundle and the ``.deb`` that the slow packaging tests share (one per
session), and lintian started in the background as soon as the ``.deb`` exists: it takes minutes,
and runs meanwhile the other tests use the build (its test, ``test_deb_lintian.py``, comes last)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import pos_client

BUILD_TIMEOUT_S = 600
# Slow (a PyInstaller build): runs when CI=true or POS_CLIENT_BUILD_BUNDLE=1, skips otherwise.
BUILD_MARKS = [
    pytest.mark.slow,
    # The suite's 300 s per test would count the build (1-5 minutes with the machine's load) in
    # whichever test asks for it first; lintian and the chroot take minutes too.
    pytest.mark.timeout(BUILD_TIMEOUT_S + 600),
    pytest.mark.skipif(
        os.environ.get("CI", "").lower() != "true" and os.environ.get("POS_CLIENT_BUILD_BUNDLE") != "1",
        reason="builds the PyInstaller bundle and the .deb (minutes): set POS_CLIENT_BUILD_BUNDLE=1 "
        "(CI=true does it in CI)",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle and .deb"),
]


@dataclass
class Build:
    bundle: Path
    deb: Path | None
    seconds: float
    log: str
    lintian: subprocess.Popen[str] | None = field(default=None, repr=False)
    lintian_started: float = 0.0


def run_build(project_root: Path) -> Build:
    """``packaging/build_linux.sh`` (``--no-deb`` without dpkg-deb), then lintian in the background."""
    with_deb = shutil.which("dpkg-deb") is not None
    command = ["bash", str(project_root / "packaging" / "build_linux.sh")]
    if not with_deb:
        command.append("--no-deb")
    env = dict(os.environ, POS_CLIENT_VENV=str(Path(sys.prefix)))
    start = time.monotonic()
    result = subprocess.run(
        command, cwd=project_root, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    seconds = time.monotonic() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"build failed:\n{log[-6000:]}"
    # Shown with -s; build_linux.sh's own log has the split (bundle / .deb).
    print(f"\nbundle and .deb built in {seconds:.0f} s")
    debs = sorted(
        (project_root / "dist").glob(f"{pos_client.APP_NAME}_*.deb"), key=lambda p: p.stat().st_mtime
    )
    build = Build(
        bundle=project_root / "dist" / pos_client.APP_NAME,
        deb=debs[-1] if with_deb and debs else None,
        seconds=seconds,
        log=log,
    )
    if build.deb is not None and shutil.which("lintian"):
        build.lintian_started = time.monotonic()
        build.lintian = subprocess.Popen(
            ["lintian", "--tag-display-limit", "0", "--display-info", "--show-overrides", str(build.deb)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
    return build


def assert_desktop_file_valid(path: Path) -> None:
    """``desktop-file-validate`` finds nothing to say (it exits 0 even on some errors, such as an
    unknown ``Version``: its output is what counts). ``./run`` installs it on Debian."""
    if shutil.which("desktop-file-validate") is None:
        if shutil.which("dpkg"):
            pytest.fail("desktop-file-validate missing: apt-get install desktop-file-utils (./run does)")
        pytest.skip("desktop-file-validate is a Debian tool (desktop-file-utils)")
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and report == "", report
