"""What pass Culture's "détail des remboursements" CSV looks like, version by version (facts only).

The file is downloaded from the pro space's "Gestion financière" (``remboursements_pass_culture.csv``):
UTF-8 with a BOM, ``;`` separators, ``csv.excel`` quoting with every text cell in double quotes
(``QUOTE_NONNUMERIC``), one header line, then one line per reimbursed booking (and, since the
finance incidents, one line per reversal or new price). Amounts are written with a decimal comma,
as Python prints them (``21,00``, ``10,5``, ``-3,00``); the rate ("Barème") is ``100%`` in the
oldest files, then ``100 %`` and ``12,34 %`` (with a no-break space in the newest), empty when the
rule is an amount rather than a rate.

The header changed several times (read from pass-culture-main's
``api/src/pcapi/routes/serialization/reimbursement_csv_serialize.py`` and its tests); columns are
matched by name, so a venue or bank column renamed once more does not matter: the till never reads
those (they hold names, addresses and IBANs, which it must not copy).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "HEADERS",
    "OFFER_TYPE_COLLECTIVE",
    "OFFER_TYPE_INDIVIDUAL",
    "REQUIRED",
    "SENT_STATUS",
    "STATUS_LABELS",
    "Column",
    "HeaderVersion",
    "column_aliases",
    "column_title",
    "detect_version",
    "normalise_name",
]


class Column(StrEnum):
    """The columns the till reads (every other column is ignored, never copied)."""

    PERIOD = "period"  # "Réservations concernées par le remboursement"
    YEAR = "year"  # "Année" (oldest files)
    TRANSFER_LABEL = "transfer_label"  # "Virement" (oldest files): "Juillet : remboursement 1ère quinzaine"
    INVOICE_DATE = "invoice_date"  # "Date du justificatif"
    INVOICE_REF = "invoice_ref"  # "N° du justificatif"
    TRANSFER = "transfer"  # "N° de virement"
    COLLECTIVE_REF = "collective_ref"  # "N° de réservation (offre collective)"
    TOKEN = "token"  # "Contremarque"
    VALIDATED_AT = "validated_at"  # "Date de validation de la réservation"
    PRICE_CATEGORY = "price_category"  # "Intitulé du tarif"
    BOOKING_AMOUNT = "booking_amount"  # "Montant de la réservation"
    RATE = "rate"  # "Barème"
    REIMBURSED = "reimbursed"  # "Montant remboursé"
    STATUS = "status"  # "Statut du remboursement" (oldest files)
    OFFER_TYPE = "offer_type"  # "Type d'offre"


# The names each column has had (the first is the one shown in messages).
_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.PERIOD: ("Réservations concernées par le remboursement",),
    Column.YEAR: ("Année",),
    Column.TRANSFER_LABEL: ("Virement",),
    Column.INVOICE_DATE: ("Date du justificatif",),
    Column.INVOICE_REF: ("N° du justificatif",),
    Column.TRANSFER: ("N° de virement",),
    Column.COLLECTIVE_REF: ("N° de réservation (offre collective)",),
    Column.TOKEN: ("Contremarque",),
    Column.VALIDATED_AT: ("Date de validation de la réservation",),
    Column.PRICE_CATEGORY: ("Intitulé du tarif",),
    Column.BOOKING_AMOUNT: ("Montant de la réservation",),
    Column.RATE: ("Barème",),
    Column.REIMBURSED: ("Montant remboursé",),
    Column.STATUS: ("Statut du remboursement",),
    Column.OFFER_TYPE: ("Type d'offre",),
}

# Without these a file cannot be reconciled; the period is either column PERIOD or YEAR + TRANSFER_LABEL.
REQUIRED = (Column.TOKEN, Column.VALIDATED_AT, Column.BOOKING_AMOUNT, Column.RATE, Column.REIMBURSED)

# "Type d'offre" values: "offre grand public"; "offre scolaire", later "offre collective".
OFFER_TYPE_INDIVIDUAL = "offre grand public"
OFFER_TYPE_COLLECTIVE = ("offre collective", "offre scolaire")

# "Statut du remboursement" (oldest files): the only one meaning the money left is SENT_STATUS.
# "Remboursement impossible" may be followed by " : <détail>" (e.g. "Iban Non Fourni").
SENT_STATUS = "Remboursement envoyé"
STATUS_LABELS = (
    "Remboursement en cours",
    "Remboursement impossible",
    "Remboursement envoyé",
    "Remboursement à renvoyer",
    "Remboursement rejeté",
)


class HeaderVersion(StrEnum):
    """The header versions found in pass-culture-main's history, named by what tells them apart."""

    ANNEE_VIREMENT = "annee-virement"  # 16 columns: Année, Virement, Créditeur, ..., Statut
    ANNEE_VIREMENT_TYPE = "annee-virement-type"  # the same + "Type d'offre"
    POINT_DE_REMBOURSEMENT = "point-de-remboursement"  # justificatif, n° de virement, point de remboursement
    COMPTE_BANCAIRE = "compte-bancaire"  # "Intitulé du compte bancaire", tariff, collective booking n°
    PARTENAIRE_CULTUREL = "partenaire-culturel"  # venue columns renamed (offer address feature)
    STRUCTURE = "structure"  # "SIRET de la structure", "Raison sociale de la structure", offer address
    UNKNOWN = "inconnue"  # not one of the above, but every needed column was found by name


