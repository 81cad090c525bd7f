"""The one catalogue of the offer desk's texts, in French (the window translates them through the
gettext catalogue): a title and what to do, for every outcome of ``OfferDesk``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from pos_client.offers.desk import DeskOutcome, OfferReady, StillWaiting

__all__ = ["OfferMessage", "Tone", "describe"]

PRO_SPACE = "passculture.pro"


class Tone(Enum):
    GOOD = "good"
    WAIT = "wait"
    REFUSED = "refused"
    TROUBLE = "trouble"


@dataclass(frozen=True)
class OfferMessage:
    title: str
    detail: str
    tone: Tone


def _ean_refused(outcome: EanRefused) -> OfferMessage:
    if outcome.reason is EanRejection.NOT_FOUND:
        return OfferMessage(
            f"EAN {outcome.ean} inconnu de pass Culture",
            "Ce produit n'est pas dans la base de produits de pass Culture : l'offre ne peut pas être "
            f"créée par son EAN. Créez-la à la main dans l'espace pro ({PRO_SPACE}, « Créer une offre », "
            "sans EAN), ou proposez au jeune un autre article.",
            Tone.REFUSED,
        )
    if outcome.reason is EanRejection.SUBCATEGORY_NOT_ALLOWED:
        return OfferMessage(
            "Ce type de produit ne peut pas être proposé par EAN",
            "Seuls les livres papier, les CD et les vinyles peuvent être mis en offre depuis la caisse. "
            "Pour un autre produit éligible (DVD, instrument…), créez l'offre dans l'espace pro "
            f"({PRO_SPACE}).",
            Tone.REFUSED,
        )
    return OfferMessage(
        "Produit non conforme aux conditions de pass Culture",
        "pass Culture refuse ce produit (non conforme à ses conditions générales d'utilisation) : il ne "
        "peut pas être réservé avec le pass. Proposez un autre article.",
        Tone.REFUSED,
    )


def _over_credit(outcome: OverCredit) -> OfferMessage:
    rest = outcome.price_cents - outcome.credit_cents
    return OfferMessage(
        "Prix supérieur au crédit restant du jeune",
        f"L'article coûte {format_euros(outcome.price_cents)} et il reste "
        f"{format_euros(outcome.credit_cents)} au jeune : l'application refuserait la réservation. "
        "Le guide des partenaires permet un bon « à compléter par le jeune » : créez l'offre au montant "
        f"de son crédit ({format_euros(outcome.credit_cents)}) et encaissez le reste "
        f"({format_euros(rest)}) en caisse, payé par le jeune.",
        Tone.REFUSED,
    )


def _ready(outcome: OfferReady) -> OfferMessage:
    offer = outcome.offer
    kind = SUBCATEGORY_LABELS.get(offer.subcategory, "produit")
    if outcome.purpose == "close":
        return OfferMessage(
            f"Offre fermée : {offer.name}",
            "Stock à 0 : personne d'autre ne peut la réserver. Les réservations déjà faites restent "
            "valables.",
            Tone.GOOD,
        )
    price = format_euros(offer.price_cents or 0)
    return OfferMessage(
        offer.name,
        f"{kind[0].upper()}{kind[1:]}, {price}, {offer.remaining} disponible(s). "
        "Le jeune scanne ce QR code avec "
        "son téléphone, réserve dans l'application, puis montre sa contremarque.",
        Tone.GOOD,
    )


def _waiting(outcome: StillWaiting) -> OfferMessage:
    what = "Fermeture de l'offre" if outcome.pending.purpose == "close" else "Création de l'offre"
    return OfferMessage(
        f"{what} en cours…",
        f"pass Culture traite la demande (vérification {outcome.polls}, {outcome.elapsed_s:.0f} s). "
        "Cela prend en général quelques secondes.",
        Tone.WAIT,
    )


def _troubles(outcome: DeskOutcome) -> OfferMessage | None:
    if isinstance(outcome, RateLimited):
        wait = "" if outcome.retry_after_s is None else f" (environ {outcome.retry_after_s:.0f} s)"
        return OfferMessage(
            "Trop de requêtes pour la clé d'API",
            f"La limite de 200 requêtes par minute est atteinte{wait}. La caisse réessaie d'elle-même ; "
            "rien n'est perdu.",
            Tone.TROUBLE,
        )
    if isinstance(outcome, NetworkUnreachable | TimedOut):
        return OfferMessage(
            "Serveur injoignable", f"{outcome.detail} Réessayez dans un instant.", Tone.TROUBLE
        )
    if isinstance(outcome, ServerError):
        return OfferMessage(
            "Erreur du serveur pass Culture",
            f"Le serveur a répondu {outcome.status_code}. Réessayez dans un instant.",
            Tone.TROUBLE,
        )
    if isinstance(outcome, MalformedResponse):
        return OfferMessage(
            "Réponse illisible",
            f"{outcome.detail}. Réessayez ; si cela dure, prévenez le support.",
            Tone.TROUBLE,
        )
    if isinstance(outcome, JobNeverDone):
        return OfferMessage(
            "L'offre n'est pas apparue",
            "pass Culture a accepté la demande mais l'offre n'est pas visible après "
            f"{outcome.waited_s:.0f} s. "
            f"Vérifiez dans l'espace pro ({PRO_SPACE}) : l'offre de l'EAN {outcome.ean} sur ce lieu, son "
            "stock et son prix ; le produit a pu être retiré de la base entre-temps. Vous pouvez "
            "relancer : une demande identique ne crée pas de doublon.",
            Tone.TROUBLE,
        )
    return None


def _refusals(outcome: DeskOutcome) -> OfferMessage | None:
    if isinstance(outcome, VenueNotLinked):
        return OfferMessage(
            "Lieu non rattaché à la clé d'API",
            f"Le lieu {outcome.venue_id} n'est pas relié à ce logiciel de caisse (ou le lien est désactivé). "
            "Vérifiez l'identifiant du lieu dans les réglages, et le lien avec le logiciel dans "
            "l'espace pro "
            f"({PRO_SPACE}).",
            Tone.REFUSED,
        )
    if isinstance(outcome, VirtualVenue):
        return OfferMessage(
            "Lieu numérique : pas d'offre d'article",
            f"Le lieu {outcome.venue_id} est un lieu virtuel (offres numériques) : pass Culture n'y accepte "
            "pas de livre, CD ou vinyle. Réglez l'identifiant du lieu physique de la boutique.",
            Tone.REFUSED,
        )
    if isinstance(outcome, PriceRefused):
        return OfferMessage(
            "Prix refusé",
            f"Le prix doit être entre 0 € et {format_euros(MAX_PRICE_CENTS)} (reçu "
            f"{format_euros(outcome.price_cents)}).",
            Tone.REFUSED,
        )
    if isinstance(outcome, OfferInProgress):
        return OfferMessage(
            "Déjà en cours",
            f"L'offre de l'EAN {outcome.ean} est déjà en préparation ou vient d'être créée : rien n'a été "
            "renvoyé (double lecture ignorée).",
            Tone.WAIT,
        )
    if isinstance(outcome, AuthMissing | AuthInvalid | InactiveProvider):
        return OfferMessage(
            "Clé d'API refusée ou absente",
            "Vérifiez la clé d'API dans les réglages (F2) ; sans elle, aucune offre ne peut être créée.",
            Tone.REFUSED,
        )
    if isinstance(outcome, InvalidRequest):
        return OfferMessage("Demande refusée", outcome.detail, Tone.REFUSED)
    return None


def describe(outcome: DeskOutcome) -> OfferMessage:
    """The French title and explanation of an outcome."""
    if isinstance(outcome, OfferReady):
        return _ready(outcome)
    if isinstance(outcome, StillWaiting):
        return _waiting(outcome)
    if isinstance(outcome, OfferQueued):
        return OfferMessage("Demande envoyée", "pass Culture crée l'offre…", Tone.WAIT)
    if isinstance(outcome, EanAvailable | ProductOffers):
        return OfferMessage("EAN accepté", "Ce produit peut être proposé.", Tone.GOOD)
    if isinstance(outcome, EanRefused):
        return _ean_refused(outcome)
    if isinstance(outcome, OverCredit):
        return _over_credit(outcome)
    for table in (_troubles, _refusals):
        message = table(outcome)
        if message is not None:
            return message
    return OfferMessage("Résultat inattendu", type(outcome).__name__, Tone.TROUBLE)
