"""The offer made at the till (issue 21): scan an EAN, put the product on pass Culture for this venue,
wait for the asynchronous job within the rate budget, show the offer's link, close it afterwards.

Like an adapter room, it imports only the domain and the infrastructure: the desk talks to the API
through the domain's ``ProductsApi`` port; the window (``pos_client.ui.offer_panel``) and the command
line (``pos_client.cli.offer``) compose it with ``pos_client.api.products`` (``pos_client.app.offer``).
"""

from pos_client.offers.desk import OfferDesk, OfferReady, StillWaiting
from pos_client.offers.pending import DeskState, MadeOffer, PendingOffer, PendingStore

__all__ = [
    "DeskState",
    "MadeOffer",
    "OfferDesk",
    "OfferReady",
    "PendingOffer",
    "PendingStore",
    "StillWaiting",
]
