"""Record keyboard timing traces from a real X server for the classifier's corpus.

    .venv/bin/python scripts/record_x11_key_traces.py     # writes tests/scanners/recorded_x11_traces.json

Starts a private Xvfb (needs Xvfb, xdotool, setxkbmap), sets the French AZERTY keymap, opens the
capture test window (``tests/scanners/x11_capture_app.py --keys``) and plays a US scanner's physical
keys and a person's typing with xdotool at several paces. Every key press is recorded as the
keyboard capture saw it: the X server's own timestamp, the layout's text, the physical reading.
These are real X11 event timestamps (XTEST input, the X server's and Qt's scheduling jitter on a
busy machine), not a scanner's: no scanner hardware was available. The JSON is committed; the
corpus (``keyboard_traces.RECORDED_X11``) replays it through the classifier.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "scanners"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(ROOT / "tests"))  # the private Xvfb of the X11 tests

from us_scanner_keys import KEY_ENTER, US_PAYLOAD_KEYS  # noqa: E402
from x11_display import private_xvfb  # noqa: E402

OUTPUT = TESTS / "recorded_x11_traces.json"
XKB_OFFSET = 8


def run(display: str, *args: str) -> None:
    subprocess.run(args, env={**os.environ, "DISPLAY": display}, check=True, timeout=60)


def physical_keys(keys: tuple[tuple[int, bool], ...], enter: bool) -> list[str]:
    names = [f"shift+{code + XKB_OFFSET}" if shift else str(code + XKB_OFFSET) for code, shift in keys]
    return [*names, str(KEY_ENTER + XKB_OFFSET)] if enter else names


def _dump(recorded: list[dict[str, Any]]) -> str:
    """JSON with one key per line (readable diffs)."""
    blocks = []
    for trace in recorded:
        keys = ",\n".join("    " + json.dumps(key, ensure_ascii=False) for key in trace["keys"])
        head = {name: trace[name] for name in ("case", "tokens", "typed")}
        fields = json.dumps(head, ensure_ascii=False)[1:-1]
        blocks.append(f'  {{{fields},\n   "keys": [\n{keys}\n  ]}}')
    return "[\n" + ",\n".join(blocks) + "\n]\n"


def main() -> int:
    with private_xvfb("800x600") as display:
        return record(display)


def record(display: str) -> int:
    app: subprocess.Popen[str] | None = None
    try:
        run(display, "setxkbmap", "-display", display, "fr")
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        app = subprocess.Popen(
            [sys.executable, str(TESTS / "x11_capture_app.py"), "us", "--keys"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        events: queue.Queue[dict[str, Any]] = queue.Queue()

        def read() -> None:
            assert app is not None and app.stdout is not None
            for line in app.stdout:
                if line.startswith("{"):
                    events.put(json.loads(line))

        threading.Thread(target=read, daemon=True).start()
        ready = events.get(timeout=60)
        run(display, "xdotool", "windowfocus", "--sync", str(ready["window"]))
        payload = "PASSCULTURE:v3;TOKEN:352UW4"
        sessions: list[tuple[str, list[str], tuple[str, ...], str]] = [
            (
                "x11: usb pace 5 ms + Enter, fr keymap",
                ["key", "--delay", "5", *physical_keys(US_PAYLOAD_KEYS, True)],
                ("352UW4",),
                "",
            ),
            (
                "x11: bluetooth pace 80 ms, no suffix, fr keymap",
                ["key", "--delay", "80", *physical_keys(US_PAYLOAD_KEYS, False)],
                ("352UW4",),
                "",
            ),
            (
                "x11: bluetooth pace 40 ms + Enter, fr keymap",
                ["key", "--delay", "40", *physical_keys(US_PAYLOAD_KEYS, True)],
                ("352UW4",),
                "",
            ),
            ("x11: typist 60 ms per key", ["type", "--delay", "60", "merci madame"], (), "merci madame"),
        ]
        recorded = []
        for case, command, tokens, typed in sessions:
            while not events.empty():
                events.get_nowait()
            run(display, "xdotool", *command)
            time.sleep(1.0)
            keys = []
            while not events.empty():
                event = events.get_nowait()
                if event["event"] == "key" and (event["text"] or event["physical"]):
                    keys.append([event["t"], event["text"], event["physical"]])
            recorded.append({"case": case, "keys": keys, "tokens": list(tokens), "typed": typed})
            print(f"{case}: {len(keys)} keys", file=sys.stderr)
        assert all(len(trace["keys"]) >= 12 for trace in recorded), recorded
        OUTPUT.write_text(_dump(recorded), encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)} ({payload})", file=sys.stderr)
    finally:
        if app is not None:
            assert app.stdin is not None
            app.stdin.write("quit\n")
            app.stdin.close()
            app.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
