"""One till's connection to the shared ledger: settings, password from the keyring, French errors.

``LedgerLink`` holds one psycopg connection (autocommit, opened on first use) behind a lock; each
caller runs its statements in ``with link.transaction() as cur:``. When the ledger cannot be reached,
every call fails fast with ``LedgerUnavailable`` for ``retry_after_s`` before the next attempt, so a
till that lost its ledger keeps selling at full speed instead of waiting for a connect timeout on
every scan. Errors carry French messages; a password never appears in them (libpq never echoes it,
and it is registered with the log filter as soon as it is read).

TLS is libpq's: ``sslmode`` (``verify-full`` by default) and ``sslrootcert`` pass through unchanged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keyring
import keyring.errors
import psycopg
import psycopg.errors
from psycopg.conninfo import make_conninfo

from pos_client.ledger.errors import (
    LedgerError,
    LedgerNotReady,
    LedgerRefused,
    LedgerTooNewError,
    LedgerUnavailable,
)
from pos_client.logs import register_secret

if TYPE_CHECKING:
    from pos_client.settings import Settings

__all__ = [
    "KEYRING_SERVICE",
    "LedgerConfig",
    "LedgerError",
    "LedgerLink",
    "LedgerNotReady",
    "LedgerPasswords",
    "LedgerRefused",
    "LedgerTooNewError",
    "LedgerUnavailable",
    "PasswordSource",
]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pos-client"  # the same keyring service as the API keys (pos_client.api.keys)

PasswordSource = Callable[[], str | None]


@dataclass(frozen=True)
class LedgerConfig:
    """Where the ledger is and who this till is (no password: that is in the keyring)."""

    host: str
    port: int
    dbname: str
    user: str
    till: str
    sslmode: str = "verify-full"
    sslrootcert: str = ""
    connect_timeout_s: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> LedgerConfig:
        section = settings.ledger
        return cls(
            host=section.host,
            port=section.port,
            dbname=section.dbname,
            user=section.user,
            till=section.till_label or settings.till_name,
            sslmode=section.sslmode,
            sslrootcert=section.sslrootcert,
        )

    def describe(self) -> str:
        """``user@host:port/dbname``: what may be shown and logged."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect_kwargs(self, password: str | None) -> dict[str, str | int]:
        kwargs: dict[str, str | int] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.sslmode,
            "connect_timeout": self.connect_timeout_s,
            "application_name": f"pos-client {self.till}"[:63],
            # A till never waits long on the ledger: a stuck statement is an outage, not a queue.
            "options": "-c statement_timeout=10000 -c lock_timeout=5000",
        }
        if self.sslrootcert:
            kwargs["sslrootcert"] = self.sslrootcert
        if password is not None:
            kwargs["password"] = password
        return kwargs


