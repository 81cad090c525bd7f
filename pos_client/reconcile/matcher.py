"""Match pass Culture's reimbursement lines with the till's payment lines, and say what is owed.

The input is plain records: ``LedgerLine`` (one payment line of a till: a validation, or the
negative line of its revert) and ``ReimbursementRow`` (one imported line), so lines of several
tills (a shared ledger) can be fed the same way as one journal's. Matching is by contremarque; the
validation dates are compared and a mismatch is said. Each contremarque gets one ``Item`` in one
``Category``; fortnights (1st-15th, 16th-end, of the validation) and transfers ("N° de virement")
are summed up.

A fortnight is "paid" (covered) when an imported line says it pays it (its period label, or the
oldest files' transfer label): a validation of a covered fortnight found in no file is to be
claimed; one of a later fortnight is still to come.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from pos_client.domain.formats import WHEN_TEMPLATE, format_euros
from pos_client.domain.fortnight import fortnight_of
from pos_client.domain.ledger import Operation
from pos_client.i18n import FrenchText
from pos_client.reconcile.reader import ReimbursementRow

__all__ = [
    "Category",
    "FortnightSummary",
    "Item",
    "LedgerLine",
    "ReconciliationReport",
    "TransferSummary",

    "reconcile",
]

Fortnight = tuple[date, date]


class Category(StrEnum):
    FULL = "remboursée"
    REDUCED_RATE = "barème réduit"
    AMOUNT_DIFFERS = "montant différent"
    TO_CLAIM = "à réclamer"
    NOT_SENT = "pas encore versée"
    AWAITING = "à venir"
    NOT_IN_JOURNAL = "validée ailleurs"
    OVERPAID = "trop-perçu"
    OVERPAID_SETTLED = "trop-perçu repris"
    COLLECTIVE = "offre collective"


@dataclass(frozen=True)
class LedgerLine:
    """One payment line of a till (a shared ledger gives lines of several tills)."""

    till: str
    token: str
    operation: Operation  # USE (validation) or KEEP (its revert, a negative line)
    amount_cents: int  # signed: negative for a revert
    unit_price_cents: int
    quantity: int
    validated_at: datetime
    day: date  # the till's local day of the validation
    offer_name: str
    price_category: str | None = None


@dataclass(frozen=True)
class Item:
    category: Category
    token: str  # "" for a collective booking without contremarque
    fortnight: Fortnight
    validated_at: datetime | None
    till: str
    offer_name: str  # the till's (the file's offer names are not kept)
    expected_cents: int  # what the till's lines add up to (0 when validated elsewhere or reverted)
    booking_amount_cents: int | None  # pass Culture's "Montant de la réservation"
    reimbursed_cents: int | None  # what pass Culture's lines add up to
    rate_text: str
    transfers: str
    invoices: str
    explanation: str  # French; a ``FrenchText`` the dialog renders in the window's language

    @property
    def difference_cents(self) -> int:
        return (self.reimbursed_cents or 0) - self.expected_cents

    @property
    def compared(self) -> bool:
        """Whether a sale of these tills stands against the reimbursement (a difference means something)."""
        return self.category not in (Category.NOT_IN_JOURNAL, Category.COLLECTIVE)


@dataclass
class FortnightSummary:
    first_day: date
    last_day: date
    covered: bool  # an imported file pays this fortnight
    expected_cents: int = 0
    reimbursed_cents: int = 0  # for this till's validations
    to_claim: int = 0
    to_claim_cents: int = 0
    overpaid_cents: int = 0
    elsewhere_cents: int = 0  # validated elsewhere (web, another till)
    collective_cents: int = 0

    @property
    def difference_cents(self) -> int:
        return self.reimbursed_cents - self.expected_cents


@dataclass
class TransferSummary:
    transfer: str
    lines: int = 0
    reimbursed_cents: int = 0
    invoices: set[str] = field(default_factory=set)
    periods: set[Fortnight] = field(default_factory=set)


@dataclass(frozen=True)
class ReconciliationReport:
    items: tuple[Item, ...]
    fortnights: tuple[FortnightSummary, ...]
    transfers: tuple[TransferSummary, ...]
    analysed_from: date | None  # the first covered fortnight's first day (None: no file imported)

    def in_category(self, category: Category) -> list[Item]:
        return [item for item in self.items if item.category is category]


def _day_text(moment: datetime | date | None) -> str:
    if moment is None:
        return "?"
    if isinstance(moment, datetime):  # "à" in French, "at" in English (the counter's moment)
        return FrenchText(WHEN_TEMPLATE, date=moment.strftime("%d/%m/%Y"), time=moment.strftime("%H:%M"))
    return moment.strftime("%d/%m/%Y")


def _period_text(period: Fortnight) -> str:
    return FrenchText("du {first} au {last}", first=f"{period[0]:%d/%m/%Y}", last=f"{period[1]:%d/%m/%Y}")


def _with_note(text: str, note: str) -> str:
    """An explanation and its date note, each translated on its own."""
    return FrenchText("{text}{note}", text=text, note=note) if note else text


def _covered(rows: Iterable[ReimbursementRow]) -> set[Fortnight]:
    covered: set[Fortnight] = set()
    for row in rows:
        if row.period is not None and not row.incident:
            covered.add(row.period)
        elif row.period is None and row.validation_day is not None:
            covered.add(fortnight_of(row.validation_day))
    return covered


def reconcile(lines: Sequence[LedgerLine], rows: Sequence[ReimbursementRow]) -> ReconciliationReport:
    covered = _covered(rows)
    analysed_from = min((period[0] for period in covered), default=None)
    ledger: dict[str, list[LedgerLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda line: line.validated_at):
        ledger[line.token.upper()].append(line)
    paid: dict[str, list[ReimbursementRow]] = defaultdict(list)
    items: list[Item] = []
    for row in rows:
        if row.collective:
            items.append(_collective(row))
        else:
            paid[row.token].append(row)
    for token in sorted(set(ledger) | set(paid)):
        for lines_of, rows_of in _episodes(ledger.get(token, []), paid.get(token, [])):
            item = _classify(token, lines_of, rows_of, covered, analysed_from)
            if item is not None:
                items.append(item)
    items.sort(key=lambda item: (item.fortnight, _instant(item.validated_at), item.token))
    return ReconciliationReport(tuple(items), _fortnights(items, covered), _transfers(rows), analysed_from)


def _instant(moment: datetime | None) -> float:
    """Comparable time: the oldest files' naive times are UTC."""
    if moment is None:
        return 0.0
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def _collective(row: ReimbursementRow) -> Item:
    fortnight = row.period or fortnight_of(row.validation_day or date.min)
    reference = (
        FrenchText(
            "Réservation collective n° {ref} (offre scolaire) : hors caisse, listée à part, non rapprochée.",
            ref=row.collective_ref,
        )
        if row.collective_ref
        else FrenchText("Offre collective (offre scolaire) : hors caisse, listée à part, non rapprochée.")
    )
    return Item(
        Category.COLLECTIVE, row.token, fortnight, row.validated_at, "", "", 0, row.booking_amount_cents,
        row.reimbursed_cents if row.sent else 0, row.rate_text, row.transfer, row.invoice_ref,
        reference,
    )  # fmt: skip


