"""The ledger's PostgreSQL schema, as numbered migrations applied by ``pos-client ledger init``.

Everything lives in the schema ``ledger``, owned by the role that runs ``init`` (the shop's ledger
owner). Tills log in with a role of their own, member of the group role ``pos_till``, which may:

- INSERT and SELECT the records (``intents``, ``outcomes``, ``payments``, ``entries``, the gates'
  ``gate_entries``), never UPDATE or DELETE them; row-level security makes each row's ``written_by``
  the inserting role, so a till cannot write in another's name;
- SELECT ``claims`` and ``meta``;
- EXECUTE four SECURITY DEFINER functions, the only way to change a claim or the rate bucket:
  ``claim``, ``end_claim``, ``renew_claim``, ``take_request_slot``. Why functions rather than grants
  on the tables: a claim's rules (one live claim per token, a lease that only its holder renews,
  a claim ended only by its holder, history never rewritten) and the bucket's arithmetic must hold
  whatever a till sends; with UPDATE granted, a faulty till could steal or erase another's claim or
  refill the bucket. Each function pins ``search_path`` and identifies the till by ``session_user``.

No personal data: tokens, booking ids, offers, amounts, tills, times.

Never edit a migration that has shipped: add the next one. ``meta.version`` is the schema's number;
a newer one is refused (``LedgerTooNewError``) before anything is written.
"""

from __future__ import annotations

import psycopg

from pos_client.ledger.errors import LedgerNotReady, LedgerTooNewError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TILL_GROUP_ROLE", "check_schema", "migrate", "schema_version"]

TILL_GROUP_ROLE = "pos_till"

_RECORD_COLUMNS = """
    journal_uid text NOT NULL CHECK (length(journal_uid) BETWEEN 8 AND 64),
    seq bigint NOT NULL CHECK (seq > 0),
    written_by name NOT NULL DEFAULT current_user,
    received_at timestamptz NOT NULL DEFAULT now(),
"""


def _append_only(table: str) -> str:
    return f"""
    ALTER TABLE ledger.{table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY {table}_insert_own ON ledger.{table} FOR INSERT TO pos_till
        WITH CHECK (written_by = current_user);
    CREATE POLICY {table}_read_all ON ledger.{table} FOR SELECT TO pos_till USING (true);
    GRANT SELECT, INSERT ON ledger.{table} TO pos_till;
    """


