"""Screenshots of the till's main states, taken under a private Xvfb, into docs/screenshots/*.png.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
Starts Xvfb on a free display, then re-runs itself inside it (``--capture``): the window runs in
demo mode against the in-process emulator and is driven through each state, in French and English, at
1024x768, 1024x600 and 800x600 (French 1024x768 at the top of --out, the others in sub-folders); every PNG is
kept under 100 kB (the window at full size, 8-bit palette).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 100_000


def free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


def run_under_xvfb(out: Path, only: str | None = None) -> int:
    number = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        return subprocess.call(
            [sys.executable, __file__, "--capture", "--out", str(out)]
            + ([] if only is None else ["--only", only]),
            env=env,
            timeout=600,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(10)


# (language, width, height) -> sub-folder of --out; French at 1024x768 stays at the top (the README's).
VARIANTS = (
    ("fr", 1024, 768, ""),
    ("fr", 1024, 600, "fr-1024x600"),
    ("en", 1024, 768, "en-1024x768"),
    ("en", 1024, 600, "en-1024x600"),
    ("fr", 800, 600, "fr-800x600"),  # the smallest till screens (issue 16)
    ("en", 800, 600, "en-800x600"),
)


def capture(out: Path, only: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    for language, width, height, folder in VARIANTS:
        if only is not None and folder != only:
            continue
        capture_variant(app, out / folder if folder else out, language, width, height)
    return 0


def capture_variant(app: object, out: Path, language: str, width: int, height: int) -> None:
    import make_webcam_corpus
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from pos_client.counter.view import State
    from pos_client.domain.scan import RawScan, SourceState, SourceStatus, Transport
    from pos_client.emulator import Fault, FaultKind, demo_data
    from pos_client.settings import Settings
    from pos_client.ui.app import demo_till

    assert isinstance(app, QApplication)
    out.mkdir(parents=True, exist_ok=True)
    tokens = demo_data.TOKENS
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        # The camera screenshot films a phone showing a demo booking's QR code (a rendered video).
        video = make_webcam_corpus.write_video(Path(tmp) / "phone.avi", "appear", (tokens["book"],)).path
        settings = Settings(till_name="caisse-1").with_values(
            ui={"sound_enabled": False, "return_to_ready_s": 120.0, "language": language},
            webcam={"device": str(video)},
        )
        window, backend = stack.enter_context(demo_till(Path(tmp), settings))
        assert backend.emulator is not None
        window.resize(width, height)  # the smallest screens a till has: what the cashier sees there
        window.show()
        # What two connected scanners look like in the status bar (demo mode opens no device).
        for source_id in ("keyboard", "serial:/dev/ttyACM0"):
            window.bridge.status_changed.emit(SourceStatus(source_id, SourceState.CONNECTED))

        def pump(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()

        def settle(state: State) -> None:
            deadline = time.monotonic() + 15
            while window.counter.state is not state:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"expected {state}, got {window.counter.state}")
                app.processEvents()
            pump(0.3)

        def shoot(name: str) -> None:
            pixmap = window.grab()
            if window.tools.panel.isVisible():  # a pop-up is a window of its own: drawn over the grab
                painter = QPainter(pixmap)
                painter.drawPixmap(window.mapFromGlobal(window.tools.panel.pos()), window.tools.panel.grab())
                painter.end()
            image = pixmap.toImage().convertToFormat(
                QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither
            )
            path = out / f"{name}.png"
            image.save(str(path), "PNG", 9)
            size = path.stat().st_size
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size} bytes")
            if size > MAX_BYTES:
                raise SystemExit(f"{path} is larger than {MAX_BYTES} bytes")

        def scan(token: str, *, dismiss: bool = True) -> None:
            if dismiss:
                window.counter.dismiss()
            window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:/dev/ttyACM0"))

        settle(State.READY)
        shoot("01-ready")
        window.tools.open_panel()  # « Outils »: camera, export, reimbursements, settings, offer
        pump(0.3)
        shoot("01b-tools")
        window.tools.panel.hide()
        scan(tokens["duo_cinema"])
        settle(State.ID_CHECK)
        shoot("02-card-id-check")
        window.counter.confirm_id_check(tokens["duo_cinema"])
        shoot("03-id-checked")
        window.counter.validate(tokens["duo_cinema"])
        settle(State.VALIDATED)
        shoot("04-validated")
        window.counter.request_revert(tokens["duo_cinema"])
        shoot("05-confirm-revert")
        scan(tokens["used"])
        settle(State.ALREADY_VALIDATED)
        shoot("06-already-validated")
        scan(tokens["pending_event"])
        settle(State.NOT_YET_CONFIRMED)
        shoot("07-not-yet-confirmed")
        scan(tokens["other_venue"])
        settle(State.NOT_FOUND)
        shoot("08-not-found")
        scan(tokens["cancelled"])
        settle(State.CANCELLED)
        shoot("09-cancelled")
        backend.emulator.control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=None, status_code=503))
        scan(tokens["book"])
        settle(State.SERVER_TROUBLE)
        shoot("10-server-trouble")
        backend.emulator.control.clear_faults()
        scan(tokens["museum_pass"])
        settle(State.ID_CHECK)
        window.counter.request_cancel(tokens["museum_pass"])
        shoot("11-confirm-cancel")
        window.counter.dismiss()
        window.show_camera(True)
        settle(State.ID_CHECK)  # the camera read the phone's code
        shoot("12-camera-open")
        window.show_camera(False)
        # A book's barcode from a US scanner on an AZERTY PC: named for what it is.
        window.counter.dismiss()
        isbn_on_azerty = 'çè"éàçà&"é(-è'  # 9782070612758 typed by a US scanner on AZERTY
        window.on_scan(RawScan(isbn_on_azerty, Transport.KEYBOARD, "keyboard", physical_text="9782070612758"))
        settle(State.INVALID_CODE)
        shoot("19-book-barcode")
        # The lookup under way (a slow answer): « Recherche… » and what the cashier may do meanwhile.
        backend.emulator.control.inject_fault(
            Fault(FaultKind.LATENCY, latency_s=3.0, method="GET", path_contains="/token/")
        )
        scan(tokens["book_2"])
        settle(State.LOOKING_UP)
        pump(0.5)
        shoot("20-looking-up")
        settle(State.ID_CHECK)
        backend.emulator.control.clear_faults()
        window.counter.dismiss()
        _truth_screens(window, backend, tokens, scan, settle, shoot, app)
    return 0


def _truth_screens(
    window: Any, backend: Any, tokens: Any, scan: Any, settle: Any, shoot: Any, app: Any
) -> None:
    """The screens of issue 14: another venue, validated at booking, unknown outcomes, a slow server."""
    from pos_client.counter.view import Action, State
    from pos_client.emulator import Fault, FaultKind

    control = backend.emulator.control
    counter = window.counter
    # A till set up for the bookshop only (as the settings' venue choice does).
    counter.config.till_venue_ids = (5401,)
    window.venue_label.setText("Lieu : Librairie Les Mots Passants")
    scan(tokens["concert_category"])
    settle(State.REFUSED)
    shoot("13-another-venue")
    scan(tokens["free_museum_card"])
    settle(State.ALREADY_VALIDATED)
    shoot("14-validated-at-booking")
    # A validation whose answer is lost, and the server failing the re-reads: unknown, still unknown.
    token = tokens["book"]
    scan(token)
    settle(State.ID_CHECK)
    control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, path_contains="/use/"))
    control.inject_fault(Fault(FaultKind.SERVER_ERROR, count=None, status_code=503, method="GET"))
    counter.confirm_id_check(token)
    counter.validate(token)
    settle(State.OUTCOME_UNKNOWN)
    counter.retry()
    settle(State.OUTCOME_UNKNOWN)
    deadline = time.monotonic() + 15
    while "toujours" not in window.status_area.title.text().lower() and time.monotonic() < deadline:
        app.processEvents()
    shoot("15-still-unknown")
    control.clear_faults()
    counter.dismiss()
    counter.settle_in_background()
    while token not in window.status_area.notice.text() and time.monotonic() < deadline + 15:
        app.processEvents()
    shoot("16-result-found")
    # A slow server: elapsed time, "le serveur est lent", and the way out.
    slow = tokens["book_2"]
    scan(slow)
    settle(State.ID_CHECK)
    control.inject_fault(Fault(FaultKind.LATENCY, latency_s=7.0, path_contains="/use/"))
    counter.confirm_id_check(slow)
    counter.validate(slow)
    end = time.monotonic() + 15
    while Action.STOP_WAITING not in counter.view.actions and time.monotonic() < end:
        app.processEvents()
    shoot("17-slow-server")
    window.trigger(Action.STOP_WAITING)
    settle(State.OUTCOME_UNKNOWN)
    shoot("18-stopped-waiting")
    end = time.monotonic() + 15
    while slow not in window.status_area.notice.text() and time.monotonic() < end:
        app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the till's main states (Xvfb).")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="one variant's folder (\"\" for French 1024x768)")
    parser.add_argument("--capture", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return capture(args.out, args.only) if args.capture else run_under_xvfb(args.out, args.only)


if __name__ == "__main__":
    raise SystemExit(main())
