"""Interface languages: French (the source texts) and English, through a plain dictionary.

Chosen over Qt ``.ts``/``.qm`` files for the till's own texts so nothing has to be compiled at build
time and the same table serves the plain-Python workflow's titles and messages. A missing entry falls
back to French. Qt's own texts (standard buttons such as « Annuler », the file chooser) use Qt's
shipped ``qtbase_<lang>.qm`` translations, installed at start-up (``qt_translations.py``).
"""

from __future__ import annotations

from pos_client.ui.reconcile_texts import RECONCILE_ENGLISH

__all__ = ["LANGUAGES", "Translator"]

LANGUAGES = {"fr": "Français", "en": "English"}

ENGLISH: dict[str, str] = {
    **RECONCILE_ENGLISH,  # the « Remboursements… » dialog
    # workflow: settling, failures, payment records
    " (confirmé en relisant la réservation après une coupure)": (
        " (confirmed by re-reading the booking after a break)"
    ),
    "Aucun nouveau paiement inscrit : le journal en a déjà un pour cette contremarque.": (
        "No new payment recorded: the journal already has one for this countermark."
    ),
    "Erreur inattendue : ne remettez rien": "Unexpected error: hand nothing over",
    "Erreur interne de la caisse": "Till internal error",
    "L'annulation de la réservation n'a pas abouti : elle n'est pas annulée.": (
        "The booking's cancellation did not go through: it is not cancelled."
    ),
    "L'annulation de la validation n'a pas abouti : la contremarque reste validée.": (
        "Undoing the validation did not go through: the countermark stays validated."
    ),
    "La caisse a rencontré une erreur interne pendant {what} ({error}) ; on ne sait pas si "
    "la demande est partie. ": (
        "The till hit an internal error during {what} ({error}); whether the request left is unknown. "
    ),
    "la validation": "the validation",
    "l'annulation de la validation": "undoing the validation",
    "l'annulation de la réservation": "the booking's cancellation",
    "La contremarque {token} n'est pas comptée comme validée. "
    "Relisez-la (Réessayer) avant de remettre le produit.": (
        "Countermark {token} is not counted as validated. Re-read it (Retry) before handing the product over."
    ),
    "La validation de {token} n'est pas comptée comme annulée. Relisez-la (Réessayer).": (
        "The validation of {token} is not counted as undone. Re-read it (Retry)."
    ),
    "La réservation {token} n'est pas comptée comme annulée. Relisez-la (Réessayer).": (
        "Booking {token} is not counted as cancelled. Re-read it (Retry)."
    ),
    "La lecture de la contremarque {token} a échoué sur une erreur inattendue ({error}). "
    "Rien n'a été validé. Réessayez ; si l'erreur revient, redémarrez la caisse.": (
        "Reading countermark {token} failed on an unexpected error ({error}). Nothing was validated. "
        "Retry; if the error comes back, restart the till."
    ),
    "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. ": (
        "Booking {token} is to be collected again. No reimbursement will be paid for it. "
    ),
    "La validation précédente n'a pas abouti : la contremarque n'est pas validée.": (
        "The previous validation did not go through: the countermark is not validated."
    ),
    "Paiement pass Culture pas encore inscrit au journal : il le sera automatiquement, en relisant la "
    "réservation ({amount}).": (
        "pass Culture payment not yet in the journal: it will be, automatically, by re-reading the "
        "booking ({amount})."
    ),
    # window
    "Caisse pass Culture": "pass Culture till",
    "DÉMO — réservations fictives, émulateur local": "DEMO — fictitious bookings, local emulator",
    "Contremarque": "Countermark",
    "Valider le code (Entrée)": "Look up code (Enter)",
    "Caractères restants : {left}/6": "Characters left: {left}/6",
    "Caractères valides : de A à Z et de 0 à 9": "Valid characters: A to Z and 0 to 9",
    "La contremarque ne peut pas faire plus de 6 caractères": (
        "The countermark cannot be longer than 6 characters"
    ),
    "Réservation": "Booking",
    "Offre": "Offer",
    "Prix unitaire": "Unit price",
    "Total": "Total",
    "Catégorie de prix": "Price category",
    "EAN / ISBN": "EAN / ISBN",
    "Lieu": "Venue",
    "Réservée le": "Booked on",
    "Vérification d'identité": "ID check",
    "Seule une pièce d'identité physique est acceptée (pas de photo ni de copie).": (
        "Only a physical ID document is accepted (no photo, no copy)."
    ),
    "Né(e) le {date} — {age} ans": "Born {date} — {age} years old",
    "Pièce d'identité vérifiée (Alt+I)": "ID checked (Alt+I)",
    "Valider la contremarque (Alt+V)": "Validate countermark (Alt+V)",
    "Réessayer (Alt+R)": "Retry (Alt+R)",
    "Annuler la validation (Alt+A)": "Undo validation (Alt+A)",
    "Oui, annuler la validation (Alt+O)": "Yes, undo the validation (Alt+O)",
    "Annuler la réservation (Alt+N)": "Cancel booking (Alt+N)",
    "Annuler définitivement (Alt+D)": "Cancel for good (Alt+D)",
    "Fermer (Échap)": "Close (Esc)",
    "Réglages (F2)": "Settings (F2)",
    "Tapez ANNULER": "Type ANNULER",
    "Aujourd'hui": "Today",
    "Heure": "Time",
    "Opération": "Operation",
    "Montant": "Amount",
    "Total pass Culture du jour : {total}": "pass Culture total today: {total}",
    "validée": "validated",
    "annulation": "undone",
    "Serveur : {env}": "Server: {env}",
    "Connexion : OK": "Connection: OK",
    "Connexion : en difficulté": "Connection: trouble",
    "Connexion : —": "Connection: —",
    "Clé d'API : {key}": "API key: {key}",
    "Clé d'API : absente": "API key: missing",
    "Scannez ou tapez le code (6 caractères)": "Scan or type the code (6 characters)",
    "Caméra (F3)": "Camera (F3)",
    "Caméra": "Camera",
    "production": "production",
    "intégration": "integration",
    "personnalisé": "custom",
    "DÉMO (émulateur local)": "DEMO (local emulator)",
    # status bar: scan sources (status_bar.py) and hand-off to the cash register
    "Douchette clavier": "Keyboard scanner",
    "Douchette série ({port})": "Serial scanner ({port})",
    "Douchette série": "Serial scanner",
    "Douchette HID": "HID scanner",
    "démarrage": "starting",
    "prête": "ready",
    "débranchée": "unplugged",
    "erreur": "error",
    "arrêtée": "stopped",
    "recherche": "searching",
    "Scannez ou tapez le code": "Scan or type the code",
    "Lecteurs ✔ {n} prêts": "Readers ✔ {n} ready",
    "Lecteurs ⚠ {bad}/{n} : {name} {state}": "Readers ⚠ {bad}/{n}: {name} {state}",
    "1 paiement non transmis à la caisse": "1 payment not yet passed to the cash register",
    "{n} paiements non transmis à la caisse": "{n} payments not yet passed to the cash register",
    # start-up problems (app.py): the reason comes first
    "{reason} Clé d'API indisponible.": "{reason} API key unavailable.",
    "{reason} Corrigez-la dans les réglages (F2).": "{reason} Correct it in the settings (F2).",
    # settings
    "Réglages": "Settings",
    "Serveur": "Server",
    "Adresse du serveur (personnalisée)": "Server address (custom)",
    "Production": "Production",
    "Intégration (tests)": "Integration (tests)",
    "Personnalisée (émulateur, autre adresse)": "Custom (emulator, other address)",
    "Clé d'API": "API key",
    "Nouvelle clé (laisser vide pour garder l'actuelle)": "New key (leave empty to keep the current one)",
    "Nom de la caisse": "Till name",
    "Fenêtre anti-double lecture (s)": "Double-scan window (s)",
    "Retour à l'attente après (s)": "Back to ready after (s)",
    "Sons": "Sounds",
    "Volume": "Volume",
    "Langue": "Language",
    "Taille des textes": "Text size",
    "Douchettes": "Scanners",
    "Tester le scanner…": "Test the scanner…",
    # « Exporter… » (export_dialog.py)
    "Exporter… (F4)": "Export… (F4)",
    "Exporter les paiements pass Culture": "Export the pass Culture payments",
    "Du": "From",
    "Au": "To",
    "Par défaut : la quinzaine de remboursement en cours.": (
        "By default: the current reimbursement fortnight."
    ),
    "Format": "Format",
    "Fichier": "File",
    "Parcourir…": "Browse…",
    "Exporter": "Export",
    "Exporter vers…": "Export to…",
    "CSV pour tableur (Excel, LibreOffice)": "CSV for a spreadsheet (Excel, LibreOffice)",
    "JSON lines (pour un logiciel)": "JSON lines (for a program)",
    "Tableur CSV (*.csv)": "CSV spreadsheet (*.csv)",
    "JSON lines (*.jsonl)": "JSON lines (*.jsonl)",
    "La date de fin est avant la date de début.": "The end date is before the start date.",
    "Choisissez le fichier à écrire.": "Choose the file to write.",
    "Export terminé": "Export done",
    "Export impossible": "Export failed",
    "du {first} au {last}": "from {first} to {last}",
    "Rien n'a été exporté. {reason}": "Nothing was exported. {reason}",
    "Aucun paiement pass Culture {period}. Fichier écrit : {path}": (
        "No pass Culture payment {period}. File written: {path}"
    ),
    "1 paiement pass Culture {period} exporté dans {path}": (
        "1 pass Culture payment {period} exported to {path}"
    ),
    "{n} paiements pass Culture {period} exportés dans {path}": (
        "{n} pass Culture payments {period} exported to {path}"
    ),
    "Le dossier {folder} n'est pas accessible en écriture.": "The folder {folder} cannot be written to.",
    "Le fichier {path} n'a pas pu être écrit ({detail}).": "The file {path} could not be written ({detail}).",
    "Le journal de caisse n'a pas pu être lu ({detail}).": "The till journal could not be read ({detail}).",
    "Erreur inattendue ({detail}).": "Unexpected error ({detail}).",
    # workflow titles and messages
    "Prêt : scannez une contremarque": "Ready: scan a countermark",
    "Recherche de la réservation…": "Looking the booking up…",
    "Validation en cours…": "Validating…",
    "Vérifiez la pièce d'identité": "Check the ID document",
    "Pièce d'identité vérifiée : validez": "ID checked: validate",
    "Annulation de la validation…": "Undoing the validation…",
    "Annulation de la réservation…": "Cancelling the booking…",
    "Contremarque validée": "Countermark validated",
    "Paiement pass Culture enregistré : {amount}.": "pass Culture payment recorded: {amount}.",
    "Validation annulée": "Validation undone",
    "Réservation annulée": "Booking cancelled",
    "Contremarque déjà validée": "Countermark already validated",
    "Réservation déjà remboursée": "Booking already reimbursed",
    "Pas encore validable": "Not yet valid",
    "Structure fermée": "Structure closed",
    "Contremarque introuvable": "Countermark not found",
    "Réservation non validée": "Booking not validated",
    "Annulation impossible": "Cannot cancel",
    "Demande refusée": "Request refused",
    "Clé d'API manquante": "API key missing",
    "Clé d'API refusée": "API key refused",
    "Compte désactivé": "Account disabled",
    "Trop de demandes": "Too many requests",
    "Serveur pass Culture en difficulté": "pass Culture server in trouble",
    "Réponse illisible du serveur": "Unreadable server answer",
    "Pas de connexion": "No connection",
    "Le serveur ne répond pas": "The server does not answer",
    "Résultat inconnu : ne remettez rien": "Unknown result: hand nothing over",
    "Code illisible": "Unreadable code",
    "Annuler la validation ?": "Undo the validation?",
    "Annuler la réservation ? (irréversible)": "Cancel the booking? (irreversible)",
    "Journal impossible à écrire : rien n'a été envoyé": "Journal cannot be written: nothing was sent",
    # workflow explanations (templates: the placeholders are filled in after translation)
    "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. "
    "Montant retiré du total : {amount}.": (
        "Booking {token} is to be collected again. No reimbursement will be paid for it. "
        "Amount taken off the total: {amount}."
    ),
    "La réservation {token} est annulée et le crédit rendu au bénéficiaire.": (
        "Booking {token} is cancelled and the credit given back to the beneficiary."
    ),
    "La contremarque {token} a déjà été validée. Ne remettez pas le produit une deuxième fois.": (
        "Countermark {token} was already validated. Do not hand the product over a second time."
    ),
    "La réservation {token} a été annulée : elle ne peut plus être validée.": (
        "Booking {token} was cancelled: it can no longer be validated."
    ),
    "La réservation {token} a déjà été remboursée au lieu : elle ne peut plus être validée.": (
        "Booking {token} was already reimbursed to the venue: it can no longer be validated."
    ),
    "Cette contremarque pourra être validée à partir du {when}, une fois le délai d'annulation passé.": (
        "This countermark can be validated from {when}, once the cancellation period is over."
    ),
    "Vous ne pouvez plus valider de contremarque sur une structure fermée.": (
        "Countermarks can no longer be validated for a closed structure."
    ),
    "Aucune réservation {token} pour ce lieu. Vérifiez que la réservation est bien pour ce lieu "
    "(la clé d'API est celle du lieu) et que le code lu est le bon : un code déformé vient souvent "
    "d'une douchette réglée sur une autre disposition de clavier.": (
        "No booking {token} for this venue. Check that the booking is for this venue (the API key is "
        "the venue's) and that the code read is right: a garbled code often comes from a scanner set "
        "to another keyboard layout."
    ),
    "Aucune clé d'API n'est enregistrée pour ce serveur. Saisissez-la dans les réglages.": (
        "No API key is stored for this server. Enter it in the settings."
    ),
    "Le serveur refuse la clé d'API. Vérifiez-la dans les réglages.": (
        "The server refuses the API key. Check it in the settings."
    ),
    "Le serveur pass Culture est injoignable (réseau). Rien n'a été validé ni perdu. "
    "Réessayez dans un instant.": (
        "The pass Culture server cannot be reached (network). Nothing was validated or lost. "
        "Try again in a moment."
    ),
    "Le serveur a répondu par une erreur ({detail}). Rien n'a été validé ni perdu. "
    "Réessayez dans un instant.": (
        "The server answered with an error ({detail}). Nothing was validated or lost. Try again in a moment."
    ),
    "La demande est partie mais la réponse s'est perdue ; la contremarque {token} n'est pas comptée "
    "comme validée. Relisez-la (Réessayer) avant de remettre le produit.": (
        "The request left but its answer was lost; countermark {token} is not counted as validated. "
        "Re-read it (Retry) before handing the product over."
    ),
}


class Translator:
    """``tr("Caractères restants : {left}/6", left=4)`` in the chosen language."""

    def __init__(self, language: str = "fr") -> None:
        self.language = language if language in LANGUAGES else "fr"

    def __call__(self, text: str, **values: object) -> str:
        template = ENGLISH.get(text, text) if self.language == "en" else text
        return template.format(**values) if values else template
