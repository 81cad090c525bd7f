"""The reader: every header version, French decimals and dates, and each refusal's French message."""

from __future__ import annotations

import codecs
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from pos_client.app.demo_reimbursements import (
    INVENTED_PERSONAL_DATA,
    GeneratedLine,
    reimbursement_file_bytes,
)
from pos_client.reconcile.formats import HEADERS, HeaderVersion
from pos_client.reconcile.reader import (
    ReimbursementFileError,
    parse_amount_cents,
    parse_rate,
    read_reimbursement_bytes,
    read_reimbursement_file,
)

VERSIONS = [version for version in HeaderVersion if version is not HeaderVersion.UNKNOWN]
NOVEMBER_1 = (date(2026, 11, 1), date(2026, 11, 15))


@pytest.mark.parametrize("version", VERSIONS)
def test_each_header_version_is_read_by_column_names(
    version: HeaderVersion, scenario: list[GeneratedLine]
) -> None:
    data = reimbursement_file_bytes(scenario, version)
    assert data.startswith(codecs.BOM_UTF8)
    file = read_reimbursement_bytes(data, "remboursements_pass_culture.csv")
    assert file.version is version
    assert len(file.rows) == len(scenario)
    by_token = {row.token: row for row in file.rows if not row.collective}
    book = by_token["PETPR2"]
    assert (book.booking_amount_cents, book.reimbursed_cents, book.rate_percent) == (790, 750, Decimal(95))
    assert book.period == NOVEMBER_1
    moment = book.validated_at
    assert moment is not None
    # The newest files write the venue's local time with its offset, older ones naive UTC.
    assert (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) == datetime(
        2026, 11, 3, 9, 5, tzinfo=UTC
    )
    assert by_token["DUCN2A"].booking_amount_cents == 700
    collective = [row for row in file.rows if row.collective]
    if version is HeaderVersion.ANNEE_VIREMENT:
        assert collective == []  # no "Type d'offre" yet: a school booking looks like any other
    else:
        assert len(collective) == 1 and collective[0].reimbursed_cents == 30000
    if version in (HeaderVersion.ANNEE_VIREMENT, HeaderVersion.ANNEE_VIREMENT_TYPE):
        assert book.transfer == "Novembre : remboursement 2nde quinzaine 2026"
        assert book.status == "Remboursement envoyé" and book.sent
    else:
        assert (book.transfer, book.invoice_ref, book.invoice_date) == (
            "VIR12345",
            "F26000123",
            date(2026, 11, 16),
        )
    if version in (HeaderVersion.COMPTE_BANCAIRE, HeaderVersion.PARTENAIRE_CULTUREL, HeaderVersion.STRUCTURE):
        assert by_token["CNCRT4"].price_category == "Tarif réduit"
    kept = repr(file.rows)
    assert [word for word in INVENTED_PERSONAL_DATA if word in kept] == []


def test_without_bom_and_with_renamed_venue_and_bank_columns(scenario: list[GeneratedLine]) -> None:
    data = reimbursement_file_bytes(scenario, HeaderVersion.STRUCTURE, bom=False).decode()
    renamed = data.replace('"Intitulé du compte bancaire"', '"Libellé du compte"').replace(
        '"SIRET de la structure"', '"SIRET"'
    )
    file = read_reimbursement_bytes(renamed.encode(), "f.csv")
    assert file.version is HeaderVersion.UNKNOWN
    assert len(file.rows) == len(scenario)


