"""The journal's replication feed (schema 4): its records in writing order, after a position.

Every intent, outcome (``resolutions``), lost-answer mark (``unknown_marks``) and payment written to
the journal gets a row in ``feed`` (by SQLite triggers, in the same transaction), numbered ``seq``
in writing order. A reader that remembers the last ``seq`` it handed on (the shared ledger,
``pos_client.ledger.replication``) asks for what comes after, and ``(journal uid, seq)`` names each
record uniquely across tills and journal files, so a record sent twice is dropped by the ledger.

Only what the ledger needs, and no personal data (the journal holds none).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from pos_client.domain.feed import FeedBatch, FeedIntent, FeedOutcome, FeedPayment, FeedPosition

__all__ = ["feed_position", "read_feed"]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _outcomes(db: sqlite3.Connection, after: int, last: int) -> list[FeedOutcome]:
    settled = db.execute(
        "SELECT f.seq, r.intent_id, r.resolution, r.detail, r.confirmed_by_reread, r.resolved_at"
        " FROM feed f JOIN resolutions r ON r.intent_id = f.row_id"
        " WHERE f.kind = 'outcome' AND f.seq > ? AND f.seq <= ?",
        (after, last),
    ).fetchall()
    lost = db.execute(
        "SELECT f.seq, u.intent_id, 'unknown', u.detail, 0, u.marked_at"
        " FROM feed f JOIN unknown_marks u ON u.id = f.row_id"
        " WHERE f.kind = 'unknown' AND f.seq > ? AND f.seq <= ?",
        (after, last),
    ).fetchall()
    rows = sorted(settled + lost)
    return [FeedOutcome(int(s), int(i), r, d, bool(c), _time(at)) for s, i, r, d, c, at in rows]


def read_feed(db: sqlite3.Connection, after: int, limit: int) -> FeedBatch:
    """At most ``limit`` records written after position ``after``, each kind in writing order."""
    (last,) = db.execute(
        "SELECT coalesce(max(seq), ?) FROM (SELECT seq FROM feed WHERE seq > ? ORDER BY seq LIMIT ?)",
        (after, after, limit),
    ).fetchone()
    if last == after:
        return FeedBatch(after, after, [], [], [])
    intents = [
        FeedIntent(
            int(seq), int(intent_id), till, operation, token, int(booking_id), offer_name, ean,
            int(price), int(quantity), venue_id, venue_name, transport, _time(created_at),
            date.fromisoformat(local_day),
        )
        for (
            seq, intent_id, till, operation, token, booking_id, offer_name, ean, price, quantity,
            venue_id, venue_name, transport, created_at, local_day,
        ) in db.execute(
            "SELECT f.seq, i.id, i.till, i.operation, i.token, i.booking_id, i.offer_name, i.ean,"
            " i.unit_price_cents, i.quantity, i.venue_id, i.venue_name, i.transport, i.created_at,"
            " i.local_day FROM feed f JOIN intents i ON i.id = f.row_id"
            " WHERE f.kind = 'intent' AND f.seq > ? AND f.seq <= ? ORDER BY f.seq",
            (after, last),
        )
    ]
    payments = [
        FeedPayment(
            int(seq), uid, int(intent_id), till, operation, token, int(booking_id), offer_name, ean,
            int(price), int(quantity), int(amount), venue_id, venue_name, transport, _time(recorded_at),
            date.fromisoformat(local_day), _time(resolved_at),
        )
        for (
            seq, uid, intent_id, till, operation, token, booking_id, offer_name, ean, price, quantity,
            amount, venue_id, venue_name, transport, recorded_at, local_day, resolved_at,
        ) in db.execute(
            "SELECT f.seq, p.uid, p.intent_id, p.till, p.operation, p.token, p.booking_id, p.offer_name,"
            " p.ean, p.unit_price_cents, p.quantity, p.amount_cents, i.venue_id, i.venue_name,"
            " p.transport, p.recorded_at, p.local_day, coalesce(p.resolved_at, p.recorded_at)"
            " FROM feed f JOIN payments p ON p.id = f.row_id JOIN intents i ON i.id = p.intent_id"
            " WHERE f.kind = 'payment' AND f.seq > ? AND f.seq <= ? ORDER BY f.seq",
            (after, last),
        )
    ]
    return FeedBatch(after, int(last), intents, _outcomes(db, after, int(last)), payments)


def feed_position(db: sqlite3.Connection, after: int) -> FeedPosition:
    last, behind, oldest = db.execute(
        "SELECT (SELECT coalesce(max(seq), 0) FROM feed), count(*),"
        " (SELECT written_at FROM feed WHERE seq > ?1 ORDER BY seq LIMIT 1) FROM feed WHERE seq > ?1",
        (after,),
    ).fetchone()
    return FeedPosition(int(last), int(behind), None if oldest is None else _time(oldest))