_MIGRATION_1 = (
    """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pos_till') THEN
        CREATE ROLE pos_till NOLOGIN;
    END IF;
    -- Only tills (and the owner) may connect to the ledger's database.
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pos_till', current_database());
END $$;
CREATE SCHEMA ledger;
REVOKE ALL ON SCHEMA ledger FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO pos_till;

CREATE TABLE ledger.meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL
);
GRANT SELECT ON ledger.meta TO pos_till;

-- Records replicated from each till's journal, named by (journal_uid, seq): a repeat is dropped.
CREATE TABLE ledger.intents ("""
    + _RECORD_COLUMNS
    + """
    intent_id bigint NOT NULL,
    till text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('use', 'keep', 'cancel')),
    token text NOT NULL,
    booking_id bigint NOT NULL,
    offer_name text NOT NULL,
    ean text,
    unit_price_cents integer NOT NULL,
    quantity integer NOT NULL,
    venue_id bigint,
    venue_name text,
    transport text NOT NULL,
    created_at timestamptz NOT NULL,
    local_day date NOT NULL,
    PRIMARY KEY (journal_uid, seq),
    UNIQUE (journal_uid, intent_id)
);
CREATE TABLE ledger.outcomes ("""
    + _RECORD_COLUMNS
    + """
    intent_id bigint NOT NULL,
    resolution text NOT NULL CHECK (resolution IN ('done', 'refused', 'unknown')),
    detail text NOT NULL,
    confirmed_by_reread boolean NOT NULL,
    resolved_at timestamptz NOT NULL,
    PRIMARY KEY (journal_uid, seq)
);
CREATE TABLE ledger.payments ("""
    + _RECORD_COLUMNS
    + """
    uid text NOT NULL UNIQUE,
    intent_id bigint NOT NULL,
    till text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('use', 'keep')),
    token text NOT NULL,
    booking_id bigint NOT NULL,
    offer_name text NOT NULL,
    ean text,
    unit_price_cents integer NOT NULL,
    quantity integer NOT NULL,
    amount_cents integer NOT NULL,
    venue_id bigint,
    venue_name text,
    transport text NOT NULL,
    recorded_at timestamptz NOT NULL,
    local_day date NOT NULL,
    resolved_at timestamptz NOT NULL,
    PRIMARY KEY (journal_uid, seq)
);
CREATE INDEX payments_day ON ledger.payments (local_day);
CREATE INDEX payments_token ON ledger.payments (token);
-- Ready for festival gates (an entry scanned at a gate); no journal writes them yet.
CREATE TABLE ledger.entries ("""
    + _RECORD_COLUMNS
    + """
    uid text NOT NULL UNIQUE,
    till text NOT NULL,
    gate text NOT NULL,
    token text NOT NULL,
    booking_id bigint NOT NULL,
    venue_id bigint,
    entered_at timestamptz NOT NULL,
    local_day date NOT NULL,
    PRIMARY KEY (journal_uid, seq)
);
"""
    + "".join(_append_only(table) for table in ("intents", "outcomes", "payments", "entries"))
    + """
-- Claims: one row per claim, never deleted; at most one live (not ended) claim per token.
CREATE TABLE ledger.claims (
    id bigserial PRIMARY KEY,
    token text NOT NULL CHECK (length(token) BETWEEN 1 AND 64),
    operation text NOT NULL CHECK (operation IN ('use', 'keep', 'cancel')),
    till text NOT NULL,
    holder name NOT NULL,
    claimed_at timestamptz NOT NULL,
    lease_until timestamptz NOT NULL,
    ended text CHECK (ended IN ('done', 'released', 'expired')),
    ended_at timestamptz
);
CREATE UNIQUE INDEX claims_one_live ON ledger.claims (token) WHERE ended IS NULL;
CREATE INDEX claims_token ON ledger.claims (token, id);
GRANT SELECT ON ledger.claims TO pos_till;

-- The request budget of each API key (by digest, never the key), as a token bucket.
CREATE TABLE ledger.rate_buckets (
    key_digest text PRIMARY KEY,
    tokens double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE ledger.rate_users (
    key_digest text NOT NULL,
    till text NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (key_digest, till)
);

CREATE FUNCTION ledger.claim(p_token text, p_operation text, p_till text, p_lease_s double precision)
RETURNS TABLE (granted boolean, claim_id bigint, state text, till text, operation text,
               since timestamptz, lease_until timestamptz, taken_over_from text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ledger, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    live ledger.claims%ROWTYPE;
    last_done ledger.claims%ROWTYPE;
    now_ts timestamptz;
    lease interval := make_interval(secs => p_lease_s);
    previous text;
    new_id bigint;
    paid_till text;
    paid_at timestamptz;
    paid_operation text;
BEGIN
    IF p_operation NOT IN ('use', 'keep', 'cancel') OR NOT p_lease_s BETWEEN 0.1 AND 600 THEN
        RAISE EXCEPTION 'invalid claim' USING ERRCODE = '22023';
    END IF;
    -- One claimer of a token at a time (the unique index is the second line of defence).
    PERFORM pg_advisory_xact_lock(hashtextextended('ledger.claim:' || p_token, 0));
    now_ts := clock_timestamp();
    SELECT * INTO live FROM ledger.claims c WHERE c.token = p_token AND c.ended IS NULL;
    IF FOUND THEN
        IF live.holder = session_user AND live.till = p_till THEN  -- ours: renewed
            UPDATE ledger.claims c SET lease_until = now_ts + lease, operation = p_operation
                WHERE c.id = live.id;
            RETURN QUERY SELECT true, live.id, 'held', live.till, p_operation, live.claimed_at,
                now_ts + lease, NULL::text;
            RETURN;
        END IF;
        IF live.lease_until > now_ts THEN  -- another till is at it
            RETURN QUERY SELECT false, live.id, 'held', live.till, live.operation, live.claimed_at,
                live.lease_until, NULL::text;
            RETURN;
        END IF;
        UPDATE ledger.claims c SET ended = 'expired', ended_at = now_ts WHERE c.id = live.id;
        previous := live.till;  -- its till died or hung: the caller re-reads the booking first
    END IF;
    SELECT * INTO last_done FROM ledger.claims c WHERE c.token = p_token AND c.ended = 'done'
        ORDER BY c.id DESC LIMIT 1;
    -- Validated stays validated until a revert is done; a revert needs a validation; cancel is final.
    IF FOUND AND (last_done.operation = 'cancel' OR last_done.operation = p_operation) THEN
        RETURN QUERY SELECT false, last_done.id, 'done', last_done.till, last_done.operation,
            last_done.ended_at, NULL::timestamptz, previous;
        RETURN;
    END IF;
    -- A validation made without a claim (the ledger was down, or its till died before saying it was
    -- done) is known by its replicated payment line, later than the last done claim.
    IF p_operation = 'use' THEN
        SELECT p.till, p.recorded_at, p.operation INTO paid_till, paid_at, paid_operation
            FROM ledger.payments p
            WHERE p.token = p_token AND (last_done.ended_at IS NULL OR p.recorded_at > last_done.ended_at)
            ORDER BY p.recorded_at DESC LIMIT 1;
        IF FOUND AND paid_operation = 'use' THEN
            RETURN QUERY SELECT false, 0::bigint, 'done', paid_till, 'use'::text, paid_at,
                NULL::timestamptz, previous;
            RETURN;
        END IF;
    END IF;
    INSERT INTO ledger.claims (token, operation, till, holder, claimed_at, lease_until)
        VALUES (p_token, p_operation, p_till, session_user, now_ts, now_ts + lease)
        RETURNING id INTO new_id;
    RETURN QUERY SELECT true, new_id, 'held', p_till, p_operation, now_ts, now_ts + lease, previous;
END $fn$;

CREATE FUNCTION ledger.end_claim(p_claim bigint, p_how text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ledger, pg_temp AS $fn$
BEGIN
    IF p_how NOT IN ('done', 'released') THEN
        RAISE EXCEPTION 'invalid end' USING ERRCODE = '22023';
    END IF;
    -- A change that went through is recorded even if its lease ran out meanwhile (the truth wins).
    UPDATE ledger.claims c SET ended = p_how, ended_at = clock_timestamp()
        WHERE c.id = p_claim AND c.holder = session_user
          AND (c.ended IS NULL OR (p_how = 'done' AND c.ended = 'expired'));
    RETURN FOUND;
END $fn$;

CREATE FUNCTION ledger.renew_claim(p_claim bigint, p_lease_s double precision) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ledger, pg_temp AS $fn$
DECLARE
    until timestamptz;
BEGIN
    IF NOT p_lease_s BETWEEN 0.1 AND 600 THEN
        RAISE EXCEPTION 'invalid lease' USING ERRCODE = '22023';
    END IF;
    UPDATE ledger.claims c SET lease_until = clock_timestamp() + make_interval(secs => p_lease_s)
        WHERE c.id = p_claim AND c.holder = session_user AND c.ended IS NULL
        RETURNING c.lease_until INTO until;
    RETURN until;
END $fn$;

CREATE FUNCTION ledger.take_request_slot(p_key text, p_capacity double precision,
                                         p_refill_per_s double precision, p_till text,
                                         p_debt integer)
RETURNS TABLE (wait_s double precision, granted_at timestamptz, tills integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ledger, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    bucket ledger.rate_buckets%ROWTYPE;
    now_ts timestamptz;
    level double precision;
    seen integer;
BEGIN
    IF NOT (p_capacity >= 1 AND p_refill_per_s > 0) THEN
        RAISE EXCEPTION 'invalid bucket' USING ERRCODE = '22023';
    END IF;
    INSERT INTO ledger.rate_buckets VALUES (p_key, p_capacity, clock_timestamp())
        ON CONFLICT (key_digest) DO NOTHING;
    SELECT * INTO bucket FROM ledger.rate_buckets b WHERE b.key_digest = p_key FOR UPDATE;
    now_ts := greatest(clock_timestamp(), bucket.updated_at);  -- a clock stepping back refills nothing
    -- p_debt: requests the till started on its own share while the ledger was down, paid back now
    -- (the level may go below zero: the next grants wait until the refill has covered them).
    level := least(p_capacity,
                   bucket.tokens + extract(epoch FROM now_ts - bucket.updated_at) * p_refill_per_s)
             - greatest(p_debt, 0);
    INSERT INTO ledger.rate_users AS u VALUES (p_key, p_till, now_ts)
        ON CONFLICT (key_digest, till) DO UPDATE SET last_seen = excluded.last_seen
        WHERE u.last_seen < excluded.last_seen - interval '30 seconds';
    SELECT count(*) INTO seen FROM ledger.rate_users u
        WHERE u.key_digest = p_key AND u.last_seen > now_ts - interval '15 minutes';
    IF level >= 1 THEN
        UPDATE ledger.rate_buckets b SET tokens = level - 1, updated_at = now_ts
            WHERE b.key_digest = p_key;
        RETURN QUERY SELECT 0.0::double precision, now_ts, seen;
    ELSE
        UPDATE ledger.rate_buckets b SET tokens = level, updated_at = now_ts WHERE b.key_digest = p_key;
        RETURN QUERY SELECT (1 - level) / p_refill_per_s, NULL::timestamptz, seen;
    END IF;
END $fn$;

REVOKE ALL ON FUNCTION ledger.claim(text, text, text, double precision),
    ledger.end_claim(bigint, text), ledger.renew_claim(bigint, double precision),
    ledger.take_request_slot(text, double precision, double precision, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.claim(text, text, text, double precision),
    ledger.end_claim(bigint, text), ledger.renew_claim(bigint, double precision),
    ledger.take_request_slot(text, double precision, double precision, text, integer) TO pos_till;
"""
)

