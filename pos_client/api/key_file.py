"""The API key for tills without a system keyring: one file per environment, readable by the till's
user only, chosen explicitly (``pos-client api-key set --env ENV --store file``, which warns).

Why a file of our own rather than ``keyrings.alt`` or ``keyrings.cryptfile``: an encrypted file needs
a password at every start, which an unattended till cannot type (and a password stored next to it
protects nothing); ``keyrings.alt``'s plain files would become the backend of every keyring user of
the account, with permissions we do not control. A file we create ``0600`` in a ``0700`` folder of
the user's settings folder (the user's own profile on Windows) protects the key from the other
accounts of the PC exactly as much as those would, and no more: docs/security.md says so. The key
never goes into ``settings.toml``, a log (it is registered as a secret) or an export.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pos_client.api.keys import KeyringKeys, KeyStoreError, check_api_key, key_hint
from pos_client.logs import register_secret
from pos_client.safety.private_files import private_folder, write_private_file
from pos_client.settings import ApiEnvironment, ApiSettings

__all__ = ["FILE_STORE_WARNING", "KEY_FOLDER", "FileKeys", "KeyStore", "key_store_for"]

log = logging.getLogger(__name__)

KEY_FOLDER = "api-keys"
FILE_STORE_WARNING = (
    "Attention : sans trousseau du système, la clé est gardée dans un fichier lisible seulement par "
    "ce compte utilisateur ({path}). Toute personne qui ouvre une session sous ce compte, ou un "
    "administrateur du PC, peut la lire : réservez ce compte à la caisse. Voir docs/security.md."
)


class FileKeys:
    """``get_key``/``set_key``/``delete_key`` on ``<folder>/<environment>.key`` (0600 in a 0700 folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, environment: ApiEnvironment) -> Path:
        return self.folder / f"{environment.value}.key"

    def get_key(self, environment: ApiEnvironment) -> str | None:
        path = self.path_for(environment)
        try:
            value = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyStoreError(f"Fichier de la clé d'API illisible ({path}) : {_reason(exc)}.") from exc
        if not value:
            return None
        register_secret(value)
        return value

    def set_key(self, environment: ApiEnvironment, key: str) -> None:
        checked = check_api_key(key)
        register_secret(checked)
        path = self.path_for(environment)
        try:
            private_folder(self.folder)
            write_private_file(path, (checked + "\n").encode("ascii"))
        except OSError as exc:
            reason = _reason(exc)
            message = f"Impossible d'écrire le fichier de la clé d'API ({path}) : {reason}."
            raise KeyStoreError(message) from exc
        log.info("API key stored in a file for %s (ends with %s)", environment.value, key_hint(checked))

    def delete_key(self, environment: ApiEnvironment) -> bool:
        path = self.path_for(environment)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise KeyStoreError(f"Impossible de supprimer {path} : {_reason(exc)}.") from exc
        log.info("API key file deleted for %s", environment.value)
        return True


KeyStore = KeyringKeys | FileKeys


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__


def key_store_for(api: ApiSettings, config_dir: Path) -> KeyStore:
    """The key store the settings chose: the system keyring (default) or the protected file."""
    if api.key_storage == "file":
        return FileKeys(config_dir / KEY_FOLDER)
    return KeyringKeys()
