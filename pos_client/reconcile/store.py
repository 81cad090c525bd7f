"""The imported reimbursement lines, kept in their own SQLite file beside the journal.

Why not a table in the journal: the journal is the till's own append-only record (nothing updated,
nothing deleted, a newer schema refused by an older pos-client); imported lines are a copy of
someone else's data that a newer file must be able to update (a status that became "envoyé", a
transfer number that appeared), and that can always be imported again from the files. A separate
file keeps the journal's schema and invariants untouched, lets an older pos-client still open the
journal, and can be deleted without losing anything of the till's own.

Only the non-personal fields of a line are stored (see ``reader.ReimbursementRow``); of a file,
only its SHA-256, header version and size (not its name, which may hold a person's). A line's
identity is what does not change between downloads and header versions (contremarque or collective
booking number, validation time in UTC, reimbursed amount, incident or not, and its rank among
identical lines of one file), so importing the same lines twice, from the same file or another,
changes nothing, and a newer file updates the line in place. A file already imported (same bytes) is
skipped whole.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pos_client.durable import immediate_transaction
from pos_client.reconcile.reader import ReimbursementFile, ReimbursementRow

__all__ = [
    "ImportOutcome",
    "NotAReimbursementStoreError",
    "ReimbursementStore",
    "row_key",
    "store_path_for",
]

# "POSR": marks the file as pos-client's reimbursement store (``PRAGMA application_id``).
APPLICATION_ID = 0x504F5352
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    header_version TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE reimbursement_lines (
    key TEXT PRIMARY KEY,
    first_import INTEGER NOT NULL REFERENCES imports (id),
    last_import INTEGER NOT NULL REFERENCES imports (id),
    line INTEGER NOT NULL,
    token TEXT NOT NULL,
    collective_ref TEXT NOT NULL,
    collective INTEGER NOT NULL,
    offer_type TEXT NOT NULL,
    validated_at TEXT,
    booking_amount_cents INTEGER NOT NULL,
    rate_text TEXT NOT NULL,
    rate_percent TEXT,
    reimbursed_cents INTEGER NOT NULL,
    period_label TEXT NOT NULL,
    period_first TEXT,
    period_last TEXT,
    incident INTEGER NOT NULL,
    transfer TEXT NOT NULL,
    invoice_ref TEXT NOT NULL,
    invoice_date TEXT,
    status TEXT NOT NULL,
    price_category TEXT NOT NULL
);
CREATE INDEX reimbursement_lines_token ON reimbursement_lines (token);
"""
_FIELDS = (
    "line", "token", "collective_ref", "collective", "offer_type", "validated_at",
    "booking_amount_cents", "rate_text", "rate_percent", "reimbursed_cents", "period_label",
    "period_first", "period_last", "incident", "transfer", "invoice_ref", "invoice_date", "status",
    "price_category",
)  # fmt: skip


class NotAReimbursementStoreError(RuntimeError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"Le fichier {path} n'est pas le fichier des remboursements importés de pos-client ({detail}) : "
            "il n'a pas été modifié."
        )


@dataclass(frozen=True)
class ImportOutcome:
    file_name: str
    already_imported_at: datetime | None  # the same file (same bytes) was imported then: nothing done
    new_lines: int = 0
    updated_lines: int = 0
    unchanged_lines: int = 0


def store_path_for(journal_path: Path) -> Path:
    """``journal.sqlite3`` -> ``journal.remboursements.sqlite3`` (the demo journal gets its own)."""
    return journal_path.with_name(f"{journal_path.stem}.remboursements.sqlite3")


def _utc_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="seconds")


