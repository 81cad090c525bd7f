"""Sane bounds for a booking's amount, checked before any change is sent or journaled.

A pass Culture credit is a few hundred euros and a booking holds one or two places (duo): an answer
announcing a price or a quantity far beyond that (up to integers a 64-bit column cannot hold) is a
hostile or broken answer, never a sale. The bounds are wide on purpose (100 places, 10 000 €).
"""

from __future__ import annotations

from pos_client.domain.booking import Booking
from pos_client.domain.formats import format_euros

__all__ = ["MAX_QUANTITY", "MAX_TOTAL_CENTS", "amount_problem"]

MAX_QUANTITY = 100
MAX_TOTAL_CENTS = 1_000_000  # 10 000 €


def amount_problem(booking: Booking) -> str | None:
    """Why the booking's amount cannot be a real sale (French), or None when it can."""
    quantity, unit = booking.quantity, booking.unit_price_cents
    if not 1 <= quantity <= MAX_QUANTITY:
        return f"quantité invraisemblable ({quantity} ; de 1 à {MAX_QUANTITY} attendu)"
    if unit < 0 or unit * quantity > MAX_TOTAL_CENTS:
        most = format_euros(MAX_TOTAL_CENTS)
        return f"montant invraisemblable ({quantity} x {format_euros(unit)} ; au plus {most} attendu)"
    return None
