"""Every text the counter shows the cashier, in one catalogue, rendered in one place.

Texts are French source templates wrapped in ``Text`` with their values; nothing here is translated.
``Text.render(translate)`` translates the template (and any ``Text`` among its values), then fills
the values in: the counter calls it once, in ``Counter._show``, so the English interface never shows
a French body. ``CATALOGUE`` lists every template, so a test renders each in both languages.

``OUTCOME_RULES`` maps each API outcome to its state, tone, title, text and next actions;
``outcome_text`` renders an outcome the same way for the window and the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pos_client.counter.view import Action, Sound, State, Tone
from pos_client.domain.formats import WHEN_TEMPLATE, format_euros, when_parts
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    BookingCancelled,
    Cancelled,
    CannotCancelAnymore,
    ClaimedElsewhere,
    HasActivationCodes,
    ImplausibleAmount,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    ServerError,
    StructureClosed,
    TimedOut,
    Validated,
    ValidationReverted,
    WrongServerAddress,
)
from pos_client.i18n import FrenchText

__all__ = [
    "CANCEL_CONFIRMATION_WORD",
    "CATALOGUE",
    "OUTCOME_RULES",
    "OutcomeRule",
    "Text",
    "Translate",
    "outcome_rule",
    "outcome_text",
    "settled_elsewhere",
]

Translate = Callable[[str], str]
CANCEL_CONFIRMATION_WORD = "ANNULER"


@dataclass(frozen=True)
class Text:
    """A French source template and its values, translated only when rendered."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __call__(self, **values: object) -> Text:
        """The same template with (more) values."""
        return Text(self.template, {**self.values, **values})

    def __add__(self, other: Text) -> Text:
        """Two texts shown one after the other (each translated on its own)."""
        return Text("{a}{b}", {"a": self, "b": other})

    def render(self, translate: Translate = str) -> str:
        values = {
            name: value.render(translate) if isinstance(value, Text) else value
            for name, value in self.values.items()
        }
        template = translate(self.template) if self.template != "{a}{b}" else self.template
        return template.format(**values) if values else template


def said(text: str) -> Text:
    """A French text from another room (the reader's rejections and layout advice) as a catalogue
    text: a ``FrenchText`` keeps its template and values, a plain one is its own template."""
    if isinstance(text, FrenchText):
        values = {k: said(v) if isinstance(v, FrenchText) else v for k, v in text.values.items()}
        return Text(text.template, values)
    return Text(text)


CATALOGUE: list[str] = []


def _t(template: str) -> Text:
    """A catalogue entry (listed in ``CATALOGUE`` for the both-languages test)."""
    CATALOGUE.append(template)
    return Text(template)


EMPTY = Text("")

