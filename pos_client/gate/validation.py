"""« Valider à l'entrée »: validations sent in the background, exactly once, surviving restarts.

An entry with the setting on writes a validation intent in the same transaction as the entry (before
any request). The sender takes pending intents one at a time when the rate budget allows. A
validation is never sent twice blindly: the client re-reads after an ambiguous answer, and a second
attempt after a restart that meets « déjà validée » counts as done, so the booking is validated once.
"""

from __future__ import annotations

from pos_client.domain.gate import RateBudget
from pos_client.domain.outcomes import AlreadyValidated, Outcome, Refusal, Validated
from pos_client.domain.ports import BookingsApi
from pos_client.gate.store import GateStore, ValidationState

__all__ = ["ValidationSender"]


class ValidationSender:
    """Sends pending validations; thread-confined to the gate's worker."""

    def __init__(self, api: BookingsApi, budget: RateBudget, store: GateStore) -> None:
        self._api = api
        self._budget = budget
        self._store = store
        self.sent = 0

    def step(self) -> bool:
        """Send one pending validation if the budget allows; True when a request went out."""
        pending = self._store.pending_validations(limit=1)
        if not pending or not self._budget.try_acquire():
            return False
        token = pending[0]
        self._store.note_attempt(token)
        self.sent += 1
        self._settle(token, self._api.validate(token))
        return True

    def _settle(self, token: str, outcome: Outcome) -> None:
        if isinstance(outcome, Validated):
            self._store.finish_validation(token, ValidationState.DONE, "validée")
        elif isinstance(outcome, AlreadyValidated):
            self._store.finish_validation(token, ValidationState.DONE, "déjà validée")
        elif isinstance(outcome, Refusal):
            self._store.finish_validation(token, ValidationState.REFUSED, type(outcome).__name__)
        # A trouble (network, rate limit, server, unknown outcome) leaves the intent pending.