def test_header_names_are_matched_whatever_the_spaces_case_and_accents() -> None:
    header = (
        '"CONTREMARQUE";"Date de validation de la reservation";"Montant de la réservation";"Barème";'
        '"Montant  remboursé";"Réservations concernées par le remboursement"\r\n'
    )
    row = (
        '"abc123";"2026-11-03 10:00:00";"12,5";"100\u00a0%";"12,50";'
        '"Validées et remboursables sur novembre : 1ère quinzaine"\r\n'
    )
    file = read_reimbursement_bytes((header + row).encode(), "f.csv")
    only = file.rows[0]
    assert (only.token, only.booking_amount_cents, only.reimbursed_cents) == ("ABC123", 1250, 1250)
    assert only.period == NOVEMBER_1  # the year comes from the validation when there is no invoice


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,5", 1250), ("12,50", 1250), ("21", 2100), ("-3,00", -300), ("1 234,50", 123450), ("7.90", 790),
     ("0,05", 5), ("12,5 €", 1250), ("", None), ("12,345", None), ("douze", None), ("1,2,3", None)],
)  # fmt: skip
def test_french_amounts(text: str, cents: int | None) -> None:
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize(
    ("text", "rate"),
    [("100%", Decimal(100)), ("95 %", Decimal(95)), ("12,34\u00a0%", Decimal("12.34")), ("", None)],
)
def test_rates(text: str, rate: Decimal | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2022-01-18 12:00:00", datetime(2022, 1, 18, 12)),
        ("2022-01-18 12:00:00.123456", datetime(2022, 1, 18, 12, 0, 0, 123456)),
        ("2024-01-18 13:00:00+01:00", datetime(2024, 1, 18, 13, tzinfo=timezone(timedelta(hours=1)))),
        ("18/01/2022 12:00", datetime(2022, 1, 18, 12)),
        ("2022-01-18", datetime(2022, 1, 18)),
    ],
)
def test_validation_dates_in_every_style(written: str, expected: datetime) -> None:
    header = (
        '"Contremarque";"Date de validation de la réservation";"Montant de la réservation";"Barème";'
        '"Montant remboursé";"Réservations concernées par le remboursement"\r\n'
    )
    period = "Validées et remboursables sur janvier : 2nde quinzaine"
    data = header + f'"ABC123";"{written}";"1,00";"100 %";"1,00";"{period}"\r\n'
    assert read_reimbursement_bytes(data.encode(), "f.csv").rows[0].validated_at == expected


def test_incident_lines_are_told_apart() -> None:
    header = ";".join(f'"{name}"' for name in HEADERS[HeaderVersion.STRUCTURE])
    cells = ['"Incident sur novembre : 1ère quinzaine"', '"2026-12-01"', '"F26000200"', '"VIR12400"'] + [
        '""'
    ] * 11
    cells += [
        '"MUSE4M"',
        '"2026-11-09 11:05:00+01:00"',
        '""',
        '"20,00"',
        '"100\u00a0%"',
        '"-20,00"',
        '"offre grand public"',
    ]
    file = read_reimbursement_bytes(f"{header}\r\n{';'.join(cells)}\r\n".encode(), "f.csv")
    row = file.rows[0]
    assert row.incident and row.reimbursed_cents == -2000 and row.period == NOVEMBER_1


