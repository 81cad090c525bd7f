"""Gate mode on the shared ledger (issue 19) against a real PostgreSQL: the entry-claims port, gates
racing on one code (threads and processes), the ledger down then back, a restart during an outage,
counters across gates, and the API key's request budget shared with the tills."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from ledger_fixtures import ROLE_PASSWORD, TILL_ROLES, LedgerDb, child_env
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "client"))
from memory_keyring import MemoryKeyring  # the client tests' in-memory keyring backend

from pos_client.api.null import UnconfiguredServer
from pos_client.app.gate import GateSession, GateSetup, gate_store_path, join_ledger, open_gate
from pos_client.cli import main
from pos_client.domain.gate import AlreadyClaimed, Claimed, ClaimResult, ClaimsUnavailable, EntryTally
from pos_client.emulator import RunningEmulator, festival
from pos_client.gate.roster import RosterEntry, parse_export
from pos_client.gate.verdict import VerdictKind
from pos_client.ledger.budget import SharedRateBudget, key_digest
from pos_client.ledger.connection import LedgerLink
from pos_client.ledger.errors import LedgerError
from pos_client.ledger.gate_entries import LedgerEntryClaims, LedgerGateBudget
from pos_client.paths import AppPaths
from pos_client.settings import LedgerSettings, Settings

GATE_CHILD = Path(__file__).with_name("gate_ledger_child.py")
API_URL = "http://127.0.0.1:9"
API_KEY = "festival-test-key-0123456789"
EVENING = date(2026, 7, 10)
AT = datetime(2026, 7, 10, 20, 14, tzinfo=UTC)


@pytest.fixture(scope="module")
def festival_export() -> tuple[str, list[RosterEntry]]:
    """The festival's export and tonight's confirmed codes (the emulator is only needed for them)."""
    with RunningEmulator.start(seed="festival") as emulator:
        export = emulator.control.festival_export()
        tonight = festival.festival_evenings(emulator.control.now())[0].date()
    entries, _, _ = parse_export(export)
    confirmed = [e for e in entries if e.day == tonight and e.status.value == "CONFIRMED"]
    return export, sorted(confirmed, key=lambda e: e.token)


def _settings(ledger_db: LedgerDb, role: str) -> Settings:
    ledger = LedgerSettings(
        enabled=True, host="127.0.0.1", port=ledger_db.server.port, dbname=ledger_db.dbname, user=role,
        sslmode="disable",
    )  # fmt: skip
    return Settings(till_name="festival", ledger=ledger)


@pytest.fixture
def open_ledger_gate(
    ledger_db: LedgerDb, tmp_path: Path, festival_export: tuple[str, list[RosterEntry]]
) -> Iterator[object]:
    """Opens gate sessions composed as ``pos-client --gate`` with a ``[ledger]`` section (no API: the
    verdicts come from memory)."""
    opened: list[GateSession] = []
    export, confirmed = festival_export

    def make(
        name: str, role: str, *, from_export: bool = True, store_path: Path | None = None
    ) -> GateSession:
        setup = GateSetup(
            name=name, venue_id=festival.FESTIVAL_VENUE_ID,
            store_path=store_path or tmp_path / f"gate-{name}.sqlite3",
            days=frozenset({confirmed[0].day}) if confirmed[0].day else frozenset(),
            export_text=export if from_export else None,
        )  # fmt: skip
        settings = _settings(ledger_db, role)
        assert join_ledger(setup, settings, password=lambda: ROLE_PASSWORD, retry_after_s=0.0)
        session = open_gate(setup, UnconfiguredServer("hors ligne"), start_worker=False)
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


_open_links: list[LedgerLink] = []


@pytest.fixture(autouse=True)
def _close_links() -> Iterator[None]:
    yield
    while _open_links:
        _open_links.pop().close()


def _link(ledger_db: LedgerDb, role: str, *, port: int | None = None) -> LedgerLink:
    link = ledger_db.link(role) if port is None else ledger_db.link(role, port=port)
    _open_links.append(link)
    return link


def _claims(ledger_db: LedgerDb, role: str) -> LedgerEntryClaims:
    return LedgerEntryClaims(_link(ledger_db, role))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admit(session: GateSession, token: str) -> tuple[VerdictKind, str]:
    final = session.gate.confirm(session.gate.scan(token))
    return final.kind, f"{final.headline} {final.detail}"


# -- the port ----------------------------------------------------------------------------------------


def test_the_first_gate_to_claim_a_code_is_named_to_every_other(ledger_db: LedgerDb) -> None:
    gate_a, gate_b = _claims(ledger_db, "till_a"), _claims(ledger_db, "till_b")
    assert gate_a.who_entered("ABC123") is None
    assert gate_a.claim("ABC123", "A", AT, persons=2, day=EVENING) == Claimed("ABC123", "A", AT)
    later = AT + timedelta(seconds=1)
    assert gate_b.claim("ABC123", "B", later, persons=2, day=EVENING) == AlreadyClaimed("ABC123", "A", AT)
    assert gate_b.who_entered("ABC123") == AlreadyClaimed("ABC123", "A", AT)
    # a retry of gate A's own claim (an answer lost after the commit) comes back as its own entry
    assert gate_a.claim("ABC123", "A", AT, persons=2, day=EVENING) == AlreadyClaimed("ABC123", "A", AT)
    assert gate_b.tallies() == [EntryTally("A", EVENING, 2)]
    with ledger_db.admin() as admin:
        rows = admin.execute("SELECT token, gate, persons, event_day, written_by FROM ledger.gate_entries")
        assert rows.fetchall() == [("ABC123", "A", 2, EVENING, "till_a")]


def test_a_gate_role_only_adds_entries_and_never_in_another_role_s_name(ledger_db: LedgerDb) -> None:
    assert isinstance(_claims(ledger_db, "till_a").claim("ABC123", "A", AT), Claimed)
    link = _link(ledger_db, "till_b")
    for statement in (
        "UPDATE ledger.gate_entries SET gate = 'B'",
        "DELETE FROM ledger.gate_entries",
        "TRUNCATE ledger.gate_entries",
        "INSERT INTO ledger.gate_entries (token, gate, entered_at, persons, written_by)"
        " VALUES ('XYZ789', 'A', now(), 1, 'till_a')",
    ):
        with pytest.raises(LedgerError), link.transaction() as cursor:
            cursor.execute(statement.encode())
    assert ledger_db.scalar("SELECT count(*) FROM ledger.gate_entries") == 1
    assert ledger_db.scalar("SELECT gate FROM ledger.gate_entries") == "A"


def test_an_unreachable_ledger_answers_claims_unavailable_never_raises(ledger_db: LedgerDb) -> None:
    claims = LedgerEntryClaims(_link(ledger_db, "till_a", port=_closed_port()))
    result = claims.claim("ABC123", "A", AT)
    assert isinstance(result, ClaimsUnavailable) and "injoignable" in result.detail
    assert isinstance(claims.who_entered("ABC123"), ClaimsUnavailable)
    assert isinstance(claims.tallies(), ClaimsUnavailable)
    assert claims.reachable is False


def test_scans_answer_from_the_copy_of_every_gate_s_entries_while_it_is_recent(ledger_db: LedgerDb) -> None:
    now = [0.0]
    gate_a = LedgerEntryClaims(_link(ledger_db, "till_a"), clock=lambda: now[0])
    gate_b = _claims(ledger_db, "till_b")
    assert isinstance(gate_b.claim("ABC123", "B", AT, persons=2, day=EVENING), Claimed)
    assert gate_a.tallies() == [EntryTally("B", EVENING, 2)]  # the worker's copy
    ledger_db.server.stop(keep=True)
    try:  # the ledger is gone: a scan does not notice, its answers come from the copy
        assert gate_a.who_entered("ABC123") == AlreadyClaimed("ABC123", "B", AT)
        assert gate_a.who_entered("XYZ789") is None
        now[0] = 6.0  # the copy is no longer recent: the ledger is asked (and cannot answer)
        assert isinstance(gate_a.who_entered("XYZ789"), ClaimsUnavailable)
        assert gate_a.who_entered("ABC123") == AlreadyClaimed("ABC123", "B", AT)  # still known
        assert isinstance(gate_a.tallies(), ClaimsUnavailable)
    finally:
        ledger_db.server.start_again()
    assert isinstance(gate_a.claim("XYZ789", "A", AT, day=EVENING), Claimed)
    gate_b = _claims(ledger_db, "till_b")  # B restarted (its old connection died with the server)
    assert isinstance(gate_b.claim("NEW001", "B", AT, day=EVENING), Claimed)
    tallies = gate_a.tallies()
    assert isinstance(tallies, list)
    assert sorted(tallies, key=lambda t: t.gate) == [EntryTally("A", EVENING, 1), EntryTally("B", EVENING, 3)]
    assert gate_a.who_entered("NEW001") == AlreadyClaimed("NEW001", "B", AT)


# -- gates racing on one code --------------------------------------------------------------------------


def _check_one_winner_each(answers: dict[str, list[tuple[str, ClaimResult]]], tokens: list[str]) -> None:
    """For every code: exactly one gate admitted it, and every other gate was told that gate and time."""
    for token in tokens:
        results = answers[token]
        winners = [(gate, r) for gate, r in results if isinstance(r, Claimed)]
        assert len(winners) == 1, (token, results)
        first_gate, first = winners[0]
        for gate, result in results:
            if gate != first_gate:
                assert result == AlreadyClaimed(token, first_gate, first.at), (token, results)


def test_gates_in_threads_racing_on_the_same_codes_admit_each_once(ledger_db: LedgerDb) -> None:
    tokens = [f"RACE{n:02d}" for n in range(60)]
    gates = [(chr(ord("A") + i), _claims(ledger_db, role)) for i, role in enumerate(TILL_ROLES)]
    for _, claims in gates:
        assert claims.who_entered("NOBODY") is None  # connected before the start
    start = threading.Barrier(len(gates))
    answers: dict[str, list[tuple[str, ClaimResult]]] = {token: [] for token in tokens}
    lock = threading.Lock()

    def confirm_all(name: str, claims: LedgerEntryClaims) -> None:
        start.wait()
        for token in tokens:
            result = claims.claim(token, name, datetime.now(UTC))
            with lock:
                answers[token].append((name, result))

    threads = [threading.Thread(target=confirm_all, args=gate) for gate in gates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    _check_one_winner_each(answers, tokens)
    assert ledger_db.scalar("SELECT count(*) FROM ledger.gate_entries") == len(tokens)


def test_gate_processes_racing_on_the_same_codes_admit_each_once(ledger_db: LedgerDb, tmp_path: Path) -> None:
    tokens = [f"PROC{n:02d}" for n in range(80)]
    go_file = tmp_path / "go"
    children = []
    for index, role in enumerate(TILL_ROLES[:3]):
        order = tokens[:] if index % 2 == 0 else tokens[::-1]  # meeting in the middle too
        argv = [sys.executable, str(GATE_CHILD), str(ledger_db.server.port), ledger_db.dbname, role,
                chr(ord("A") + index), str(go_file), ",".join(order)]  # fmt: skip
        children.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=child_env()))
    try:
        for child in children:
            assert child.stdout is not None
            assert json.loads(child.stdout.readline()) == {"ready": True}
        go_file.touch()
        outputs = [child.communicate(timeout=60)[0] for child in children]
    finally:
        for child in children:
            child.kill()
    answers: dict[str, list[tuple[str, ClaimResult]]] = {token: [] for token in tokens}
    for index, output in enumerate(outputs):
        gate = chr(ord("A") + index)
        for token, (first_gate, at, won) in json.loads(output)["answers"].items():
            moment = datetime.fromisoformat(at)
            answers[token].append(
                (gate, Claimed(token, gate, moment) if won else AlreadyClaimed(token, first_gate, moment))
            )
    _check_one_winner_each(answers, tokens)
    assert ledger_db.scalar("SELECT count(*) FROM ledger.gate_entries") == len(tokens)


# -- gates composed with [ledger] ---------------------------------------------------------------------


def test_two_gates_see_each_other_s_entries_at_once_and_count_them(
    open_ledger_gate: object, festival_export: tuple[str, list[RosterEntry]]
) -> None:
    make = open_ledger_gate
    assert callable(make)
    gate_a, gate_b = make("A", "till_a"), make("B", "till_b")
    _, confirmed = festival_export
    first, second, third = confirmed[:3]
    assert _admit(gate_a, first.token)[0] is VerdictKind.ADMIT
    kind, text = _admit(gate_b, first.token)
    assert kind is VerdictKind.ALREADY_IN and "porte A" in text
    # both screens say "let in" for one code; the first confirm admits, the other turns red naming it
    seen_a, seen_b = gate_a.gate.scan(second.token), gate_b.gate.scan(second.token)
    assert seen_a.kind is seen_b.kind is VerdictKind.ADMIT
    assert gate_b.gate.confirm(seen_b).kind is VerdictKind.ADMIT
    refused = gate_a.gate.confirm(seen_a)
    assert refused.kind is VerdictKind.ALREADY_IN and "porte B" in refused.headline
    assert _admit(gate_b, third.token)[0] is VerdictKind.ADMIT
    assert gate_a.gate.refresh_shared_counts()
    counters = gate_a.gate.counters()
    assert counters.other_gates == "shared"
    assert counters.entered_by_gate == {"A": first.quantity, "B": second.quantity + third.quantity}
    assert counters.entered_by_day[first.day] == first.quantity + second.quantity + third.quantity


def test_ledger_down_then_back_a_double_entry_is_listed_as_a_late_reentry(
    open_ledger_gate: object, ledger_db: LedgerDb, festival_export: tuple[str, list[RosterEntry]]
) -> None:
    make = open_ledger_gate
    assert callable(make)
    gate_a, gate_b = make("A", "till_a"), make("B", "till_b")
    _, confirmed = festival_export
    before, twice, alone = (entry.token for entry in confirmed[:3])
    assert _admit(gate_a, before)[0] is VerdictKind.ADMIT
    ledger_db.server.stop(keep=True)
    try:
        for session in (gate_a, gate_b):  # both let the same code in, each alone, and say so
            kind, text = _admit(session, twice)
            assert kind is VerdictKind.ADMIT and "hors registre partagé" in text
        assert _admit(gate_b, alone)[0] is VerdictKind.ADMIT
        assert not gate_a.gate.refresh_shared_counts()
        assert gate_a.gate.counters().other_gates == "unavailable"
        assert gate_a.gate.reconcile_claims() == []  # nothing can be claimed yet
    finally:
        ledger_db.server.start_again()
    assert gate_a.gate.reconcile_claims() == []  # A claims its entry first
    late = gate_b.gate.reconcile_claims()
    assert [(r.token, r.our_gate, r.first_gate) for r in late] == [(twice, "B", "A")]
    assert gate_b.gate.store.late_reentries() == late
    assert all(entry.claimed for session in (gate_a, gate_b) for entry in session.gate.store.entries())
    assert ledger_db.scalar("SELECT count(*) FROM ledger.gate_entries") == 3
    kind, text = _admit(gate_a, alone)  # B's entry of the outage is known to A now
    assert kind is VerdictKind.ALREADY_IN and "porte B" in text


def test_a_gate_restarted_during_an_outage_admits_from_its_file_and_reconciles(
    open_ledger_gate: object, ledger_db: LedgerDb, festival_export: tuple[str, list[RosterEntry]]
) -> None:
    make = open_ledger_gate
    assert callable(make)
    gate_a, gate_b = make("A", "till_a"), make("B", "till_b")
    _, confirmed = festival_export
    up, down, both = (entry.token for entry in confirmed[:3])
    assert _admit(gate_a, up)[0] is VerdictKind.ADMIT
    ledger_db.server.stop(keep=True)
    try:
        assert _admit(gate_a, down)[0] is VerdictKind.ADMIT
        gate_a.close()  # a restart during the outage: no export, no ledger
        restarted = make("A", "till_a", from_export=False)
        assert restarted.gate.names_lost
        assert restarted.gate.scan(down).kind is VerdictKind.ALREADY_IN  # its own entries, from its file
        assert restarted.gate.scan(up).kind is VerdictKind.ALREADY_IN
        assert _admit(gate_b, both)[0] is VerdictKind.ADMIT
        kind, text = _admit(restarted, both)
        assert kind is VerdictKind.ADMIT and "hors registre partagé" in text
    finally:
        ledger_db.server.start_again()
    assert gate_b.gate.reconcile_claims() == []
    late = restarted.gate.reconcile_claims()
    assert [(r.token, r.first_gate) for r in late] == [(both, "B")]
    assert ledger_db.scalar("SELECT count(*) FROM ledger.gate_entries") == 3
    assert ledger_db.scalar("SELECT gate FROM ledger.gate_entries WHERE token = %s", down) == "A"


# -- the request budget shared with the tills ---------------------------------------------------------


def test_a_gate_takes_its_requests_from_the_bucket_the_tills_use(ledger_db: LedgerDb) -> None:
    till = SharedRateBudget(
        _link(ledger_db, "till_a"), base_url=API_URL, api_key=API_KEY, per_minute=11, burst=10, max_wait_s=0.0
    )
    gate = LedgerGateBudget(
        SharedRateBudget(
            _link(ledger_db, "till_b"), base_url=API_URL, api_key=API_KEY, till="porte A", per_minute=11,
            burst=10,
        )
    )
    for _ in range(9):
        assert till.acquire() is None
    assert gate.try_acquire() and gate.on_ledger  # the bucket's last token
    assert not gate.try_acquire()  # spent by the till and the gate together (refill: 1 a minute)
    assert till.acquire() is not None
    other_key = LedgerGateBudget(
        SharedRateBudget(
            _link(ledger_db, "till_c"), base_url=API_URL, api_key="another-key-0123456789", per_minute=11,
            burst=10,
        )
    )
    assert other_key.try_acquire()
    users = ledger_db.scalar(
        "SELECT array_agg(till ORDER BY till) FROM ledger.rate_users WHERE key_digest = %s",
        key_digest(API_URL, API_KEY),
    )
    assert users == ["caisse a", "porte A"]


def test_a_start_granted_to_the_worker_is_not_taken_again_by_the_client(ledger_db: LedgerDb) -> None:
    gate = LedgerGateBudget(
        SharedRateBudget(
            _link(ledger_db, "till_b"), base_url=API_URL, api_key=API_KEY, till="porte A", per_minute=11,
            burst=10,
        ),
        client_wait_s=0.0,
    )
    till = SharedRateBudget(
        _link(ledger_db, "till_a"), base_url=API_URL, api_key=API_KEY, per_minute=11, burst=10, max_wait_s=0.0
    )
    assert gate.try_acquire()  # the worker's token (1 of 10)
    assert gate.acquire() is None  # the client's request: that same token
    assert gate.acquire() is None  # a re-read after a lost answer: a token of its own (2 of 10)
    for _ in range(8):
        assert till.acquire() is None
    assert gate.acquire() is not None and till.acquire() is not None  # all 10 taken


def test_the_composed_gate_budget_is_the_key_s_bucket_and_falls_back_to_a_share(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    setup = GateSetup(name="C", venue_id=festival.FESTIVAL_VENUE_ID, store_path=tmp_path / "gate.sqlite3",
                      gates_sharing_key=10)  # fmt: skip
    join_ledger(setup, _settings(ledger_db, "till_c"), api=(API_URL, API_KEY), password=lambda: ROLE_PASSWORD)
    assert isinstance(setup.budget, LedgerGateBudget) and setup.budget.try_acquire()
    assert ledger_db.scalar(
        "SELECT till FROM ledger.rate_users WHERE key_digest = %s", key_digest(API_URL, API_KEY)
    ) == "porte C"
    for close in setup.on_close:
        close()
    # the ledger unreachable: this gate's share of the key, reached over a minute
    now = [0.0]
    down = LedgerGateBudget(SharedRateBudget(
        LedgerLink(ledger_db.config("till_c", port=_closed_port()), lambda: ROLE_PASSWORD, retry_after_s=0.0),
        base_url=API_URL, api_key=API_KEY, till="porte C", tills_sharing_key=10, clock=lambda: now[0],
    ))  # fmt: skip
    assert not down.try_acquire() and not down.on_ledger  # nothing at once: the ledger's grants may be fresh
    now[0] = 60.0
    granted = sum(down.try_acquire() for _ in range(40))
    assert granted == down.shared.fallback_per_minute == 18  # (190 - 10) / 10 gates and tills


def test_a_random_order_of_claims_and_reads_never_admits_twice(ledger_db: LedgerDb) -> None:
    """Claims and scans interleaved at random over two gates: the ledger holds one first entry per code."""
    rng = random.Random(19)
    gates = {"A": _claims(ledger_db, "till_a"), "B": _claims(ledger_db, "till_b")}
    admitted: dict[str, str] = {}
    for step in range(120):
        name = rng.choice("AB")
        token = f"RND{rng.randrange(30):03d}"
        if rng.random() < 0.3:
            seen = gates[name].who_entered(token)
            assert (seen is None) == (token not in admitted)
            continue
        result = gates[name].claim(token, name, AT + timedelta(seconds=step))
        if isinstance(result, Claimed):
            assert token not in admitted
            admitted[token] = name
        else:
            assert isinstance(result, AlreadyClaimed) and result.gate == admitted[token]


# -- what people see: the command line and the window ------------------------------------------------


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_gate_status_and_scan_on_the_command_line_count_and_see_every_gate(
    open_ledger_gate: object, ledger_db: LedgerDb, tmp_path: Path, memory_keyring: MemoryKeyring,
    festival_export: tuple[str, list[RosterEntry]], capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    make = open_ledger_gate
    assert callable(make)
    dev = tmp_path / "dev"
    paths = AppPaths.resolve(str(dev))
    paths.ensure()
    settings = _settings(ledger_db, "till_a")
    settings.save(paths.settings_file)
    memory_keyring.set_password("pos-client", "ledger-till_a@127.0.0.1", ROLE_PASSWORD)
    _, confirmed = festival_export
    ours, theirs = confirmed[:2]
    gate_a = make("A", "till_a", store_path=gate_store_path(paths.journal_file))  # `gate load` did this
    assert _admit(gate_a, ours.token)[0] is VerdictKind.ADMIT
    gate_a.close()
    day = theirs.day
    gate_b = _claims(ledger_db, "till_b")
    assert isinstance(gate_b.claim(theirs.token, "B", AT, persons=theirs.quantity, day=day), Claimed)
    assert main(["--dev-dir", str(dev), "gate", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["entered_by_gate"] == {"A": ours.quantity, "B": theirs.quantity}
    assert status["other_gates"] == "shared"
    assert status["entered_by_day"][str(day)] == ours.quantity + theirs.quantity
    assert main(["--dev-dir", str(dev), "gate", "scan", theirs.token]) == 3
    assert "(porte B)" in capsys.readouterr().out
    ledger_db.server.stop(keep=True)
    try:
        assert main(["--dev-dir", str(dev), "gate", "status"]) == 0
        out = capsys.readouterr().out
    finally:
        ledger_db.server.start_again()
    assert "Registre partagé injoignable : entrées des autres portes" in out and "porte A" in out


def test_the_window_s_bottom_line_counts_every_gate_from_the_ledger(
    open_ledger_gate: object, ledger_db: LedgerDb, festival_export: tuple[str, list[RosterEntry]],
    qtbot: QtBot,
) -> None:  # fmt: skip
    from pos_client.ui.gate_window import GateWindow, LookupBridge

    make = open_ledger_gate
    assert callable(make)
    gate_a, gate_b = make("A", "till_a"), make("B", "till_b")
    _, confirmed = festival_export
    ours, theirs = confirmed[:2]
    assert _admit(gate_a, ours.token)[0] is VerdictKind.ADMIT
    assert _admit(gate_b, theirs.token)[0] is VerdictKind.ADMIT
    window = GateWindow(gate_a, LookupBridge(), sounds_enabled=False)
    qtbot.addWidget(window)
    gate_a.gate.refresh_shared_counts()  # the worker's job every few ticks
    window.refresh_status()
    line = window.status_label.text()
    assert f"porte A : {ours.quantity}" in line and f"porte B : {theirs.quantity}" in line
    assert f"{ours.quantity + theirs.quantity} entrée(s)" in line
    ledger_db.server.stop(keep=True)
    try:
        gate_a.gate.refresh_shared_counts()
        window.refresh_status()
    finally:
        ledger_db.server.start_again()
    line = window.status_label.text()
    assert "autres portes : registre injoignable" in line and f"porte B : {theirs.quantity}" in line
    window.close()
