"""The public API's product offers by EAN over HTTP: ``ProductsClient`` implements the domain's
``ProductsApi`` (``check_ean``, ``upsert``, ``offers_by_ean``), one typed outcome per call, never an
exception.

The calls: ``GET /public/offers/v1/products/ean/check_availability?eans=`` (why pass Culture would not
take an EAN: unknown, category not allowed, not compliant), ``POST /public/offers/v1/products/ean``
(the batch upsert: 204 and a background job, which gives no feedback), and
``GET /public/offers/v1/products/ean?eans=&venueId=`` (the venue's offers for those EANs).

Same transport rules as the bookings client: https unless on loopback, certificate verification on,
the key in ``Authorization: Bearer``, the rate budget shared per key and server with every other
client of the process (``RequestLimiter.for_key``), reads retried on connection errors, gateway
errors and 429 (``Retry-After`` honoured up to ``max_retry_after_s``). The upsert is idempotent (same
EAN, price and quantity give the same offer), so it is resent like a read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from pos_client.api.client import ClientConfig, user_agent
from pos_client.api.environments import check_base_url, is_loopback_host
from pos_client.api.limiter import RequestLimiter
from pos_client.api.mapping import parse_retry_after
from pos_client.domain.offers import (
    EanAvailable,
    EanRefused,
    EanRejection,
    OfferOutcome,
    OfferQueued,
    PriceRefused,
    ProductOffer,
    ProductOffers,
    VenueNotLinked,
    VirtualVenue,
    normalised_ean,
)
from pos_client.domain.outcomes import (
    AuthInvalid,
    AuthMissing,
    InactiveProvider,
    InvalidRequest,
    MalformedResponse,
    NetworkUnreachable,
    RateLimited,
    ServerError,
    TimedOut,
)
from pos_client.logs import register_secret
from pos_client.safety.http_limits import (
    AnswerTooLarge,
    deadline,
    install_deadlines,
    json_or_none,
    read_capped,
)

__all__ = ["ProductsClient", "parse_product_offer"]

log = logging.getLogger(__name__)

_EAN_PATH = "/public/offers/v1/products/ean"
_RETRIED_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class _Answer:
    status: int | None = None
    body: Any = None
    retry_after_s: float | None = None
    trouble: OfferOutcome | None = None


class ProductsClient:
    """Product offers by EAN, thread-safe, one outcome per call."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        config: ClientConfig | None = None,
        *,
        limiter: RequestLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``base_url`` must be https unless on loopback (``InsecureUrlError`` otherwise)."""
        config = config or ClientConfig()
        self.base_url = check_base_url(base_url)
        key = (api_key or "").strip()
        self._key_given = bool(key)
        self._api_key = key if key and key.isascii() and key.isprintable() and " " not in key else None
        if self._api_key is not None:
            register_secret(self._api_key)
        loopback = is_loopback_host(httpx.URL(self.base_url).host)
        if limiter is None:
            shared = self._api_key is not None and not loopback
            limiter = (
                RequestLimiter.for_key(self.base_url, self._api_key or "") if shared else RequestLimiter()
            )
        self._limiter = limiter
        self._attempts = max(1, config.read_attempts)
        self._backoff_s = config.backoff_s
        self._max_backoff_s = config.max_backoff_s
        self._max_retry_after_s = config.max_retry_after_s
        self._sleep = sleep
        headers = {"User-Agent": user_agent(config.till_name), "Accept": "application/json"}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(
                connect=config.connect_timeout_s,
                read=config.read_timeout_s,
                write=config.read_timeout_s,
                pool=config.connect_timeout_s,
            ),
            verify=True,
            follow_redirects=False,
            trust_env=not loopback,
        )
        install_deadlines(self._http)  # the same limits as the bookings client: one deadline a call
        self._deadline_s = config.deadline_s

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ calls
    def check_ean(self, ean: str) -> OfferOutcome:
        checked = normalised_ean(ean)
        if checked is None:
            return InvalidRequest(f"EAN-13 invalide : « {ean[:20]} ».")
        answer = self._call("GET", f"{_EAN_PATH}/check_availability", params={"eans": checked})
        if answer.trouble is not None:
            return answer.trouble
        if answer.status != 200:
            return _error(answer)
        body = answer.body
        try:
            if checked in body["available"]:
                return EanAvailable(checked)
            for reason in EanRejection:
                if checked in body["rejected"][reason.value]:
                    return EanRefused(checked, reason)
        except (KeyError, TypeError):
            pass
        return MalformedResponse(200, "réponse de disponibilité des EAN illisible")

    def upsert(self, venue_id: int, ean: str, price_cents: int, quantity: int) -> OfferOutcome:
        checked = normalised_ean(ean)
        if checked is None:
            return InvalidRequest(f"EAN-13 invalide : « {ean[:20]} ».")
        body = {
            "products": [{"ean": checked, "stock": {"price": price_cents, "quantity": quantity}}],
            "location": {"type": "physical", "venueId": venue_id},
        }
        answer = self._call("POST", _EAN_PATH, json_body=body)
        if answer.trouble is not None:
            return answer.trouble
        if answer.status == 204:
            return OfferQueued(checked)
        if answer.status == 404:
            return VenueNotLinked(venue_id)
        if answer.status == 400 and isinstance(answer.body, dict):
            if "location" in answer.body and "virtual" in str(answer.body["location"]):
                return VirtualVenue(venue_id)
            if any(key.endswith("price") for key in answer.body):
                return PriceRefused(price_cents)
        return _error(answer)

    def offers_by_ean(self, venue_id: int, ean: str) -> OfferOutcome:
        checked = normalised_ean(ean)
        if checked is None:
            return InvalidRequest(f"EAN-13 invalide : « {ean[:20]} ».")
        answer = self._call("GET", _EAN_PATH, params={"eans": checked, "venueId": venue_id})
        if answer.trouble is not None:
            return answer.trouble
        if answer.status == 404:
            return VenueNotLinked(venue_id)
        if answer.status != 200:
            return _error(answer)
        try:
            offers = tuple(parse_product_offer(item) for item in answer.body["products"])
        except (KeyError, TypeError, ValueError) as exc:
            return MalformedResponse(200, f"offre illisible : {type(exc).__name__}")
        return ProductOffers(offers)

    # ------------------------------------------------------------------ transport
    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None
    ) -> _Answer:
        attempt = 1
        while True:
            answer = self._send(method, path, params, json_body)
            delay = self._retry_delay(answer, attempt)
            if delay is None or attempt >= self._attempts:
                return answer
            self._sleep(delay)
            attempt += 1

    def _retry_delay(self, answer: _Answer, attempt: int) -> float | None:
        backoff = float(min(self._max_backoff_s, self._backoff_s * 2 ** (attempt - 1)))
        if isinstance(answer.trouble, NetworkUnreachable | TimedOut):
            return backoff
        if answer.status == 429:
            wait = answer.retry_after_s
            return backoff if wait is None else (wait if wait <= self._max_retry_after_s else None)
        if answer.status in _RETRIED_STATUSES:
            return backoff
        return None

    def _send(self, method: str, path: str, params: dict[str, Any] | None, json_body: Any) -> _Answer:
        if self._api_key is None:
            return _Answer(trouble=AuthInvalid() if self._key_given else AuthMissing())
        wait_s = self._limiter.acquire()
        if wait_s is not None:
            return _Answer(trouble=RateLimited(round(wait_s, 1)))
        body: Any = None
        try:
            with (
                deadline(self._deadline_s),
                self._http.stream(method, path, params=params, json=json_body) as response,
            ):
                status, retry_after = response.status_code, response.headers.get("Retry-After")
                try:
                    body = json_or_none(read_capped(response))
                except AnswerTooLarge:
                    body = None  # a bad answer: mapped like any unreadable one
        except httpx.TimeoutException:
            return _Answer(trouble=TimedOut("Le serveur ne répond pas."))
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError) as exc:
            return _Answer(trouble=NetworkUnreachable(f"Serveur injoignable : {type(exc).__name__}"))
        log.info("%s %s -> %d", method, path, status)
        return _Answer(status, body, parse_retry_after(retry_after))


def _error(answer: _Answer) -> OfferOutcome:
    status = answer.status or 0
    if status == 401:
        return AuthInvalid()
    if status == 403 and "Inactive provider" in str(answer.body):
        return InactiveProvider()
    if status == 429:
        return RateLimited(answer.retry_after_s)
    if status >= 500:
        return ServerError(status)
    if status == 400:
        return InvalidRequest(f"Requête refusée par le serveur : {str(answer.body)[:200]}")
    return MalformedResponse(status, "réponse inattendue")


def parse_product_offer(item: dict[str, Any]) -> ProductOffer:
    """One ``ProductOfferResponse`` (camelCase JSON) as the domain's ``ProductOffer``."""
    fields = item["categoryRelatedFields"]
    stock = item.get("stock")
    quantity: int | None = None
    price: int | None = None
    booked = 0
    if stock is not None:
        price = int(stock["price"])
        booked = int(stock["bookedQuantity"])
        quantity = None if stock["quantity"] == "unlimited" else int(stock["quantity"])
    return ProductOffer(
        offer_id=int(item["id"]),
        ean=str(fields["ean"]),
        name=str(item["name"]),
        subcategory=str(fields["category"]),
        status=str(item["status"]),
        venue_id=int(item["location"]["venueId"]),
        price_cents=price,
        quantity=quantity,
        booked_quantity=booked,
    )