# ----------------------------------------------------------------------------- screens
READY = _t("Prêt : scannez une contremarque")
LOOKING_UP = _t("Recherche de la réservation…")
CODE_LINE = _t("Contremarque {token}")
UNREADABLE = _t("Code illisible")
NOT_A_CONTREMARQUE = _t("Ce n'est pas une contremarque")
IGNORED_ON_CARD = _t("Lecture ignorée, la réservation reste à l'écran : {reason}")
CHECK_ID_TITLE = _t("Vérifiez la pièce d'identité")
CHECK_ID = _t("Vérifiez la pièce d'identité du bénéficiaire (pièce physique uniquement), puis confirmez.")
ID_CHECKED_TITLE = _t("Pièce d'identité vérifiée : validez")
ID_CHECKED = _t("Appuyez sur « Valider la contremarque » (Alt+V) et remettez le produit.")
CONFIRM_REVERT_TITLE = _t("Annuler la validation ?")
CONFIRM_REVERT = _t(
    "La contremarque redeviendra à retirer. Aucun remboursement ne sera versé au lieu pour "
    "cette réservation si elle n'est pas validée de nouveau. Le montant sera retiré du total du jour."
)
CONFIRM_CANCEL_TITLE = _t("Annuler la réservation ? (irréversible)")
CONFIRM_CANCEL = _t(
    "Seulement si le produit ne peut pas être remis. La réservation sera annulée définitivement "
    "et le crédit rendu au bénéficiaire. Tapez {word} pour confirmer."
)(word=CANCEL_CONFIRMATION_WORD)
BUSY_TITLES = {
    Operation.USE: _t("Validation en cours…"),
    Operation.KEEP: _t("Annulation de la validation…"),
    Operation.CANCEL: _t("Annulation de la réservation…"),
}
LOOKUP_FAILED_TITLE = _t("Erreur interne de la caisse")
LOOKUP_FAILED = _t(
    "La lecture de la contremarque {token} a échoué sur une erreur inattendue ({error}). "
    "Rien n'a été validé. Réessayez ; si l'erreur revient, redémarrez la caisse."
)
JOURNAL_FAILED_TITLE = _t("Journal impossible à écrire : rien n'a été envoyé")
JOURNAL_FAILED = _t(
    "Le journal des ventes n'a pas pu être écrit ({error}). Aucune demande n'est partie. "
    "Vérifiez la place sur le disque, puis réessayez."
)
JOURNAL_BUG = _t(
    "Le journal des ventes a rencontré une erreur interne ({error}). Aucune demande n'est partie. "
    "Réessayez ; si l'erreur revient, redémarrez la caisse et prévenez le support."
)
JOB_FAILED_TITLE = _t("Erreur inattendue : ne remettez rien")
JOB_FAILED = _t(
    "La caisse a rencontré une erreur interne pendant {what} ({error}) ; on ne sait pas si "
    "la demande est partie. "
)
JOB_FAILED_WHAT = {
    Operation.USE: _t("la validation"),
    Operation.KEEP: _t("l'annulation de la validation"),
    Operation.CANCEL: _t("l'annulation de la réservation"),
}
JOB_FAILED_TAIL = {
    Operation.USE: _t(
        "La contremarque {token} n'est pas comptée comme validée. "
        "Relisez-la (Réessayer) avant de remettre le produit."
    ),
    Operation.KEEP: _t("La validation de {token} n'est pas comptée comme annulée. Relisez-la (Réessayer)."),
    Operation.CANCEL: _t("La réservation {token} n'est pas comptée comme annulée. Relisez-la (Réessayer)."),
}
PREVIOUS = _t("Précédent : {title} ({token})")
# A validation (or its revert) answered by the API without a payment record in the journal.
REVERTED_HEAD = _t(
    "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. "
)
RECORD_PENDING = _t(
    "Paiement pass Culture pas encore inscrit au journal : il le sera automatiquement, en relisant la "
    "réservation ({amount})."
)
RECORD_ALREADY = _t("Aucun nouveau paiement inscrit : le journal en a déjà un pour cette contremarque.")
CONFIRMED_BY_REREAD = _t(" (confirmé en relisant la réservation après une coupure)")
VALIDATED_HERE = _t("Validée par cette caisse le {when}. Ne remettez pas le produit une deuxième fois.")
# The command line's lines for what the window shows as a card or a list.
FOUND_LINE = _t("Contremarque {token} valable : {offer}, {amount}.")
PAGE_LINE = _t("{count} réservation(s){more}.")
PAGE_MORE = _t(" ; suite avec --first-index {first_index}")
CLI_SET_KEY = _t("(pos-client api-key set --env ENV)")
# A booking of a venue this till does not serve (the key reaches every venue linked to its provider).
FOREIGN_VENUE_TITLE = _t("Réservation d'un autre lieu : ne remettez rien")
FOREIGN_VENUE = _t(
    "La contremarque {token} est une réservation de « {venue} » (lieu n° {venue_id}), pas de {till_venues}. "
    "Rien n'a été validé. Le bénéficiaire doit la retirer dans ce lieu-là."
)
FOREIGN_VENUE_TILL = _t("ce lieu-ci (n° {ids})")
# Lost answer, then "already validated", without the evidence that this till did it.
TO_CHECK_TITLE = _t("Validée, peut-être par une autre caisse : à vérifier")
TO_CHECK = _t(
    "La réponse s'était perdue ; la contremarque {token} est maintenant validée, mais rien ne prouve "
    "que c'est par cette caisse (une autre caisse l'a aussi demandée, ou les autres caisses ne "
    "peuvent pas être consultées). Aucun paiement n'est inscrit : la ligne est notée « à vérifier » "
    "au journal ({amount}). Vérifiez avec les autres caisses avant de remettre le produit."
)
# Lost answer, then "already validated", while the shared ledger (the only one to know whose) is out.
AWAITING_LEDGER = _t(
    "La réponse s'était perdue ; la contremarque {token} est maintenant validée, mais seul le registre "
    "partagé, injoignable, peut dire si c'est par cette caisse. Rien n'est encore compté : la caisse le "
    "réglera d'elle-même dès qu'il répondra. Vérifiez avec les autres caisses avant de remettre le produit."
)
# A read after "Résultat inconnu" that cannot tell either: the lost change is still unknown.
STILL_UNKNOWN_TITLE = _t("Résultat toujours inconnu : ne remettez rien")
STILL_UNKNOWN = _t(
    "La relecture de la contremarque {token} n'a pas abouti ({detail}) : on ne sait toujours pas si la "
    "demande précédente est passée. Elle n'est pas comptée comme validée ; la caisse la vérifiera "
    "d'elle-même dès que le serveur répondra. Réessayez dans un instant."
)
# The background settlement found the answer of a change whose result the cashier never saw.
SETTLED_DONE = {
    Operation.USE: _t("Résultat retrouvé : la contremarque {token} était bien validée ({amount} inscrits)."),
    Operation.KEEP: _t("Résultat retrouvé : la validation de {token} était bien annulée ({amount})."),
    Operation.CANCEL: _t("Résultat retrouvé : la réservation {token} était bien annulée."),
}
SETTLED_TO_CHECK = _t(
    "Résultat retrouvé : {token} est validée, peut-être par une autre caisse ({amount}) : à vérifier."
)
SETTLED_ELSEWHERE = _t(
    "Résultat retrouvé : {token} a été validée à {till} le {when} ; rien n'est compté ici."
)
SETTLED_NOT_APPLIED = {
    Operation.USE: _t("Résultat retrouvé : la validation de {token} n'avait pas abouti ; rien n'est compté."),
    Operation.KEEP: _t("Résultat retrouvé : l'annulation de la validation de {token} n'avait pas abouti."),
    Operation.CANCEL: _t("Résultat retrouvé : l'annulation de la réservation {token} n'avait pas abouti."),
}
# A change that takes long: elapsed time, then "slow" and a way out that leaves the outcome unknown.
BUSY_ELAPSED = _t("{title} ({seconds} s)")
SLOW_SERVER = _t(
    "Le serveur est lent. Vous pouvez attendre, ou « Ne plus attendre » : le résultat restera inconnu "
    "(rien n'est compté comme validé) et la caisse le vérifiera d'elle-même plus tard."
)
STOPPED_WAITING_TITLE = _t("Résultat inconnu : ne remettez rien")
STOPPED_WAITING = _t(
    "Vous avez arrêté d'attendre la réponse pour la contremarque {token}. On ne sait pas si la demande "
    "a abouti : elle n'est pas comptée comme validée. La caisse vérifiera d'elle-même et vous le dira ; "
    "sinon, relisez-la (Réessayer) avant de remettre le produit."
)
# Already validated, not by this till: also what the first scan of a booking used at booking time
# (activation codes, free museum cards, library subscriptions) gets.
VALIDATED_ELSEWHERE = _t(
    "La contremarque {token} est déjà validée, mais pas par cette caisse. Certaines réservations sont "
    "validées automatiquement dès la réservation (codes d'activation, cartes musée gratuites, "
    "abonnements de bibliothèque ou de médiathèque) : remettez alors ce que l'offre prévoit. Sinon, "
    "elle a été validée ailleurs : ne remettez pas le produit une deuxième fois."
)
# Shown on the screen that follows a re-read proving this till's change was not applied.
NOT_APPLIED = {
    Operation.USE: _t("La validation précédente n'a pas abouti : la contremarque n'est pas validée."),
    Operation.KEEP: _t("L'annulation de la validation n'a pas abouti : la contremarque reste validée."),
    Operation.CANCEL: _t("L'annulation de la réservation n'a pas abouti : elle n'est pas annulée."),
}


