"""The offer desk composed (no Qt): the product client on the till's server and key, the desk's state
file in the data folder, the venue from the settings (the demo's bookshop in demo mode).

The window (``pos_client.ui.offer_panel``) and the command line (``pos_client.cli.offer``) build
their desk here, so both wait, resume and close the same way.
"""

from __future__ import annotations

from pathlib import Path

from pos_client.api.products import ProductsClient
from pos_client.app.backend import client_config
from pos_client.emulator import demo_data
from pos_client.offers import OfferDesk, PendingStore
from pos_client.paths import AppPaths
from pos_client.settings import Settings

__all__ = ["DEMO_DESK_FILE", "DESK_FILE", "open_offer_desk", "venue_for"]

DESK_FILE = "offer-desk.json"
DEMO_DESK_FILE = "demo-offer-desk.json"


def venue_for(settings: Settings, *, demo: bool) -> int:
    """The venue the till's offers are made for: the settings' one, or the demo's bookshop."""
    if settings.offer.venue_id > 0:
        return settings.offer.venue_id
    return demo_data.BOOKSHOP_VENUE_ID if demo else 0


def desk_file(paths: AppPaths, *, demo: bool) -> Path:
    return paths.data_dir / (DEMO_DESK_FILE if demo else DESK_FILE)


def open_offer_desk(
    base_url: str, api_key: str | None, settings: Settings, paths: AppPaths, *, demo: bool = False
) -> OfferDesk:
    """A desk on ``base_url`` (``InsecureUrlError`` for a bad address); close ``desk.api`` after use."""
    client = ProductsClient(base_url, api_key, client_config(settings))
    return OfferDesk(
        client,
        PendingStore(desk_file(paths, demo=demo)),
        venue_id=venue_for(settings, demo=demo),
        wait_s=settings.offer.wait_s,
    )
