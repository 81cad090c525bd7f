"""The shape of a contremarque token, in one place: 6 ASCII letters or digits, upper case.

Only ASCII is upper-cased: ``str.upper()`` would turn "ß" into "SS" or "ﬀ" into "FF" and make a token
of characters that are not in the input.
"""

from __future__ import annotations

import re
import string

__all__ = [
    "ASCII_UPPER",
    "TOKEN_LENGTH",
    "TOKEN_PATTERN",
    "TYPED_ALPHABET",
    "ascii_upper",
    "normalised_token",
]

TOKEN_LENGTH = 6
# Used with ``match``; ``\Z`` because "$" would accept a final newline.
TOKEN_PATTERN = re.compile(r"^[A-Z0-9]{6}\Z")
# Typed codes are checked against A-Z 0-9 like the official desk (the reader does the same), so a
# mistyped 0/O still reaches the API and gets "introuvable".
TYPED_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def ascii_upper(text: str) -> str:
    """``text`` with its ASCII letters upper-cased and nothing else changed."""
    return text.translate(ASCII_UPPER)


def normalised_token(text: str) -> str | None:
    """``text`` without surrounding blanks and ASCII-upper-cased, when that is a token; else None."""
    candidate = text.strip()
    if not candidate.isascii():
        return None
    candidate = ascii_upper(candidate)
    return candidate if TOKEN_PATTERN.match(candidate) else None
