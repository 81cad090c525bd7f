"""The journal store on real SQLite files: intents, resolutions, payments, reads, migrations."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from journal_fixtures import PARIS, FakeClock, booking

from pos_client.domain.ledger import IntentResolution, Operation, PaymentRecord
from pos_client.domain.scan import Transport
from pos_client.journal import (
    PAYMENT_MODE,
    SCHEMA_VERSION,
    JournalTooNewError,
    NotAJournalError,
    SqliteJournal,
    open_journal,
)
from pos_client.journal.export import ExportFormat, payment_document, write_export
from pos_client.journal.summaries import day_summary, fortnight_summary

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
    # The payment's time is the validation's: when the request was sent (the intent), not the answer.
    assert payment.recorded_at == intent.created_at != clock.now
    assert journal.open_intents() == []
    assert journal.total_for_day_cents(TODAY) == 2500
    assert [(line.token, line.amount_cents, line.operation) for line in journal.lines_for_day(TODAY)] == [
        ("352UW4", 2500, Operation.USE)
    ]
    assert journal.validated_by_this_till("352UW4") == intent.created_at
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


def test_a_revert_of_a_validation_made_elsewhere_is_done_without_a_payment_line(
    journal: SqliteJournal,
) -> None:
    """Support's keep of a booking another till validated: applied on the API, said as done (not
    "refused"), and no negative line for a sale this journal never recorded."""
    assert journal.resolve_done(_begin(journal, Operation.KEEP)) is None
    assert journal.lines_for_day(TODAY) == []
    assert journal.open_intents() == []
    assert journal.resolution_counts()[IntentResolution.DONE] == 1
    assert journal.resolution_counts()[IntentResolution.REFUSED] == 0


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
    # synchronous is a setting of each connection, not of the file: check the journal's own ones,
    # the writer and the reader of every thread (2 = FULL: a commit that returned is on disk).
    full = 2
    assert journal._writer.execute("PRAGMA synchronous").fetchone() == (full,)
    seen: dict[str, tuple[int, int]] = {}

    def read_settings(name: str) -> None:
        reader = journal._reader()
        journal.lines_for_day(TODAY)  # the connection the reads really use
        seen[name] = (
            reader.execute("PRAGMA synchronous").fetchone()[0],
            reader.execute("PRAGMA query_only").fetchone()[0],
        )

    read_settings("main")
    other = threading.Thread(target=read_settings, args=("worker",))
    other.start()
    other.join(10)
    assert seen == {"main": (full, 1), "worker": (full, 1)}
    assert journal._reader() is not None and len(journal._readers) == 2


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
        assert db.execute("SELECT resolved_at FROM payments WHERE uid = 'u-1'").fetchone() == (
            "2026-11-23T08:30:01.000000+00:00",
        )


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


def _settled_next_morning(
    journal_path: Path, clock: FakeClock, operation: Operation
) -> tuple[datetime, PaymentRecord]:
    """A change sent at 23:58 on the 15th whose answer is lost; the till is closed and the next
    morning's start-up re-read settles it. Returns the sending time and the payment."""
    sent_at = datetime(2026, 11, 15, 23, 58, tzinfo=PARIS)
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as evening:
        if operation is Operation.KEEP:  # the revert of an earlier sale of the same evening
            clock.now = datetime(2026, 11, 15, 23, 40, tzinfo=PARIS)
            evening.resolve_done(_begin(evening))
        clock.now = sent_at
        lost = _begin(evening, operation)
        clock.advance(seconds=30)
        evening.resolve_unknown(lost, "délai de réponse dépassé")
    clock.now = datetime(2026, 11, 16, 8, 5, tzinfo=PARIS)
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as morning:
        (still_open,) = morning.open_intents()
        payment = morning.resolve_done(still_open, confirmed_by_reread=True)
    assert payment is not None
    return sent_at, payment