_OLD_COMMON = (
    "Année",
    "Virement",
    "Créditeur",
    "SIRET créditeur",
    "Adresse créditeur",
    "IBAN",
    "Raison sociale du lieu",
    "Nom de l'offre",
    "Nom utilisateur",
    "Prénom utilisateur",
    "Contremarque",
    "Date de validation de la réservation",
    "Montant de la réservation",
    "Barème",
    "Montant remboursé",
    "Statut du remboursement",
)
_HEAD = (
    "Réservations concernées par le remboursement",
    "Date du justificatif",
    "N° du justificatif",
    "N° de virement",
)
_COLLECTIVE = (
    "Nom (offre collective)",
    "Prénom (offre collective)",
    "Nom de l'établissement (offre collective)",
    "Date de l'évènement (offre collective)",
)
_TAIL_WITH_TARIFF = (
    "Contremarque",
    "Date de validation de la réservation",
    "Intitulé du tarif",
    "Montant de la réservation",
    "Barème",
    "Montant remboursé",
    "Type d'offre",
)

HEADERS: Mapping[HeaderVersion, tuple[str, ...]] = MappingProxyType(
    {
        HeaderVersion.ANNEE_VIREMENT: _OLD_COMMON,
        HeaderVersion.ANNEE_VIREMENT_TYPE: (*_OLD_COMMON, "Type d'offre"),
        HeaderVersion.POINT_DE_REMBOURSEMENT: (
            *_HEAD,
            "Point de remboursement",
            "Adresse du point de remboursement",
            "SIRET du point de remboursement",
            "IBAN",
            "Raison sociale du lieu",
            "Adresse du lieu",
            "SIRET du lieu",
            "Nom de l'offre",
            *_COLLECTIVE,
            "Contremarque",
            "Date de validation de la réservation",
            "Montant de la réservation",
            "Barème",
            "Montant remboursé",
            "Type d'offre",
        ),
        HeaderVersion.COMPTE_BANCAIRE: (
            *_HEAD,
            "Intitulé du compte bancaire",
            "IBAN",
            "Raison sociale du lieu",
            "Adresse du lieu",
            "SIRET du lieu",
            "Nom de l'offre",
            "N° de réservation (offre collective)",
            *_COLLECTIVE,
            *_TAIL_WITH_TARIFF,
        ),
        HeaderVersion.PARTENAIRE_CULTUREL: (
            *_HEAD,
            "Intitulé du compte bancaire",
            "IBAN",
            "Raison sociale du partenaire culturel",
            "Adresse de l'offre",
            "SIRET du partenaire culturel",
            "Nom de l'offre",
            "N° de réservation (offre collective)",
            *_COLLECTIVE,
            *_TAIL_WITH_TARIFF,
        ),
        HeaderVersion.STRUCTURE: (
            *_HEAD,
            "Intitulé du compte bancaire",
            "IBAN",
            "SIRET de la structure",
            "Raison sociale de la structure",
            "Nom de l'offre",
            "Adresse de l'offre",
            "N° de réservation (offre collective)",
            *_COLLECTIVE,
            *_TAIL_WITH_TARIFF,
        ),
    }
)


@functools.lru_cache(maxsize=4096)  # period labels repeat on every line of a file
def normalise_name(name: str) -> str:
    """A header cell as compared: no BOM, no-break spaces and runs of spaces made one space, straight
    apostrophes, case and accents ignored (a file retyped by hand may lose them)."""
    text = name.replace("\ufeff", "").replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = " ".join(text.split()).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def column_aliases() -> Mapping[str, Column]:
    """Normalised header name -> the column it is."""
    return MappingProxyType(
        {normalise_name(alias): column for column, aliases in _ALIASES.items() for alias in aliases}
    )


def column_title(column: Column) -> str:
    """The column's name as pass Culture writes it, for messages."""
    return _ALIASES[column][0]


def detect_version(header: tuple[str, ...]) -> HeaderVersion:
    wanted = tuple(normalise_name(name) for name in header)
    for version, names in HEADERS.items():
        if tuple(normalise_name(name) for name in names) == wanted:
            return version
    return HeaderVersion.UNKNOWN
