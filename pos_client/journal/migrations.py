"""The journal's schema, as numbered migrations applied in order (``PRAGMA user_version``).

Append-only by design: an intent is written before the request, its outcome is a new row in
``resolutions`` (one per intent, enforced by the primary key), a lost answer adds a row to
``unknown_marks``, each validated intent gets exactly one row in ``payments`` (``UNIQUE intent_id``)
and a revert adds its own negative payment. Nothing is updated in place or deleted, so the history
is the journal itself. No personal data: no names, emails, phones or birth dates; the ID check is a
time (``id_checked_at``).

Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

import sqlite3

from pos_client.domain.ports import JournalUnavailable

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "JournalTooNewError",
    "NotAJournalError",
    "migrate",
]

# "POSC": marks the file as a pos-client journal (``PRAGMA application_id``).
APPLICATION_ID = 0x504F5343

MIGRATIONS: tuple[str, ...] = (
    # 1: intents, resolutions, payments, outbox deliveries.
    """
    CREATE TABLE intents (
        id INTEGER PRIMARY KEY,
        operation TEXT NOT NULL CHECK (operation IN ('use', 'keep', 'cancel')),
        token TEXT NOT NULL CHECK (length(token) = 6),
        booking_id INTEGER NOT NULL,
        offer_name TEXT NOT NULL,
        ean TEXT,
        unit_price_cents INTEGER NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        till TEXT NOT NULL,
        transport TEXT NOT NULL,
        source_id TEXT NOT NULL,
        id_checked_at TEXT,
        created_at TEXT NOT NULL,
        local_day TEXT NOT NULL
    );
    CREATE INDEX intents_token ON intents (token);
    CREATE INDEX intents_day ON intents (local_day);
    CREATE TABLE resolutions (
        intent_id INTEGER PRIMARY KEY REFERENCES intents (id),
        resolution TEXT NOT NULL CHECK (resolution IN ('done', 'refused')),
        detail TEXT NOT NULL,
        confirmed_by_reread INTEGER NOT NULL,
        resolved_at TEXT NOT NULL
    );
    CREATE TABLE unknown_marks (
        id INTEGER PRIMARY KEY,
        intent_id INTEGER NOT NULL REFERENCES intents (id),
        detail TEXT NOT NULL,
        marked_at TEXT NOT NULL
    );
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        intent_id INTEGER NOT NULL UNIQUE REFERENCES intents (id),
        operation TEXT NOT NULL CHECK (operation IN ('use', 'keep')),
        payment_mode TEXT NOT NULL,
        token TEXT NOT NULL,
        booking_id INTEGER NOT NULL,
        offer_name TEXT NOT NULL,
        ean TEXT,
        unit_price_cents INTEGER NOT NULL,
        quantity INTEGER NOT NULL,
        amount_cents INTEGER NOT NULL,
        till TEXT NOT NULL,
        transport TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        local_day TEXT NOT NULL
    );
    CREATE INDEX payments_token ON payments (token);
    CREATE INDEX payments_day ON payments (local_day);
    CREATE TABLE deliveries (
        payment_id INTEGER NOT NULL REFERENCES payments (id),
        channel TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (payment_id, channel)
    );
    """,
    # 2: what a booking card needs to be shown again after a restart (revert of this till's validation).
    # Rows written by version 1 keep NULL here.
    """
    ALTER TABLE intents ADD COLUMN venue_id INTEGER;
    ALTER TABLE intents ADD COLUMN venue_name TEXT;
    ALTER TABLE intents ADD COLUMN price_category_label TEXT;
    ALTER TABLE intents ADD COLUMN booking_created_at TEXT;
    """,
    # 3: a payment's time and day are its validation's, i.e. its intent's ``created_at`` and
    # ``local_day`` (when the request was sent), not when the answer was settled: an answer settled
    # after midnight (a start-up re-read) must count in the day and fortnight of the validation. The
    # settling time gets its own column. Rows written before keep their time and day as they were
    # handed off and exported (their ``recorded_at`` was the settling time, copied to ``resolved_at``).
    """
    ALTER TABLE payments ADD COLUMN resolved_at TEXT;
    UPDATE payments SET resolved_at = recorded_at;
    """,
    # 4: a replication feed for the shared ledger (``pos_client.ledger``): every record written
    # (intent, outcome, lost-answer mark, payment) gets a position in writing order, filled by
    # triggers so the store's code is unchanged, and the journal a random id that stays with the file,
    # so the ledger can take "the records after position N" in order and drop repeats by
    # (journal id, position). Records written before are given positions in the order of their times.
    """
    CREATE TABLE journal_identity (uid TEXT NOT NULL);
    INSERT INTO journal_identity VALUES (lower(hex(randomblob(16))));
    CREATE TABLE feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('intent', 'outcome', 'unknown', 'payment')),
        row_id INTEGER NOT NULL,
        written_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    INSERT INTO feed (kind, row_id, written_at)
        SELECT kind, row_id, at FROM (
            SELECT created_at AS at, 0 AS rank, 'intent' AS kind, id AS row_id FROM intents
            UNION ALL SELECT resolved_at, 1, 'outcome', intent_id FROM resolutions
            UNION ALL SELECT marked_at, 1, 'unknown', id FROM unknown_marks
            UNION ALL SELECT coalesce(resolved_at, recorded_at), 2, 'payment', id FROM payments
        ) ORDER BY at, rank, row_id;
    CREATE TRIGGER feed_intent AFTER INSERT ON intents
        BEGIN INSERT INTO feed (kind, row_id) VALUES ('intent', NEW.id); END;
    CREATE TRIGGER feed_outcome AFTER INSERT ON resolutions
        BEGIN INSERT INTO feed (kind, row_id) VALUES ('outcome', NEW.intent_id); END;
    CREATE TRIGGER feed_unknown AFTER INSERT ON unknown_marks
        BEGIN INSERT INTO feed (kind, row_id) VALUES ('unknown', NEW.id); END;
    CREATE TRIGGER feed_payment AFTER INSERT ON payments
        BEGIN INSERT INTO feed (kind, row_id) VALUES ('payment', NEW.id); END;
    """,
    # 5: validations "to be checked": a lost answer re-read as "already validated" without the
    # evidence that this till did it (another till claims it, or the shared ledger cannot tell).
    # Their intent is resolved 'done' without a payment line; this table says why, for the reports.
    """
    CREATE TABLE to_check (
        intent_id INTEGER PRIMARY KEY REFERENCES intents (id),
        detail TEXT NOT NULL,
        marked_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class JournalTooNewError(JournalUnavailable):
    """The journal was written by a newer pos-client: refusing it keeps it intact."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"Ce journal de caisse a été écrit par une version plus récente de pos-client (schéma {found}, "
            f"cette version connaît le schéma {SCHEMA_VERSION}). Installez la dernière version de "
            "pos-client : le journal n'a pas été modifié."
        )
        self.found = found


class NotAJournalError(JournalUnavailable):
    """The file exists but is not a pos-client journal."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"Ce fichier n'est pas un journal de caisse pos-client ({detail}) : il n'a pas été modifié."
        )


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema to ``SCHEMA_VERSION``; each migration commits alone. Returns the version."""
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        application_id = int(connection.execute("PRAGMA application_id").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise NotAJournalError(str(exc)) from exc
    if version > SCHEMA_VERSION:
        raise JournalTooNewError(version)
    if version > 0 and application_id != APPLICATION_ID:
        raise NotAJournalError(f"application_id {application_id:#x}")
    if version == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise NotAJournalError("tables inconnues")
    for number in range(version + 1, SCHEMA_VERSION + 1):
        # executescript commits first; the BEGIN/COMMIT make each migration all-or-nothing.
        connection.executescript(
            f"BEGIN IMMEDIATE; {MIGRATIONS[number - 1]}; PRAGMA application_id = {APPLICATION_ID}; "
            f"PRAGMA user_version = {number}; COMMIT;"
        )
    return SCHEMA_VERSION
