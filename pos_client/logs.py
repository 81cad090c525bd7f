"""Logging: one rotating file per installation, scrubbed of personal data and secrets.

The rule is that code never logs personal data (names, emails, phones, birth dates) or API keys in
the first place: ``Booking`` hides those fields from its ``repr``. The ``RedactingFilter`` is the
safety net behind that rule: it masks e-mail addresses, phone numbers, ISO dates of birth,
``Bearer`` credentials and any secret registered at run time (the API key in use).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

__all__ = ["RedactingFilter", "register_secret", "setup_logging"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d .-]{8,}\d(?![\w])")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_BIRTH_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b(?!T)")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Mask ``secret`` in every log record from now on (the API key in use)."""
    if len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = tuple(_secrets)
    for secret in secrets:
        text = text.replace(secret, "***")
    text = _BEARER.sub(r"\1***", text)
    text = _EMAIL.sub("<email>", text)
    text = _BIRTH_DATE.sub("<date>", text)
    return _PHONE.sub("<phone>", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with personal data and secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = cleaned, None
        return True


_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def setup_logging(log_file: Path | None, *, level: int = logging.INFO, verbose: bool = False) -> None:
    """Configure the root logger: rotating file (5 x 1 MB), plus stderr when ``verbose``."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else level)
    for handler in list(root.handlers):
        if getattr(handler, "_pos_client", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if verbose:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(RedactingFilter())
        handler._pos_client = True  # type: ignore[attr-defined]
        root.addHandler(handler)
