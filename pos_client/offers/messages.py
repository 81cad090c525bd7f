"""The one catalogue of the offer desk's texts: a title and what to do, for every outcome of
``OfferDesk``, as French templates and values; ``OfferMessage.title``/``detail`` give the French (the
command line), ``render(tr)`` the interface's language through the gettext catalogue (the window).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pos_client.domain.formats import format_euros
from pos_client.domain.offers import (
    MAX_PRICE_CENTS,
    SUBCATEGORY_LABELS,
    EanAvailable,
    EanRefused,
    EanRejection,
    JobNeverDone,
    OfferInProgress,
    OfferQueued,
    OverCredit,
    PriceRefused,
    ProductOffers,
    VenueNotLinked,
    VirtualVenue,
)
from pos_client.domain.outcomes import (
    AuthInvalid,
    AuthMissing,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    RateLimited,
    ServerError,
    TimedOut,
)
from pos_client.i18n import Translator
from pos_client.offers.desk import DeskOutcome, OfferReady, StillWaiting

__all__ = ["TEMPLATES", "OfferMessage", "Tone", "describe"]

PRO_SPACE = "passculture.pro"


class Tone(Enum):
    GOOD = "good"
    WAIT = "wait"
    REFUSED = "refused"
    TROUBLE = "trouble"


@dataclass(frozen=True)
class OfferMessage:
    """A title and a detail: French templates (the gettext catalogue's keys) and their values."""

    title_template: str
    detail_template: str
    tone: Tone
    values: dict[str, object] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The title in French."""
        return self.title_template.format(**self.values)

    @property
    def detail(self) -> str:
        """The detail in French."""
        return self.detail_template.format(**self.values)

    def render(self, tr: Translator) -> tuple[str, str]:
        """Title and detail in the interface's language."""
        return tr(self.title_template, **self.values), tr(self.detail_template, **self.values)


# Every template, for the catalogue's coverage test and translators.
TEMPLATES: dict[str, str] = {
    "ean_unknown_title": "EAN {ean} inconnu de pass Culture",
    "ean_unknown": (
        "Ce produit n'est pas dans la base de produits de pass Culture : l'offre ne peut pas être créée "
        "par son EAN. Créez-la à la main dans l'espace pro ({pro}, « Créer une offre », sans EAN), ou "
        "proposez au jeune un autre article."
    ),
    "not_allowed_title": "Ce type de produit ne peut pas être proposé par EAN",
    "not_allowed": (
        "Seuls les livres papier, les CD et les vinyles peuvent être mis en offre depuis la caisse. Pour "
        "un autre produit éligible (DVD, instrument…), créez l'offre dans l'espace pro ({pro})."
    ),
    "not_compliant_title": "Produit non conforme aux conditions de pass Culture",
    "not_compliant": (
        "pass Culture refuse ce produit (non conforme à ses conditions générales d'utilisation) : il ne "
        "peut pas être réservé avec le pass. Proposez un autre article."
    ),
    "over_credit_title": "Prix supérieur au crédit restant du jeune",
    "over_credit": (
        "L'article coûte {price} et il reste {credit} au jeune : l'application refuserait la réservation. "
        "Le guide des partenaires permet un bon « à compléter par le jeune » : créez l'offre au montant "
        "de son crédit ({credit}) et encaissez le reste ({rest}) en caisse, payé par le jeune."
    ),
    "closed_title": "Offre fermée : {name}",
    "closed": (
        "Stock à 0 : personne d'autre ne peut la réserver. Les réservations déjà faites restent valables."
    ),
    "ready": (
        "{kind}, {price}, {remaining} disponible(s). Le jeune scanne ce QR code avec son téléphone, "
        "réserve dans l'application, puis montre sa contremarque."
    ),
    "creating_title": "Création de l'offre en cours…",
    "closing_title": "Fermeture de l'offre en cours…",
    "waiting": (
        "pass Culture traite la demande (vérification {polls}, {elapsed} s). Cela prend en général "
        "quelques secondes."
    ),
    "rate_limited_title": "Trop de requêtes pour la clé d'API",
    "rate_limited": (
        "La limite de 200 requêtes par minute est atteinte{wait}. La caisse réessaie d'elle-même ; rien "
        "n'est perdu."
    ),
    "unreachable_title": "Serveur injoignable",
    "unreachable": "{detail} Réessayez dans un instant.",
    "server_error_title": "Erreur du serveur pass Culture",
    # The counter's words for a server error (counter/messages.py), never the HTTP code (logged).
    "server_unavailable": (
        "Le serveur pass Culture est indisponible pour le moment (maintenance ou surcharge). Réessayez "
        "dans un instant."
    ),
    "server_not_answering": (
        "Le serveur pass Culture ne répond pas correctement pour le moment. Réessayez dans un instant."
    ),
    "server_failed": "Le serveur pass Culture a rencontré une panne de son côté. Réessayez dans un instant.",
    "malformed_title": "Réponse illisible",
    "malformed": "{detail}. Réessayez ; si cela dure, prévenez le support.",
    "never_done_title": "L'offre n'est pas apparue",
    "never_done": (
        "pass Culture a accepté la demande mais l'offre n'est pas visible après {waited} s. Vérifiez "
        "dans l'espace pro ({pro}) : l'offre de l'EAN {ean} sur ce lieu, son stock et son prix ; le "
        "produit a pu être retiré de la base entre-temps. Vous pouvez relancer : une demande identique "
        "ne crée pas de doublon."
    ),
    "venue_title": "Lieu non rattaché à la clé d'API",
    "venue": (
        "Le lieu {venue} n'est pas relié à ce logiciel de caisse (ou le lien est désactivé). Vérifiez "
        "l'identifiant du lieu dans les réglages, et le lien avec le logiciel dans l'espace pro ({pro})."
    ),
    "virtual_title": "Lieu numérique : pas d'offre d'article",
    "virtual": (
        "Le lieu {venue} est un lieu virtuel (offres numériques) : pass Culture n'y accepte pas de livre, "
        "CD ou vinyle. Réglez l'identifiant du lieu physique de la boutique."
    ),
    "price_title": "Prix refusé",
    "price": "Le prix doit être entre 0 € et {maximum} (reçu {price}).",
    "in_progress_title": "Déjà en cours",
    "in_progress": (
        "L'offre de l'EAN {ean} est déjà en préparation ou vient d'être créée : rien n'a été renvoyé "
        "(double lecture ignorée)."
    ),
    "key_title": "Clé d'API refusée ou absente",
    "key": "Vérifiez la clé d'API dans les réglages (F2) ; sans elle, aucune offre ne peut être créée.",
    "refused_title": "Demande refusée",
    "queued_title": "Demande envoyée",
    "queued": "pass Culture crée l'offre…",
    "available_title": "EAN accepté",
    "available": "Ce produit peut être proposé.",
    "unexpected_title": "Résultat inattendu",
    "as_is": "{detail}",
    "name": "{name}",
}
_T = TEMPLATES
_SERVER_WORDS = {503: "server_unavailable", 502: "server_not_answering", 504: "server_not_answering"}
_KINDS = {"livre": "Livre", "CD": "CD", "vinyle": "Vinyle"}


def _message(title_key: str, detail_key: str, tone: Tone, **values: object) -> OfferMessage:
    return OfferMessage(_T[title_key], _T[detail_key], tone, {"pro": PRO_SPACE, **values})


def _ean_refused(outcome: EanRefused) -> OfferMessage:
    if outcome.reason is EanRejection.NOT_FOUND:
        return _message("ean_unknown_title", "ean_unknown", Tone.REFUSED, ean=outcome.ean)
    if outcome.reason is EanRejection.SUBCATEGORY_NOT_ALLOWED:
        return _message("not_allowed_title", "not_allowed", Tone.REFUSED)
    return _message("not_compliant_title", "not_compliant", Tone.REFUSED)


def _over_credit(outcome: OverCredit) -> OfferMessage:
    return _message(
        "over_credit_title", "over_credit", Tone.REFUSED,
        price=format_euros(outcome.price_cents), credit=format_euros(outcome.credit_cents),
        rest=format_euros(outcome.price_cents - outcome.credit_cents),
    )  # fmt: skip


def _ready(outcome: OfferReady) -> OfferMessage:
    offer = outcome.offer
    if outcome.purpose == "close":
        return _message("closed_title", "closed", Tone.GOOD, name=offer.name)
    kind = _KINDS.get(SUBCATEGORY_LABELS.get(offer.subcategory, ""), "Produit")
    return _message(
        "name", "ready", Tone.GOOD,
        name=offer.name, kind=kind, price=format_euros(offer.price_cents or 0), remaining=offer.remaining,
    )  # fmt: skip


def _waiting(outcome: StillWaiting) -> OfferMessage:
    title = "closing_title" if outcome.pending.purpose == "close" else "creating_title"
    return _message(title, "waiting", Tone.WAIT, polls=outcome.polls, elapsed=f"{outcome.elapsed_s:.0f}")


def _troubles(outcome: DeskOutcome) -> OfferMessage | None:
    if isinstance(outcome, RateLimited):
        wait = "" if outcome.retry_after_s is None else f" ({outcome.retry_after_s:.0f} s)"
        return _message("rate_limited_title", "rate_limited", Tone.TROUBLE, wait=wait)
    if isinstance(outcome, NetworkUnreachable | TimedOut):
        return _message("unreachable_title", "unreachable", Tone.TROUBLE, detail=outcome.detail)
    if isinstance(outcome, ServerError):
        detail = _SERVER_WORDS.get(outcome.status_code, "server_failed")
        return _message("server_error_title", detail, Tone.TROUBLE)
    if isinstance(outcome, MalformedResponse):
        return _message("malformed_title", "malformed", Tone.TROUBLE, detail=outcome.detail)
    if isinstance(outcome, JobNeverDone):
        return _message(
            "never_done_title", "never_done", Tone.TROUBLE, waited=f"{outcome.waited_s:.0f}", ean=outcome.ean
        )
    return None


def _refusals(outcome: DeskOutcome) -> OfferMessage | None:
    if isinstance(outcome, VenueNotLinked):
        return _message("venue_title", "venue", Tone.REFUSED, venue=outcome.venue_id)
    if isinstance(outcome, VirtualVenue):
        return _message("virtual_title", "virtual", Tone.REFUSED, venue=outcome.venue_id)
    if isinstance(outcome, PriceRefused):
        return _message(
            "price_title", "price", Tone.REFUSED,
            maximum=format_euros(MAX_PRICE_CENTS), price=format_euros(outcome.price_cents),
        )  # fmt: skip
    if isinstance(outcome, OfferInProgress):
        return _message("in_progress_title", "in_progress", Tone.WAIT, ean=outcome.ean)
    if isinstance(outcome, AuthMissing | AuthInvalid | InactiveProvider):
        return _message("key_title", "key", Tone.REFUSED)
    if isinstance(outcome, InvalidRequest):
        return _message("refused_title", "as_is", Tone.REFUSED, detail=outcome.detail)
    return None


def describe(outcome: DeskOutcome) -> OfferMessage:
    """The French title and explanation of an outcome."""
    if isinstance(outcome, OfferReady):
        return _ready(outcome)
    if isinstance(outcome, StillWaiting):
        return _waiting(outcome)
    if isinstance(outcome, OfferQueued):
        return _message("queued_title", "queued", Tone.WAIT)
    if isinstance(outcome, EanAvailable | ProductOffers):
        return _message("available_title", "available", Tone.GOOD)
    if isinstance(outcome, EanRefused):
        return _ean_refused(outcome)
    if isinstance(outcome, OverCredit):
        return _over_credit(outcome)
    for table in (_troubles, _refusals):
        message = table(outcome)
        if message is not None:
            return message
    return _message("unexpected_title", "as_is", Tone.TROUBLE, detail=type(outcome).__name__)
