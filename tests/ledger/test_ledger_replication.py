"""Replication of real SQLite journals to a real PostgreSQL ledger: order, idempotent replays, an
outage and the catch-up after it, the lag, and the consolidated reports."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from ledger_fixtures import LedgerDb, make_booking, new_journal, sell

from pos_client.domain.ledger import Operation
from pos_client.domain.scan import Transport
from pos_client.journal import open_journal
from pos_client.ledger.connection import LedgerUnavailable
from pos_client.ledger.replication import Replicator
from pos_client.ledger.reports import fortnight_report, period_report


def _counts(ledger_db: LedgerDb) -> tuple[object, ...]:
    return tuple(
        ledger_db.scalar(f"SELECT count(*) FROM ledger.{table}")
        for table in ("intents", "outcomes", "payments")
    )


def test_the_journal_feed_numbers_every_record_in_writing_order(tmp_path: Path) -> None:
    with new_journal(tmp_path, "caisse-1") as journal:
        sell(journal, "FEED01", 1)
        intent = journal.begin(
            Operation.USE,
            make_booking("FEED02", 2),
            transport=Transport.TYPED,
            source_id="t",
            id_checked_at=None,
        )
        journal.resolve_unknown(intent, "réponse perdue")
        journal.resolve_refused(intent, "déjà validée")
        batch = journal.feed_after(0, 100)
        assert [r.seq for r in batch.intents] == [1, 4]
        assert [(r.seq, r.resolution) for r in batch.outcomes] == [
            (2, "done"),
            (5, "unknown"),
            (6, "refused"),
        ]
        assert [r.seq for r in batch.payments] == [3]
        assert batch.payments[0].venue_id == 5401 and batch.last_seq == 6
        assert journal.feed_after(6, 100).size == 0
        partial = journal.feed_after(1, 2)
        assert (partial.after, partial.last_seq, partial.size) == (1, 3, 2)
        assert journal.feed_position(3).behind == 3
        uid = journal.uid
    with open_journal(tmp_path / "caisse-1.sqlite3", till="caisse-1") as again:
        assert again.uid == uid  # stays with the file


def test_an_older_journal_gets_its_records_numbered_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with new_journal(tmp_path, "old") as journal:
        sell(journal, "OLD001", 1)
        sell(journal, "OLD002", 2)
    with closing(sqlite3.connect(path)) as db:  # back to schema 3, as an older pos-client left it
        db.executescript(
            "DROP TRIGGER feed_intent; DROP TRIGGER feed_outcome; DROP TRIGGER feed_unknown;"
            " DROP TRIGGER feed_payment; DROP TABLE feed; DROP TABLE journal_identity;"
            " DROP TABLE to_check; DELETE FROM sqlite_sequence; PRAGMA user_version = 3;"
        )
    with open_journal(path, till="old") as journal:
        batch = journal.feed_after(0, 100)
        assert [r.seq for r in batch.intents] == [1, 4]
        assert [r.seq for r in batch.payments] == [3, 6]
        sell(journal, "OLD003", 3)
        assert journal.feed_position(6).behind == 3


def test_records_reach_the_ledger_once_even_when_replayed(ledger_db: LedgerDb, tmp_path: Path) -> None:
    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a") as link:
        for n in range(5):
            sell(journal, f"REPL{n:02d}", n + 1)
        replicator = Replicator(journal, link, batch_size=4)
        status = replicator.push()
        assert (
            status.up_to_date and status.position == 15 and status.describe() == "Registre partagé : à jour."
        )
        assert _counts(ledger_db) == (5, 5, 5)
        # A replay from the start (a lost acknowledgement, a repair) adds nothing.
        assert replicator.replay_from(0).up_to_date
        assert _counts(ledger_db) == (5, 5, 5)
        # A new replicator (the till restarted) finds its position in the ledger.
        sell(journal, "REPL99", 99)
        fresh = Replicator(journal, link)
        assert fresh.status().behind == 18  # position not read yet
        assert fresh.push().position == 18
        assert _counts(ledger_db) == (6, 6, 6)
        assert ledger_db.scalar("SELECT count(DISTINCT written_by) FROM ledger.payments") == 1
        assert ledger_db.scalar("SELECT written_by FROM ledger.payments LIMIT 1") == "till_a"


def test_the_till_sells_through_an_outage_and_the_ledger_catches_up(
    ledger_db: LedgerDb, tmp_path: Path
) -> None:
    server = ledger_db.server
    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a") as link:
        replicator = Replicator(journal, link)
        sell(journal, "DOWN01", 1)
        assert replicator.push().up_to_date
        server.stop(keep=True)
        try:
            for n in range(2, 6):
                sell(journal, f"DOWN{n:02d}", n)  # the journal never waits for the ledger
            status = replicator.push()
            assert not status.reachable and status.behind == 12 and status.error is not None
            assert "injoignable" in status.error
            assert (
                status.describe()
                == "Registre partagé injoignable : caisse seule ; 12 enregistrement(s) en attente."
            )
        finally:
            server.start_again()
        caught_up = replicator.push()
        assert caught_up.up_to_date and caught_up.seconds_behind == 0.0
    assert _counts(ledger_db) == (5, 5, 5)


def test_lag_in_seconds_is_the_age_of_the_oldest_record_waiting(ledger_db: LedgerDb, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a") as link:
        sell(journal, "LAG001", 1)
        written = journal.feed_position(0).oldest_written_at
        assert written is not None
        later = Replicator(journal, link, now=lambda: written + timedelta(seconds=42))
        status = later.status()
        assert status.behind == 3 and status.seconds_behind == pytest.approx(42, abs=0.01)
        assert "3 enregistrement(s) en attente" in status.describe()
        assert written <= datetime.now(UTC)


def test_reports_per_till_per_venue_and_total(ledger_db: LedgerDb, tmp_path: Path) -> None:
    with (
        new_journal(tmp_path, "caisse 1") as one,
        new_journal(tmp_path, "caisse 2") as two,
        ledger_db.link("till_a") as link_a,
        ledger_db.link("till_b") as link_b,
    ):
        sell(one, "REP001", 1, price_cents=1000)
        sell(one, "REP002", 2, price_cents=500, venue_id=7, venue_name="Cinéma")
        sell(two, "REP003", 3, price_cents=2000)
        booking = make_booking("REP003", 3, price_cents=2000)
        revert = two.begin(
            Operation.KEEP, booking, transport=Transport.TYPED, source_id="t", id_checked_at=None
        )
        two.resolve_done(revert)
        Replicator(one, link_a).push()
        Replicator(two, link_b).push()
        day = one.lines_for_day(date.today())[0].recorded_at.astimezone().date()
        report = period_report(link_a, day, day)
        assert [(t.label, t.sales, t.sales_cents, t.reverts, t.reverts_cents) for t in report.tills] == [
            ("caisse 1", 2, 1500, 0, 0),
            ("caisse 2", 1, 2000, 1, -2000),
        ]
        assert [(v.label, v.total_cents) for v in report.venues] == [
            ("Cinéma (7)", 500),
            ("Librairie (5401)", 1000),
        ]
        assert (report.total.sales, report.total.total_cents) == (3, 1500)
        fortnight = fortnight_report(link_b, day)
        assert fortnight.first_day.day in (1, 16) and fortnight.total == report.total
        empty = period_report(link_a, date(2001, 1, 1), date(2001, 1, 15))
        assert empty.tills == [] and empty.total.total_cents == 0


def test_a_ledger_that_cannot_be_reached_is_said_so(ledger_db: LedgerDb, tmp_path: Path) -> None:
    with new_journal(tmp_path, "caisse-1") as journal, ledger_db.link("till_a", port=1) as link:
        sell(journal, "NONE01", 1)
        status = Replicator(journal, link).push()
        assert not status.reachable and status.behind == 3
        with pytest.raises(LedgerUnavailable, match="Registre partagé injoignable"):
            period_report(link, date.today(), date.today())
