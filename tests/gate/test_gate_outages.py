"""Outages, a restart during an outage, two gates racing on one code, validation exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pos_client.api.client import BookingsClient
from pos_client.api.null import UnconfiguredServer
from pos_client.app.gate import GateSession
from pos_client.emulator import RunningEmulator
from pos_client.emulator.faults import Fault, FaultKind
from pos_client.gate.claims import FileClaims, SwitchableClaims
from pos_client.gate.store import GateStore
from pos_client.gate.verdict import Colour, VerdictKind

GateOpener = Callable[..., GateSession]  # the ``open_test_gate`` fixture (tests/gate/conftest.py)


def _tonight(session_gate: object) -> list[str]:
    gate = session_gate
    return sorted(
        e.token
        for e in gate.roster.by_token.values()  # type: ignore[attr-defined]
        if e.day in gate.scope.days and e.status.value == "CONFIRMED"  # type: ignore[attr-defined]
    )


def test_the_gate_admits_from_memory_while_the_network_is_cut(
    api: BookingsClient, festival_emulator: RunningEmulator, export_text: str, open_test_gate: GateOpener
) -> None:
    session = open_test_gate(api, export_text=export_text)
    assert session.refresher.load_all(sleep=lambda _: None)
    festival_emulator.control.inject_fault(Fault(FaultKind.DROP_BEFORE_COMMIT, count=None))
    seen = len(festival_emulator.control.requests_seen())
    tokens = _tonight(session.gate)[:5]
    for token in tokens:
        assert session.gate.confirm(session.gate.scan(token)).kind is VerdictKind.ADMIT
    assert len(festival_emulator.control.requests_seen()) == seen  # scanning never calls the API
    failures = session.refresher.status.failures
    session.refresher.step()
    assert session.refresher.status.failures == failures + 1
    festival_emulator.control.clear_faults()
    session.refresher.step()
    assert session.refresher.status.failures == failures + 1 and session.refresher.status.last_success


def test_a_restart_during_an_outage_keeps_entries_and_says_names_are_unavailable(
    api: BookingsClient, export_text: str, open_test_gate: GateOpener, tmp_path: Path
) -> None:
    store_path = tmp_path / "gate-restart.sqlite3"
    first = open_test_gate(api, "A", export_text=export_text, store_path=store_path)
    assert first.refresher.load_all(sleep=lambda _: None)
    entered, waiting = _tonight(first.gate)[:2]
    assert first.gate.confirm(first.gate.scan(entered)).kind is VerdictKind.ADMIT
    assert first.gate.scan(waiting).name
    first.close()
    names = {p.full_name for p in first.gate.roster.names.values()}
    on_disk = store_path.read_bytes() + (
        store_path.with_name(store_path.name + "-wal").read_bytes()
        if store_path.with_name(store_path.name + "-wal").exists()
        else b""
    )
    assert not any(name.encode() in on_disk for name in list(names)[:200])  # no personal data kept

    again = open_test_gate(UnconfiguredServer("réseau coupé"), "A", store_path=store_path)
    assert again.gate.names_lost
    verdict = again.gate.scan(waiting)
    assert verdict.kind is VerdictKind.ADMIT and verdict.name is None and verdict.name_unavailable
    assert again.gate.scan(entered).kind is VerdictKind.ALREADY_IN


def test_two_gates_racing_on_one_code_admit_it_once(
    api: BookingsClient, export_text: str, open_test_gate: GateOpener, tmp_path: Path
) -> None:
    claims_path = tmp_path / "claims.sqlite3"
    gate_a = open_test_gate(api, "A", export_text=export_text, claims_path=claims_path).gate
    gate_b = open_test_gate(api, "B", export_text=export_text, claims_path=claims_path).gate
    token = _tonight(gate_a)[0]
    both_green = [gate_a.scan(token), gate_b.scan(token)]
    assert all(v.kind is VerdictKind.ADMIT for v in both_green)  # scanned within the same second
    start = threading.Barrier(2)
    finals = {}

    def let_in(name: str, gate: object, verdict: object) -> None:
        start.wait()
        finals[name] = gate.confirm(verdict)  # type: ignore[attr-defined]

    threads = [
        threading.Thread(target=let_in, args=(n, g, v))
        for n, g, v in zip("AB", (gate_a, gate_b), both_green, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = sorted(v.kind.value for v in finals.values())
    assert kinds == ["admit", "already_in"]
    loser = next(name for name, v in finals.items() if v.kind is VerdictKind.ALREADY_IN)
    winner = "B" if loser == "A" else "A"
    assert finals[loser].colour is Colour.RED and f"(porte {winner})" in finals[loser].headline
    assert (gate_a if loser == "A" else gate_b).scan(token).kind is VerdictKind.ALREADY_IN


def test_with_the_claims_down_both_admit_and_the_reentry_is_listed_later(
    api: BookingsClient, export_text: str, open_test_gate: GateOpener, tmp_path: Path
) -> None:
    shared = FileClaims(tmp_path / "claims.sqlite3")
    switch_a, switch_b = SwitchableClaims(shared), SwitchableClaims(shared)
    gate_a = open_test_gate(api, "A", export_text=export_text, claims=switch_a).gate
    gate_b = open_test_gate(api, "B", export_text=export_text, claims=switch_b).gate
    token = _tonight(gate_a)[0]
    switch_b.down = True
    assert gate_a.confirm(gate_a.scan(token)).kind is VerdictKind.ADMIT
    assert gate_b.confirm(gate_b.scan(token)).kind is VerdictKind.ADMIT  # alone, it cannot know
    switch_b.down = False
    late = gate_b.reconcile_claims()
    assert [(r.token, r.our_gate, r.first_gate) for r in late] == [(token, "B", "A")]
    assert gate_b.store.late_reentries()[0].token == token


def test_validations_go_out_once_even_across_a_restart(
    api: BookingsClient,
    festival_emulator: RunningEmulator,
    export_text: str,
    open_test_gate: GateOpener,
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "gate-validate.sqlite3"
    session = open_test_gate(api, export_text=export_text, store_path=store_path, validate_on_entry=True)
    tokens = _tonight(session.gate)[:3]
    for token in tokens:
        session.gate.confirm(session.gate.scan(token))
    festival_emulator.control.inject_fault(Fault(FaultKind.DROP_AFTER_COMMIT, count=1, path_contains="/use/"))
    assert session.worker.validations.step()  # lost answer: the client re-reads, the booking is used
    session.close()
    store = GateStore(store_path)
    assert store.validation_counts().get("done") == 1
    store.close()
    reopened = open_test_gate(api, store_path=store_path, export_text=None)
    while reopened.worker.validations.step():
        pass
    assert reopened.gate.store.validation_counts() == {"done": 3}
    uses = [r for r in festival_emulator.control.requests_seen() if r.method == "PATCH" and "/use/" in r.path]
    assert sorted(r.path.rsplit("/", 1)[1] for r in uses) == sorted(tokens)
    for token in tokens:
        assert festival_emulator.control.booking_state(token)["status"] == "USED"