def row_key(row: ReimbursementRow, rank: int) -> str:
    """The line's identity across downloads and header versions (see the module's docstring)."""
    who = row.token or f"collective:{row.collective_ref}"
    parts = (
        who,
        _utc_text(row.validated_at),
        str(row.reimbursed_cents),
        "I" if row.incident else "",
        str(rank),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _values(row: ReimbursementRow) -> tuple[Any, ...]:
    first, last = row.period or (None, None)
    return (
        row.line, row.token, row.collective_ref, int(row.collective), row.offer_type,
        None if row.validated_at is None else row.validated_at.isoformat(sep=" "),
        row.booking_amount_cents, row.rate_text, None if row.rate_percent is None else str(row.rate_percent),
        row.reimbursed_cents, row.period_label, None if first is None else first.isoformat(),
        None if last is None else last.isoformat(), int(row.incident), row.transfer, row.invoice_ref,
        None if row.invoice_date is None else row.invoice_date.isoformat(), row.status, row.price_category,
    )  # fmt: skip


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _row(values: Sequence[Any]) -> ReimbursementRow:
    item = dict(zip(_FIELDS, values, strict=True))
    first, last = _day(item["period_first"]), _day(item["period_last"])
    return ReimbursementRow(
        source="",  # file names are not kept (one may hold a person's name)
        line=int(item["line"]),
        token=item["token"],
        collective_ref=item["collective_ref"],
        collective=bool(item["collective"]),
        offer_type=item["offer_type"],
        validated_at=None if item["validated_at"] is None else datetime.fromisoformat(item["validated_at"]),
        booking_amount_cents=int(item["booking_amount_cents"]),
        rate_text=item["rate_text"],
        rate_percent=None if item["rate_percent"] is None else Decimal(item["rate_percent"]),
        reimbursed_cents=int(item["reimbursed_cents"]),
        period_label=item["period_label"],
        period=None if first is None or last is None else (first, last),
        incident=bool(item["incident"]),
        transfer=item["transfer"],
        invoice_ref=item["invoice_ref"],
        invoice_date=_day(item["invoice_date"]),
        status=item["status"],
        price_category=item["price_category"],
    )


def _merged(old: ReimbursementRow, new: ReimbursementRow) -> ReimbursementRow:
    """A newer file updates a line, but money sent is never "unsent" and a reference never erased."""
    status = old.status if old.sent and not new.sent else new.status
    return replace(
        new,
        status=status,
        transfer=new.transfer or old.transfer,
        invoice_ref=new.invoice_ref or old.invoice_ref,
        invoice_date=new.invoice_date or old.invoice_date,
        period=new.period or old.period,
    )


class ReimbursementStore:
    """Imported lines (non-personal fields only). Not thread-safe: one per thread or job."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise NotAReimbursementStoreError(path, str(exc)) from exc

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        application_id = int(self._db.execute("PRAGMA application_id").fetchone()[0])
        if version == 0:
            if self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                self._db.close()
                raise NotAReimbursementStoreError(self.path, "tables inconnues")
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA}; PRAGMA application_id = {APPLICATION_ID}; "
                f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        elif application_id != APPLICATION_ID or version > SCHEMA_VERSION:
            self._db.close()
            raise NotAReimbursementStoreError(
                self.path, f"application_id {application_id:#x}, schéma {version}"
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ReimbursementStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def import_files(self, files: Sequence[ReimbursementFile]) -> list[ImportOutcome]:
        """Keep the files' lines, all in one transaction (all files or none)."""
        outcomes: list[ImportOutcome] = []
        with immediate_transaction(self._db) as db:
            for file in files:
                outcomes.append(self._import_one(db, file))
        return outcomes

    def _import_one(self, db: sqlite3.Connection, file: ReimbursementFile) -> ImportOutcome:
        seen = db.execute("SELECT imported_at FROM imports WHERE sha256 = ?", (file.sha256,)).fetchone()
        if seen is not None:
            return ImportOutcome(file.name, datetime.fromisoformat(seen[0]))
        import_id = db.execute(
            "INSERT INTO imports (sha256, header_version, row_count, imported_at) VALUES (?, ?, ?, ?)",
            (file.sha256, file.version.value, len(file.rows), self._clock().isoformat()),
        ).lastrowid
        ranks: Counter[tuple[str, str, int, bool]] = Counter()
        new = updated = unchanged = 0
        placeholders = ", ".join("?" for _ in _FIELDS)
        for row in file.rows:
            identity = (
                row.token or row.collective_ref,
                _utc_text(row.validated_at),
                row.reimbursed_cents,
                row.incident,
            )
            ranks[identity] += 1
            key = row_key(row, ranks[identity])
            existing = db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM reimbursement_lines WHERE key = ?", (key,)
            ).fetchone()
            if existing is None:
                db.execute(
                    f"INSERT INTO reimbursement_lines (key, first_import, last_import, {', '.join(_FIELDS)})"
                    f" VALUES (?, ?, ?, {placeholders})",
                    (key, import_id, import_id, *_values(row)),
                )
                new += 1
                continue
            old = _row(existing)
            merged = _merged(old, row)
            if _values(merged)[1:] == _values(old)[1:]:  # same content (the line number aside)
                unchanged += 1
                continue
            assignments = ", ".join(f"{field} = ?" for field in _FIELDS)
            db.execute(
                f"UPDATE reimbursement_lines SET last_import = ?, {assignments} WHERE key = ?",
                (import_id, *_values(merged), key),
            )
            updated += 1
        return ImportOutcome(file.name, None, new, updated, unchanged)

    def rows(self) -> list[ReimbursementRow]:
        values = self._db.execute(
            f"SELECT {', '.join(_FIELDS)} FROM reimbursement_lines ORDER BY validated_at, key"
        ).fetchall()
        return [_row(item) for item in values]

    def imports(self) -> list[tuple[str, int, datetime]]:
        """(header version, lines, imported at) of every file imported, oldest first (the files'
        names are not kept: only their SHA-256, to recognise one imported again)."""
        return [
            (version, int(count), datetime.fromisoformat(at))
            for version, count, at in self._db.execute(
                "SELECT header_version, row_count, imported_at FROM imports ORDER BY id"
            )
        ]
