"""Read pass Culture's reimbursement details CSV into rows without any personal data.

Every known header version is accepted (columns are found by name, see ``formats``), with or without
the UTF-8 BOM, French decimals (``12,5``, ``12,50``). Only the contremarque, amounts, rate, dates,
transfer and invoice references, the tariff's label and the offer type are kept: names, addresses,
SIRETs and IBANs are read past and dropped at once. A file that cannot be read whole is refused with
a French message naming the file, the line and the column; nothing of it is kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pos_client.domain.fortnight import fortnight_of
from pos_client.reconcile.formats import (
    OFFER_TYPE_COLLECTIVE,
    REQUIRED,
    SENT_STATUS,
    Column,
    HeaderVersion,
    column_aliases,
    column_title,
    detect_version,
    normalise_name,
)

__all__ = [
    "ReimbursementFile",
    "ReimbursementFileError",
    "ReimbursementRow",
    "parse_amount_cents",
    "parse_rate",
    "read_reimbursement_bytes",
    "read_reimbursement_file",
]

_NOTHING_KEPT = " Rien n'a été importé."
_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_PERIOD = re.compile(r"^(validees et remboursables|incident) sur ([a-z]+) : (1ere|2nde) quinzaine$")
_OLD_TRANSFER = re.compile(r"^([a-z]+) : remboursement (1ere|2nde) quinzaine$")
_AMOUNT = re.compile(r"^[+-]?\d+(\.\d{1,2})?$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class ReimbursementFileError(ValueError):
    """A file that cannot be imported, with a French message naming the file, line and column."""

    def __init__(self, file_name: str, problem: str, *, line: int | None = None, column: str | None = None):
        where = f"Fichier « {file_name} »"
        if line is not None:
            where += f", ligne {line}"
        if column is not None:
            where += f", colonne « {column} »"
        super().__init__(f"{where} : {problem}{_NOTHING_KEPT}")
        self.file_name = file_name
        self.line = line
        self.column = column


@dataclass(frozen=True)
class ReimbursementRow:
    """One line of the file, reduced to what reconciliation needs (no personal data)."""

    source: str  # the file's name (no folder: it may hold a person's name)
    line: int
    token: str  # upper case; "" for a collective booking
    collective_ref: str  # "N° de réservation (offre collective)", "" when absent
    collective: bool
    offer_type: str
    validated_at: datetime | None  # as written: naive (UTC in older files) or with its offset
    booking_amount_cents: int
    rate_text: str  # "95 %", "100%", "" (a rule by amount)
    rate_percent: Decimal | None
    reimbursed_cents: int  # negative for an incident's reversal
    period_label: str
    period: tuple[date, date] | None  # the fortnight of validations this line pays
    incident: bool
    transfer: str  # "N° de virement", or the oldest files' "Virement" label with the year
    invoice_ref: str
    invoice_date: date | None
    status: str  # oldest files' "Statut du remboursement", else ""
    price_category: str

    @property
    def sent(self) -> bool:
        """The money left pass Culture (only the oldest files tell otherwise)."""
        return not self.status or self.status.startswith(SENT_STATUS)

    @property
    def validation_day(self) -> date | None:
        return None if self.validated_at is None else self.validated_at.date()


@dataclass(frozen=True)
class ReimbursementFile:
    name: str
    sha256: str
    version: HeaderVersion
    rows: tuple[ReimbursementRow, ...]


def read_reimbursement_file(path: Path) -> ReimbursementFile:
    """Read and check the whole file; raises ``ReimbursementFileError`` (French) on any problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReimbursementFileError(path.name, f"illisible ({exc.strerror or exc}).") from exc
    return read_reimbursement_bytes(data, path.name)


def read_reimbursement_bytes(data: bytes, name: str) -> ReimbursementFile:
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=";")
    try:
        header = tuple(next(reader))
    except StopIteration:
        raise ReimbursementFileError(name, "le fichier est vide.") from None
    except csv.Error as exc:
        raise ReimbursementFileError(name, f"ligne d'en-tête illisible ({exc}).", line=1) from exc
    columns = _locate_columns(header, name)
    rows: list[ReimbursementRow] = []
    last_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ReimbursementFileError(name, f"ligne CSV mal formée ({exc}).", line=last_line + 1) from exc
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (the file ends with one)
        if len(cells) != len(header):
            raise ReimbursementFileError(
                name, f"{len(cells)} cellules au lieu de {len(header)} (fichier tronqué ?).", line=line
            )
        rows.append(_row(cells, columns, name, line))
    return ReimbursementFile(name, hashlib.sha256(data).hexdigest(), detect_version(header), tuple(rows))


