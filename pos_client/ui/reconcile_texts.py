"""English texts of the « Remboursements… » dialog (merged into ``i18n.ENGLISH``).

The report's own explanations (one per contremarque) stay in French: they are written for the shop
and its accountant, and the CSV goes to a French accountant either way.
"""

from __future__ import annotations

__all__ = ["RECONCILE_ENGLISH"]

RECONCILE_ENGLISH: dict[str, str] = {
    "Remboursements pass Culture": "pass Culture reimbursements",
    "Choisissez le ou les fichiers « détail des remboursements » (CSV) téléchargés depuis "
    "l'espace partenaire pass Culture, « Gestion financière ».": (
        "Choose the « détail des remboursements » file(s) (CSV) downloaded from the pass Culture "
        "partner space, « Gestion financière »."
    ),
    "Les noms, adresses, SIRET et IBAN du fichier de pass Culture ne sont pas copiés : seuls les "
    "contremarques, montants, barèmes, dates, n° de virement et de justificatif sont gardés.": (
        "The names, addresses, SIRETs and IBANs of the pass Culture file are not copied: only "
        "countermarks, amounts, rates, dates, transfer and invoice numbers are kept."
    ),
    "Aucun fichier choisi : le rapprochement reprend les fichiers déjà importés.": (
        "No file chosen: the reconciliation uses the files already imported."
    ),
    "Choisir les fichiers…": "Choose files…",
    "Rapprocher": "Reconcile",
    "Exporter pour le comptable…": "Export for the accountant…",
    "Exporter pour le comptable": "Export for the accountant",
    "Par quinzaine de validation": "By validation fortnight",
    "À regarder": "To look at",
    "Quinzaine": "Fortnight",
    "Payée": "Paid",
    "Attendu": "Expected",
    "Remboursé": "Reimbursed",
    "Écart": "Difference",
    "À réclamer": "To claim",
    "Trop-perçu": "Overpaid",
    "Hors caisse": "Outside the tills",
    "Statut": "Status",
    "Contremarque": "Countermark",
    "Validée le": "Validated on",
    "Explication": "Explanation",
    "Fichiers de remboursements": "Reimbursement files",
    "Fichiers CSV (*.csv)": "CSV files (*.csv)",
    "Fichiers : {names}": "Files: {names}",
    "Rapprochement en cours…": "Reconciling…",
    "{n} fichier(s) importé(s), {lines} ligne(s) nouvelle(s).": "{n} file(s) imported, {lines} new line(s).",
    "{n} fichier(s) déjà importé(s) : rien de changé.": "{n} file(s) already imported: nothing changed.",
    "oui": "yes",
    "non": "no",
    "Le rapprochement n'a pas pu être fait ({detail}).": "The reconciliation could not be done ({detail}).",
    "Rapprochement exporté dans {path}": "Reconciliation exported to {path}",
}
