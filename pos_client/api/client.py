"""The pass Culture bookings API v1 over HTTP: ``BookingsClient`` implements ``ports.BookingsApi``.

One long-lived ``httpx.Client`` (connections reused), explicit timeouts, certificate verification
always on, ``Authorization: Bearer <key>`` and a User-Agent naming pos-client, its version and the
till. Every call returns one outcome of ``pos_client.api.models``; no httpx exception escapes.

Retries:
- Reads (``get_booking``, ``list_bookings``) are retried with exponential backoff on connection
  errors, timeouts, 502/503/504 and 429 (``Retry-After`` honoured up to ``max_retry_after_s``).
- Changes (``validate``, ``keep``, ``cancel``) are resent only when the request surely did not
  reach the server (connection refused, 429). After an *ambiguous* failure (timeout or reset once
  the request may have been sent, a 502/503/504 from a proxy, or a 2xx/3xx answer it cannot read)
  the client re-reads the booking:
  the state the change leads to (410 "already validated" after our validate, a readable booking
  after our keep, 410 "cancelled" after our cancel) means it went through (``confirmed_by_reread``);
  the state before it means it did not, and the change is sent again (``change_attempts`` in all);
  a read that fails too gives ``OutcomeUnknown``, which the journal keeps open.

Every token put in a URL must match ``^[A-Z0-9]{6}$``; anything else is refused before any request.

Each exchange (connect, request, every byte of the answer) ends within ``deadline_s`` whatever the
server does, and at most ``MAX_ANSWER_BYTES`` of an answer are read (``pos_client.safety.http_limits``):
a server trickling bytes, or sending an endless body, gives a timeout or an unreadable answer, which
for a change is ambiguous and settled by a re-read like any lost answer.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from pos_client import APP_NAME, __version__
from pos_client.api.environments import InsecureUrlError, check_base_url, is_loopback_host
from pos_client.api.limiter import RequestLimiter
from pos_client.api.mapping import (
    map_change_answer,
    map_list_answer,
    map_read_answer,
    map_venues_answer,
    parse_retry_after,
)
from pos_client.domain.booking import BookingStatus
from pos_client.domain.ledger import Operation
from pos_client.domain.outcomes import (
    AlreadyValidated,
    AuthInvalid,
    AuthMissing,
    Cancelled,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    NotFound,
    NotUsed,
    NotYetConfirmed,
    Outcome,
    OutcomeUnknown,
    RateLimited,
    Reimbursed,
    RereadVerdict,
    ServerError,
    StructureClosed,
    TimedOut,
    done_outcome,
    reread_verdict,
)
from pos_client.domain.ports import RequestBudget
from pos_client.domain.token import normalised_token
from pos_client.domain.venues import VenueList
from pos_client.logs import register_secret
from pos_client.safety.http_limits import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    deadline,
    install_deadlines,
    json_or_none,
    read_capped,
)

_R = TypeVar("_R")

__all__ = ["BookingsClient", "ClientConfig", "checked_token", "user_agent"]

log = logging.getLogger(__name__)

_BOOKINGS_PATH = "/public/bookings/v1"
_VENUES_PATH = "/public/offers/v1/offerer_venues"
_CHANGE_PATHS = {Operation.USE: "use", Operation.KEEP: "keep", Operation.CANCEL: "cancel"}
# A proxy's 502/503/504 may come after the backend did the work: ambiguous for a change.
_GATEWAY_STATUSES = frozenset({502, 503, 504})
_BOOKING_STATUSES = frozenset(status.value for status in BookingStatus)


def user_agent(till_name: str) -> str:
    """``pos-client/0.1.0 (till Caisse-1)``, ASCII only (header values must be)."""
    ascii_name = unicodedata.normalize("NFKD", till_name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^\x20-\x7e]|[()]", "", ascii_name).strip() or "unnamed"
    return f"{APP_NAME}/{__version__} (till {cleaned[:64]})"


def _usable_key(api_key: str | None) -> str | None:
    if api_key is None:
        return None
    key = api_key.strip()
    return key if key and key.isascii() and key.isprintable() and " " not in key else None


class _Verdict(Enum):
    APPLIED = "applied"
    NOT_APPLIED = "not applied"
    REFUSED = "refused"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Exchange:
    """One HTTP request's result: an answer, or a transport trouble and whether it may have been sent."""

    status: int | None = None
    body: Any = None
    retry_after_s: float | None = None
    trouble: Outcome | None = None
    maybe_sent: bool = False