def _decode(data: bytes, name: str) -> str:
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ReimbursementFileError(name, "le fichier est vide.")
    if data.startswith(b"PK\x03\x04"):
        raise ReimbursementFileError(
            name,
            "c'est un classeur Excel (.xlsx), pas le fichier CSV téléchargé depuis l'espace partenaire "
            "pass Culture. Téléchargez le CSV de nouveau, ou enregistrez le classeur en « CSV UTF-8 ».",
        )
    if data.startswith(b"%PDF"):
        raise ReimbursementFileError(
            name, "c'est un PDF (un justificatif ?), pas le fichier CSV du détail des remboursements."
        )
    if b"\x00" in data:
        raise ReimbursementFileError(name, "ce n'est pas un fichier texte (CSV).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReimbursementFileError(
            name,
            "le texte n'est pas en UTF-8 (un fichier réenregistré en « CSV (séparateur : point-virgule) » "
            "par Excel est en Windows-1252). Téléchargez-le de nouveau depuis l'espace partenaire, ou "
            "enregistrez-le en « CSV UTF-8 ».",
            line=line,
        ) from exc


def _locate_columns(header: tuple[str, ...], name: str) -> Mapping[Column, int]:
    aliases = column_aliases()
    found: dict[Column, int] = {}
    for index, title in enumerate(header):
        column = aliases.get(normalise_name(title))
        if column is not None and column not in found:
            found[column] = index
    if not found:
        if len(header) == 1 and any(normalise_name(part) in aliases for part in header[0].split(",")):
            raise ReimbursementFileError(
                name,
                "les colonnes sont séparées par des virgules et non des points-virgules : le fichier a été "
                "réenregistré. Téléchargez-le de nouveau depuis l'espace partenaire pass Culture.",
                line=1,
            )
        raise ReimbursementFileError(
            name,
            "ce n'est pas un détail des remboursements pass Culture (aucune des colonnes attendues, "
            "« Contremarque », « Montant remboursé »…, dans la ligne d'en-tête).",
            line=1,
        )
    for column in REQUIRED:
        if column not in found:
            raise ReimbursementFileError(
                name, "colonne absente de l'en-tête.", line=1, column=column_title(column)
            )
    if Column.PERIOD not in found and not (Column.YEAR in found and Column.TRANSFER_LABEL in found):
        raise ReimbursementFileError(
            name, "colonne absente de l'en-tête.", line=1, column=column_title(Column.PERIOD)
        )
    return found


