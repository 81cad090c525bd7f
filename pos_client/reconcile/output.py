"""The reconciliation report as text (the terminal), CSV (the accountant) and JSON (programs).

CSV follows the project's French spreadsheet conventions (UTF-8 with a BOM, ``;``, decimal comma,
CRLF) and is formula-safe (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading ``'`` so no spreadsheet runs it. Amount cells are
written by this module itself (``-7,90``) and stay numbers. Nothing personal is in any output: the
pass Culture file's names and bank details were never read into the report.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date, datetime
from enum import StrEnum

from pos_client.domain.formats import euros_with_comma, format_euros
from pos_client.reconcile.matcher import Category, Item, ReconciliationReport

__all__ = [
    "ACCOUNTANT_COLUMNS",
    "ReportFormat",
    "formula_safe",
    "render",
    "report_csv_bytes",
    "report_document",
]


class ReportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


ACCOUNTANT_COLUMNS = (
    "quinzaine",
    "statut",
    "contremarque",
    "caisse",
    "validée le",
    "offre",
    "vente caisse",
    "réservation pass Culture",
    "barème",
    "remboursé",
    "écart",
    "n° de virement",
    "n° de justificatif",
    "explication",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """A text cell a spreadsheet will show, never evaluate."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _period(first: date, last: date) -> str:
    return f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}"


def _moment(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%d/%m/%Y %H:%M")


def _amount(cents: int | None) -> str:
    return "" if cents is None else euros_with_comma(cents)


def _item_cells(item: Item) -> list[str]:
    texts = [
        _period(*item.fortnight),
        item.category.value,
        item.token,
        item.till,
        _moment(item.validated_at),
        item.offer_name,
    ]
    amounts = [
        _amount(item.expected_cents if item.category is not Category.NOT_IN_JOURNAL else None),
        _amount(item.booking_amount_cents),
    ]
    more_texts = [item.rate_text]
    reimbursed = [_amount(item.reimbursed_cents), _amount(item.difference_cents if item.compared else None)]
    references = [item.transfers, item.invoices, item.explanation]
    return (
        [formula_safe(text) for text in texts]
        + amounts
        + [formula_safe(text) for text in more_texts]
        + reimbursed
        + [formula_safe(text) for text in references]
    )


def report_csv_bytes(report: ReconciliationReport) -> bytes:
    """The accountant's CSV: one line per contremarque (and per collective booking)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ACCOUNTANT_COLUMNS)
    for item in report.items:
        writer.writerow(_item_cells(item))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def report_document(report: ReconciliationReport) -> dict[str, object]:
    """The report as JSON-ready data (amounts in integer cents, dates ISO)."""
    return {
        "analysed_from": None if report.analysed_from is None else report.analysed_from.isoformat(),
        "fortnights": [
            {
                "first_day": summary.first_day.isoformat(),
                "last_day": summary.last_day.isoformat(),
                "paid": summary.covered,
                "expected_cents": summary.expected_cents,
                "reimbursed_cents": summary.reimbursed_cents,
                "difference_cents": summary.difference_cents,
                "to_claim": summary.to_claim,
                "to_claim_cents": summary.to_claim_cents,
                "overpaid_cents": summary.overpaid_cents,
                "elsewhere_cents": summary.elsewhere_cents,
                "collective_cents": summary.collective_cents,
            }
            for summary in report.fortnights
        ],
        "transfers": [
            {
                "transfer": summary.transfer,
                "lines": summary.lines,
                "reimbursed_cents": summary.reimbursed_cents,
                "invoices": sorted(summary.invoices),
                "periods": [[first.isoformat(), last.isoformat()] for first, last in sorted(summary.periods)],
            }
            for summary in report.transfers
        ],
        "items": [
            {
                "category": item.category.name.lower(),
                "label": item.category.value,
                "token": item.token,
                "till": item.till,
                "fortnight": [item.fortnight[0].isoformat(), item.fortnight[1].isoformat()],
                "validated_at": None if item.validated_at is None else item.validated_at.isoformat(),
                "offer_name": item.offer_name,
                "expected_cents": item.expected_cents,
                "booking_amount_cents": item.booking_amount_cents,
                "reimbursed_cents": item.reimbursed_cents,
                "difference_cents": item.difference_cents,
                "rate": item.rate_text,
                "transfers": item.transfers,
                "invoices": item.invoices,
                "explanation": item.explanation,
            }
            for item in report.items
        ],
    }


def _table(report: ReconciliationReport) -> str:
    out: list[str] = []
    if report.analysed_from is None:
        out.append("Aucun fichier de remboursements importé : rien à rapprocher.")
        return "\n".join(out) + "\n"
    out.append(f"Rapprochement des remboursements pass Culture (à partir du {report.analysed_from:%d/%m/%Y})")
    out.append("")
    out.append(f"{'Quinzaine':<28}{'Payée':<7}{'Attendu':>11}{'Remboursé':>11}{'Écart':>10}  À réclamer")
    for summary in report.fortnights:
        claim = f"{summary.to_claim} ({format_euros(summary.to_claim_cents)})" if summary.to_claim else "0"
        out.append(
            f"{_period(summary.first_day, summary.last_day):<28}{'oui' if summary.covered else 'non':<7}"
            f"{euros_with_comma(summary.expected_cents):>11}{euros_with_comma(summary.reimbursed_cents):>11}"
            f"{euros_with_comma(summary.difference_cents):>10}  {claim}"
        )
        extras = [
            (summary.overpaid_cents, "trop-perçu à rendre"),
            (summary.elsewhere_cents, "remboursé pour des validations faites ailleurs"),
            (summary.collective_cents, "offres collectives"),
        ]
        for cents, label in extras:
            if cents:
                out.append(f"{'':<28}{format_euros(cents):>10} {label}")
    out.append("")
    out.append("Virements")
    for transfer in report.transfers:
        invoices = ", ".join(sorted(transfer.invoices)) or "-"
        out.append(
            f"  {transfer.transfer} : {transfer.lines} ligne(s), {format_euros(transfer.reimbursed_cents)}, "
            f"justificatif(s) {invoices}"
        )
    out.append("")
    out.append("Détail")
    for item in report.items:
        if item.category is Category.FULL:
            continue
        who = item.token or "(collective)"
        out.append(f"  [{item.category.value}] {who} {_moment(item.validated_at)} : {item.explanation}")
    full = len(report.in_category(Category.FULL))
    out.append(f"  {full} contremarque(s) remboursée(s) en totalité (non détaillées).")
    return "\n".join(out) + "\n"


def render(report: ReconciliationReport, fmt: ReportFormat) -> bytes:
    if fmt is ReportFormat.CSV:
        return report_csv_bytes(report)
    if fmt is ReportFormat.JSON:
        return (json.dumps(report_document(report), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return _table(report).encode("utf-8")