def _episodes(
    lines: list[LedgerLine], rows: list[ReimbursementRow]
) -> list[tuple[list[LedgerLine], list[ReimbursementRow]]]:
    """A contremarque's validations, each with its revert if any (validated, reverted, validated
    again makes two), and the file lines of each: a line goes to the validation nearest its own
    validation date (an incident's line carries the booking's validation date too)."""
    episodes: list[list[LedgerLine]] = []
    for line in lines:
        if line.operation is Operation.USE or not episodes or len(episodes[-1]) > 1:
            episodes.append([line])
        else:
            episodes[-1].append(line)
    if not episodes:
        return [([], rows)] if rows else []
    assigned: list[list[ReimbursementRow]] = [[] for _ in episodes]
    for row in rows:
        if row.validated_at is None:
            assigned[-1].append(row)
            continue
        instant = _instant(row.validated_at)
        gaps = [abs(_instant(episode[0].validated_at) - instant) for episode in episodes]
        assigned[gaps.index(min(gaps))].append(row)
    return list(zip(episodes, assigned, strict=True))


def _classify(
    token: str,
    lines: list[LedgerLine],
    rows: list[ReimbursementRow],
    covered: set[Fortnight],
    analysed_from: date | None,
) -> Item | None:
    uses = [line for line in lines if line.operation is Operation.USE]
    expected = sum(line.amount_cents for line in lines)
    sent = [row for row in rows if row.sent]
    reimbursed = sum(row.reimbursed_cents for row in sent)
    base = _base_row(rows)
    last_use = uses[-1] if uses else None
    if last_use is None:
        if base is None:
            return None
        return _item(Category.NOT_IN_JOURNAL, token, None, rows, 0, reimbursed, _elsewhere_text(rows))
    fortnight = fortnight_of(last_use.day)
    if base is None:
        if expected <= 0 or analysed_from is None or fortnight[0] < analysed_from:
            return None  # reverted before any reimbursement, or before the imported files
        if fortnight in covered:
            return _item(
                Category.TO_CLAIM, token, last_use, rows, expected, None, _claim_text(last_use, fortnight)
            )
        return _item(Category.AWAITING, token, last_use, rows, expected, None, _awaiting_text(fortnight))
    note = _date_note(uses, rows)
    text: str  # a FrenchText, with its date note if any
    if expected <= 0:
        if reimbursed > 0:
            reverted = lines[-1].validated_at
            text = FrenchText(
                "Validée, remboursée ({reimbursed}), puis annulée ici le {when} : trop-perçu que pass "
                "Culture reprendra sur un prochain remboursement (ligne « Incident »).",
                reimbursed=format_euros(reimbursed), when=_day_text(reverted),
            )  # fmt: skip
            return _item(Category.OVERPAID, token, last_use, rows, 0, reimbursed, _with_note(text, note))
        text = FrenchText(
            "Validée puis annulée ici ; pass Culture a déjà repris ce qu'il avait versé (ligne « Incident »)."
        )
        return _item(Category.OVERPAID_SETTLED, token, last_use, rows, 0, reimbursed, _with_note(text, note))
    if not sent:
        text = FrenchText(
            "Dans le fichier de pass Culture mais pas encore versée (« {status} »).", status=base.status
        )
        return _item(Category.NOT_SENT, token, last_use, rows, expected, 0, _with_note(text, note))
    if base.booking_amount_cents != expected:
        text = _amount_text(last_use, base, expected, reimbursed)
        text = _with_note(text, note)
        return _item(Category.AMOUNT_DIFFERS, token, last_use, rows, expected, reimbursed, text)
    if reimbursed == expected:
        transfer = base.transfer or FrenchText("virement sans numéro")
        text = FrenchText("Remboursée en totalité ({transfer}).", transfer=transfer)
        return _item(Category.FULL, token, last_use, rows, expected, reimbursed, _with_note(text, note))
    if reimbursed < expected and base.rate_percent is not None and base.rate_percent < 100:
        why = (
            FrenchText("pas de remboursement pour les offres numériques")
            if base.rate_percent == 0
            else FrenchText(
                "taux dégressif selon le chiffre d'affaires pass Culture de l'année, au-delà de 20 000 € "
                "par lieu, ou règle propre à l'offre"
            )
        )
        text = FrenchText(
            "Remboursée au barème {rate} : {reimbursed} sur {expected}, soit {less} de moins ({why}).",
            rate=base.rate_text, reimbursed=format_euros(reimbursed), expected=format_euros(expected),
            less=format_euros(expected - reimbursed), why=why,
        )  # fmt: skip
        text = _with_note(text, note)
        return _item(Category.REDUCED_RATE, token, last_use, rows, expected, reimbursed, text)
    text = FrenchText(
        "Remboursée {reimbursed} pour une vente de {expected} (reprise ou complément « Incident », ou règle "
        "de remboursement propre à l'offre) : à vérifier.",
        reimbursed=format_euros(reimbursed), expected=format_euros(expected),
    )  # fmt: skip
    return _item(Category.AMOUNT_DIFFERS, token, last_use, rows, expected, reimbursed, _with_note(text, note))