# ----------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class OutcomeRule:
    state: State
    tone: Tone
    title: Text
    detail: Text
    actions: frozenset[Action]
    sound: Sound


def _rule(state: State, tone: Tone, title: str, detail: str, *actions: Action) -> OutcomeRule:
    sound = {Tone.SUCCESS: Sound.SUCCESS, Tone.ERROR: Sound.ERROR}.get(tone, Sound.ATTENTION)
    return OutcomeRule(state, tone, _t(title), _t(detail), frozenset((*actions, Action.DISMISS)), sound)


_TROUBLE = " Rien n'a été validé ni perdu. Réessayez dans un instant."
# Texts are templates: ``{token}``, ``{amount}``, ``{when}``, ``{retry}``, ``{detail}`` are filled in
# by ``outcome_text``.
OUTCOME_RULES: dict[type, OutcomeRule] = {
    Validated: _rule(
        State.VALIDATED, Tone.SUCCESS, "Contremarque validée", "Paiement pass Culture enregistré : {amount}."
    ),
    ValidationReverted: _rule(
        State.REVERTED,
        Tone.ATTENTION,
        "Validation annulée",
        "La réservation {token} est de nouveau à retirer. Aucun remboursement ne sera versé pour elle. "
        "Montant retiré du total : {amount}.",
    ),
    BookingCancelled: _rule(
        State.BOOKING_CANCELLED,
        Tone.ATTENTION,
        "Réservation annulée",
        "La réservation {token} est annulée et le crédit rendu au bénéficiaire.",
    ),
    AlreadyValidated: _rule(
        State.ALREADY_VALIDATED,
        Tone.ERROR,
        "Contremarque déjà validée",
        "La contremarque {token} a déjà été validée. Ne remettez pas le produit une deuxième fois.",
    ),
    Cancelled: _rule(
        State.CANCELLED,
        Tone.ERROR,
        "Réservation annulée",
        "La réservation {token} a été annulée, par le bénéficiaire, par le lieu ou parce qu'elle n'a pas "
        "été retirée à temps (10 jours pour un livre, 30 jours sinon) : elle ne peut plus être validée.",
    ),
    Reimbursed: _rule(
        State.REIMBURSED,
        Tone.ERROR,
        "Réservation déjà remboursée",
        "La réservation {token} a déjà été remboursée au lieu : elle ne peut plus être validée.",
    ),
    NotYetConfirmed: _rule(
        State.NOT_YET_CONFIRMED,
        Tone.ATTENTION,
        "Pas encore validable",
        "Cette contremarque pourra être validée à partir du {when}, une fois le délai d'annulation passé.",
    ),
    StructureClosed: _rule(
        State.STRUCTURE_CLOSED,
        Tone.ERROR,
        "Structure fermée",
        "Vous ne pouvez plus valider de contremarque sur une structure fermée.",
    ),
    NotFound: _rule(
        State.NOT_FOUND,
        Tone.ERROR,
        "Contremarque introuvable",
        "Aucune réservation {token} parmi celles que la clé d'API de cette caisse peut lire. Vérifiez "
        "que le code lu est le bon : un code déformé vient souvent d'une douchette réglée sur une autre "
        "disposition de clavier.",
    ),
    NotUsed: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Réservation non validée",
        "La réservation {token} n'est pas validée : il n'y a rien à annuler.",
    ),
    HasActivationCodes: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Annulation impossible",
        "La réservation {token} a des codes d'activation : sa validation ne peut pas être annulée.",
    ),
    CannotCancelAnymore: _rule(
        State.REFUSED,
        Tone.ERROR,
        "Annulation impossible",
        "La réservation {token} est confirmée : elle ne peut plus être annulée.",
    ),
    InvalidRequest: _rule(
        State.REFUSED, Tone.ERROR, "Demande refusée", "Le serveur a refusé la demande : {detail}"
    ),
    AuthMissing: _rule(
        State.AUTH_MISSING,
        Tone.ERROR,
        "Clé d'API manquante",
        "Aucune clé d'API n'est enregistrée pour ce serveur. Saisissez-la dans les réglages.",
        Action.OPEN_SETTINGS,
    ),
    AuthInvalid: _rule(
        State.AUTH_INVALID,
        Tone.ERROR,
        "Clé d'API refusée",
        "Le serveur refuse la clé d'API. Vérifiez-la dans les réglages.",
        Action.OPEN_SETTINGS,
    ),
    InactiveProvider: _rule(
        State.AUTH_INVALID,
        Tone.ERROR,
        "Compte désactivé",
        "Le compte lié à cette clé d'API est désactivé. Contactez le support pass Culture.",
        Action.OPEN_SETTINGS,
    ),
    RateLimited: _rule(
        State.RATE_LIMITED,
        Tone.ATTENTION,
        "Trop de demandes",
        "Le serveur demande de patienter{retry}." + _TROUBLE,
        Action.RETRY,
    ),
    ServerError: _rule(
        State.SERVER_TROUBLE,
        Tone.ATTENTION,
        "Serveur pass Culture en difficulté",
        "{detail}" + _TROUBLE,
        Action.RETRY,
    ),
    MalformedResponse: _rule(
        State.SERVER_TROUBLE,
        Tone.ATTENTION,
        "Réponse illisible du serveur",
        "La réponse du serveur n'a pas pu être lue." + _TROUBLE,
        Action.RETRY,
    ),
    NetworkUnreachable: _rule(
        State.NETWORK_TROUBLE,
        Tone.ATTENTION,
        "Pas de connexion",
        "Le serveur pass Culture est injoignable (réseau)." + _TROUBLE,
        Action.RETRY,
    ),
    TimedOut: _rule(
        State.NETWORK_TROUBLE,
        Tone.ATTENTION,
        "Le serveur ne répond pas",
        "Le serveur pass Culture n'a pas répondu à temps." + _TROUBLE,
        Action.RETRY,
    ),
    ImplausibleAmount: _rule(
        State.SERVER_TROUBLE,
        Tone.ERROR,
        "Montant invraisemblable : rien n'a été envoyé",
        "La réservation {token} annonce un {detail}. Rien n'a été envoyé ni enregistré : vérifiez-la "
        "dans l'espace partenaire pass Culture.",
    ),
    WrongServerAddress: _rule(
        State.SERVER_TROUBLE,
        Tone.ERROR,
        "Adresse du serveur incorrecte",
        "Le serveur a répondu « introuvable » sans passer par l'API pass Culture : l'adresse du serveur "
        "dans les réglages est sans doute incorrecte (ou un proxy répond à sa place). La contremarque "
        "{token} n'a été ni validée ni refusée. Vérifiez l'adresse dans les réglages.",
        Action.RETRY,
        Action.OPEN_SETTINGS,
    ),
    OutcomeUnknown: _rule(
        State.OUTCOME_UNKNOWN,
        Tone.ATTENTION,
        "Résultat inconnu : ne remettez rien",
        "La demande est partie mais la réponse s'est perdue ; la contremarque {token} n'est pas "
        "comptée comme validée. Relisez-la (Réessayer) avant de remettre le produit.",
        Action.RETRY,
    ),
}


