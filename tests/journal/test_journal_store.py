"""The journal store on real SQLite files: intents, resolutions, payments, reads, migrations."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from journal_fixtures import PARIS, FakeClock, booking

from pos_client.journal import (
    PAYMENT_MODE,
    SCHEMA_VERSION,
    JournalTooNewError,
    NotAJournalError,
    SqliteJournal,
    open_journal,
)
from pos_client.ports import IntentResolution, Operation
from pos_client.scanner.source import Transport

TODAY = date(2026, 11, 23)


def _begin(journal: SqliteJournal, operation: Operation = Operation.USE, **kwargs: object):  # type: ignore[no-untyped-def]
    return journal.begin(
        operation,
        booking(**kwargs),
        transport=Transport.KEYBOARD,
        source_id="keyboard",
        id_checked_at=None,  # type: ignore[arg-type]
    )


def test_validation_writes_one_pass_culture_payment(journal: SqliteJournal, clock: FakeClock) -> None:
    intent = journal.begin(
        Operation.USE,
        booking(quantity=2),
        transport=Transport.SERIAL,
        source_id="serial:/dev/ttyACM0",
        id_checked_at=clock.now,
    )
    assert intent.resolution is IntentResolution.PENDING
    assert [i.id for i in journal.open_intents()] == [intent.id]
    clock.advance(seconds=1)
    payment = journal.resolve_done(intent)
    assert payment is not None
    assert (payment.amount_cents, payment.unit_price_cents, payment.quantity) == (2500, 1250, 2)
    assert (payment.token, payment.ean, payment.till, payment.transport) == (
        "352UW4",
        "9782070612758",
        "caisse-1",
        Transport.SERIAL,
    )
    assert payment.recorded_at == clock.now
    assert journal.open_intents() == []
    assert journal.total_for_day_cents(TODAY) == 2500
    assert [(line.token, line.amount_cents, line.operation) for line in journal.lines_for_day(TODAY)] == [
        ("352UW4", 2500, Operation.USE)
    ]
    assert journal.validated_by_this_till("352UW4") == clock.now
    with closing(sqlite3.connect(journal.path)) as db:
        assert db.execute("SELECT payment_mode FROM payments").fetchall() == [(PAYMENT_MODE,)]


def test_a_second_resolution_never_adds_a_second_payment(journal: SqliteJournal) -> None:
    intent = _begin(journal)
    first = journal.resolve_done(intent)
    again = journal.resolve_done(intent, confirmed_by_reread=True)
    journal.resolve_refused(intent, "trop tard")
    journal.resolve_unknown(intent, "perdu")
    assert again == first
    assert journal.total_for_day_cents(TODAY) == 1250
    assert len(journal.lines_for_day(TODAY)) == 1


def test_refused_and_unknown_intents(journal: SqliteJournal) -> None:
    refused = _begin(journal, token="AAAAAA")
    journal.resolve_refused(refused, "already validated")
    lost = _begin(journal, token="BBBBBB")
    journal.resolve_unknown(lost, "timeout")
    pending = _begin(journal, token="CCCCCC")
    assert [(i.token, i.resolution) for i in journal.open_intents()] == [
        ("BBBBBB", IntentResolution.UNKNOWN),
        ("CCCCCC", IntentResolution.PENDING),
    ]
    assert journal.total_for_day_cents(TODAY) == 0
    # The lost answer is settled later (a re-read found the booking used).
    journal.resolve_done(lost, confirmed_by_reread=True)
    assert [i.id for i in journal.open_intents()] == [pending.id]
    assert journal.resolution_counts() == {
        IntentResolution.DONE: 1,
        IntentResolution.REFUSED: 1,
        IntentResolution.UNKNOWN: 0,
        IntentResolution.PENDING: 1,
    }


def test_revert_adds_a_negative_record_and_nothing_is_updated(
    journal: SqliteJournal, clock: FakeClock
) -> None:
    journal.resolve_done(_begin(journal))
    clock.advance(minutes=5)
    revert = journal.resolve_done(_begin(journal, Operation.KEEP))
    assert revert is not None and revert.amount_cents == -1250
    assert journal.validated_by_this_till("352UW4") is None
    assert journal.total_for_day_cents(TODAY) == 0
    assert [line.operation for line in journal.lines_for_day(TODAY)] == [Operation.USE, Operation.KEEP]
    # Validated again after the revert: this till's latest change wins.
    clock.advance(minutes=5)
    journal.resolve_done(_begin(journal))
    assert journal.validated_by_this_till("352UW4") == clock.now


def test_cancel_records_no_payment(journal: SqliteJournal) -> None:
    assert journal.resolve_done(_begin(journal, Operation.CANCEL)) is None
    assert journal.lines_for_day(TODAY) == []
    assert journal.open_intents() == []


def test_another_till_validation_is_not_this_till(journal_path: Path, clock: FakeClock) -> None:
    with open_journal(journal_path, till="caisse-2", clock=clock, local_zone=PARIS) as other:
        other.resolve_done(_begin(other))
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as mine:
        assert mine.validated_by_this_till("352UW4") is None


def test_days_follow_the_till_local_time(journal: SqliteJournal, clock: FakeClock) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)  # 23:30 in Paris is 22:30 UTC, same local day
    journal.resolve_done(_begin(journal))
    clock.advance(hours=1)  # 00:30 the next day in Paris
    journal.resolve_done(_begin(journal, token="ZZZZZZ", price_cents=800))
    assert journal.total_for_day_cents(TODAY) == 1250
    assert journal.total_for_day_cents(date(2026, 11, 24)) == 800


def test_no_personal_data_reaches_the_file(journal: SqliteJournal, clock: FakeClock) -> None:
    intent = journal.begin(
        Operation.USE, booking(), transport=Transport.WEBCAM, source_id="webcam:0", id_checked_at=clock.now
    )
    journal.resolve_done(intent)
    journal.close()
    raw = b"".join(path.read_bytes() for path in journal.path.parent.iterdir())
    for secret in (
        "Camille",
        "Dubreuil",
        "camille.dubreuil@example.fr",
        "+33612345678",
        "2007-03-14",
        "75011",
    ):
        assert secret.encode() not in raw, secret
    with closing(sqlite3.connect(journal.path)) as db:
        (checked,) = db.execute("SELECT id_checked_at FROM intents").fetchone()
    assert checked is not None  # the ID check is recorded as a time, nothing more


def test_durability_settings(journal: SqliteJournal) -> None:
    journal.resolve_done(_begin(journal))
    with closing(sqlite3.connect(journal.path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_reopened_journal_keeps_everything(journal_path: Path, clock: FakeClock) -> None:
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as first:
        first.resolve_done(_begin(first))
        pending = _begin(first, token="PENDIN")
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as second:
        assert second.total_for_day_cents(TODAY) == 1250
        assert [i.id for i in second.open_intents()] == [pending.id]


def test_a_journal_from_a_newer_version_is_refused_untouched(journal_path: Path) -> None:
    journal_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(journal_path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = journal_path.read_bytes()
    with pytest.raises(JournalTooNewError, match="version plus récente"):
        open_journal(journal_path, till="caisse-1")
    assert journal_path.read_bytes() == before


def test_a_foreign_database_is_refused(journal_path: Path) -> None:
    journal_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(journal_path)) as db:
        db.execute("CREATE TABLE stock (ean TEXT)")
    with pytest.raises(NotAJournalError, match="pas un journal"):
        open_journal(journal_path, till="caisse-1")
    journal_path.write_bytes(b"not sqlite at all, just text" * 100)
    with pytest.raises(NotAJournalError):
        open_journal(journal_path, till="caisse-1")


def test_naive_times_are_refused(journal: SqliteJournal) -> None:
    with pytest.raises(ValueError, match="naive"):
        journal.begin(
            Operation.USE,
            booking(),
            transport=Transport.TYPED,
            source_id="typed",
            id_checked_at=__import__("datetime").datetime(2026, 1, 1),
        )


def test_concurrent_writers_and_readers(journal: SqliteJournal) -> None:
    errors: list[BaseException] = []

    def validate(offset: int) -> None:
        try:
            for n in range(25):
                token = f"T{offset}{n:04d}"
                journal.resolve_done(
                    _begin(journal, token=token, booking_id=offset * 100 + n, price_cents=100)
                )
                journal.lines_for_day(TODAY)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=validate, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert journal.total_for_day_cents(TODAY) == 100 * 100
    assert len({line.token for line in journal.lines_for_day(TODAY)}) == 100


def test_validated_booking_is_rebuilt_from_the_journal_after_a_restart(
    journal_path: Path, clock: FakeClock
) -> None:
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as first:
        first.resolve_done(_begin(first, quantity=2, price_cents=800, booking_id=77))
        assert first.validated_booking("AAAAAA") is None  # never seen
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as again:
        rebuilt = again.validated_booking("352UW4")
        assert rebuilt is not None
        assert (rebuilt.id, rebuilt.token, rebuilt.offer_name, rebuilt.offer_ean) == (
            77,
            "352UW4",
            "Le Petit Prince",
            "9782070612758",
        )
        assert (rebuilt.unit_price_cents, rebuilt.quantity, rebuilt.total_cents) == (800, 2, 1600)
        assert (rebuilt.venue_id, rebuilt.venue_name) == (5401, "Librairie")
        assert rebuilt.creation_date == booking().creation_date
        # No personal data in the journal, so none on the rebuilt booking.
        assert rebuilt.beneficiary.full_name == "" and rebuilt.beneficiary.birth_date is None
        clock.advance(minutes=1)
        again.resolve_done(_begin(again, Operation.KEEP, quantity=2, price_cents=800, booking_id=77))
        assert again.validated_booking("352UW4") is None  # reverted since
    with open_journal(journal_path, till="caisse-2", clock=clock, local_zone=PARIS) as other:
        assert other.validated_booking("352UW4") is None  # another till's journal entry


def test_a_schema_1_journal_is_migrated_keeping_its_rows(journal_path: Path, clock: FakeClock) -> None:
    """A journal written by the first release (schema 1) opens, gains the new columns, keeps every
    row, and its old validations can still be reverted (without venue, unknown to schema 1)."""
    from pos_client.journal.migrations import APPLICATION_ID, MIGRATIONS

    journal_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(journal_path, isolation_level=None)) as db:
        db.executescript(
            f"BEGIN; {MIGRATIONS[0]}; PRAGMA application_id = {APPLICATION_ID};"
            " PRAGMA user_version = 1; COMMIT;"
        )
        db.execute(
            "INSERT INTO intents (id, operation, token, booking_id, offer_name, ean, unit_price_cents,"
            " quantity, till, transport, source_id, id_checked_at, created_at, local_day) VALUES"
            " (1, 'use', '352UW4', 9, 'Le Petit Prince', NULL, 1250, 1, 'caisse-1', 'keyboard', 'keyboard',"
            " NULL, '2026-11-23T08:30:00.000000+00:00', '2026-11-23')"
        )
        db.execute("INSERT INTO resolutions VALUES (1, 'done', '', 0, '2026-11-23T08:30:01.000000+00:00')")
        db.execute(
            "INSERT INTO payments (uid, intent_id, operation, payment_mode, token, booking_id, offer_name,"
            " ean, unit_price_cents, quantity, amount_cents, till, transport, recorded_at, local_day) VALUES"
            " ('u-1', 1, 'use', 'pass Culture', '352UW4', 9, 'Le Petit Prince', NULL, 1250, 1, 1250,"
            " 'caisse-1', 'keyboard', '2026-11-23T08:30:01.000000+00:00', '2026-11-23')"
        )
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        assert journal.total_for_day_cents(TODAY) == 1250
        rebuilt = journal.validated_booking("352UW4")
        assert rebuilt is not None and (rebuilt.venue_name, rebuilt.id) == ("", 9)
        journal.resolve_done(_begin(journal))  # a new row uses the new columns
    with closing(sqlite3.connect(journal_path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("SELECT count(*), count(venue_name) FROM intents").fetchone() == (2, 1)


def test_one_payment_per_validation_even_when_an_old_intent_is_settled_late(journal: SqliteJournal) -> None:
    """An intent left open (its answer lost) and a later validation of the same booking both end up
    "done": the booking was validated once, so only one payment may exist."""
    lost = _begin(journal)
    journal.resolve_unknown(lost, "réponse perdue")
    journal.resolve_done(_begin(journal))
    assert journal.resolve_done(lost, confirmed_by_reread=True) is None
    assert journal.total_for_day_cents(TODAY) == 1250
    assert journal.open_intents() == []
    assert journal.resolution_counts()[IntentResolution.REFUSED] == 1
    # A revert with no validation before it pays nothing back either.
    assert journal.resolve_done(_begin(journal, Operation.KEEP, token="NOSALE")) is None
    assert journal.total_for_day_cents(TODAY) == 1250