@dataclass(frozen=True)
class ClientConfig:
    """How the client waits and retries, built once from the settings (``pos_client.app.backend``)
    and used alike by the window, the command line and the self-test."""

    till_name: str = "caisse"
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 8.0
    read_attempts: int = 3
    change_attempts: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 10.0
    deadline_s: float = 20.0  # one deadline for a whole exchange (connect, request, every byte)


class BookingsClient:
    """The pass Culture bookings API v1, thread-safe, one outcome per call."""

    @classmethod
    def from_config(
        cls,
        base_url: str,
        api_key: str | None,
        config: ClientConfig,
        *,
        limiter: RequestBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> BookingsClient:
        """A client with ``config``'s timeouts, attempts and backoff (see ``__init__``)."""
        return cls(
            base_url,
            api_key,
            till_name=config.till_name,
            connect_timeout_s=config.connect_timeout_s,
            read_timeout_s=config.read_timeout_s,
            read_attempts=config.read_attempts,
            change_attempts=config.change_attempts,
            backoff_s=config.backoff_s,
            max_backoff_s=config.max_backoff_s,
            max_retry_after_s=config.max_retry_after_s,
            deadline_s=config.deadline_s,
            limiter=limiter,
            sleep=sleep,
        )

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        till_name: str = "caisse",
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 8.0,
        deadline_s: float = 20.0,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        read_attempts: int = 3,
        change_attempts: int = 2,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        max_retry_after_s: float = 10.0,
        limiter: RequestBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``base_url`` must be https unless on loopback (``InsecureUrlError`` otherwise).
        Without ``api_key`` every call answers ``AuthMissing``, and with an unusable one (blanks,
        accents) ``AuthInvalid``, without a request. ``sleep`` is injected so tests skip backoffs."""
        self.base_url = check_base_url(base_url)
        try:
            loopback = is_loopback_host(httpx.URL(self.base_url).host)
        except (httpx.InvalidURL, ValueError) as exc:  # check_base_url already refuses these
            raise InsecureUrlError(f"Adresse de serveur illisible : « {base_url} ».") from exc
        self._api_key = _usable_key(api_key)
        self._key_was_given = api_key is not None and bool(api_key.strip())
        if self._api_key is not None:
            register_secret(self._api_key)
        self._read_attempts = max(1, read_attempts)
        self._change_attempts = max(1, change_attempts)
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_retry_after_s = max_retry_after_s
        self._read_timeout_s = read_timeout_s
        self._deadline_s = deadline_s
        self._max_answer_bytes = max_answer_bytes
        self._sleep = sleep
        if limiter is None:
            shared = self._api_key is not None and not loopback
            limiter = (
                RequestLimiter.for_key(self.base_url, self._api_key or "") if shared else RequestLimiter()
            )
        self._limiter = limiter
        headers = {"User-Agent": user_agent(till_name), "Accept": "application/json"}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(
                connect=connect_timeout_s, read=read_timeout_s, write=read_timeout_s, pool=connect_timeout_s
            ),
            verify=True,
            follow_redirects=False,
            # A shop's proxy (HTTPS_PROXY, NO_PROXY) is honoured for the real servers; the local
            # emulator is always reached directly.
            trust_env=not loopback,
        )
        install_deadlines(self._http)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ operations
    def get_booking(self, token: str) -> Outcome:
        """``Found`` with the booking, or why it cannot be used (reads are retried)."""
        checked = checked_token(token)
        if isinstance(checked, InvalidRequest):
            return checked
        return self._read(
            f"{_BOOKINGS_PATH}/token/{checked}",
            None,
            lambda answer: map_read_answer(checked, _status(answer), answer.body, answer.retry_after_s),
        )

    def validate(self, token: str) -> Outcome:
        """Mark the booking used: ``Validated``, a refusal, a trouble, or ``OutcomeUnknown``."""
        return self._change(Operation.USE, token)

    def keep(self, token: str) -> Outcome:
        """Revert a validation: ``ValidationReverted``, a refusal, a trouble, or ``OutcomeUnknown``."""
        return self._change(Operation.KEEP, token)

    def cancel(self, token: str) -> Outcome:
        """Cancel the booking (irreversible): ``BookingCancelled``, a refusal, a trouble, or unknown."""
        return self._change(Operation.CANCEL, token)

    def list_bookings(
        self,
        *,
        offer_id: int | None = None,
        venue_id: int | None = None,
        status: str | None = None,
        first_index: int = 1,
        limit: int = 50,
        beginning_datetime: datetime | None = None,
        price_category_id: int | None = None,
    ) -> Outcome:
        """One page of bookings of an offer or a venue; ``BookingPage.next_first_index`` continues."""
        if offer_id is None and venue_id is None:
            return InvalidRequest("Indiquez une offre ou un lieu.")
        if not 1 <= limit <= 50 or first_index < 1:
            return InvalidRequest("limit doit être entre 1 et 50 et first_index au moins 1.")
        if status is not None and status not in _BOOKING_STATUSES:
            return InvalidRequest(f"Statut inconnu : {status}.")
        params: dict[str, str | int] = {"firstIndex": first_index, "limit": limit}
        if offer_id is not None:
            params["offerId"] = offer_id
        if venue_id is not None:
            params["venueId"] = venue_id
        if status is not None:
            params["status"] = status
        if beginning_datetime is not None:  # exact equality with the stock's start (the API's filter)
            params["beginningDatetime"] = beginning_datetime.astimezone(UTC).isoformat()
        if price_category_id is not None:
            params["priceCategoryId"] = price_category_id
        return self._read(
            f"{_BOOKINGS_PATH}/bookings",
            params,
            lambda exchange: map_list_answer(_status(exchange), exchange.body, limit, exchange.retry_after_s),
        )

    def offerer_venues(self) -> Outcome | VenueList:
        """Every venue the key reaches (``GET /public/offers/v1/offerer_venues``), for the set-up."""
        return self._read_any(
            _VENUES_PATH,
            None,
            lambda exchange: map_venues_answer(_status(exchange), exchange.body, exchange.retry_after_s),
        )

    # ------------------------------------------------------------------ transport
    def _send(self, method: str, path: str, params: dict[str, str | int] | None = None) -> _Exchange:
        if self._api_key is None:
            return _Exchange(trouble=AuthInvalid() if self._key_was_given else AuthMissing())
        wait_s = self._limiter.acquire()
        if wait_s is not None:
            log.warning("client-side rate limit reached, %.1f s to wait", wait_s)
            return _Exchange(trouble=RateLimited(round(wait_s, 1)))
        started = time.perf_counter()
        try:
            with deadline(self._deadline_s), self._http.stream(method, path, params=params) as response:
                status = response.status_code
                retry_after = response.headers.get("Retry-After")
                try:
                    body = json_or_none(read_capped(response, self._max_answer_bytes))
                except AnswerTooLarge as exc:
                    log.warning("%s %s -> %d: answer dropped (%s)", method, path, status, exc)
                    body = None  # a bad answer: mapped like any unreadable one
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            return self._trouble(method, path, TimedOut("Le serveur ne répond pas (connexion)."), False)
        except httpx.ConnectError as exc:
            return self._trouble(method, path, NetworkUnreachable(f"Serveur injoignable : {exc}"), False)
        except httpx.TimeoutException:
            detail = (
                f"Pas de réponse complète du serveur dans les délais ({self._read_timeout_s:g} s d'attente, "
                f"{self._deadline_s:g} s en tout)."
            )
            return self._trouble(method, path, TimedOut(detail), True)
        except httpx.TransportError as exc:
            detail = f"Connexion interrompue : {type(exc).__name__}"
            return self._trouble(method, path, NetworkUnreachable(detail), True)
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            detail = f"Erreur HTTP : {type(exc).__name__}"
            return self._trouble(method, path, NetworkUnreachable(detail), True)
        except ValueError as exc:
            # The name resolver refusing the host (a UnicodeError from its IDNA codec): never sent.
            detail = f"Adresse du serveur inutilisable : {type(exc).__name__}"
            return self._trouble(method, path, NetworkUnreachable(detail), False)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s -> %d in %.0f ms", method, path, status, elapsed_ms)
        return _Exchange(status=status, body=body, retry_after_s=parse_retry_after(retry_after))

    @staticmethod
    def _trouble(method: str, path: str, trouble: Outcome, maybe_sent: bool) -> _Exchange:
        log.warning("%s %s failed: %s (maybe sent: %s)", method, path, trouble, maybe_sent)
        return _Exchange(trouble=trouble, maybe_sent=maybe_sent)

    def _backoff(self, attempt: int) -> float:
        return float(min(self._max_backoff_s, self._backoff_s * 2 ** (attempt - 1)))

    def _retry_delay(self, exchange: _Exchange, attempt: int, *, for_change: bool) -> float | None:
        """How long to wait before trying again, or None when this answer is final."""
        if exchange.trouble is not None:
            if isinstance(exchange.trouble, TimedOut | NetworkUnreachable):
                # A change that may have been sent is settled by a re-read, never resent blindly.
                return None if for_change and exchange.maybe_sent else self._backoff(attempt)
            return None  # missing key, or our own limiter: trying again now would not help
        if exchange.status == 429:
            wait = exchange.retry_after_s
            if wait is None:
                return self._backoff(attempt)
            return wait if wait <= self._max_retry_after_s else None
        if exchange.status in _GATEWAY_STATUSES and not for_change:
            return self._backoff(attempt)
        return None

    def _read(
        self, path: str, params: dict[str, str | int] | None, mapper: Callable[[_Exchange], Outcome]
    ) -> Outcome:
        return self._read_any(path, params, mapper)

    def _read_any(
        self, path: str, params: dict[str, str | int] | None, mapper: Callable[[_Exchange], _R]
    ) -> _R | Outcome:
        attempt = 1
        while True:
            exchange = self._send("GET", path, params)
            delay = self._retry_delay(exchange, attempt, for_change=False)
            if delay is None or attempt >= self._read_attempts:
                return exchange.trouble if exchange.trouble is not None else mapper(exchange)
            self._sleep(delay)
            attempt += 1

    # ------------------------------------------------------------------ changes
    def _send_change(self, operation: Operation, token: str) -> tuple[Outcome, bool]:
        """One change request, resent only while it surely did not arrive (connect error, 429).
        Returns the outcome and whether it is ambiguous (may or may not have been applied)."""
        path = f"{_BOOKINGS_PATH}/{_CHANGE_PATHS[operation]}/token/{token}"
        attempt = 1
        while True:
            exchange = self._send("PATCH", path)
            delay = self._retry_delay(exchange, attempt, for_change=True)
            if delay is None or attempt >= self._read_attempts:
                break
            self._sleep(delay)
            attempt += 1
        if exchange.trouble is not None:
            return exchange.trouble, exchange.maybe_sent
        status = _status(exchange)
        outcome = map_change_answer(operation, token, status, exchange.body, exchange.retry_after_s)
        # An answer we cannot read that is not an error status (a 200 with a web page, cut-off
        # JSON...) came after the server had the request: whether it acted is unknown.
        unreadable = isinstance(outcome, MalformedResponse) and status < 400
        return outcome, status in _GATEWAY_STATUSES or unreadable

    def _change(self, operation: Operation, token: str) -> Outcome:
        checked = checked_token(token)
        if isinstance(checked, InvalidRequest):
            return checked
        ours_may_have_landed = False
        outcome: Outcome = OutcomeUnknown(checked, operation.value, "no attempt")
        for attempt in range(1, self._change_attempts + 1):
            outcome, ambiguous = self._send_change(operation, checked)
            server_failed = isinstance(outcome, ServerError | MalformedResponse)
            if ours_may_have_landed and not ambiguous and server_failed:
                # After an unclear attempt, a 5xx or an unreadable answer is unclear too: the real
                # server answers 500 to a validation overlapping ours (no lock; the finance event's
                # unique index breaks), while ours may still commit. Only a re-read can tell.
                return self._settle_after_resend(operation, checked, outcome)
            if not ambiguous:
                return _after_our_attempt(operation, checked, outcome) if ours_may_have_landed else outcome
            ours_may_have_landed = True
            verdict, reread = self._reread(operation, checked)
            log.warning(
                "%s %s ambiguous (%s); re-read says: %s", operation.value, checked, outcome, verdict.value
            )
            if verdict is _Verdict.APPLIED:
                return done_outcome(operation, checked, confirmed_by_reread=True)
            if verdict is _Verdict.REFUSED:
                return reread
            if verdict is _Verdict.UNKNOWN:
                detail = (
                    f"Réponse perdue ({_describe(outcome)}) et relecture impossible ({_describe(reread)})."
                )
                return OutcomeUnknown(checked, operation.value, detail)
            if attempt < self._change_attempts:
                self._sleep(self._backoff(attempt))
        # Proven not applied after every attempt: the trouble stands, and trying again is safe.
        return outcome

    def _settle_after_resend(self, operation: Operation, token: str, answer: Outcome) -> Outcome:
        """The resend after an unclear attempt failed on the server's side: re-read; the state the
        change leads to proves it went through, anything else leaves it unknown (never "not done":
        the first attempt may still be in its transaction)."""
        verdict, reread = self._reread(operation, token)
        log.warning(
            "%s %s resend answered %s; re-read says: %s", operation.value, token, answer, verdict.value
        )
        if verdict is _Verdict.APPLIED:
            return done_outcome(operation, token, confirmed_by_reread=True)
        detail = (
            f"Demande renvoyée après une réponse perdue, le serveur a répondu {_describe(answer)} ; "
            f"la relecture ({_describe(reread)}) ne permet pas de savoir si elle a abouti."
        )
        return OutcomeUnknown(token, operation.value, detail)

    def _reread(self, operation: Operation, token: str) -> tuple[_Verdict, Outcome]:
        reread = self.get_booking(token)
        verdict = reread_verdict(operation, reread)  # the domain's one table, shared with the counter
        if verdict is RereadVerdict.APPLIED:
            return _Verdict.APPLIED, reread
        if verdict is RereadVerdict.NOT_APPLIED:
            return _Verdict.NOT_APPLIED, reread
        if isinstance(reread, _REFUSALS):
            return _Verdict.REFUSED, reread
        return _Verdict.UNKNOWN, reread


# A re-read showing one of these (and not one of the states above) explains why the change cannot be.
_REFUSALS = (NotFound, Cancelled, Reimbursed, AlreadyValidated, NotYetConfirmed, StructureClosed)

# The refusal a resend gets when our earlier, ambiguous attempt had in fact gone through.
_ALREADY_DONE_BY_US: dict[Operation, type] = {
    Operation.USE: AlreadyValidated,
    Operation.KEEP: NotUsed,
    Operation.CANCEL: Cancelled,
}


def _after_our_attempt(operation: Operation, token: str, outcome: Outcome) -> Outcome:
    if isinstance(outcome, _ALREADY_DONE_BY_US[operation]):
        return done_outcome(operation, token, confirmed_by_reread=True)
    return outcome


def checked_token(token: str) -> str | InvalidRequest:
    """The token to put in a URL (the domain's one token rule, ``normalised_token``); anything else
    than 6 ASCII letters or digits is an ``InvalidRequest``."""
    candidate = normalised_token(token)
    if candidate is not None:
        return candidate
    return InvalidRequest(
        f"Contremarque invalide : 6 lettres ou chiffres attendus, reçu {len(token)} caractères."
    )


def _status(exchange: _Exchange) -> int:
    assert exchange.status is not None  # mappers only see answered exchanges
    return exchange.status


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, TimedOut | NetworkUnreachable):
        return outcome.detail
    if isinstance(outcome, ServerError):
        return f"erreur serveur {outcome.status_code}"
    if isinstance(outcome, MalformedResponse):
        return f"réponse illisible ({outcome.status_code})"
    return type(outcome).__name__
