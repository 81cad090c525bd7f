"""End to end under a real X server: Xvfb, a real Qt window (xcb) with the keyboard capture, and
real X11 key events from xdotool (XTEST), with the PC's keymap set to French AZERTY then US.

A US-configured scanner presses physical keys; on the ``fr`` map those keys type
``PQSSCULTUREMv"mTOKENM"(éUZ'``: the capture must still read token 352UW4 (from the native scan
codes), swallow everything (field stays empty, Enter presses nothing), and let a person's typing
reach the field unchanged. The Qt part runs in a subprocess so the rest of the suite keeps the
offscreen platform.
"""

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
from us_scanner_keys import (
    DEMO_BOOK_KEYS,
    DEMO_BOOK_TOKEN,
    DEMO_CONCERT_TOKEN,
    DEMO_SECOND_BOOK_TOKEN,
    KEY_ENTER,
    ON_FRENCH_AZERTY,
    ON_FRENCH_AZERTY_CAPS_LOCK,
    PAYLOAD,
    US_PAYLOAD_KEYS,
)
from x11_display import private_xvfb

pytestmark = [
    pytest.mark.x11,
    pytest.mark.gui,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("Xvfb", "xdotool", "setxkbmap")),
        reason="needs Xvfb, xdotool and setxkbmap (Debian: xvfb xdotool x11-xkb-utils)",
    ),
]

