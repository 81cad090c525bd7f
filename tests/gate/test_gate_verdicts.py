"""Each verdict of the gate, from memory: the roster, this gate's entries, and the claims."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pos_client.domain.booking import BookingStatus
from pos_client.gate.claims import MemoryClaims
from pos_client.gate.roster import Person, RosterEntry
from pos_client.gate.service import Gate, token_from_scan
from pos_client.gate.store import GateStore
from pos_client.gate.verdict import Colour, GateScope, Verdict, VerdictKind
from pos_client.i18n import Translator, catalogue

FRIDAY = datetime(2026, 7, 10, 18, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 7, 11, 18, 0, tzinfo=UTC)
OFFER = "Festival Les Nuits du Port"


def _entry(token: str, **changes: object) -> RosterEntry:
    values: dict[str, object] = {
        "token": token, "offer_name": OFFER, "starts_at": FRIDAY, "price_label": "Fosse", "quantity": 1,
        "status": BookingStatus.CONFIRMED,
    }  # fmt: skip
    values.update(changes)
    return RosterEntry(**values)  # type: ignore[arg-type]


@pytest.fixture
def gate(tmp_path: Path) -> Gate:
    store = GateStore(tmp_path / "gate.sqlite3")
    moments = iter([datetime(2026, 7, 10, 20, 14, tzinfo=UTC), datetime(2026, 7, 10, 20, 30, tzinfo=UTC)])
    gate = Gate("B", store, MemoryClaims(), GateScope(frozenset({OFFER}), frozenset({date(2026, 7, 10)})),
                now=lambda: next(moments))  # fmt: skip
    gate.add_to_roster(
        [
            _entry("AAAAAA"),
            _entry("DUODUO", quantity=2, price_label="Carré or"),
            _entry("CANCEL", status=BookingStatus.CANCELLED),
            _entry("SATURD", starts_at=SATURDAY, price_label="Gradins"),
            _entry("NONAME"),
        ],
        {"AAAAAA": Person("Léa Dubois", date(2007, 5, 2)), "DUODUO": Person("Yanis Morel", None)},
    )
    return gate


def test_single_entry_is_green_with_the_name(gate: Gate) -> None:
    verdict = gate.scan("PASSCULTURE:v3;TOKEN:AAAAAA")
    assert (verdict.kind, verdict.colour, verdict.headline) == (
        VerdictKind.ADMIT,
        Colour.GREEN,
        "Entrée : 1 personne",
    )
    assert verdict.name == "Léa Dubois" and not verdict.name_unavailable


def test_duo_admits_two(gate: Gate) -> None:
    verdict = gate.scan("duoduo")
    assert verdict.headline == "Duo : 2 personnes" and verdict.persons == 2 and verdict.name == "Yanis Morel"


def test_a_second_scan_after_entry_is_red_with_time_and_gate(gate: Gate) -> None:
    admitted = gate.confirm(gate.scan("AAAAAA"))
    assert admitted.kind is VerdictKind.ADMIT
    again = gate.scan("AAAAAA")
    assert again.colour is Colour.RED
    expected_time = datetime(2026, 7, 10, 20, 14, tzinfo=UTC).astimezone().strftime("%H:%M")
    assert again.headline == f"Déjà entrée à {expected_time} (porte B)"


def test_cancelled_is_red(gate: Gate) -> None:
    verdict = gate.scan("CANCEL")
    assert (verdict.kind, verdict.headline) == (VerdictKind.CANCELLED, "Réservation annulée")


def test_other_date_is_red_and_names_the_right_one(gate: Gate) -> None:
    verdict = gate.scan("SATURD")
    assert (
        verdict.kind is VerdictKind.WRONG_EVENT and verdict.headline == "Pas pour cette date / ce spectacle"
    )
    assert OFFER in verdict.detail and "11/07" in verdict.detail and "Gradins" in verdict.detail


def test_unknown_is_amber(gate: Gate) -> None:
    verdict = gate.scan("ZZZZZZ")
    assert (verdict.kind, verdict.colour, verdict.headline) == (
        VerdictKind.UNKNOWN,
        Colour.AMBER,
        "Inconnue : vérifier",
    )


def test_unreadable_scan_is_amber(gate: Gate) -> None:
    assert gate.scan("hello").colour is Colour.AMBER


def test_a_missing_name_is_said(gate: Gate) -> None:
    verdict = gate.scan("NONAME")
    assert verdict.kind is VerdictKind.ADMIT and verdict.name is None and verdict.name_unavailable


def test_counters_per_day_and_gate(gate: Gate) -> None:
    gate.confirm(gate.scan("AAAAAA"))
    gate.confirm(gate.scan("DUODUO"))
    counters = gate.counters()
    assert counters.entered_by_day == {date(2026, 7, 10): 3}
    assert counters.entered_by_gate == {"B": 3}
    assert counters.expected_by_day == {date(2026, 7, 10): 4, date(2026, 7, 11): 1}


def test_token_from_scan() -> None:
    assert token_from_scan("PASSCULTURE:v2;EAN13:9782070612758;TOKEN:352uw4") == "352UW4"
    assert token_from_scan("PASSCULTURE:v3;NOTOKEN") is None


def test_every_verdict_has_its_english_texts(gate: Gate) -> None:
    english = catalogue("en")
    verdicts = [
        gate.scan(code) for code in ("AAAAAA", "DUODUO", "CANCEL", "SATURD", "ZZZZZZ", "hello", "NONAME")
    ]
    verdicts.append(gate.confirm(gate.scan("AAAAAA")))
    verdicts.append(gate.scan("AAAAAA"))
    for verdict in verdicts:
        for template in verdict.templates if verdict.templates[0] else (verdict.headline, verdict.detail):
            assert not template or template in english, template
    duo = Verdict.render(gate.scan("DUODUO"), Translator("en"))
    assert duo == ("Duo: 2 people", f"{OFFER} on 10/07 at {FRIDAY.astimezone().strftime('%H:%M')} (Carré or)")
    again = gate.scan("AAAAAA").render(Translator("en"))
    assert again[0].startswith("Already in at ") and again[0].endswith("(gate B)")
