"""A cashier's walk-through of the real till window under a private Xvfb (issue 16), with screenshots.

Usage: .venv/bin/python scripts/walkthrough_x11.py [--out docs/screenshots/walkthrough]
Starts Xvfb (1024x768, no window manager, like a kiosk), then ``pos-client --demo`` in its own
process, and drives it from outside as a cashier would: a keyboard-mode scanner typing real X11 keys
(XTEST, 2, 5 and 10 ms per key, from ``bench/bench_scan_to_card``'s sender), a person typing with
xdotool (150 ms per key), shortcuts, double clicks, and window resizes to 1024x600 and 800x600. After
each step the whole screen is grabbed (a Qt client of its own on the same display) into ``--out``.
What was seen is written up by hand in ``docs/walkthrough-2026-12.md``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # the private Xvfb of the X11 tests

import bench_scan_to_card as scan_bench  # noqa: E402 - the XTEST scanner lives there
from x11_display import private_xvfb  # noqa: E402

SCAN = "PASSCULTURE:v3;TOKEN:{token}"


def grab(path: Path, env: dict[str, str]) -> None:
    """The whole X screen into ``path`` (a separate Qt client: the till is never touched)."""
    code = (
        "import sys; from PySide6.QtGui import QGuiApplication; app = QGuiApplication(sys.argv); "
        "image = app.primaryScreen().grabWindow(0).toImage(); "
        "from PySide6.QtCore import Qt; "
        "image.convertToFormat(image.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)"
        ".save(sys.argv[1], 'PNG', 9)"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True, timeout=30)


class Walk:
    """The till, the scanner and the person, on one display."""

    def __init__(self, display: str, out: Path, dev_dir: Path) -> None:
        self.display, self.out = display, out
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        self.till = subprocess.Popen(
            [sys.executable, "-m", "pos_client", "--demo", "--dev-dir", str(dev_dir)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.window = self._find_window()
        self.scanners = {gap: scan_bench.KeySender(display, gap) for gap in (2.0, 5.0, 10.0)}

    def _find_window(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--name", "Caisse pass Culture"],
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
            )
            if found.stdout.strip():
                time.sleep(2.0)  # the first paint, the history read
                return found.stdout.split()[0]
            time.sleep(0.3)
        raise RuntimeError("the till window never appeared")

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=30)

    def scan(self, token: str, gap_ms: float = 5.0) -> None:
        sent: list[float] = []
        self.scanners[gap_ms].type_async(SCAN.format(token=token), sent).join()
        time.sleep(0.6)

    def person(self, text: str, then: str = "Return") -> None:
        self.xdotool("type", "--delay", "150", text)
        if then:
            self.xdotool("key", "--delay", "150", then)
        time.sleep(0.6)

    def key(self, *chords: str) -> None:
        for chord in chords:
            self.xdotool("key", chord)
            time.sleep(0.6)

    def click_name(self, x: int, y: int, *, double: bool = False) -> None:
        self.xdotool("mousemove", "--window", self.window, str(x), str(y))
        self.xdotool("click", *(["--repeat", "2", "--delay", "30"] if double else []), "1")
        time.sleep(0.6)

    def size(self, width: int, height: int) -> None:
        self.xdotool("windowsize", self.window, str(width), str(height))
        time.sleep(0.8)

    def shot(self, name: str) -> None:
        grab(self.out / f"{name}.png", self.env)
        print(f"{name}.png")

    def close(self) -> None:
        for sender in self.scanners.values():
            sender.close()
        self.till.terminate()  # SIGTERM: the till closes as its window would
        try:
            self.till.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.till.kill()
            self.till.wait(timeout=10)


def walk(w: Walk) -> None:
    w.shot("01-first-screen")
    w.scan("PETPR2", 5.0)
    w.shot("02-scan-5ms-card")
    w.key("alt+v")
    w.shot("03-alt-v-before-id-check")
    w.key("alt+i")
    w.shot("04-id-checked")
    w.key("alt+v")
    time.sleep(0.5)
    w.shot("05-validated")
    w.key("Escape")
    w.person("CNCRT4")
    w.shot("06-person-typed-cncrt4")
    w.key("Escape")
    w.scan("DUCN2A", 2.0)
    w.shot("07-scan-2ms-duo")
    w.key("Escape")
    w.scan("MUSE4M", 10.0)
    w.shot("08-scan-10ms-museum")
    w.size(1024, 600)
    w.shot("09-resized-1024x600-id-check")
    w.size(800, 600)
    w.shot("10-resized-800x600-id-check")
    w.key("Escape")
    w.shot("11-800x600-ready")
    w.scan("ETRNGR", 5.0)
    w.key("alt+i")
    w.shot("12-800x600-id-checked")
    w.key("alt+n")
    w.shot("13-800x600-cancel-question")
    w.key("Escape")
    w.size(1024, 768)
    w.scan("FSSE5C", 5.0)
    w.shot("14-card-before-double-click")
    w.click_name(160, 692, double=True)  # on « Pièce d'identité vérifiée » (m1: never validates)
    w.shot("14b-double-click-on-id-button")
    w.scan("THEAT3", 5.0)
    w.shot("15-scan-on-open-card-not-yet")
    w.key("Escape")
    w.scan("EXPR7D", 5.0)
    w.shot("16-expired")
    w.key("Escape")
    w.person("AB12", then="")
    w.shot("17-person-typing-partial")
    w.key("Escape")
    w.shot("18-escape-clears")
    w.key("F2")
    time.sleep(1.0)
    w.shot("19-settings-f2")
    w.key("Escape")
    w.size(800, 600)
    w.key("F2")
    time.sleep(1.0)
    w.shot("20-settings-800x600")
    w.key("Escape")
    w.size(1024, 768)


def main() -> int:
    parser = argparse.ArgumentParser(description="A cashier's walk-through under Xvfb, with screenshots.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "walkthrough")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # The server resets between clients, as a kiosk's X server would (no -noreset).
    with private_xvfb("1024x768", keep_keymap=False) as display, tempfile.TemporaryDirectory() as tmp:
        w = Walk(display, args.out, Path(tmp))
        try:
            walk(w)
        finally:
            w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