# Gate mode (issue 19): who let a contremarque in first, across gates. ``entries`` (migration 1) does
# not fit: it is a replicated journal record (journal_uid, seq, booking id required) with no rule of one
# entry per token. Here one row per token, never changed: a gate's claim is ``INSERT ... ON CONFLICT
# (token) DO NOTHING`` (INSERT right only), so of two gates at once exactly one row is written and the
# other reads it. No personal data: token, gate name, time, persons, event day.
_MIGRATION_2 = (
    """
CREATE TABLE ledger.gate_entries (
    token text PRIMARY KEY CHECK (length(token) BETWEEN 1 AND 64),
    gate text NOT NULL CHECK (length(gate) BETWEEN 1 AND 64),
    entered_at timestamptz NOT NULL,
    persons smallint NOT NULL CHECK (persons BETWEEN 1 AND 10),
    event_day date,
    written_by name NOT NULL DEFAULT current_user,
    received_at timestamptz NOT NULL DEFAULT now()
);
-- Each gate copies the rows received since its last copy (its counters, its scans' mirror).
CREATE INDEX gate_entries_received ON ledger.gate_entries (received_at);
"""
    + _append_only("gate_entries")
)

MIGRATIONS: tuple[str, ...] = (_MIGRATION_1, _MIGRATION_2)
SCHEMA_VERSION = len(MIGRATIONS)

