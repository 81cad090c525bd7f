"""The till's own run loop (``pos-client --demo``) on a real X server without a window manager (a
kiosk), keys from xdotool: after the settings (F2) are closed with Échap, the window has the keyboard
again, so the scanner, Échap and the F-keys keep working without a click (walk-through 2026-12)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from x11_display import private_xvfb

pytestmark = [
    pytest.mark.x11,
    pytest.mark.gui,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("Xvfb", "xdotool")),
        reason="needs Xvfb and xdotool (Debian: xvfb xdotool)",
    ),
]


@pytest.fixture
def display() -> Iterator[str]:
    with private_xvfb("1024x768") as display:
        yield display


def _xdotool(display: str, *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return done.stdout.strip()


def _focused_title(display: str, expected: str, timeout_s: float = 15) -> str:
    deadline = time.monotonic() + timeout_s
    title = ""
    while time.monotonic() < deadline:
        title = _xdotool(display, "getwindowfocus", "getwindowname")
        if expected in title:
            return title
        time.sleep(0.2)
    return title


def test_after_the_settings_close_the_window_has_the_keyboard_again(display: str, tmp_path: Path) -> None:
    path = os.pathsep.join(sys.path)
    till = subprocess.Popen(
        [sys.executable, "-m", "pos_client", "--demo", "--dev-dir", str(tmp_path)],
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": path},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert "Caisse pass Culture" in _focused_title(display, "Caisse pass Culture", 60)
        for _ in range(2):  # open and close twice: the second F2 needs the keyboard back
            _xdotool(display, "key", "F2")
            assert "Réglages" in _focused_title(display, "Réglages")
            _xdotool(display, "key", "Escape")
            assert "Caisse pass Culture" in _focused_title(display, "Caisse pass Culture")
    finally:
        till.terminate()
        till.wait(timeout=20)