class LedgerPasswords:
    """The ledger password of a role, in the OS keyring (service ``pos-client``, user
    ``ledger-<role>@<host>``), like the API key; registered with the log filter when read."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service

    @staticmethod
    def keyring_user(config: LedgerConfig) -> str:
        return f"ledger-{config.user}@{config.host}"

    def get(self, config: LedgerConfig) -> str | None:
        try:
            value = keyring.get_password(self._service, self.keyring_user(config))
        except keyring.errors.KeyringError as exc:
            raise LedgerRefused(f"Trousseau du système inaccessible : {exc}") from exc
        if not value:
            return None
        register_secret(value)
        return str(value)

    def set(self, config: LedgerConfig, password: str) -> None:
        if not password or any(char in password for char in "\r\n"):
            raise LedgerRefused("Mot de passe du registre vide ou sur plusieurs lignes.")
        register_secret(password)
        try:
            keyring.set_password(self._service, self.keyring_user(config), password)
        except keyring.errors.KeyringError as exc:
            raise LedgerRefused(
                f"Impossible d'enregistrer le mot de passe dans le trousseau : {exc}"
            ) from exc
        log.info("ledger password stored for %s", config.describe())

    def delete(self, config: LedgerConfig) -> bool:
        try:
            keyring.delete_password(self._service, self.keyring_user(config))
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise LedgerRefused(f"Trousseau du système inaccessible : {exc}") from exc
        return True

    def source(self, config: LedgerConfig) -> PasswordSource:
        return lambda: self.get(config)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def explain_connect_failure(config: LedgerConfig, exc: psycopg.Error) -> LedgerError:
    """A French error for a failed connection; refusals (password, TLS, rights) apart from outages."""
    detail = _first_line(exc)
    lowered = detail.lower()
    where = config.describe()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return LedgerRefused(
            f"Mot de passe refusé par le registre partagé ({where}) : vérifiez-le "
            "(pos-client ledger password)."
        )
    if "certificate" in lowered or "ssl" in lowered or "no encryption" in lowered or "tls" in lowered:
        return LedgerRefused(
            f"Connexion chiffrée (TLS) au registre partagé refusée ({where}, sslmode={config.sslmode}) : "
            f"{detail}"
        )
    if "does not exist" in lowered or "pg_hba.conf" in lowered or "permission denied" in lowered:
        return LedgerRefused(f"Le registre partagé refuse cette caisse ({where}) : {detail}")
    return LedgerUnavailable(f"Registre partagé injoignable ({where}) : {detail}")


class LedgerLink:
    """One connection to the ledger, shared by the callers of one component behind a lock."""

    def __init__(
        self,
        config: LedgerConfig,
        password: PasswordSource,
        *,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        check_schema: bool = True,
    ) -> None:
        self.config = config
        # Every new connection first checks the ledger's schema (off only for ``ledger init``).
        self.check_schema = check_schema
        self._password = password
        self.retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._down_until = 0.0
        self._last_failure: LedgerError | None = None

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        if self._last_failure is not None and self._clock() < self._down_until:
            raise self._last_failure.with_traceback(None)
        conninfo = make_conninfo("", **self.config.connect_kwargs(self._password()))
        try:
            connection = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            self._fail(explain_connect_failure(self.config, exc))
            raise  # not reached: _fail raises
        if self.check_schema:
            from pos_client.ledger.schema import check_schema as check_ledger_schema

            try:
                with connection.cursor() as cursor:
                    check_ledger_schema(cursor)
            except LedgerError as exc:
                connection.close()
                self._fail(exc)
            except psycopg.Error as exc:
                connection.close()
                self._fail(LedgerUnavailable(f"Registre partagé injoignable : {_first_line(exc)}"))
        self._connection = connection
        self._last_failure = None
        return connection

    def _fail(self, error: LedgerError) -> None:
        self._last_failure = error
        self._down_until = self._clock() + self.retry_after_s
        self._drop()
        raise error

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except psycopg.Error:
                log.debug("closing a broken ledger connection failed", exc_info=True)
        self._connection = None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor[tuple[object, ...]]]:
        """A cursor inside one transaction; psycopg failures become French ``LedgerError``s."""
        with self.connection() as connection, connection.transaction(), connection.cursor() as cursor:
            yield cursor

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """The connection itself (autocommit), held alone; psycopg failures become ``LedgerError``s."""
        with self._lock:
            connection = self._connect()
            try:
                yield connection
            except psycopg.errors.InsufficientPrivilege as exc:
                raise LedgerRefused(
                    f"Le rôle {self.config.user} n'a pas ce droit sur le registre partagé : "
                    f"{_first_line(exc)}"
                ) from exc
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self._fail(LedgerUnavailable(f"Registre partagé injoignable : {_first_line(exc)}"))
            except (
                psycopg.errors.UndefinedTable,
                psycopg.errors.UndefinedFunction,
                psycopg.errors.InvalidSchemaName,
            ) as exc:
                raise LedgerNotReady(
                    "Le registre partagé n'est pas prêt : lancez « pos-client ledger init » avec le rôle "
                    f"propriétaire du registre ({_first_line(exc)})."
                ) from exc
            except psycopg.Error as exc:
                raise LedgerError(f"Erreur du registre partagé : {_first_line(exc)}") from exc

    def reset_backoff(self) -> None:
        """Try the next call at once (after the operator fixed something, or in tests)."""
        with self._lock:
            self._down_until = 0.0

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> LedgerLink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