# Another till of the shared ledger holds the change now, or made it.
CLAIMED_TITLE = _t("En cours à une autre caisse : attendez")
CLAIMED = _t("La contremarque {token} est {doing} à {till} depuis {when} : rien n'a été envoyé d'ici.")
CLAIMED_DONE_TITLE = _t("Déjà faite à une autre caisse")
CLAIMED_DONE = _t("La contremarque {token} a été {done} à {till} le {when}. Ne remettez pas le produit ici.")
CLAIM_DOING = {
    Operation.USE.value: _t("en cours de validation"),
    Operation.KEEP.value: _t("en cours d'annulation de validation"),
    Operation.CANCEL.value: _t("en cours d'annulation"),
}
CLAIM_DONE = {
    Operation.USE.value: _t("validée"),
    Operation.KEEP.value: _t("remise à retirer"),
    Operation.CANCEL.value: _t("annulée"),
}
TILL_NAME = _t("la caisse « {till} »")
WHEN = _t(WHEN_TEMPLATE)


def _when(moment: datetime) -> Text:
    """A date and time, translated with the rest ("à" in French, "at" in English)."""
    return WHEN(**when_parts(moment))

# Its texts are ``_claimed_text``'s: held now, or done, by another till.
OUTCOME_RULES[ClaimedElsewhere] = OutcomeRule(
    State.REFUSED, Tone.ERROR, CLAIMED_DONE_TITLE, CLAIMED_DONE, frozenset({Action.DISMISS}), Sound.ERROR
)


