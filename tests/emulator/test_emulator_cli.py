"""The command-line faces (``emulator``, ``demo-codes``), the HTTP control API and SQLite persistence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import zxingcpp

from pos_client.cli import main
from pos_client.emulator import RunningEmulator, demo_data
from pos_client.emulator.products import DEMO_EANS
from pos_client.emulator.store import EmulatorClock, EmulatorStore

V1 = "/public/bookings/v1"
EXPECTED_PAYLOADS = {f"PASSCULTURE:v3;TOKEN:{token}" for token in demo_data.TOKENS.values()}
# The demo products' EAN-13 bars, for the offer made at the till, are on the same sheet.
EXPECTED_PAYLOADS |= {ean for ean, _ in DEMO_EANS.values()}


def _decode(gray: np.ndarray) -> set[str]:
    return {result.text for result in zxingcpp.read_barcodes(gray)}


def test_demo_codes_png_holds_every_demo_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "codes démo.png"
    assert main(["--dev-dir", str(tmp_path / "dev"), "demo-codes", str(output)]) == 0
    assert f"{len(demo_data.TOKENS)} contremarques" in capsys.readouterr().out
    image = cv2.imdecode(np.frombuffer(output.read_bytes(), dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert _decode(image) == EXPECTED_PAYLOADS


@pytest.mark.gui
def test_demo_codes_pdf_renders_with_every_code_and_french_text(tmp_path: Path, qapp: object) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    output = tmp_path / "codes.pdf"
    assert main(["--dev-dir", str(tmp_path / "dev"), "demo-codes", str(output)]) == 0
    document = QPdfDocument()
    assert document.load(str(output)) == QPdfDocument.Error.None_
    found: set[str] = set()
    text = ""
    for page in range(document.pageCount()):
        rendered = document.render(page, QSize(1190, 1684))
        sheet = QImage(rendered.size(), QImage.Format.Format_RGB32)
        sheet.fill(QColor("white"))
        painter = QPainter(sheet)
        painter.drawImage(0, 0, rendered)
        painter.end()
        gray = sheet.convertToFormat(QImage.Format.Format_Grayscale8)
        pixels = np.frombuffer(gray.constBits(), dtype=np.uint8).reshape(gray.height(), gray.bytesPerLine())
        found |= _decode(pixels[:, : gray.width()].copy())
        text += document.getAllText(page).text()
    document.close()
    assert found == EXPECTED_PAYLOADS
    assert "Livre « Le Petit Prince », 7,90 € : à valider" in " ".join(text.split())


def test_demo_codes_refuses_other_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dev-dir", str(tmp_path / "dev"), "demo-codes", str(tmp_path / "codes.jpg")]) == 2
    assert ".pdf ou .png" in capsys.readouterr().err


def test_emulator_command_serves_until_interrupted(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pos_client", "--dev-dir", str(tmp_path), "emulator", "--port", "0"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", env=env) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline()
            url = first_line.strip().rsplit(" ", 1)[-1]
            assert url.startswith("http://127.0.0.1:")
            headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
            response = httpx.get(f"{url}{V1}/token/{demo_data.TOKENS['book']}", headers=headers, timeout=10)
            assert response.status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            _, errors = process.communicate(timeout=15)
    assert process.returncode == 0, errors


def test_control_over_http(emulator: RunningEmulator, api: httpx.Client) -> None:
    created = api.post("/_control/bookings", json={
        "venue_id": demo_data.CONCERT_VENUE_ID, "offer_name": "Jazz", "price_cents": 1800,
        "event_starts_at": "2030-05-01T19:00:00+02:00", "price_category": "Fosse",
    })  # fmt: skip
    assert created.status_code == 201
    token = created.json()["token"]
    assert api.get(f"{V1}/token/{token}").status_code == 403  # pending: booked now, event far away
    state = api.get(f"/_control/bookings/{token}").json()
    assert (state["status"], state["eventStartsAt"]) == ("CONFIRMED", "2030-05-01T17:00:00Z")
    assert api.post("/_control/clock", json={"advance_s": 3 * 86400}).status_code == 200
    assert api.get(f"{V1}/token/{token}").status_code == 200
    moved = api.post("/_control/clock", json={"now": "2031-01-01T00:00:00Z"}).json()["now"]
    assert moved.startswith("2031-01-01T00:00:0")
    assert api.post("/_control/faults", json={"kind": "SERVER_ERROR", "status_code": 504}).status_code == 204
    assert api.get(f"{V1}/token/{token}").status_code == 504
    assert api.delete("/_control/faults").status_code == 204
    seen = api.get("/_control/requests").json()
    assert seen[-1] == ["GET", f"{V1}/token/{token}", 504]
    assert all(path.startswith("/public") for _, path, _ in seen)
    assert api.get("/_control/bookings/NOPE22").status_code == 404
    bad = api.post("/_control/bookings", json={"venue_id": 1, "offer_name": "x", "price_cents": 1})
    assert bad.status_code == 400
    assert api.post("/_control/faults", json={"kind": "EXPLODE"}).status_code == 400


def test_state_persists_in_a_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "emulator.sqlite"
    headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
    with RunningEmulator.start(seed="demo", db_path=database) as first:
        response = httpx.patch(f"{first.base_url}{V1}/use/token/{demo_data.TOKENS['book']}", headers=headers)
        assert response.status_code == 204
    with RunningEmulator.start(seed="demo", db_path=database) as second:  # not seeded again
        assert second.control.booking_state(demo_data.TOKENS["book"])["status"] == "USED"


def test_a_reopened_demo_file_keeps_its_relative_dates(tmp_path: Path) -> None:
    """A demo kept in a file and reopened 5 days later reads as it was left: the pending event is
    still pending, the concerts still to come, the books not yet expired; its state is kept."""
    database = tmp_path / "emulator.sqlite"
    clock = EmulatorClock()
    clock.set_now(datetime.now(UTC) - timedelta(days=5))
    store = EmulatorStore(database, clock)
    demo_data.seed(store, "demo")
    store.mark_used(store.find_booking(demo_data.TOKENS["book_2"], None).id)  # type: ignore[union-attr]
    store.close()
    headers = {"Authorization": f"Bearer {demo_data.DEMO_API_KEY}"}
    with RunningEmulator.start(seed="demo", db_path=database) as emulator:
        control = emulator.control
        now = control.now()
        answers = {
            case: httpx.get(
                f"{emulator.base_url}{V1}/token/{demo_data.TOKENS[case]}", headers=headers
            ).status_code
            for case in ("pending_event", "concert_category", "concert_pit", "book", "book_2", "expired")
        }
        assert answers == {
            "pending_event": 403, "concert_category": 200, "concert_pit": 200, "book": 200, "book_2": 410,
            "expired": 410,
        }  # fmt: skip
        pending = control.booking_state(demo_data.TOKENS["pending_event"])
        booked = datetime.fromisoformat(pending["creationDate"].replace("Z", "+00:00"))
        assert now - timedelta(days=1) < booked < now  # "booked an hour ago", not 5 days ago
        starts = datetime.fromisoformat(pending["eventStartsAt"].replace("Z", "+00:00"))
        assert now + timedelta(days=5) < starts < now + timedelta(days=8)
        assert control.booking_state(demo_data.TOKENS["book_2"])["status"] == "USED"
        used_at = control.booking_state(demo_data.TOKENS["book_2"])["dateUsed"]
        assert datetime.fromisoformat(used_at.replace("Z", "+00:00")) > now - timedelta(days=1)


def test_control_refuses_naive_datetimes(emulator: RunningEmulator) -> None:
    with pytest.raises(ValueError, match="aware"):
        emulator.control.set_now(datetime(2030, 1, 1))
    emulator.control.set_now(datetime(2030, 1, 1, tzinfo=UTC))
    assert emulator.control.now().year == 2030


def test_emulator_command_reports_a_busy_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pos_client.emulator.server import listening_socket

    with listening_socket("127.0.0.1", 0) as busy:
        port = busy.getsockname()[1]
        assert main(["--dev-dir", str(tmp_path), "emulator", "--port", str(port)]) == 2
    assert "Impossible d'écouter" in capsys.readouterr().err
