"""Exports of the payment records: CSV for a French spreadsheet, JSON lines for programs.

CSV: UTF-8 with a BOM (so Excel detects the encoding), ``;`` as separator, a decimal comma and CRLF,
as French spreadsheets expect. Every text cell goes through ``safe_cell``: an offer name starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula a spreadsheet would run (OWASP
"CSV injection"), so it gets a leading apostrophe. The EAN stays plain digits (no ``="…"``
text-forcing trick: see docs/journal.md). Both formats are produced as bytes
(``export_to_binary``), so a file and the standard output get exactly the same ones whatever the
console's encoding or text mode; a file is written to a temporary name, flushed to disk and renamed,
so a reader never sees half an export.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from datetime import date, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from pos_client.domain.formats import euros_with_comma
from pos_client.domain.ledger import Operation
from pos_client.domain.payment_document import payment_document
from pos_client.domain.scan import Transport
from pos_client.durable import durable_replace
from pos_client.journal.store import PaymentRow
from pos_client.safety.csv_cells import safe_cell
from pos_client.safety.private_files import temporary_beside

__all__ = [
    "CSV_COLUMNS",
    "ExportFormat",
    "durable_replace",
    "euros_with_comma",
    "export_payments",
    "export_text",
    "export_to_binary",
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
# How the code was read, in the spreadsheet's words (JSON lines keep the machine values).
READ_LABELS = {
    Transport.KEYBOARD: "douchette (clavier)",
    Transport.EVDEV: "douchette (clavier)",
    Transport.SERIAL: "douchette (série)",
    Transport.HID_POS: "douchette (HID)",
    Transport.WEBCAM: "caméra",
    Transport.TYPED: "saisie",
    Transport.COMMAND_LINE: "ligne de commande",
}


class PaymentSource(Protocol):
    """Where the payment lines come from: this till's journal (``SqliteJournal``) or, with
    ``--ledger``, the shared ledger's lines of every till (``app.ledger_payments``)."""

    @property
    def local_zone(self) -> tzinfo | None: ...

    def payments_between(self, first_day: date, last_day: date) -> list[PaymentRow]: ...


def export_payments(
    journal: PaymentSource, first_day: date, last_day: date, fmt: ExportFormat, out: TextIO
) -> int:
    """Write the payment records of ``[first_day, last_day]`` to ``out``; returns how many. ``out``
    must not translate newlines (``newline=""``): the CSV's lines end in CRLF, JSON lines in LF."""
    rows = journal.payments_between(first_day, last_day)
    if fmt is ExportFormat.CSV:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            record = row.record
            local = record.recorded_at.astimezone(journal.local_zone)  # the validation's time
            writer.writerow(
                safe_cell(cell)
                for cell in (
                    row.local_day.isoformat(),
                    local.strftime("%H:%M:%S"),
                    record.till,
                    row.payment_mode,
                    _OPERATION_LABELS[row.operation],
                    record.token,
                    record.booking_id,
                    record.offer_name,
                    record.ean or "",  # plain digits, see docs/journal.md
                    euros_with_comma(record.unit_price_cents),
                    record.quantity,
                    euros_with_comma(record.amount_cents),
                    READ_LABELS.get(record.transport, record.transport.value),
                    record.uid,
                )
            )
    else:
        for row in rows:
            out.write(json.dumps(payment_document(row), ensure_ascii=False) + "\n")
    return len(rows)


def export_to_binary(
    journal: PaymentSource, first_day: date, last_day: date, fmt: ExportFormat, out: BinaryIO
) -> int:
    """Write the export's bytes to ``out``: UTF-8, with a BOM for CSV; lines end as the format says
    (CRLF for CSV, LF for JSON lines) on every platform. Returns how many records."""
    if fmt is ExportFormat.CSV:
        out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        count = export_payments(journal, first_day, last_day, fmt, text)
        text.flush()
    finally:
        text.detach()  # leaves ``out`` open: it is the caller's
    return count


def write_export(
    journal: PaymentSource, first_day: date, last_day: date, fmt: ExportFormat, path: Path
) -> int:
    """Export to ``path`` atomically (temporary file flushed to disk, renamed, folder flushed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file noted in the till's registry: one left by a killed export is deleted at the
    # next start (pos_client.safety.private_files).
    with temporary_beside(path) as (handle, temporary):
        with os.fdopen(handle, "wb") as out:
            count = export_to_binary(journal, first_day, last_day, fmt, out)
            out.flush()
            os.fsync(out.fileno())
        durable_replace(temporary, path)
    return count


def export_text(journal: PaymentSource, first_day: date, last_day: date, fmt: ExportFormat) -> str:
    buffer = io.StringIO()
    export_payments(journal, first_day, last_day, fmt, buffer)
    return buffer.getvalue()
