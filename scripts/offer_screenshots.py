"""Screenshots of the offer made at the till (docs/screenshots/offer-*.png), under offscreen Qt.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/offer_screenshots.py [--out docs/screenshots]
Runs a demo till (the emulator in process) through the whole flow: a vinyl's EAN scanned on the ready
screen, the price, the wait for pass Culture's job, the QR code, the young person's contremarque with
the card's note, the offer closed; then each refusal (unknown EAN, price over the young person's
credit, a job that never ran, a venue not linked to the key). Each step is saved as an 8-bit PNG.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QWidget

    from pos_client.counter.view import Action, State
    from pos_client.domain.scan import RawScan, Transport
    from pos_client.emulator import demo_data
    from pos_client.emulator.products import CATALOGUE, DEMO_EANS
    from pos_client.settings import Settings
    from pos_client.ui.app import demo_till
    from pos_client.ui.offer_panel import OfferController
    from pos_client.ui.qt_translations import install_qt_translation

    app = QApplication.instance() or QApplication(sys.argv)
    install_qt_translation("fr")
    args.out.mkdir(parents=True, exist_ok=True)

    def pump(until: Callable[[], bool], timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit("a step did not come")
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        path = args.out / f"offer-{name}.png"
        image = (
            widget.grab()
            .toImage()
            .convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
        )
        image.save(str(path), "PNG", 0)
        print(f"{path} ({path.stat().st_size} octets)")

    settings = Settings(till_name="caisse-1").with_values(
        ui={"sound_enabled": False}, offer={"close_after_booking": True, "wait_s": 6.0}
    )
    vinyl = CATALOGUE["vinyl"].ean
    with tempfile.TemporaryDirectory() as folder, demo_till(Path(folder), settings) as (window, backend):
        assert backend.emulator is not None
        emulator = backend.emulator
        emulator.products.set_jobs(delay_s=3600)
        window.resize(1024, 768)
        window.show()
        controller = window.findChild(OfferController)
        assert controller is not None
        panel = controller.panel
        timer = panel.findChild(QTimer, "offer_poll_timer")
        assert timer is not None
        timer.setInterval(300)

        window.on_scan(RawScan(vinyl, Transport.SERIAL, "serial:demo"))  # on the ready screen
        pump(panel.isVisible)
        panel.price.setText("24,50")
        save(panel, "01-ean-scanned")
        panel.create_button.click()
        pump(lambda: panel.progress.isVisible() and "en cours" in panel.title.text())
        time.sleep(1.2)
        pump(lambda: panel.progress.value() >= 1)
        save(panel, "02-waiting")
        emulator.control.advance_clock(timedelta(hours=2))
        pump(panel.qr.isVisible)
        save(panel, "03-qr-code")

        offer_id = int(panel.link.text().rsplit("/", 1)[1])
        token = emulator.products.book_offer(offer_id)
        panel.hide()
        window.on_scan(RawScan(f"PASSCULTURE:v3;TOKEN:{token}", Transport.SERIAL, "serial:demo"))
        pump(lambda: window.counter.state is State.ID_CHECK)
        save(window, "04-contremarque-card")
        window.trigger(Action.CONFIRM_ID)
        window.trigger(Action.VALIDATE)
        pump(lambda: window.counter.state is State.VALIDATED)
        pump(lambda: emulator.products.pending_jobs() == 1)
        emulator.control.advance_clock(timedelta(hours=2))
        controller.open_panel()
        pump(lambda: "Offre fermée" in panel.title.text())
        save(panel, "05-closed")

        window.counter.dismiss()
        panel.take_ean(DEMO_EANS["unknown"][0])
        panel.price.setText("15")
        panel.create_button.click()
        pump(lambda: "inconnu" in panel.title.text())
        save(panel, "06-ean-unknown")

        panel.take_ean(DEMO_EANS["dvd"][0])
        panel.create_button.click()
        pump(lambda: "type de produit" in panel.title.text())
        save(panel, "07-not-eligible")

        panel.take_ean(CATALOGUE["cd"].ean)
        panel.price.setText("32")
        panel.credit.setText("20")
        panel.create_button.click()
        pump(panel.complete_button.isVisible)
        save(panel, "08-over-credit")

        panel.credit.clear()
        panel.price.setText("12,99")
        controller.desk.venue_id = demo_data.OTHER_VENUE_ID
        panel.create_button.click()
        pump(lambda: "non rattaché" in panel.title.text())
        save(panel, "09-venue-not-linked")
        controller.desk.venue_id = demo_data.BOOKSHOP_VENUE_ID

        emulator.products.set_jobs(stalled=True)
        panel.create_button.click()
        pump(lambda: "pas apparue" in panel.title.text(), timeout_s=20)
        save(panel, "10-job-never-done")

        emulator.control.set_rate_limit(1)
        panel.take_ean(CATALOGUE["book"].ean)
        panel.price.setText("7,90")
        panel.create_button.click()
        pump(lambda: "Trop de requêtes" in panel.title.text())
        save(panel, "11-rate-limited")
        controller.runner.wait_idle()
    return 0


if __name__ == "__main__":
    sys.exit(main())
