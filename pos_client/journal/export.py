"""Exports of the payment records: CSV for a French spreadsheet, JSON lines for programs.

CSV: UTF-8 with a BOM (so Excel detects the encoding), ``;`` as separator and a decimal comma, as
French spreadsheets expect. Both are written to a temporary file and renamed, so a reader never sees
half an export.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from pos_client.journal.store import PaymentRow, SqliteJournal
from pos_client.ports import Operation

__all__ = [
    "CSV_COLUMNS",
    "ExportFormat",
    "euros_with_comma",
    "export_payments",
    "export_text",
    "payment_document",
    "write_export",
]


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


CSV_COLUMNS = (
    "date",
    "heure",
    "caisse",
    "mode de paiement",
    "opération",
    "contremarque",
    "réservation",
    "offre",
    "EAN",
    "prix unitaire",
    "quantité",
    "montant",
    "lecture",
    "identifiant",
)
_OPERATION_LABELS = {Operation.USE: "validation", Operation.KEEP: "annulation de validation"}


def euros_with_comma(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def export_payments(
    journal: SqliteJournal, first_day: date, last_day: date, fmt: ExportFormat, out: TextIO
) -> int:
    """Write the payment records of ``[first_day, last_day]`` to ``out``; returns how many."""
    rows = journal.payments_between(first_day, last_day)
    if fmt is ExportFormat.CSV:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            record = row.record
            local = record.recorded_at.astimezone()
            writer.writerow(
                (
                    row.local_day.isoformat(),
                    local.strftime("%H:%M:%S"),
                    record.till,
                    row.payment_mode,
                    _OPERATION_LABELS[row.operation],
                    record.token,
                    record.booking_id,
                    record.offer_name,
                    record.ean or "",
                    euros_with_comma(record.unit_price_cents),
                    record.quantity,
                    euros_with_comma(record.amount_cents),
                    record.transport.value,
                    record.uid,
                )
            )
    else:
        for row in rows:
            out.write(json.dumps(payment_document(row), ensure_ascii=False) + "\n")
    return len(rows)


def payment_document(row: PaymentRow) -> dict[str, object]:
    """One payment record as JSON (the JSONL export and the hand-off to the cash register)."""
    record = row.record
    return {
        "id": record.uid,
        "day": row.local_day.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "till": record.till,
        "payment_mode": row.payment_mode,
        "operation": row.operation.value,
        "token": record.token,
        "booking_id": record.booking_id,
        "offer_name": record.offer_name,
        "ean": record.ean,
        "unit_price_cents": record.unit_price_cents,
        "quantity": record.quantity,
        "amount_cents": record.amount_cents,
        "transport": record.transport.value,
    }


def write_export(
    journal: SqliteJournal, first_day: date, last_day: date, fmt: ExportFormat, path: Path
) -> int:
    """Export to ``path`` atomically (temporary file + rename)."""
    encoding = "utf-8-sig" if fmt is ExportFormat.CSV else "utf-8"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            count = export_payments(journal, first_day, last_day, fmt, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def export_text(journal: SqliteJournal, first_day: date, last_day: date, fmt: ExportFormat) -> str:
    buffer = io.StringIO()
    export_payments(journal, first_day, last_day, fmt, buffer)
    return buffer.getvalue()