def _row(cells: list[str], columns: Mapping[Column, int], name: str, line: int) -> ReimbursementRow:
    def cell(column: Column) -> str:
        index = columns.get(column)
        return "" if index is None else cells[index].strip()

    def fail(column: Column, problem: str) -> ReimbursementFileError:
        return ReimbursementFileError(name, problem, line=line, column=column_title(column))

    offer_type = cell(Column.OFFER_TYPE)
    collective_ref = cell(Column.COLLECTIVE_REF)
    collective = bool(collective_ref) or offer_type.casefold() in OFFER_TYPE_COLLECTIVE
    token = cell(Column.TOKEN).upper()
    if not token and not collective:
        raise fail(Column.TOKEN, "contremarque vide pour une offre grand public.")
    amounts: dict[Column, int] = {}
    for column in (Column.BOOKING_AMOUNT, Column.REIMBURSED):
        value = parse_amount_cents(cell(column))
        if value is None:
            raise fail(column, f"montant illisible « {cell(column)} » (attendu par exemple 12,50).")
        amounts[column] = value
    try:
        rate = parse_rate(cell(Column.RATE))
    except ValueError:
        raise fail(
            Column.RATE, f"barème illisible « {cell(Column.RATE)} » (attendu par exemple 95 %)."
        ) from None
    validated_at = _parse_moment(cell(Column.VALIDATED_AT))
    if validated_at is None and cell(Column.VALIDATED_AT):
        raise fail(Column.VALIDATED_AT, f"date illisible « {cell(Column.VALIDATED_AT)} ».")
    invoice_date = _parse_moment(cell(Column.INVOICE_DATE))
    if invoice_date is None and cell(Column.INVOICE_DATE):
        raise fail(Column.INVOICE_DATE, f"date illisible « {cell(Column.INVOICE_DATE)} ».")
    invoice_day = None if invoice_date is None else invoice_date.date()
    validation_day = None if validated_at is None else validated_at.date()
    if Column.PERIOD in columns:
        period_label = cell(Column.PERIOD)
        period, incident = _new_period(period_label, invoice_day, validation_day)
        transfer = cell(Column.TRANSFER)
    else:
        period_label = f"{cell(Column.TRANSFER_LABEL)} {cell(Column.YEAR)}".strip()
        period, incident = _old_period(cell(Column.TRANSFER_LABEL), cell(Column.YEAR)), False
        transfer = period_label
    return ReimbursementRow(
        source=name,
        line=line,
        token=token,
        collective_ref=collective_ref,
        collective=collective,
        offer_type=offer_type,
        validated_at=validated_at,
        booking_amount_cents=amounts[Column.BOOKING_AMOUNT],
        rate_text=" ".join(cell(Column.RATE).replace("\u00a0", " ").split()),
        rate_percent=rate,
        reimbursed_cents=amounts[Column.REIMBURSED],
        period_label=period_label,
        period=period,
        incident=incident,
        transfer=transfer,
        invoice_ref=cell(Column.INVOICE_REF),
        invoice_date=invoice_day,
        status=cell(Column.STATUS),
        price_category=cell(Column.PRICE_CATEGORY),
    )


def parse_amount_cents(text: str) -> int | None:
    """``"12,5"`` -> 1250, ``"-3,00"`` -> -300, ``"1 234,50"`` -> 123450; None when unreadable."""
    cleaned = "".join(text.replace("€", "").split()).replace("\u202f", "").replace(",", ".")
    if not _AMOUNT.match(cleaned):
        return None
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        return None


def parse_rate(text: str) -> Decimal | None:
    """``"95 %"``, ``"100%"``, ``"12,34\u00a0%"`` -> the percentage; ``""`` -> None (a rule by amount)."""
    cleaned = "".join(text.replace("%", "").split()).replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError(text)
    return value


def _parse_moment(text: str) -> datetime | None:
    """ISO dates as pass Culture writes them (``2022-01-18 12:00:00``, with microseconds or an offset,
    or a bare date), or French ones (``18/01/2022 12:00``) from a file saved again by a spreadsheet."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _FRENCH_DATE.match(text)
    if match is None:
        return None
    day, month, year, hour, minute, second = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None


def _fortnight(year: int, month: int, first_half: bool) -> tuple[date, date]:
    return fortnight_of(date(year, month, 1 if first_half else 16))


def _new_period(
    label: str, invoice_day: date | None, validation_day: date | None
) -> tuple[tuple[date, date] | None, bool]:
    """ "Validées et remboursables sur juin : 2nde quinzaine" or "Incident sur …": the label has no year;
    it is the invoice's (the invoice follows the period), else the validation's."""
    match = _PERIOD.match(normalise_name(label))
    if match is None:
        return None, normalise_name(label).startswith("incident")
    kind, month_name, half = match.groups()
    month = _MONTHS.get(month_name)
    if month is None:
        return None, kind == "incident"
    if invoice_day is not None:
        year = invoice_day.year - (1 if month > invoice_day.month else 0)
    elif validation_day is not None:
        year = validation_day.year + (1 if month < validation_day.month else 0)
    else:
        return None, kind == "incident"
    return _fortnight(year, month, half == "1ere"), kind == "incident"


def _old_period(transfer_label: str, year_text: str) -> tuple[date, date] | None:
    """ "Juillet : remboursement 1ère quinzaine" of 2019 is the transfer of early July, which paid the
    validations of 16-30 June; "2nde quinzaine" of July paid those of 1-15 July."""
    match = _OLD_TRANSFER.match(normalise_name(transfer_label))
    if match is None or not year_text.isdigit():
        return None
    month = _MONTHS.get(match.group(1))
    if month is None:
        return None
    year = int(year_text)
    if match.group(2) == "2nde":
        return _fortnight(year, month, True)
    previous = date(year, month, 1) - timedelta(days=1)
    return _fortnight(previous.year, previous.month, False)
