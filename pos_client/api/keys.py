"""API keys in the OS keyring, one per environment (never in a file, never in a log).

The keyring entry is service ``pos-client``, user ``api-key-<environment>``: the same entry the
window's settings dialog reads and writes. ``KeyringKeys`` has the ``get_key``/``set_key`` shape of
``pos_client.ui.settings_dialog.ApiKeyStore``. Keyring failures (no backend, locked wallet) become
``KeyStoreError`` with a French message; nothing else escapes.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from pos_client.logs import register_secret
from pos_client.settings import ApiEnvironment

__all__ = ["KEYRING_SERVICE", "KeyStoreError", "KeyringKeys", "check_api_key", "key_hint", "keyring_user"]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pos-client"


class KeyStoreError(Exception):
    """The keyring cannot be used, or the key is not acceptable; the message is French."""


def keyring_user(environment: ApiEnvironment) -> str:
    return f"api-key-{environment.value}"


def check_api_key(text: str) -> str:
    """The key without surrounding blanks, or ``KeyStoreError`` saying what is wrong with it."""
    key = text.strip()
    if not key:
        raise KeyStoreError("La clé d'API est vide.")
    if not (key.isascii() and key.isprintable()) or any(char.isspace() for char in key):
        raise KeyStoreError("La clé d'API contient des caractères non permis (espaces, accents...).")
    if len(key) < 16:
        raise KeyStoreError("La clé d'API est trop courte : copiez-la en entier.")
    return key


def key_hint(key: str | None) -> str | None:
    """The last 4 characters, the only part of a key ever shown."""
    return key[-4:] if key else None


def _keyring_trouble(exc: keyring.errors.KeyringError, doing: str) -> KeyStoreError:
    """A French message for a keyring failure; the library's own (English) words go to the log only."""
    log.warning("keyring %s failed: %s: %s", doing, type(exc).__name__, exc)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyStoreError(
            "Aucun trousseau du système sur ce poste (session sans service de secrets). Gardez la clé "
            "dans un fichier protégé : pos-client api-key set --env ENV --store file (voir "
            "docs/security.md)."
        )
    return KeyStoreError(
        f"Trousseau du système inaccessible ({doing}) : déverrouillez-le, ou voir docs/security.md."
    )


class KeyringKeys:
    """Read, store and delete the API key of each environment in the OS keyring."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    def get_key(self, environment: ApiEnvironment) -> str | None:
        try:
            value = keyring.get_password(self._service, keyring_user(environment))
        except keyring.errors.KeyringError as exc:
            raise _keyring_trouble(exc, "lecture") from exc
        if not value:
            return None
        register_secret(value)
        return str(value)

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        checked = check_api_key(key)
        register_secret(checked)
        try:
            keyring.set_password(self._service, keyring_user(environment), checked)
        except keyring.errors.KeyringError as exc:
            raise _keyring_trouble(exc, "enregistrement") from exc
        log.info("API key stored for %s (ends with %s)", environment.value, key_hint(checked))

    def delete_key(self, environment: ApiEnvironment) -> bool:
        """True if a key was deleted, False if there was none."""
        try:
            keyring.delete_password(self._service, keyring_user(environment))
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise _keyring_trouble(exc, "suppression") from exc
        log.info("API key deleted for %s", environment.value)
        return True
