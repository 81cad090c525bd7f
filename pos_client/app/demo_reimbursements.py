"""Realistic pass Culture reimbursement files, in every header version, for tests and the demo.

``write_reimbursement_file`` writes lines the way pass Culture's pro space does (UTF-8 with a BOM,
``;``, every text quoted, decimal comma, the rate and date styles of each version), with invented
names, addresses and IBAN in the columns the till must never copy. ``demo_scenario`` turns a
journal's payment lines (and bookings validated elsewhere, from the emulator's demo data) into the
lines of one transfer with the cases worth showing: full, reduced rate, duo, another price
category, a validation left out (to claim), reverted after reimbursement, validated elsewhere and
a collective booking.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.domain.fortnight import fortnight_of
from pos_client.domain.ledger import Operation
from pos_client.reconcile.formats import HEADERS, SENT_STATUS, HeaderVersion
from pos_client.reconcile.matcher import LedgerLine

__all__ = [
    "INVENTED_PERSONAL_DATA",
    "GeneratedLine",
    "demo_scenario",
    "elsewhere_lines_from_emulator",
    "incident_scenario",
    "reimbursement_file_bytes",
    "write_reimbursement_file",
]

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_PARIS = ZoneInfo("Europe/Paris")
_VENUE = "Librairie Les Mots Passants"
_ADDRESS = "12 rue des Écoles 75005 Paris"
_SIRET = "90123456700017"
_IBAN = "FR7630004000050000123456789"
_USER = ("Dubois", "Léa")
_REDACTOR = ("Khteur", "Reda", "Collège Jean Moulin")
# What the till must never copy (tests look for each of these in what it writes).
INVENTED_PERSONAL_DATA = (_VENUE, _ADDRESS, _SIRET, _IBAN, *_USER, *_REDACTOR)


@dataclass(frozen=True)
class GeneratedLine:
    token: str  # "" for a collective booking in the newer versions
    validated_at: datetime  # aware
    booking_amount_cents: int
    rate_percent: Decimal | None
    reimbursed_cents: int
    offer_name: str
    period: tuple[date, date]
    transfer: str = "VIR12345"
    invoice_ref: str = "F26000123"
    invoice_date: date | None = None  # default: the day after the period
    price_category: str = ""
    collective_ref: str = ""
    collective: bool = False
    incident: bool = False
    status: str = SENT_STATUS


def _french(cents: int, *, short: bool = False) -> str:
    """Python's ``str(Decimal)`` with a comma: ``21,00``; ``short`` as a float prints it: ``12,5``."""
    text = f"{Decimal(cents) / 100:.2f}"
    if short:
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", ",")


def _rate(rate: Decimal | None, version: HeaderVersion) -> str:
    if rate is None:
        return ""
    number = f"{rate.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".").replace(".", ",")
    if version in (HeaderVersion.ANNEE_VIREMENT, HeaderVersion.ANNEE_VIREMENT_TYPE):
        return f"{int(rate)}%"
    space = " " if version is HeaderVersion.POINT_DE_REMBOURSEMENT else "\u00a0"
    return f"{number}{space}%"


def _old_transfer(period: tuple[date, date]) -> tuple[str, str]:
    """(Année, Virement) of the transfer paying ``period`` in the oldest files."""
    if period[0].day == 1:  # 1st-15th: paid by the month's "2nde quinzaine" transfer
        return str(
            period[0].year
        ), f"{_MONTHS[period[0].month - 1].capitalize()} : remboursement 2nde quinzaine"
    following = period[1] + timedelta(days=1)
    return str(following.year), f"{_MONTHS[following.month - 1].capitalize()} : remboursement 1ère quinzaine"


def _validation_text(moment: datetime, version: HeaderVersion) -> str:
    if version is HeaderVersion.STRUCTURE:  # the newest: the venue's local time, with its offset
        return str(moment.astimezone(_PARIS).replace(microsecond=0))
    return str(moment.astimezone(UTC).replace(tzinfo=None, microsecond=0))


