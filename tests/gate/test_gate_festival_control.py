"""The emulator's festival through its public control methods (export, more bookings, cancellations),
as the gate tests and the bench use them instead of reaching into the emulator's state."""

from __future__ import annotations

import httpx

from pos_client.emulator import RunningEmulator, festival
from pos_client.gate.roster import parse_export


def _tonight(emulator: RunningEmulator) -> dict[str, str]:
    tonight = festival.festival_evenings(emulator.control.now())[0].date()
    entries, _, _ = parse_export(emulator.control.festival_export())
    return {e.token: e.status.value for e in entries if e.day == tonight}


def test_the_festival_grows_and_cancels_through_control_methods(festival_emulator: RunningEmulator) -> None:
    before = _tonight(festival_emulator)
    festival_emulator.control.add_festival_bookings(50)
    after = _tonight(festival_emulator)
    assert len(after) == len(before) + 50 and before.items() <= after.items()
    answer = httpx.get(
        f"{festival_emulator.base_url}/_control/festival/export", headers=festival_emulator.control_headers
    )
    assert answer.text == festival_emulator.control.festival_export()
    cancelled = festival_emulator.control.cancel_festival_bookings(5, seed=1)
    assert len(cancelled) == 5
    assert all(festival_emulator.control.booking_state(token)["status"] == "CANCELLED" for token in cancelled)