Connection = psycopg.Connection[tuple[object, ...]]


def schema_version(cursor: psycopg.Cursor[tuple[object, ...]]) -> int:
    """The ledger's schema number in this database; 0 when there is no ledger yet."""
    cursor.execute("SELECT to_regclass('ledger.meta') IS NOT NULL")
    row = cursor.fetchone()
    if row is None or not row[0]:
        return 0
    cursor.execute("SELECT version FROM ledger.meta")
    version = cursor.fetchone()
    return 0 if version is None else int(str(version[0]))


def check_schema(cursor: psycopg.Cursor[tuple[object, ...]]) -> int:
    """What a till checks when it connects: the schema it knows, else a French error."""
    version = schema_version(cursor)
    if version > SCHEMA_VERSION:
        raise LedgerTooNewError(version, SCHEMA_VERSION)
    if version < SCHEMA_VERSION:
        raise LedgerNotReady(
            "Le registre partagé n'est pas prêt (schéma "
            f"{version}, {SCHEMA_VERSION} attendu) : lancez « pos-client ledger init » avec le rôle "
            "propriétaire du registre."
        )
    return version


def migrate(connection: Connection) -> int:
    """Bring the ledger to ``SCHEMA_VERSION`` in one transaction (DDL is transactional in
    PostgreSQL), under an advisory lock so two ``init`` at once apply each migration once.
    Refuses a newer schema untouched. Returns the version."""
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('pos-client ledger migrations', 0))")
        version = schema_version(cursor)
        if version > SCHEMA_VERSION:
            raise LedgerTooNewError(version, SCHEMA_VERSION)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            cursor.execute(MIGRATIONS[number - 1].encode())
            cursor.execute(
                "INSERT INTO ledger.meta (version) VALUES (%(v)s)"
                " ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
                {"v": number},
            )
    return SCHEMA_VERSION