def test_a_validation_settled_the_next_day_counts_in_the_day_and_fortnight_it_was_sent(
    journal_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    sent_at, payment = _settled_next_morning(journal_path, clock, Operation.USE)
    the_15th, the_16th = date(2026, 11, 15), date(2026, 11, 16)
    assert payment.recorded_at == sent_at  # the validation time is when the request was sent
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        assert journal.total_for_day_cents(the_15th) == 1250
        assert journal.total_for_day_cents(the_16th) == 0
        assert [line.recorded_at for line in journal.lines_for_day(the_15th)] == [sent_at]
        assert journal.lines_for_day(the_16th) == []
        first_half, second_half = fortnight_summary(journal, the_15th), fortnight_summary(journal, the_16th)
        assert (first_half.first_day, first_half.last_day) == (date(2026, 11, 1), the_15th)
        assert (first_half.sales, first_half.total_cents) == (1, 1250)
        assert (second_half.sales, second_half.total_cents) == (0, 0)
        assert journal.validated_by_this_till("352UW4") == sent_at
        # The settling time is kept apart, and carried by the exports and the hand-off document.
        (row,) = journal.payments_between(the_15th, the_16th)
        assert (row.local_day, row.record.recorded_at) == (the_15th, sent_at)
        assert row.resolved_at == datetime(2026, 11, 16, 8, 5, tzinfo=PARIS)
        assert payment_document(row)["day"] == "2026-11-15"
        assert payment_document(row)["resolved_at"] == "2026-11-16T07:05:00+00:00"
        out = tmp_path / "quinzaine.csv"
        write_export(journal, date(2026, 11, 1), the_15th, ExportFormat.CSV, out)
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
        assert [(r["date"], r["heure"], r["montant"]) for r in rows] == [("2026-11-15", "23:58:00", "12,50")]
    with closing(sqlite3.connect(journal_path)) as db:
        assert db.execute("SELECT resolved_at FROM resolutions").fetchall() == [
            ("2026-11-16T07:05:00.000000+00:00",)
        ]


def test_a_revert_settled_the_next_day_counts_in_the_day_it_was_sent(
    journal_path: Path, clock: FakeClock
) -> None:
    sent_at, revert = _settled_next_morning(journal_path, clock, Operation.KEEP)
    assert (revert.amount_cents, revert.recorded_at) == (-1250, sent_at)
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        day = day_summary(journal, date(2026, 11, 15))
        assert (day.sales, day.reverts, day.total_cents) == (1, 1, 0)
        assert journal.lines_for_day(date(2026, 11, 16)) == []
        assert fortnight_summary(journal, date(2026, 11, 16)).reverts == 0
        assert journal.validated_by_this_till("352UW4") is None


def test_a_schema_2_journal_is_migrated_keeping_its_payments_as_recorded(
    journal_path: Path, clock: FakeClock
) -> None:
    """Schema 3 adds the settling time. A payment written by schema 2 (its time was the settling
    time) keeps its time and day, as handed off and exported; that time becomes its settling time."""
    from pos_client.journal.migrations import APPLICATION_ID, MIGRATIONS

    journal_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(journal_path, isolation_level=None)) as db:
        for number in (1, 2):
            db.executescript(
                f"BEGIN; {MIGRATIONS[number - 1]}; PRAGMA application_id = {APPLICATION_ID};"
                f" PRAGMA user_version = {number}; COMMIT;"
            )
        db.execute(
            "INSERT INTO intents (id, operation, token, booking_id, offer_name, ean, unit_price_cents,"
            " quantity, till, transport, source_id, id_checked_at, created_at, local_day, venue_id,"
            " venue_name, price_category_label, booking_created_at) VALUES (1, 'use', '352UW4', 9,"
            " 'Le Petit Prince', NULL, 1250, 1, 'caisse-1', 'keyboard', 'keyboard', NULL,"
            " '2026-11-15T22:58:00.000000+00:00', '2026-11-15', 5401, 'Librairie', NULL,"
            " '2026-11-01T09:00:00.000000+00:00')"
        )
        db.execute("INSERT INTO resolutions VALUES (1, 'done', '', 1, '2026-11-16T07:05:00.000000+00:00')")
        db.execute(
            "INSERT INTO payments (uid, intent_id, operation, payment_mode, token, booking_id, offer_name,"
            " ean, unit_price_cents, quantity, amount_cents, till, transport, recorded_at, local_day) VALUES"
            " ('u-1', 1, 'use', 'pass Culture', '352UW4', 9, 'Le Petit Prince', NULL, 1250, 1, 1250,"
            " 'caisse-1', 'keyboard', '2026-11-16T07:05:00.000000+00:00', '2026-11-16')"
        )
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as journal:
        (old,) = journal.payments_between(date(2026, 11, 1), date(2026, 11, 30))
        assert old.local_day == date(2026, 11, 16)  # as it was handed off: history is not rewritten
        assert old.record.recorded_at == old.resolved_at == datetime(2026, 11, 16, 7, 5, tzinfo=UTC)
        assert journal.total_for_day_cents(date(2026, 11, 16)) == 1250
        new = journal.resolve_done(_begin(journal, token="NEWONE", booking_id=10))
        assert new is not None
    with closing(sqlite3.connect(journal_path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,) == (5,)
        assert db.execute("SELECT count(*) FROM payments WHERE resolved_at IS NULL").fetchone() == (0,)
    # Opening it again applies nothing twice; a later version's journal is still refused untouched.
    with open_journal(journal_path, till="caisse-1", clock=clock, local_zone=PARIS) as again:
        assert len(again.payments_between(date(2026, 11, 1), date(2026, 11, 30))) == 2
    with closing(sqlite3.connect(journal_path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = journal_path.read_bytes()
    with pytest.raises(JournalTooNewError):
        open_journal(journal_path, till="caisse-1")
    assert journal_path.read_bytes() == before
