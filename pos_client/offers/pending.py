"""What the offer desk keeps on disk: the upsert it is waiting for (so a restart resumes the wait) and
the offers this till made (so the card can say « offre créée à cette caisse » and the till can close
them). No personal data: EANs, prices, quantities, offer ids, titles of products and times only.

One small JSON file, replaced durably (``pos_client.durable``); an unreadable file is set aside
(renamed ``.unreadable``) and the desk starts empty, so a damaged file never keeps the till shut.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pos_client.durable import durable_replace

__all__ = ["MAX_MADE", "DeskState", "MadeOffer", "PendingOffer", "PendingStore"]

log = logging.getLogger(__name__)

MAX_MADE = 50
_VERSION = 1


@dataclass(frozen=True)
class PendingOffer:
    """An upsert accepted by the server (204) whose job has not shown its result yet."""

    ean: str
    price_cents: int
    quantity: int
    venue_id: int
    server: str  # the base URL it was sent to: a wait never resumes against another server
    requested_at: float  # wall clock (s since the epoch): the wait's deadline survives a restart
    purpose: str = "create"  # "create" (create or update) or "close" (quantity 0)


@dataclass(frozen=True)
class MadeOffer:
    """An offer this till made (or updated) and saw appear."""

    offer_id: int
    ean: str
    name: str
    price_cents: int
    venue_id: int
    server: str
    made_at: float
    closed: bool = False


@dataclass
class DeskState:
    pending: PendingOffer | None = None
    made: list[MadeOffer] = field(default_factory=list)


class PendingStore:
    """The desk's state in ``path`` (None: in memory only, for tests and throwaway desks)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def load(self) -> DeskState:
        if self.path is None or not self.path.exists():
            return DeskState()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            pending = raw.get("pending")
            return DeskState(
                pending=None if pending is None else PendingOffer(**pending),
                made=[MadeOffer(**entry) for entry in raw.get("made", [])],
            )
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("offer desk state unreadable (%s): set aside, starting empty", type(exc).__name__)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_suffix(".unreadable"))
            return DeskState()

    def save(self, state: DeskState) -> None:
        if self.path is None:
            return
        data: dict[str, Any] = {
            "version": _VERSION,
            "pending": None if state.pending is None else asdict(state.pending),
            "made": [asdict(entry) for entry in state.made[-MAX_MADE:]],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".offer-desk-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, ensure_ascii=False, indent=1)
                file.flush()
                os.fsync(file.fileno())
            durable_replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
