"""The emulator's seeded world: three providers, a handful of venues, and one booking per case.

Tokens are fixed so printed demo codes (``pos-client demo-codes``) stay valid across runs; dates are
relative to the emulator's clock at seeding time (and a store reopened from a file has its dates
shifted by the time it was stopped, ``EmulatorStore.skip_downtime``). Every person here is invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from pos_client.emulator.store import BOOK_SUBCATEGORY, EmulatorStore

__all__ = [
    "BOOKSHOP_VENUE_ID",
    "CASES",
    "CINEMA_VENUE_ID",
    "CLOSED_VENUE_ID",
    "CONCERT_VENUE_ID",
    "DEMO_API_KEY",
    "DEMO_API_KEY_2",
    "INACTIVE_LINK_VENUE_ID",
    "INACTIVE_PROVIDER_API_KEY",
    "MUSEUM_VENUE_ID",
    "OTHER_PROVIDER_API_KEY",
    "OTHER_VENUE_ID",
    "SEEDS",
    "THEATRE_VENUE_ID",
    "TOKENS",
    "describe",
    "isbn13_is_valid",
    "seed",
]

DEMO_API_KEY = "demo_poscaisse_5f1c2a7e9b3d4c6a8e0f1a2b3c4d5e6f"
DEMO_API_KEY_2 = "demo_poscaisse_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"  # a second key of the same provider
OTHER_PROVIDER_API_KEY = "demo_autrelogiciel_7e6d5c4b3a291807f6e5d4c3b2a19080"
INACTIVE_PROVIDER_API_KEY = "demo_ancienlogiciel_11223344556677889900aabbccddeeff"

BOOKSHOP_VENUE_ID = 5401
CONCERT_VENUE_ID = 5402
CINEMA_VENUE_ID = 5403
MUSEUM_VENUE_ID = 5404
THEATRE_VENUE_ID = 5405
CLOSED_VENUE_ID = 5406
OTHER_VENUE_ID = 5407
INACTIVE_LINK_VENUE_ID = 5408

SEEDS = ("demo", "empty", "festival")

# case name -> (token, what the till should do, in French)
CASES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "book": ("PETPR2", "Livre « Le Petit Prince », 7,90 € : à valider, la validation doit passer."),
        "book_2": ("ETRNGR", "Livre « L'Étranger », 8,90 € : un second livre à valider."),
        "concert_category": ("CNCRT4", "Concert demain soir, catégorie « Carré or », 25,00 € : à valider."),
        "concert_pit": ("FSSE5C", "Même concert, catégorie « Fosse », 15,00 € : à valider."),
        "duo_cinema": ("DUCN2A", "Séance de cinéma en duo : 2 places à 7,00 €, total 14,00 €, à valider."),
        "museum_pass": ("MUSE4M", "Pass annuel du musée, 20,00 € : à valider."),
        "pending_event": (
            "THEAT3",
            "Théâtre dans 7 jours, réservé il y a une heure : refusé, "
            "validable seulement après le délai d'annulation (48 h).",
        ),
        "used": ("DEJAV7", "Livre déjà validé hier : refusé (déjà validée) ; peut être dé-validée."),
        "cancelled": ("ANNUL3", "Réservation annulée par le bénéficiaire : refusée (annulée)."),
        "reimbursed": ("REMBR5", "Réservation déjà remboursée au lieu : refusée (remboursée)."),
        "closed_structure": ("FERME6", "Structure fermée : refusée (structure fermée)."),
        "other_venue": ("AUTRE2", "Réservation d'un lieu qui n'est pas le nôtre : introuvable."),
        "expired": (
            "EXPR7D",
            "Livre réservé il y a 12 jours et jamais retiré : expiré (10 jours), donc annulé.",
        ),
        "expired_other": (
            "CDEXP3",
            "CD réservé il y a 31 jours et jamais retiré : expiré (30 jours hors livres), donc annulé.",
        ),
        "inactive_link": ("LNKHS4", "Lieu dont le lien avec notre logiciel est désactivé : introuvable."),
        "activation_code": (
            "CDACT5",
            "Produit numérique à code d'activation, déjà validé : ne peut pas être dé-validé.",
        ),
        "free_museum_card": (
            "GRATU5",
            "Carte musée gratuite : validée automatiquement dès la réservation (410 au premier scan) ; "
            "la caisse dit qu'elle a été validée à la réservation, pas « ne remettez pas ».",
        ),
        "moved_event": (
            "DEPLC6",
            "Spectacle validé puis déplacé de plus de 48 h par le lieu : la plateforme l'a remis à "
            "retirer ; validable de nouveau à partir de la nouvelle date affichée.",
        ),
    }
)
TOKENS: Mapping[str, str] = MappingProxyType({case: token for case, (token, _) in CASES.items()})


def describe(case: str) -> str:
    """What the till should do with this demo case, in one French line."""
    return CASES[case][1]


def isbn13_is_valid(ean: str) -> bool:
    if len(ean) != 13 or not ean.isdigit():
        return False
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(ean))
    return total % 10 == 0


_PEOPLE: list[dict[str, Any]] = [
    {
        "user_email": "lea.dubois@example.com",
        "user_first_name": "Léa",
        "user_last_name": "Dubois",
        "user_phone": "+33611223344",
        "user_birth_date": "2007-05-02",
        "user_postal_code": "75011",
    },
    {
        "user_email": "yanis.morel@example.com",
        "user_first_name": "Yanis",
        "user_last_name": "Morel",
        "user_phone": "+33622334455",
        "user_birth_date": "2006-11-19",
        "user_postal_code": "93100",
    },
    {
        "user_email": "ines.garnier@example.com",
        "user_first_name": "Inès",
        "user_last_name": "Garnier",
        "user_phone": None,
        "user_birth_date": "2008-01-30",
        "user_postal_code": "13005",
    },
]


def _install_world(store: EmulatorStore) -> dict[str, int]:
    demo = store.add_provider("Caisse pos-client (démo)", [DEMO_API_KEY, DEMO_API_KEY_2])
    other = store.add_provider("Autre logiciel de billetterie", [OTHER_PROVIDER_API_KEY])
    store.add_provider("Ancien logiciel désactivé", [INACTIVE_PROVIDER_API_KEY], is_active=False)
    venues: list[tuple[int, str, str | None, str, list[int], dict[str, Any]]] = [
        (BOOKSHOP_VENUE_ID, "Librairie Les Mots Passants", "12 rue des Écoles", "75", [demo, other], {}),
        (CONCERT_VENUE_ID, "Salle Étoile Concerts", "8 boulevard Voltaire", "75", [demo], {}),
        (CINEMA_VENUE_ID, "Cinéma Le Lumière", "3 place de la Gare", "69", [demo], {}),
        (MUSEUM_VENUE_ID, "Musée de la Ville", "1 quai des Arts", "33", [demo], {}),
        (THEATRE_VENUE_ID, "Théâtre du Port", "20 quai du Port", "13", [demo], {}),
        (
            CLOSED_VENUE_ID,
            "Bouquinerie du Coin (fermée)",
            "5 rue Basse",
            "75",
            [demo],
            {"offerer_closed": True},
        ),
        (OTHER_VENUE_ID, "Librairie Voisine", "40 avenue du Parc", "92", [other], {}),
        (INACTIVE_LINK_VENUE_ID, "Médiathèque Partenaire", None, "94", [demo], {"link_active": False}),
    ]
    for venue_id, name, street, department, providers, extra in venues:
        store.add_venue(
            name,
            venue_id=venue_id,
            street=street,
            department_code=department,
            provider_ids=providers,
            **extra,
        )
    return {"demo": demo, "other": other}


# case -> (venue, offer name, unit price in cents, booked how long ago, other fields)
_BOOK = {"subcategory": BOOK_SUBCATEGORY, "can_expire": True}
_PRODUCT = {"subcategory": "SUPPORT_PHYSIQUE_AUTRE", "can_expire": False}
_BOOKINGS: list[tuple[str, int, str, int, timedelta, dict[str, Any]]] = [
    ("book", BOOKSHOP_VENUE_ID, "Le Petit Prince", 790, timedelta(days=2), {**_BOOK, "ean": "9782070612758"}),
    ("book_2", BOOKSHOP_VENUE_ID, "L'Étranger", 890, timedelta(days=1), {**_BOOK, "ean": "9782070360024"}),
    (
        "concert_category",
        CONCERT_VENUE_ID,
        "Concert : Les Nuits Électriques",
        2500,
        timedelta(days=3),
        {"subcategory": "CONCERT", "price_category": "Carré or", "starts_in": timedelta(0)},
    ),
    (
        "concert_pit",
        CONCERT_VENUE_ID,
        "Concert : Les Nuits Électriques",
        1500,
        timedelta(days=2),
        {"subcategory": "CONCERT", "price_category": "Fosse", "starts_in": timedelta(0)},
    ),
    (
        "duo_cinema",
        CINEMA_VENUE_ID,
        "Ciné-club : Les Enfants du paradis",
        700,
        timedelta(days=4),
        {"subcategory": "SEANCE_CINE", "quantity": 2, "starts_in": timedelta(hours=1)},
    ),
    (
        "museum_pass",
        MUSEUM_VENUE_ID,
        "Pass annuel du Musée de la Ville",
        2000,
        timedelta(days=6),
        {**_PRODUCT, "subcategory": "CARTE_MUSEE"},
    ),
    (
        "pending_event",
        THEATRE_VENUE_ID,
        "Théâtre : Cyrano de Bergerac",
        1500,
        timedelta(hours=1),
        {"subcategory": "SPECTACLE_REPRESENTATION", "starts_in": timedelta(days=6)},
    ),
    (
        "used",
        BOOKSHOP_VENUE_ID,
        "Les Misérables (tome 1)",
        990,
        timedelta(days=5),
        {**_BOOK, "ean": "9782253096344", "status": "USED", "used_ago": timedelta(days=1)},
    ),
    (
        "cancelled",
        BOOKSHOP_VENUE_ID,
        "Bel-Ami",
        450,
        timedelta(days=3),
        {**_BOOK, "ean": "9782253004332", "status": "CANCELLED"},
    ),
    (
        "reimbursed",
        BOOKSHOP_VENUE_ID,
        "Germinal",
        690,
        timedelta(days=40),
        {**_BOOK, "ean": "9782253004226", "status": "REIMBURSED", "used_ago": timedelta(days=35)},
    ),
    ("closed_structure", CLOSED_VENUE_ID, "Vinyle : Chansons d'hier", 1800, timedelta(days=2), _PRODUCT),
    ("other_venue", OTHER_VENUE_ID, "Bande dessinée : Astérix", 1099, timedelta(days=2), _PRODUCT),
    ("expired", BOOKSHOP_VENUE_ID, "Candide", 350, timedelta(days=12), {**_BOOK, "ean": "9782070360543"}),
    (
        "expired_other",
        BOOKSHOP_VENUE_ID,
        "CD : Chansons du Port (album)",
        1299,
        timedelta(days=31),
        {"subcategory": "SUPPORT_PHYSIQUE_MUSIQUE_CD", "can_expire": True, "ean": "3700187679637"},
    ),
    ("inactive_link", INACTIVE_LINK_VENUE_ID, "Atelier d'écriture", 500, timedelta(days=2), _PRODUCT),
    (
        "activation_code",
        MUSEUM_VENUE_ID,
        "Visite virtuelle du Musée",
        500,
        timedelta(days=3),
        {
            **_PRODUCT,
            "subcategory": "VISITE_VIRTUELLE",
            "status": "USED",
            "activation_code": "XK42-9PQ3-77LM",
        },
    ),
    (
        "free_museum_card",
        MUSEUM_VENUE_ID,
        "Carte jeune du Musée de la Ville",
        0,
        timedelta(days=1),
        {**_PRODUCT, "subcategory": "CARTE_MUSEE"},
    ),
    (
        "moved_event",
        THEATRE_VENUE_ID,
        "Théâtre : Le Malade imaginaire",
        1200,
        timedelta(days=5),
        {"subcategory": "SPECTACLE_REPRESENTATION", "starts_in": timedelta(0), "status": "USED",
         "used_ago": timedelta(hours=2), "moved_to": timedelta(days=10)},
    ),
]


def seed(store: EmulatorStore, name: str) -> None:
    """Fill an empty store: ``empty`` gives providers and venues only, ``demo`` adds every case."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r} (choose from {', '.join(SEEDS)})")
    _install_world(store)
    if name == "empty":
        return
    now = store.clock.now()
    # Events start from tomorrow 19:00 UTC: booked days ago, they are already confirmed.
    evening = (now + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    for index, (case, venue_id, offer_name, price_cents, booked_ago, extra) in enumerate(_BOOKINGS):
        fields = dict(extra)
        starts_in: timedelta | None = fields.pop("starts_in", None)
        used_ago: timedelta | None = fields.pop("used_ago", None)
        moved_to: timedelta | None = fields.pop("moved_to", None)
        store.create_booking(
            token=TOKENS[case], venue_id=venue_id, offer_name=offer_name, price_cents=price_cents,
            created_at=now - booked_ago, event_starts_at=None if starts_in is None else evening + starts_in,
            used_at=None if used_ago is None else now - used_ago, **_PEOPLE[index % len(_PEOPLE)], **fields,
        )  # fmt: skip
        if moved_to is not None:  # the venue moved the show after this booking was validated
            store.move_event(TOKENS[case], evening + moved_to)
    if name == "festival":  # the demo's cases and a three-evening festival (gate mode)
        from pos_client.emulator import festival

        festival.install(store)
