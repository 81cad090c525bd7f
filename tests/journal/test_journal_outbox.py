"""Hand-off to the cash register: folder drop and HTTP POST to a real local receiver, with retries."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from journal_fixtures import PARIS, FakeClock, booking

from pos_client.app.backend import outbox_from_settings
from pos_client.domain.ledger import Operation, PaymentRecord
from pos_client.domain.scan import Transport
from pos_client.handoff.outbox import FOLDER_CHANNEL, HTTP_CHANNEL, Outbox, OutboxWorker
from pos_client.journal import SqliteJournal, open_journal
from pos_client.journal.export import ExportFormat, write_export
from pos_client.settings import HandOffSettings


@dataclass
class Receiver:
    """A cash register's HTTP endpoint: answers ``failures`` times 503, then 200; drops repeats by id."""

    url: str = ""
    failures: int = 0
    received: list[dict[str, object]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.posts += 1
                failing = state.failures > 0
                if failing:
                    state.failures -= 1
                elif body["id"] not in {doc["id"] for doc in state.received}:
                    state.received.append(body)
                    state.keys.append(self.headers["Idempotency-Key"])
            self.send_response(503 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.arrived.set()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/pass-culture"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class MonotonicClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _sell(journal: SqliteJournal, token: str, operation: Operation = Operation.USE) -> None:
    intent = journal.begin(
        operation, booking(token), transport=Transport.KEYBOARD, source_id="kbd", id_checked_at=None
    )
    journal.resolve_done(intent)


def test_http_delivery_retries_with_backoff_until_acknowledged(
    journal: SqliteJournal, receiver: Receiver
) -> None:
    receiver.failures = 2
    ticks = MonotonicClock()
    outbox = Outbox(journal, http_url=receiver.url, base_backoff_s=1.0, clock=ticks)
    try:
        _sell(journal, "AAAAAA")
        _sell(journal, "BBBBBB")
        first = outbox.deliver_due()
        assert first.failed == {HTTP_CHANNEL: "la caisse a répondu 503"}
        assert outbox.pending() == {HTTP_CHANNEL: 2}
        assert outbox.next_due_in() == 1.0
        assert outbox.deliver_due().delivered == {}  # backing off: nothing tried
        ticks.now += 1.0
        assert outbox.deliver_due().failed  # second failure: the wait doubles
        assert outbox.next_due_in() == 2.0
        ticks.now += 2.0
        assert outbox.deliver_due().delivered == {HTTP_CHANNEL: 2}
        assert outbox.pending() == {HTTP_CHANNEL: 0}
        assert outbox.next_due_in() is None
        assert [doc["token"] for doc in receiver.received] == ["AAAAAA", "BBBBBB"]
        assert receiver.keys == [doc["id"] for doc in receiver.received]
        assert receiver.received[0]["payment_mode"] == "pass Culture"
        assert receiver.received[0]["amount_cents"] == 1250
        assert outbox.deliver_due().delivered == {}  # nothing sent twice
        assert receiver.posts == 4
    finally:
        outbox.close()


def test_unreachable_register_keeps_records_for_later(journal: SqliteJournal) -> None:
    outbox = Outbox(journal, http_url="http://127.0.0.1:9/nothing-listens", timeout_s=1.0)
    try:
        _sell(journal, "AAAAAA")
        result = outbox.deliver_due()
        assert result.failed[HTTP_CHANNEL].startswith("caisse injoignable")
        assert outbox.pending() == {HTTP_CHANNEL: 1}
        assert outbox.last_errors()[HTTP_CHANNEL].startswith("caisse injoignable")
    finally:
        outbox.close()


def test_folder_drop_is_atomic_and_once(journal: SqliteJournal, tmp_path: Path) -> None:
    folder = tmp_path / "caisse" / "entrant"
    outbox = Outbox(journal, folder=folder)
    _sell(journal, "AAAAAA")
    _sell(journal, "AAAAAA", Operation.KEEP)
    assert outbox.deliver_due().delivered == {FOLDER_CHANNEL: 2}
    files = sorted(folder.iterdir())
    assert len(files) == 2 and all(f.suffix == ".json" and not f.name.startswith(".") for f in files)
    amounts = sorted(json.loads(f.read_text(encoding="utf-8"))["amount_cents"] for f in files)
    assert amounts == [-1250, 1250]
    assert outbox.deliver_due().delivered == {}
    assert len(list(folder.iterdir())) == 2


def test_folder_unavailable_then_back(journal: SqliteJournal, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    ticks = MonotonicClock()
    outbox = Outbox(journal, folder=blocker / "inbox", clock=ticks)
    _sell(journal, "AAAAAA")
    assert "inaccessible" in outbox.deliver_due().failed[FOLDER_CHANNEL]
    blocker.unlink()
    ticks.now += 5
    assert outbox.deliver_due().delivered == {FOLDER_CHANNEL: 1}


def test_undelivered_records_survive_a_restart(
    journal_path: Path, clock: FakeClock, receiver: Receiver
) -> None:
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        _sell(journal, "AAAAAA")
        _sell(journal, "BBBBBB")
        # The till stops before anything was handed over.
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        outbox = Outbox(journal, http_url=receiver.url)
        try:
            assert outbox.pending() == {HTTP_CHANNEL: 2}
            assert outbox.deliver_due().delivered == {HTTP_CHANNEL: 2}
        finally:
            outbox.close()
    assert [doc["token"] for doc in receiver.received] == ["AAAAAA", "BBBBBB"]


def test_worker_delivers_on_wake(journal: SqliteJournal, receiver: Receiver, tmp_path: Path) -> None:
    outbox = outbox_from_settings(
        journal, HandOffSettings(folder=str(tmp_path / "drop"), http_url=receiver.url)
    )
    assert outbox is not None and set(outbox.channels) == {FOLDER_CHANNEL, HTTP_CHANNEL}
    worker = OutboxWorker(outbox, poll_s=30.0)
    worker.start()
    try:
        _sell(journal, "AAAAAA")
        worker.wake()
        assert receiver.arrived.wait(10)
    finally:
        worker.stop()
        outbox.close()
    assert [doc["token"] for doc in receiver.received] == ["AAAAAA"]
    assert len(list((tmp_path / "drop").iterdir())) == 1


def test_no_hand_off_configured(journal: SqliteJournal) -> None:
    assert outbox_from_settings(journal, HandOffSettings()) is None


class _DiskEvents:
    """Records, in order, the file and folder flushes, the renames and the deliveries noted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, journal: SqliteJournal) -> None:
        self.events: list[tuple[str, str]] = []
        self.fail_folder_flushes = 0
        real_fsync, real_replace, real_mark = os.fsync, os.replace, journal.mark_delivered

        def fsync(fd: int) -> None:
            kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
            if kind == "folder" and self.fail_folder_flushes:
                self.fail_folder_flushes -= 1
                raise OSError(5, "Input/output error")
            self.events.append(("fsync", kind))
            real_fsync(fd)

        def replace(source: str | Path, target: str | Path) -> None:
            self.events.append(("replace", Path(target).name))
            real_replace(source, target)

        def mark_delivered(payment: PaymentRecord, channel: str) -> None:
            self.events.append(("delivered", channel))
            real_mark(payment, channel)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(journal, "mark_delivered", mark_delivered)


def test_folder_drop_reaches_the_disk_before_the_journal_notes_it(
    journal: SqliteJournal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File flushed, renamed, then the folder flushed (the rename itself is on disk) and only then
    the delivery noted: a power cut cannot lose a file the journal records as handed over."""
    folder = tmp_path / "entrant"
    disk = _DiskEvents(monkeypatch, journal)
    _sell(journal, "AAAAAA")
    outbox = Outbox(journal, folder=folder)
    assert outbox.deliver_due().delivered == {FOLDER_CHANNEL: 1}
    (dropped,) = folder.iterdir()
    assert disk.events == [
        ("fsync", "file"),
        ("replace", dropped.name),
        ("fsync", "folder"),
        ("delivered", FOLDER_CHANNEL),
    ]


def test_a_failed_folder_flush_is_retried_before_the_delivery_is_noted(
    journal: SqliteJournal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "entrant"
    disk = _DiskEvents(monkeypatch, journal)
    ticks = MonotonicClock()
    outbox = Outbox(journal, folder=folder, clock=ticks)
    _sell(journal, "AAAAAA")
    disk.fail_folder_flushes = 1
    assert "inaccessible" in outbox.deliver_due().failed[FOLDER_CHANNEL]
    assert outbox.pending() == {FOLDER_CHANNEL: 1}  # renamed, but not known to be on disk
    (dropped,) = folder.iterdir()
    content = dropped.read_bytes()
    disk.events.clear()
    ticks.now += 5
    assert outbox.deliver_due().delivered == {FOLDER_CHANNEL: 1}
    # The file already there is not written again; its folder entry is flushed, then it is noted.
    assert disk.events == [("fsync", "folder"), ("delivered", FOLDER_CHANNEL)]
    assert [f.read_bytes() for f in folder.iterdir()] == [content]
    assert outbox.pending() == {FOLDER_CHANNEL: 0}


def test_an_export_file_is_renamed_durably(
    journal: SqliteJournal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _DiskEvents(monkeypatch, journal)
    _sell(journal, "AAAAAA")
    out = tmp_path / "exports" / "jour.jsonl"
    assert write_export(journal, date(2026, 11, 23), date(2026, 11, 23), ExportFormat.JSONL, out) == 1
    assert disk.events == [("fsync", "file"), ("replace", "jour.jsonl"), ("fsync", "folder")]
    assert json.loads(out.read_text(encoding="utf-8"))["token"] == "AAAAAA"
