"""Screenshots of the gate window (docs/screenshots/gate-*.png) at 1024x768 and 1024x600, offscreen.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/gate_screenshots.py [--out docs/screenshots]
Runs the festival emulator in-process, loads tonight's list into a gate in a temporary folder, and
grabs the window showing a single entry, a duo, a re-entry, a cancelled booking, another evening,
and an unknown code.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = ((1024, 768), (1024, 600))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from pos_client.app.gate_demo import open_demo_gate
    from pos_client.domain.booking import BookingStatus
    from pos_client.ui.gate_window import GateWindow, LookupBridge

    app = QApplication.instance() or QApplication(sys.argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        demo = open_demo_gate(Path(folder) / "gate.sqlite3", start_worker=False)
        gate = demo.session.gate
        entries = sorted(gate.roster.by_token.values(), key=lambda e: e.token)
        tonight = [e for e in entries if gate.scope.admits(e) and e.status is BookingStatus.CONFIRMED]
        single = next(e.token for e in tonight if e.quantity == 1)
        duo = next(e.token for e in tonight if e.quantity == 2)
        entered = tonight[-1].token
        gate.confirm(gate.scan(entered))
        cancelled = next(
            e.token for e in entries if gate.scope.admits(e) and e.status is BookingStatus.CANCELLED
        )
        other_day = next(e.token for e in entries if not gate.scope.admits(e))
        shots = {
            "single": single, "duo": duo, "reentry": entered, "cancelled": cancelled,
            "other-evening": other_day, "unknown": "ZZZZZZ",
        }  # fmt: skip
        window = GateWindow(demo.session, LookupBridge(), sounds_enabled=False)
        for width, height in SIZES:
            window.resize(width, height)
            window.show()
            for name, token in shots.items():
                window.clear_verdict()
                window.show_verdict(gate.scan(token))
                app.processEvents()
                image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
                path = args.out / f"gate-{name}-{width}x{height}.png"
                image.save(str(path))
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        window.close()
        demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
