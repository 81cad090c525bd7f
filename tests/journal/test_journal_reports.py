"""Day and fortnight summaries, CSV/JSONL exports read back, and the export/journal commands."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from journal_fixtures import PARIS, FakeClock, booking

from pos_client.cli.journal import export_to_stdout
from pos_client.domain.fortnight import fortnight_of, previous_fortnight
from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.journal import SqliteJournal, open_journal
from pos_client.journal.export import CSV_COLUMNS, ExportFormat, euros_with_comma, export_text, write_export
from pos_client.journal.summaries import day_summary, fortnight_summary


def _sell(
    journal: SqliteJournal,
    token: str,
    cents: int,
    operation: Operation = Operation.USE,
    quantity: int = 1,
    ean: str | None = None,
    offer: str = "Concert « Les Étoiles » ; catégorie 1",
) -> None:
    intent = journal.begin(
        operation,
        booking(token, price_cents=cents, quantity=quantity, ean=ean, offer=offer),
        transport=Transport.WEBCAM,
        source_id="webcam:0",
        id_checked_at=None,
    )
    journal.resolve_done(intent)


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 15)),
        (date(2026, 11, 15), date(2026, 11, 1), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 30)),
        (date(2026, 12, 31), date(2026, 12, 16), date(2026, 12, 31)),
        (date(2028, 2, 29), date(2028, 2, 16), date(2028, 2, 29)),
        (date(2027, 2, 20), date(2027, 2, 16), date(2027, 2, 28)),
    ],
)
def test_fortnight_boundaries(day: date, first: date, last: date) -> None:
    assert fortnight_of(day) == (first, last)


def test_previous_fortnight_crosses_months_and_years() -> None:
    assert previous_fortnight(date(2027, 1, 3)) == (date(2026, 12, 16), date(2026, 12, 31))
    assert previous_fortnight(date(2026, 11, 20)) == (date(2026, 11, 1), date(2026, 11, 15))


def test_day_and_fortnight_summaries(journal: SqliteJournal, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 15, 18, 0, tzinfo=PARIS)
    _sell(journal, "AAAAAA", 1000)
    clock.now = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
    _sell(journal, "BBBBBB", 2000, quantity=2)
    _sell(journal, "CCCCCC", 500)
    _sell(journal, "CCCCCC", 500, Operation.KEEP)
    day = day_summary(journal, date(2026, 11, 16))
    assert (day.sales, day.sales_cents, day.reverts, day.reverts_cents, day.total_cents) == (
        2,
        4500,
        1,
        -500,
        4000,
    )
    second = fortnight_summary(journal, date(2026, 11, 30))
    assert (second.first_day, second.last_day, second.total_cents) == (
        date(2026, 11, 16),
        date(2026, 11, 30),
        4000,
    )
    first = fortnight_summary(journal, date(2026, 11, 2))
    assert (first.sales, first.total_cents) == (1, 1000)


def test_euros_with_a_decimal_comma() -> None:
    assert [euros_with_comma(c) for c in (0, 5, 1250, -1250, 100000)] == [
        "0,00",
        "0,05",
        "12,50",
        "-12,50",
        "1000,00",
    ]


def test_csv_export_opens_in_a_french_spreadsheet(journal: SqliteJournal, tmp_path: Path) -> None:
    _sell(journal, "AAAAAA", 1250, quantity=2, ean="9782070612758")
    _sell(journal, "AAAAAA", 1250, Operation.KEEP, quantity=2, ean="9782070612758")
    out = tmp_path / "exports" / "novembre.csv"
    assert write_export(journal, date(2026, 11, 1), date(2026, 11, 30), ExportFormat.CSV, out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    sale = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert sale["mode de paiement"] == "pass Culture"
    assert (sale["prix unitaire"], sale["quantité"], sale["montant"]) == ("12,50", "2", "25,00")
    assert sale["offre"] == "Concert « Les Étoiles » ; catégorie 1"  # the ';' inside is quoted
    assert (sale["EAN"], sale["date"], sale["opération"]) == ("9782070612758", "2026-11-23", "validation")
    revert = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert (revert["montant"], revert["opération"]) == ("-25,00", "annulation de validation")
    assert not list(tmp_path.joinpath("exports").glob(".*"))  # no temporary file left


def test_csv_ean_stays_plain_digits(journal: SqliteJournal, tmp_path: Path) -> None:
    """The EAN is written as the digits themselves, leading zero included (a record label's EAN),
    never as a ``="…"`` formula nor with any prefix: programs reading the CSV get the EAN as is, and
    LibreOffice, which does not evaluate formulas when it opens a CSV, would show ``="…"`` literally.
    docs/journal.md says how to open the column as text in Excel and LibreOffice."""
    _sell(journal, "AAAAAA", 1250, ean="9782070612758")
    _sell(journal, "BBBBBB", 2199, ean="0602547123456")
    _sell(journal, "CCCCCC", 800, ean=None)
    out = tmp_path / "ean.csv"
    write_export(journal, date(2026, 11, 23), date(2026, 11, 23), ExportFormat.CSV, out)
    raw = out.read_bytes()
    assert b";9782070612758;" in raw and b";0602547123456;" in raw
    assert b"=" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row["EAN"] for row in rows] == ["9782070612758", "0602547123456", ""]


def test_jsonl_export_round_trips(journal: SqliteJournal) -> None:
    _sell(journal, "AAAAAA", 1250, quantity=2)
    _sell(journal, "BBBBBB", 800)
    lines = export_text(journal, date(2026, 11, 23), date(2026, 11, 23), ExportFormat.JSONL).splitlines()
    documents = [json.loads(line) for line in lines]
    assert [(d["token"], d["amount_cents"], d["payment_mode"]) for d in documents] == [
        ("AAAAAA", 2500, "pass Culture"),
        ("BBBBBB", 800, "pass Culture"),
    ]
    assert len({d["id"] for d in documents}) == 2
    assert export_text(journal, date(2026, 11, 24), date(2026, 11, 30), ExportFormat.JSONL) == ""


def _pos_client(dev_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(dev_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _pos_client_bytes(dev_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pos_client", "--dev-dir", str(dev_dir), *args],
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )


# Not in cp1252 (a Windows console or redirected output): "Ł", "→", "🎫"; the BOM is not either.
_FAR_OFFER = "Concert « Łódź » → catégorie 1 ; 🎫"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_to_stdout_gives_the_same_bytes_as_a_file_on_a_cp1252_console(
    fmt: str, tmp_path: Path
) -> None:
    dev = tmp_path / "dev"
    assert _pos_client(dev, "settings").returncode == 0  # creates the dev folders
    with open_journal(dev / "data" / "journal.sqlite3", till="caisse-1") as journal:
        _sell(journal, "AAAAAA", 1250, ean="9782070612758", offer=_FAR_OFFER)
        _sell(journal, "AAAAAA", 1250, Operation.KEEP, ean="9782070612758", offer=_FAR_OFFER)
    today = date.today()
    first, last = today - timedelta(days=1), today + timedelta(days=1)
    days = ["--from", first.isoformat(), "--to", last.isoformat()]
    out = tmp_path / f"export.{fmt}"
    to_file = _pos_client_bytes(dev, "export", *days, "--format", fmt, "--out", str(out))
    assert to_file.returncode == 0, to_file.stderr
    printed = _pos_client_bytes(dev, "export", *days, "--format", fmt, PYTHONIOENCODING="cp1252")
    assert printed.returncode == 0, printed.stderr.decode("utf-8", "replace")
    assert printed.stdout == out.read_bytes()
    assert _FAR_OFFER.encode("utf-8") in printed.stdout
    if fmt == "csv":
        assert printed.stdout.startswith(b"\xef\xbb\xbf") and printed.stdout.count(b"\xef\xbb\xbf") == 1
        assert printed.stdout.count(b"\r\n") == 3 and b"\r\r" not in printed.stdout
    else:
        assert b"\r" not in printed.stdout and printed.stdout.count(b"\n") == 2


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_to_stdout_is_not_changed_by_windows_text_mode(
    fmt: ExportFormat, journal: SqliteJournal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' text-mode standard output writes every "\\n" as "\\r\\n" (and cp1252 by default):
    reproduced here with the same TextIOWrapper settings, the export's bytes are still the file's."""
    _sell(journal, "AAAAAA", 1250, ean="9782070612758", offer=_FAR_OFFER)
    _sell(journal, "BBBBBB", 800)
    console = io.TextIOWrapper(io.BytesIO(), encoding="cp1252", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", console)
    print("avant", end="")  # anything printed before still comes first
    day = date(2026, 11, 23)
    assert export_to_stdout(journal, day, day, fmt) == 2
    out = tmp_path / "export"
    write_export(journal, day, day, fmt, out)
    written = console.buffer.getvalue()  # type: ignore[attr-defined]
    assert written == b"avant" + out.read_bytes()
    assert b"\r\r\n" not in written


def test_export_and_journal_commands(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    result = _pos_client(dev, "settings")  # creates the dev folders
    today = date.today()
    with open_journal(dev / "data" / "journal.sqlite3", till="caisse-1") as journal:
        _sell(journal, "AAAAAA", 1250)
    out = tmp_path / "export.csv"
    result = _pos_client(
        dev, "export", "--from", today.isoformat(), "--to", today.isoformat(), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "1 paiement(s) exporté(s)" in result.stderr
    assert "12,50" in out.read_text(encoding="utf-8-sig")
    result = _pos_client(
        dev, "export", "--from", today.isoformat(), "--to", today.isoformat(), "--format", "jsonl"
    )
    assert json.loads(result.stdout)["amount_cents"] == 1250
    result = _pos_client(dev, "journal")
    assert result.returncode == 0, result.stderr
    assert "1 vente(s) 12,50\u00a0€" in result.stdout
    bad = _pos_client(dev, "export", "--from", "2026-13-01", "--to", "2026-12-01")
    assert bad.returncode == 2 and "date invalide" in bad.stderr
    backwards = _pos_client(dev, "export", "--from", "2026-12-02", "--to", "2026-12-01")
    assert backwards.returncode == 2 and "avant la date de début" in backwards.stderr


def test_the_journal_command_writes_reverts_as_negative_euros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One formatter (pos_client.domain.formats) for every face: a revert of 12,50 € is "-12,50 €"
    # (the self-test's own copy once printed "-13,50 €" by flooring the division).
    from pos_client.cli import main

    assert main(["--dev-dir", str(tmp_path), "settings"]) == 0
    capsys.readouterr()
    with open_journal(tmp_path / "data" / "journal.sqlite3", till="caisse-1") as journal:
        _sell(journal, "AAAAAA", 1250)
        _sell(journal, "AAAAAA", 1250, Operation.KEEP)
        _sell(journal, "BBBBBB", 5)
    assert main(["--dev-dir", str(tmp_path), "journal"]) == 0
    day_line = capsys.readouterr().out.splitlines()[0]
    assert day_line.endswith(
        ": 2 vente(s) 12,55\u00a0€, 1 annulation(s) -12,50\u00a0€, total 0,05\u00a0€"
    ), day_line