def _cells(line: GeneratedLine, version: HeaderVersion) -> dict[str, str | None]:
    first, _ = line.period
    old = version in (HeaderVersion.ANNEE_VIREMENT, HeaderVersion.ANNEE_VIREMENT_TYPE)
    year, transfer_label = _old_transfer(line.period)
    half = "1ère" if first.day == 1 else "2nde"
    kind = "Incident" if line.incident else "Validées et remboursables"
    invoice_day = line.invoice_date or line.period[1] + timedelta(days=1)
    invoice_text = (
        f"{invoice_day.isoformat()} 04:12:31.482113"
        if version is HeaderVersion.POINT_DE_REMBOURSEMENT
        else invoice_day.isoformat()
    )
    collective_person = line.collective and not old
    collective_type = "offre scolaire" if version is HeaderVersion.ANNEE_VIREMENT_TYPE else "offre collective"
    return {
        "Année": year,
        "Virement": transfer_label,
        "Réservations concernées par le remboursement": (
            f"{kind} sur {_MONTHS[first.month - 1]} : {half} quinzaine"
        ),
        "Date du justificatif": invoice_text,
        "N° du justificatif": line.invoice_ref,
        "N° de virement": line.transfer,
        "IBAN": _IBAN,
        "Nom de l'offre": line.offer_name,
        "Nom utilisateur": _REDACTOR[0] if line.collective else _USER[0],
        "Prénom utilisateur": _REDACTOR[1] if line.collective else _USER[1],
        "N° de réservation (offre collective)": line.collective_ref,
        "Nom (offre collective)": _REDACTOR[0] if collective_person else "",
        "Prénom (offre collective)": _REDACTOR[1] if collective_person else "",
        "Nom de l'établissement (offre collective)": _REDACTOR[2] if collective_person else "",
        "Date de l'évènement (offre collective)": (
            line.validated_at.astimezone(_PARIS).strftime("%d/%m/%Y %H:%M") if collective_person else ""
        ),
        # Older files gave school bookings a contremarque too; newer ones leave it empty.
        "Contremarque": None if (line.collective and not old) else (line.token or "SC0L4R"),
        "Date de validation de la réservation": _validation_text(line.validated_at, version),
        "Intitulé du tarif": line.price_category,
        "Montant de la réservation": _french(
            line.booking_amount_cents, short=version is HeaderVersion.ANNEE_VIREMENT
        ),
        "Barème": _rate(line.rate_percent, version),
        "Montant remboursé": _french(line.reimbursed_cents, short=version is HeaderVersion.ANNEE_VIREMENT),
        "Statut du remboursement": line.status,
        "Type d'offre": collective_type if line.collective else "offre grand public",
    }


def _invented(column: str) -> str:
    return _ADDRESS if "Adresse" in column else _SIRET if "SIRET" in column else _VENUE


def reimbursement_file_bytes(
    lines: Iterable[GeneratedLine], version: HeaderVersion, *, bom: bool = True
) -> bytes:
    header = HEADERS[version]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect=csv.excel, delimiter=";", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    for line in lines:
        cells = _cells(line, version)
        # Venue, bank and address columns, whatever their name this version: invented values.
        writer.writerow([cells.get(name, _invented(name)) for name in header])
    text = buffer.getvalue()
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


def write_reimbursement_file(
    path: Path, lines: Iterable[GeneratedLine], version: HeaderVersion, *, bom: bool = True
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reimbursement_file_bytes(lines, version, bom=bom))