def _claimed_text(outcome: ClaimedElsewhere) -> tuple[Text, Text]:
    values = {"token": outcome.token, "till": TILL_NAME(till=outcome.till), "when": _when(outcome.at)}
    if outcome.done:
        return CLAIMED_DONE_TITLE, CLAIMED_DONE(done=CLAIM_DONE[outcome.operation], **values)
    return CLAIMED_TITLE, CLAIMED(doing=CLAIM_DOING[outcome.operation], **values)


# The status bar's line of the shared ledger (``app.backend.LedgerStatus``).
LEDGER_CONNECTING = _t("Registre partagé : connexion…")
LEDGER_ALONE = _t("Registre partagé injoignable : caisse seule.")
LEDGER_ALONE_WAITING = _t(
    "Registre partagé injoignable : caisse seule ; {count} enregistrement(s) en attente."
)
LEDGER_UP_TO_DATE = _t("Registre partagé : à jour.")
LEDGER_BEHIND = _t("Registre partagé : {count} enregistrement(s) en retard ({seconds} s).")
LEDGER_ALL_TILLS_TODAY = _t("Toutes caisses aujourd'hui : {total}.")


def settled_elsewhere(outcome: ClaimedElsewhere) -> Text:
    """An open validation of this till that the shared ledger showed another till's."""
    till = TILL_NAME(till=outcome.till)
    return SETTLED_ELSEWHERE(token=outcome.token, till=till, when=_when(outcome.at))


