"""Screenshot of « Remboursements… » (docs/screenshots/reconcile-dialog.png), under offscreen Qt.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/reconcile_screenshot.py [--out docs/screenshots]
Builds, in a temporary folder, the test scenario's journal (validations of the emulator's demo bookings
on 3-14 November 2026, one reverted) and its generated reimbursement file (newest header version),
runs the dialog on them and saves it as an 8-bit PNG.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reconcile"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    from reconcile_fixtures import first_fortnight_journal

    from pos_client.app.demo_reimbursements import (
        demo_scenario,
        elsewhere_lines_from_emulator,
        write_reimbursement_file,
    )
    from pos_client.app.reconcile_journal import lines_from_journal
    from pos_client.i18n import Translator
    from pos_client.reconcile.formats import HeaderVersion
    from pos_client.ui.qt_translations import install_qt_translation
    from pos_client.ui.reconcile_dialog import ReconcileDialog, reconciler_for

    app = QApplication.instance() or QApplication(sys.argv)
    install_qt_translation("fr")  # Qt's own buttons in French, as the till shows them
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        journal = first_fortnight_journal(root / "journal.sqlite3")
        lines = lines_from_journal(journal)
        journal.close()
        source = root / "remboursements_pass_culture.csv"
        elsewhere = elsewhere_lines_from_emulator(
            on=datetime(2026, 11, 7, 16, 30, tzinfo=ZoneInfo("Europe/Paris"))
        )
        write_reimbursement_file(source, demo_scenario(lines, elsewhere), HeaderVersion.STRUCTURE)
        dialog = ReconcileDialog(
            Translator("fr"), reconciler_for(root / "journal.sqlite3", "caisse-1"), folder=root
        )
        dialog.resize(1000, 640)
        dialog.show()
        dialog.set_files([source])
        dialog.start()
        dialog.wait_idle()
        for _ in range(50):
            app.processEvents()
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "reconcile-dialog.png"
        image = (
            dialog.grab()
            .toImage()
            .convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
        )
        image.save(str(path), "PNG", 0)
        print(f"{path} ({path.stat().st_size} octets)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
