"""Gate mode in demo: the emulator's festival in-process, its pro export, a gate for tonight."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pos_client.api.client import BookingsClient
from pos_client.app.gate import GateSession, GateSetup, open_gate
from pos_client.emulator import RunningEmulator, demo_data, festival
from pos_client.gate.worker import Lookup

__all__ = ["DemoGate", "open_demo_gate"]


@dataclass
class DemoGate:
    session: GateSession
    emulator: RunningEmulator
    stack: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self.session.close()
        self.stack.close()


def open_demo_gate(
    store_path: Path, *, name: str = "A", on_lookup: Callable[[Lookup], None] = lambda _: None,
    start_worker: bool = True, refresh_every_s: float = 30.0,
) -> DemoGate:  # fmt: skip
    """A festival emulator, a client, and a gate controlling tonight's evening (all price categories)."""
    stack = ExitStack()
    emulator = stack.enter_context(RunningEmulator.start(seed="festival"))
    client = stack.enter_context(BookingsClient(emulator.base_url, demo_data.DEMO_API_KEY, read_attempts=1))
    tonight = festival.festival_evenings(emulator.control.now())[0].date()
    setup = GateSetup(
        name=name, venue_id=festival.FESTIVAL_VENUE_ID, store_path=store_path, days=frozenset({tonight}),
        offers=frozenset({festival.FESTIVAL_OFFER_NAME}),
        export_text=emulator.control.festival_export(),
        refresh_every_s=refresh_every_s,
    )  # fmt: skip
    session = open_gate(setup, client, on_lookup=on_lookup, start_worker=False)
    session.refresher.load_all()
    if start_worker:
        session.worker.start()
    return DemoGate(session, emulator, stack)