def outcome_rule(outcome: Outcome) -> OutcomeRule:
    """The rule of ``outcome``; a read's success answered to a change (a client bug) is never
    "validée": it shows as an unreadable answer."""
    return OUTCOME_RULES.get(type(outcome)) or OUTCOME_RULES[MalformedResponse]


# A server error in words, never its HTTP code (logged by the client, shown by ``diagnostics``).
SERVER_UNAVAILABLE = _t("Le serveur pass Culture est indisponible pour le moment (maintenance ou surcharge).")
SERVER_NOT_ANSWERING = _t("Le serveur pass Culture ne répond pas correctement pour le moment.")
SERVER_FAILED = _t("Le serveur pass Culture a rencontré une panne de son côté.")
_SERVER_WORDS = {503: SERVER_UNAVAILABLE, 502: SERVER_NOT_ANSWERING, 504: SERVER_NOT_ANSWERING}


# Outcomes whose own detail is part of their text.
_DETAILED = (
    InvalidRequest
    | NetworkUnreachable
    | TimedOut
    | MalformedResponse
    | OutcomeUnknown
    | ImplausibleAmount
    | WrongServerAddress
)


def _outcome_detail(outcome: Outcome) -> object:
    if isinstance(outcome, ServerError):
        return _SERVER_WORDS.get(outcome.status_code, SERVER_FAILED)
    if isinstance(outcome, _DETAILED):
        return outcome.detail
    if isinstance(outcome, StructureClosed | NotYetConfirmed):
        return outcome.api_message
    return ""


def outcome_text(
    outcome: Outcome,
    *,
    token: str,
    amount_cents: int | None,
    payment_written: bool = True,
    record_pending: bool = False,
    validated_here_at: datetime | None = None,
) -> tuple[Text, Text]:
    """The title and the text of ``outcome`` for ``token``. ``payment_written``: for a validation or
    its revert, a payment record came back (never claim one was written when it did not)."""
    if isinstance(outcome, ClaimedElsewhere):
        return _claimed_text(outcome)
    rule = outcome_rule(outcome)
    values: dict[str, object] = {
        "token": token,
        "amount": format_euros(amount_cents) if amount_cents is not None else "",
        "when": "",
        "retry": "",
        "detail": _outcome_detail(outcome),
    }
    if isinstance(outcome, NotYetConfirmed) and outcome.valid_from:
        values["when"] = _when(outcome.valid_from)
    if isinstance(outcome, RateLimited) and outcome.retry_after_s:
        values["retry"] = f" {outcome.retry_after_s:.0f} s"
    detail = rule.detail(**values)
    if isinstance(outcome, NotYetConfirmed) and (outcome.valid_from is None or outcome.message_has_date):
        # The API's own sentence as is: its date is in the venue's time zone (an overseas venue's
        # is not Paris time), which the answer does not name, so it is never converted.
        detail = Text("{api}", {"api": outcome.api_message})
    if isinstance(outcome, Validated | ValidationReverted) and not payment_written:
        head = EMPTY if isinstance(outcome, Validated) else REVERTED_HEAD(**values)
        detail = head + (RECORD_PENDING if record_pending else RECORD_ALREADY)(**values)
    if isinstance(outcome, Validated | ValidationReverted | BookingCancelled) and outcome.confirmed_by_reread:
        detail = detail + CONFIRMED_BY_REREAD
    if isinstance(outcome, AlreadyValidated):
        detail = (
            VALIDATED_HERE(when=_when(validated_here_at))
            if validated_here_at is not None
            else VALIDATED_ELSEWHERE(**values)
        )
    return rule.title, detail