def _line(source: LedgerLine, **changes: object) -> GeneratedLine:
    amount = source.unit_price_cents * source.quantity
    base = GeneratedLine(
        token=source.token,
        validated_at=source.validated_at,
        booking_amount_cents=amount,
        rate_percent=Decimal(100),
        reimbursed_cents=amount,
        offer_name=source.offer_name,
        period=fortnight_of(source.day),
        price_category=source.price_category or "",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def demo_scenario(
    ledger: Sequence[LedgerLine], elsewhere: Sequence[LedgerLine] = (), *, transfer: str = "VIR12345"
) -> list[GeneratedLine]:
    """The lines of one transfer for these validations, with one of each notable case (as far as the
    validations allow): reduced rate, duo counted as one place, another price category, reverted after
    reimbursement, one validation left out (to claim), validated elsewhere, a collective booking."""
    by_token: dict[str, list[LedgerLine]] = defaultdict(list)
    for entry in sorted(ledger, key=lambda entry: entry.validated_at):
        by_token[entry.token].append(entry)
    kept: list[LedgerLine] = []
    out: list[GeneratedLine] = []
    for entries in by_token.values():
        uses = [entry for entry in entries if entry.operation is Operation.USE]
        if not uses:
            continue
        if sum(entry.amount_cents for entry in entries) <= 0:
            out.append(_line(uses[-1]))  # reimbursed, then reverted here: an overpayment
        else:
            kept.append(uses[-1])
    if len(kept) >= 2:
        kept = kept[:-1]  # the last validation is missing from the file: to claim
    cases = {"reduced": False, "duo": False, "category": False}
    for entry in kept:
        if entry.quantity >= 2 and not cases["duo"]:
            cases["duo"] = True
            out.append(_line(entry, booking_amount_cents=entry.unit_price_cents,
                             reimbursed_cents=entry.unit_price_cents))  # fmt: skip
        elif entry.price_category and not cases["category"]:
            cases["category"] = True
            cheaper = entry.amount_cents * 6 // 10
            out.append(
                _line(
                    entry,
                    booking_amount_cents=cheaper,
                    reimbursed_cents=cheaper,
                    price_category="Tarif réduit",
                )
            )
        elif entry.quantity == 1 and not entry.price_category and not cases["reduced"]:
            cases["reduced"] = True
            out.append(
                _line(entry, rate_percent=Decimal(95), reimbursed_cents=entry.amount_cents * 95 // 100)
            )
        else:
            out.append(_line(entry))
    out.extend(_line(entry) for entry in elsewhere)
    anchor = out[0] if out else None
    if anchor is not None:
        out.append(
            replace(
                anchor,
                token="",
                collective=True,
                collective_ref="104729",
                offer_name="Atelier scolaire",
                booking_amount_cents=30000,
                reimbursed_cents=30000,
                rate_percent=Decimal(100),
                price_category="",
            )
        )
    return [replace(line, transfer=transfer) for line in out]


def incident_scenario(ledger: Sequence[LedgerLine], *, transfer: str = "VIR12346") -> list[GeneratedLine]:
    """The next transfer's « Incident » lines: pass Culture taking back what it reimbursed for the
    validations reverted here (the overpayments of ``demo_scenario``)."""
    by_token: dict[str, list[LedgerLine]] = defaultdict(list)
    for entry in sorted(ledger, key=lambda entry: entry.validated_at):
        by_token[entry.token].append(entry)
    out: list[GeneratedLine] = []
    for entries in by_token.values():
        uses = [entry for entry in entries if entry.operation is Operation.USE]
        if uses and sum(entry.amount_cents for entry in entries) <= 0:
            reverted = entries[-1]
            next_period = fortnight_of(fortnight_of(reverted.day)[1] + timedelta(days=1))
            base = _line(uses[-1])
            out.append(
                replace(
                    base,
                    incident=True,
                    reimbursed_cents=-base.reimbursed_cents,
                    period=next_period,
                    transfer=transfer,
                    invoice_ref="F26000124",
                )
            )
    return out


def elsewhere_lines_from_emulator(
    *, on: datetime | None = None, till: str = "guichet web"
) -> list[LedgerLine]:
    """The emulator's demo bookings already used when the demo starts (validated elsewhere): the
    reimbursement file lists them, the demo journal does not have them. ``on``: their validation
    time (default: the demo data's, relative to now)."""
    from pos_client.emulator import demo_data
    from pos_client.emulator.store import EmulatorClock, EmulatorStore

    store = EmulatorStore(None, EmulatorClock())
    try:
        demo_data.seed(store, "demo")
        lines: list[LedgerLine] = []
        for case in ("used", "activation_code"):
            booking = store.find_booking(demo_data.TOKENS[case], None)
            if booking is None:
                continue
            used = on or booking.date_used or booking.date_created
            lines.append(
                LedgerLine(
                    till=till,
                    token=booking.token,
                    operation=Operation.USE,
                    amount_cents=booking.amount_cents * booking.quantity,
                    unit_price_cents=booking.amount_cents,
                    quantity=booking.quantity,
                    validated_at=used,
                    day=used.astimezone(_PARIS).date(),
                    offer_name=booking.offer_name,
                    price_category=booking.price_category_label,
                )
            )
        return lines
    finally:
        store.close()