def _base_row(rows: list[ReimbursementRow]) -> ReimbursementRow | None:
    """The line that reimbursed the booking: the latest one (by period, invoice, place in its file)
    that is not an incident's."""
    regular = [row for row in rows if not row.incident] or rows
    if not regular:
        return None
    return max(
        regular, key=lambda row: (row.period or (date.min, date.min), row.invoice_date or date.min, row.line)
    )


def _item(
    category: Category,
    token: str,
    line: LedgerLine | None,
    rows: list[ReimbursementRow],
    expected: int,
    reimbursed: int | None,
    explanation: str,
) -> Item:
    base = _base_row(rows)
    moment: datetime | None
    if line is not None:
        fortnight, moment, till, offer = fortnight_of(line.day), line.validated_at, line.till, line.offer_name
    else:
        assert base is not None
        moment, till, offer = base.validated_at, "", ""
        fortnight = base.period or (date.min, date.min)
        if moment is not None:
            fortnight = fortnight_of(moment.date())
    return Item(
        category, token, fortnight, moment, till, offer, expected,
        None if base is None else base.booking_amount_cents, reimbursed,
        "" if base is None else base.rate_text,
        ", ".join(sorted({row.transfer for row in rows if row.transfer})),
        ", ".join(sorted({row.invoice_ref for row in rows if row.invoice_ref})),
        explanation,
    )  # fmt: skip


def _elsewhere_text(rows: list[ReimbursementRow]) -> str:
    text = FrenchText(
        "Dans le fichier de pass Culture mais dans aucune caisse de ce journal : validée ailleurs "
        "(guichet de l'espace partenaire, autre caisse ou autre logiciel)."
    )
    return _with_note(text, "" if all(row.sent for row in rows) else FrenchText(" Pas encore versée."))