GOOD_HEADER = (
    '"Contremarque";"Date de validation de la réservation";"Montant de la réservation";"Barème";'
    '"Montant remboursé";"Réservations concernées par le remboursement"\r\n'
)
GOOD_ROW = (
    '"ABC123";"2026-11-03 10:00:00";"12,50";"100 %";"12,50";'
    '"Validées et remboursables sur novembre : 1ère quinzaine"\r\n'
)
ENDING = " Rien n'a été importé."
NOT_UTF8 = (
    " : le texte n'est pas en UTF-8 (un fichier réenregistré en « CSV (séparateur : point-virgule) » par "
    "Excel est en Windows-1252). Téléchargez-le de nouveau depuis l'espace partenaire, ou enregistrez-le "
    "en « CSV UTF-8 »."
)
BAD_INPUTS = [
    (b"", "Fichier « f.csv » : le fichier est vide."),
    (codecs.BOM_UTF8 + b"\r\n", "Fichier « f.csv » : le fichier est vide."),
    (
        b"PK\x03\x04rest",
        "Fichier « f.csv » : c'est un classeur Excel (.xlsx), pas le fichier CSV téléchargé depuis l'espace "
        "partenaire pass Culture. Téléchargez le CSV de nouveau, ou enregistrez le classeur en "
        "« CSV UTF-8 ».",
    ),
    (
        b"%PDF-1.7",
        "Fichier « f.csv » : c'est un PDF (un justificatif ?), pas le fichier CSV du détail des "
        "remboursements.",
    ),
    (b"\x00\x01\x02", "Fichier « f.csv » : ce n'est pas un fichier texte (CSV)."),
    ((GOOD_HEADER + GOOD_ROW).encode("cp1252"), "Fichier « f.csv », ligne 1" + NOT_UTF8),
    (
        (GOOD_HEADER + GOOD_ROW).encode() + GOOD_ROW.replace("ABC123", "ÉTÉ123").encode("cp1252"),
        "Fichier « f.csv », ligne 3" + NOT_UTF8,
    ),
    (
        b"date;heure;caisse\r\n2026-11-03;10:00;c1\r\n",
        "Fichier « f.csv », ligne 1 : ce n'est pas un détail des remboursements pass Culture (aucune des "
        "colonnes attendues, « Contremarque », « Montant remboursé »…, dans la ligne d'en-tête).",
    ),
    (
        GOOD_HEADER.replace(";", ",").encode(),
        "Fichier « f.csv », ligne 1 : les colonnes sont séparées par des virgules et non des "
        "points-virgules : "
        "le fichier a été réenregistré. Téléchargez-le de nouveau depuis l'espace partenaire pass Culture.",
    ),
    (
        GOOD_HEADER.replace('"Barème";', "").encode(),
        "Fichier « f.csv », ligne 1, colonne « Barème » : colonne absente de l'en-tête.",
    ),
    (
        GOOD_HEADER.replace(';"Réservations concernées par le remboursement"', "").encode(),
        "Fichier « f.csv », ligne 1, colonne « Réservations concernées par le remboursement » : colonne "
        "absente de l'en-tête.",
    ),
    (
        (GOOD_HEADER + GOOD_ROW + GOOD_ROW.replace('"12,50";"Valid', '"douze";"Valid')).encode(),
        "Fichier « f.csv », ligne 3, colonne « Montant remboursé » : montant illisible « douze » "
        "(attendu par "
        "exemple 12,50).",
    ),
    (
        (GOOD_HEADER + GOOD_ROW.replace('"12,50";"100', '"";"100')).encode(),
        "Fichier « f.csv », ligne 2, colonne « Montant de la réservation » : montant illisible «  » (attendu "
        "par exemple 12,50).",
    ),
    (
        (GOOD_HEADER + GOOD_ROW.replace("100 %", "cent")).encode(),
        "Fichier « f.csv », ligne 2, colonne « Barème » : barème illisible « cent » "
        "(attendu par exemple 95 %).",
    ),
    (
        (GOOD_HEADER + GOOD_ROW.replace("2026-11-03 10:00:00", "hier")).encode(),
        "Fichier « f.csv », ligne 2, colonne « Date de validation de la réservation » : "
        "date illisible « hier ».",
    ),
    (
        (GOOD_HEADER + GOOD_ROW.replace('"ABC123"', '""')).encode(),
        "Fichier « f.csv », ligne 2, colonne « Contremarque » : "
        "contremarque vide pour une offre grand public.",
    ),
    (
        (GOOD_HEADER + GOOD_ROW + '"ABC124";"2026-11-03 10:00:00";"12,50"\r\n').encode(),
        "Fichier « f.csv », ligne 3 : 3 cellules au lieu de 6 (fichier tronqué ?).",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS)
def test_bad_input_is_refused_with_a_french_message_naming_file_line_and_column(
    data: bytes, message: str
) -> None:
    with pytest.raises(ReimbursementFileError) as caught:
        read_reimbursement_bytes(data, "f.csv")
    assert str(caught.value) == message + ENDING


def test_a_missing_file_is_refused_in_french(tmp_path: Path) -> None:
    with pytest.raises(ReimbursementFileError) as caught:
        read_reimbursement_file(tmp_path / "absent.csv")
    assert str(caught.value) == "Fichier « absent.csv » : illisible (No such file or directory)." + ENDING


def test_a_header_only_file_has_no_lines() -> None:
    assert read_reimbursement_bytes(GOOD_HEADER.encode(), "f.csv").rows == ()


def test_the_oldest_transfer_labels_name_the_fortnight_they_pay() -> None:
    header = ";".join(f'"{name}"' for name in HEADERS[HeaderVersion.ANNEE_VIREMENT])
    cells = ['"2020"', '"Janvier : remboursement 1ère quinzaine"'] + ['"x"'] * 8
    cells += ['"ABC123"', '"2019-12-20 10:00:00"', '"12,5"', '"100%"', '"12,5"', '"Remboursement envoyé"']
    second = [cell.replace("1ère", "2nde") for cell in cells]
    data = f"{header}\r\n{';'.join(cells)}\r\n{';'.join(second)}\r\n".encode()
    january_first, january_second = read_reimbursement_bytes(data, "f.csv").rows
    assert january_first.period == (date(2019, 12, 16), date(2019, 12, 31))  # paid early January
    assert january_second.period == (date(2020, 1, 1), date(2020, 1, 15))
    assert january_first.transfer == "Janvier : remboursement 1ère quinzaine 2020"
