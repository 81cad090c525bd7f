"""The till on a real X server without a window manager (a kiosk), keys from xdotool (XTEST): the
window asks for the keyboard itself at start, so Échap, Alt+… and the F-keys work before any click
(m16), and Échap clears what a person typed (M5)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
HERE = Path(__file__).parent


@pytest.fixture
def display() -> Iterator[str]:
    with private_xvfb("1280x1024") as display:
        yield display


class TillApp:
    def __init__(self, display: str) -> None:
        self.display = display
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "x11_till_app.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def wait_for(self, check: Callable[[dict[str, Any]], bool], timeout_s: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("the till never reported the expected state") from None
            if check(event):
                return event

    def xdotool(self, *args: str) -> None:
        subprocess.run(
            ["xdotool", *args], env={**os.environ, "DISPLAY": self.display}, check=True, timeout=20
        )

    def close(self) -> None:
        self.send("quit")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def till(display: str) -> Iterator[TillApp]:
    app = TillApp(display)
    try:
        app.wait_for(lambda event: event["kind"] == "shown")
        yield app
    finally:
        app.close()


def _report(till: TillApp) -> dict[str, Any]:
    till.send("report")
    return till.wait_for(lambda event: event["kind"] == "report")


def test_without_a_window_manager_escape_works_before_any_click(till: TillApp) -> None:
    deadline = time.monotonic() + 10
    while not _report(till)["active"]:  # it asks for the keyboard itself: nobody clicks
        assert time.monotonic() < deadline, "the till never became the active window"
        time.sleep(0.1)
    till.send("scan 352UW4")
    till.wait_for(lambda event: event["state"] == "id_check")
    till.xdotool("key", "Escape")
    till.wait_for(lambda event: event["state"] == "ready")


def test_escape_clears_what_a_person_typed_and_alt_letters_never_type(till: TillApp) -> None:
    till.xdotool("type", "--delay", "150", "AB")  # a person, slower than any scanner
    time.sleep(0.3)
    assert _report(till)["field"] == "AB"
    till.xdotool("key", "Escape")
    time.sleep(0.3)
    assert _report(till)["field"] == ""
    for chord in ("alt+v", "alt+r", "alt+i"):
        till.xdotool("key", chord)
    time.sleep(0.3)
    assert _report(till)["field"] == ""