HERE = Path(__file__).parent
XKB_OFFSET = 8  # X11 keycode = evdev code + 8


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private Xvfb, its keymap kept between clients (``setxkbmap`` runs before the window)."""
    with private_xvfb("800x600") as display:
        yield display


def x11(display: str, *args: str, timeout: float = 30) -> None:
    subprocess.run(args, env={**os.environ, "DISPLAY": display}, check=True, timeout=timeout)


def focus(display: str, window: str) -> None:
    """Give the window the keyboard focus (no window manager here: XSetInputFocus, retried)."""
    for attempt in range(3):
        try:
            x11(display, "xdotool", "windowfocus", "--sync", window, timeout=5)
            return
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
            if attempt == 2:
                raise


class CaptureApp:
    """The child Qt program and its JSON-lines reports."""

    def __init__(self, display: str, *args: str) -> None:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "x11_capture_app.py"), *(args or ("us",))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def next(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next report of this kind; other kinds seen meanwhile are returned in ``skipped``."""
        skipped = []
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                died = self.process.poll() is not None
                detail = self.process.stderr.read()[-3000:] if died and self.process.stderr else ""
                raise AssertionError(f"no {kind!r} report; saw {skipped} {detail}") from None
            if event["event"] == kind:
                event["skipped"] = skipped
                return event
            skipped.append(event)

    def next_view(self, accept: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        """The first till view report that ``accept`` likes."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.next("view", timeout=max(0.1, deadline - time.monotonic()))
            if accept(view):
                return view

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    def close(self) -> str:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        self.process.stderr.close()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return errors


def scan_with_physical_keys(display: str, keys: tuple[tuple[int, bool], ...]) -> None:
    """A scanner burst: these physical keys then Enter, 5 ms apart (numbers are raw X keycodes,
    so the keymap in force decides what characters they make)."""
    args = [f"shift+{code + XKB_OFFSET}" if shift else str(code + XKB_OFFSET) for code, shift in keys]
    x11(display, "xdotool", "key", "--delay", "5", *args, str(KEY_ENTER + XKB_OFFSET))


def open_on_french_keymap(display: str, *args: str, timeout: float) -> CaptureApp:
    """Set the PC's keymap to French AZERTY, start the child, give its window the focus."""
    x11(display, "setxkbmap", "-display", display, "fr")
    app = CaptureApp(display, *args)
    try:
        ready = app.next("ready", timeout=timeout)
        focus(display, str(ready["window"]))
    except BaseException:
        app.close()
        raise
    return app


def test_us_scanner_on_fr_then_us_keymap_and_a_person_typing(display: str) -> None:
    app = open_on_french_keymap(display, timeout=30)
    try:
        # 1. A US scanner burst on the French keymap, ending with Enter (physical keys).
        scan_with_physical_keys(display, US_PAYLOAD_KEYS)
        scan = app.next("scan")
        assert scan["text"] == ON_FRENCH_AZERTY  # what the PC's layout made of it...
        assert scan["physical"] == PAYLOAD  # ...and what the scanner meant
        assert scan["token"] == "352UW4"
        assert scan["skipped"] == []  # nothing reached the field, no button pressed

        # 2. A person typing at human speed: every key lands in the field, in order; Enter too.
        x11(display, "xdotool", "type", "--delay", "160", "AB2")
        assert app.next("field")["text"] == "A"
        assert app.next("field")["text"] == "AB"
        assert app.next("field")["text"] == "AB2"
        x11(display, "xdotool", "key", "Return")
        assert app.next("return")["text"] == "AB2"

        # 3. The same scanner on a US keymap: xdotool types the payload with the US map's keys.
        x11(display, "setxkbmap", "-display", display, "us")
        x11(display, "xdotool", "type", "--delay", "5", PAYLOAD)
        x11(display, "xdotool", "key", "Return")
        scan = app.next("scan")
        assert scan["text"] == PAYLOAD
        assert scan["physical"] == PAYLOAD
        assert scan["token"] == "352UW4"
        assert scan["skipped"] == []
        assert app.drain() == []
    finally:
        errors = app.close()
    assert "Traceback" not in errors, errors


def test_scans_and_typing_end_in_the_till_booking_card(display: str, tmp_path: Path) -> None:
    """The real till window (demo emulator, journal) with the capture as its scan source."""
    app = open_on_french_keymap(display, "till", str(tmp_path), timeout=60)
    try:
        # A US scanner on the French keymap: the booking card of the demo book opens.
        scan_with_physical_keys(display, DEMO_BOOK_KEYS)
        view = app.next_view(lambda v: v["offer"] is not None, timeout=30)
        assert view["token"] == DEMO_BOOK_TOKEN
        assert view["state"] == "ID_CHECK"
        assert "Petit Prince" in view["offer"]
        # Escape closes the card. The same kind of scanner on a US keymap: the second book's card.
        x11(display, "xdotool", "key", "Escape")
        app.next_view(lambda v: v["state"] == "READY", timeout=30)
        x11(display, "setxkbmap", "-display", display, "us")
        x11(display, "xdotool", "type", "--delay", "5", f"PASSCULTURE:v3;TOKEN:{DEMO_SECOND_BOOK_TOKEN}")
        x11(display, "xdotool", "key", "Return")
        view = app.next_view(lambda v: v["offer"] is not None, timeout=30)
        assert view["token"] == DEMO_SECOND_BOOK_TOKEN
        assert "Étranger" in view["offer"]
        # Then a person types the concert's code at human speed into the code field.
        x11(display, "xdotool", "key", "Escape")
        app.next_view(lambda v: v["state"] == "READY", timeout=30)
        x11(display, "xdotool", "type", "--delay", "160", DEMO_CONCERT_TOKEN)
        x11(display, "xdotool", "key", "Return")
        view = app.next_view(lambda v: v["offer"] is not None, timeout=30)
        assert view["token"] == DEMO_CONCERT_TOKEN
    finally:
        errors = app.close()
    assert "Traceback" not in errors, errors


def bluetooth_scan(display: str, keys: tuple[tuple[int, bool], ...], delay_ms: int, *, enter: bool) -> None:
    """A Bluetooth scanner's rhythm: the same physical keys ``delay_ms`` apart (xdotool's own pace
    plus the X server's jitter), with or without Enter."""
    args = [f"shift+{code + XKB_OFFSET}" if shift else str(code + XKB_OFFSET) for code, shift in keys]
    if enter:
        args.append(str(KEY_ENTER + XKB_OFFSET))
    x11(display, "xdotool", "key", "--delay", str(delay_ms), *args)


def test_bluetooth_rhythm_and_caps_lock_at_default_settings(display: str) -> None:
    """Default settings (max gap 50 ms): a Bluetooth-paced scan with no suffix is still one scan,
    a person typing at 60 ms per key keeps their keys, and Caps Lock on the French keymap gives the
    xkb garbling the reader repairs (``é`` of the number row upper-cased to ``É``)."""
    app = open_on_french_keymap(display, timeout=30)
    try:
        bluetooth_scan(display, US_PAYLOAD_KEYS, 80, enter=False)
        scan = app.next("scan", timeout=20)
        assert scan["text"] == ON_FRENCH_AZERTY
        assert scan["physical"] == PAYLOAD
        assert scan["token"] == "352UW4"
        assert scan["skipped"] == []

        # A fast typist, 60 ms per key: above the old 50 ms limit, below Bluetooth scanners' pace.
        x11(display, "xdotool", "type", "--delay", "60", "cb2")
        assert app.next("field")["text"] == "c"
        assert app.next("field")["text"] == "cb"
        assert app.next("field")["text"] == "cb2"
        x11(display, "xdotool", "key", "Return")
        assert app.next("return")["text"] == "cb2"

        # Caps Lock on, a Bluetooth scan with Enter: the layout's text is the Linux Caps Lock
        # garbling; the physical keys and the reader's repair both give the token.
        x11(display, "xdotool", "key", "Caps_Lock")
        bluetooth_scan(display, US_PAYLOAD_KEYS, 60, enter=True)
        scan = app.next("scan", timeout=20)
        x11(display, "xdotool", "key", "Caps_Lock")
        assert scan["text"] == ON_FRENCH_AZERTY_CAPS_LOCK
        assert scan["physical"] == PAYLOAD
        assert scan["token"] == "352UW4"
        assert scan["text_token"] == "352UW4"  # the text alone reads too (no scan codes needed)
        assert scan["skipped"] == []
        assert app.drain() == []
    finally:
        errors = app.close()
    assert "Traceback" not in errors, errors
