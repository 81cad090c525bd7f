"""The offer room keeps to the adapter rule (domain and infrastructure only); the window and the command
line compose it. Checked with the architecture test's own import walk."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest
from test_architecture import DOMAIN, INFRASTRUCTURE, Edge, import_edges, room


@pytest.fixture(scope="module")
def all_edges() -> list[Edge]:
    return import_edges()


def test_the_offer_room_imports_only_the_domain_and_infrastructure(all_edges: list[Edge]) -> None:
    edges = [edge for edge in all_edges if room(edge.importer) == "offers"]
    assert edges, "the walk found no import from pos_client.offers"
    allowed = {"offers", DOMAIN, "", *INFRASTRUCTURE}
    offences = [
        f"{edge.importer} imports {edge.imported}" for edge in edges if room(edge.imported) not in allowed
    ]
    assert not offences, offences


def test_the_product_client_and_emulator_import_no_room_of_the_till(all_edges: list[Edge]) -> None:
    for module in (
        "pos_client.api.products",
        "pos_client.emulator.products",
        "pos_client.emulator.ean_barcode",
    ):
        targets = {room(edge.imported) for edge in all_edges if edge.importer == module}
        assert targets <= {room(module), DOMAIN, "", *INFRASTRUCTURE}, (module, targets)