def _claim_text(line: LedgerLine, fortnight: Fortnight) -> str:
    return FrenchText(
        "Validée ici le {when} ({offer}, {amount}) mais absente des remboursements de la quinzaine "
        "{period}, déjà versés. À demander au support pass Culture (espace partenaire) en donnant la "
        "contremarque, la date et l'heure de validation et le montant ; pour un évènement, le "
        "remboursement ne vient qu'après sa date.",
        when=_day_text(line.validated_at), offer=line.offer_name, amount=format_euros(line.amount_cents),
        period=_period_text(fortnight),
    )  # fmt: skip


def _awaiting_text(fortnight: Fortnight) -> str:
    return FrenchText(
        "Quinzaine {period} dans aucun fichier importé : remboursement à venir.",
        period=_period_text(fortnight),
    )


def _amount_text(line: LedgerLine, base: ReimbursementRow, expected: int, reimbursed: int) -> str:
    theirs = base.booking_amount_cents
    unit, quantity = line.unit_price_cents, line.quantity
    why: str
    if unit > 0 and theirs % unit == 0 and theirs // unit != quantity:
        why = FrenchText(
            "duo : pass Culture compte {places} place(s) à {unit}, la caisse {quantity}",
            places=theirs // unit, unit=format_euros(unit), quantity=quantity,
        )  # fmt: skip
    elif base.price_category and base.price_category != (line.price_category or ""):
        ours = line.price_category or FrenchText("sans catégorie")
        why = FrenchText(
            "catégorie de tarif : « {theirs} » chez pass Culture, « {ours} » à la caisse",
            theirs=base.price_category, ours=ours,
        )  # fmt: skip
    else:
        why = FrenchText(
            "prix changé après la réservation ou geste commercial : à vérifier avec pass Culture"
        )
    values = {"theirs": format_euros(theirs), "expected": format_euros(expected), "why": why}
    if base.rate_text:
        return FrenchText(
            "Réservation de {theirs} chez pass Culture, vente de {expected} ici ({why}) ; remboursé "
            "{reimbursed} au barème {rate}.",
            reimbursed=format_euros(reimbursed), rate=base.rate_text, **values,
        )  # fmt: skip
    return FrenchText(
        "Réservation de {theirs} chez pass Culture, vente de {expected} ici ({why}) ; remboursé "
        "{reimbursed}.",
        reimbursed=format_euros(reimbursed), **values,
    )  # fmt: skip


def _date_note(uses: list[LedgerLine], rows: list[ReimbursementRow]) -> str:
    theirs = {row.validation_day for row in rows if row.validation_day is not None}
    ours = {line.day for line in uses}
    if not theirs or any(abs((a - b).days) <= 1 for a in theirs for b in ours):
        return ""
    return FrenchText(
        " Date de validation différente : {theirs} chez pass Culture, {ours} ici.",
        theirs=", ".join(sorted(_day_text(d) for d in theirs)),
        ours=", ".join(sorted(_day_text(d) for d in ours)),
    )


def _fortnights(items: Sequence[Item], covered: set[Fortnight]) -> tuple[FortnightSummary, ...]:
    summaries: dict[Fortnight, FortnightSummary] = {}
    for item in items:
        summary = summaries.get(item.fortnight)
        if summary is None:
            summary = FortnightSummary(*item.fortnight, covered=item.fortnight in covered)
            summaries[item.fortnight] = summary
        reimbursed = item.reimbursed_cents or 0
        if item.category is Category.COLLECTIVE:
            summary.collective_cents += reimbursed
        elif item.category is Category.NOT_IN_JOURNAL:
            summary.elsewhere_cents += reimbursed
        else:
            summary.expected_cents += item.expected_cents
            summary.reimbursed_cents += reimbursed
        if item.category is Category.TO_CLAIM:
            summary.to_claim += 1
            summary.to_claim_cents += item.expected_cents
        if item.category is Category.OVERPAID:
            summary.overpaid_cents += reimbursed
    return tuple(summaries[key] for key in sorted(summaries))


def _transfers(rows: Sequence[ReimbursementRow]) -> tuple[TransferSummary, ...]:
    transfers: dict[str, TransferSummary] = {}
    for row in rows:
        name = row.transfer or "(sans n° de virement)"
        summary = transfers.setdefault(name, TransferSummary(name))
        summary.lines += 1
        if row.sent:
            summary.reimbursed_cents += row.reimbursed_cents
        if row.invoice_ref:
            summary.invoices.add(row.invoice_ref)
        if row.period is not None:
            summary.periods.add(row.period)
    return tuple(transfers[key] for key in sorted(transfers))
