"""Which server the till talks to: production, integration, or a custom URL (the emulator).

A base URL that is not on the loopback interface must be ``https``: the API key and the
beneficiaries' data never travel in clear text. Certificate verification is always on (the client
never turns it off).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx

from pos_client.settings import ApiEnvironment, ApiSettings

__all__ = [
    "BASE_URLS",
    "InsecureUrlError",
    "base_url_for",
    "base_url_from_settings",
    "check_base_url",
    "is_loopback_host",
]

BASE_URLS: dict[ApiEnvironment, str] = {
    ApiEnvironment.PRODUCTION: "https://backend.passculture.app",
    ApiEnvironment.INTEGRATION: "https://backend.integration.passculture.pro",
}


class InsecureUrlError(ValueError):
    """The URL cannot be used for the API; the message is French, for the user."""


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, or ``InsecureUrlError`` saying what is wrong.

    Every URL that passes can be handed to ``httpx`` (port, IDNA host, characters): a mistyped
    address is refused here, with a French message, never by an exception from deeper down.
    """
    text = url.strip().rstrip("/")
    if not text:
        raise InsecureUrlError("Aucune adresse de serveur n'est réglée (environnement « custom »).")
    unreadable = f"Adresse de serveur illisible : « {url} » (http(s)://hôte[:port] attendu)."
    if any(char.isspace() or not char.isprintable() for char in text):
        # urlsplit silently drops tabs and newlines, httpx refuses them: refuse them here.
        raise InsecureUrlError(f"{unreadable} Elle contient un espace ou un caractère invisible.")
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError as exc:  # "https://[::1"
        raise InsecureUrlError(unreadable) from exc
    if parts.scheme not in ("http", "https") or not hostname:
        raise InsecureUrlError(unreadable)
    bad_port = f"{unreadable} Le port doit être un nombre de 1 à 65535."
    try:
        port = parts.port  # ValueError for "https://example.com:abc" or a port above 65535
    except ValueError as exc:
        raise InsecureUrlError(bad_port) from exc
    if port == 0:
        raise InsecureUrlError(bad_port)
    try:
        # What the client will build: httpx refuses some hosts urlsplit takes (IDNA rules, read
        # lazily by ``host``).
        parsed = httpx.URL(text + "/public/bookings/v1/bookings")
        _ = (parsed.host, parsed.port)
        if not _is_ip_address(hostname):
            # The name resolver's own IDNA check (empty or over-long labels: "a..b.example").
            parsed.raw_host.decode("ascii").encode("idna")
    except (httpx.InvalidURL, ValueError) as exc:  # idna.IDNAError is a UnicodeError, a ValueError
        raise InsecureUrlError(unreadable) from exc
    if parts.scheme != "https" and not is_loopback_host(hostname):
        raise InsecureUrlError(
            f"Adresse refusée : « {url} ». Hors de cet ordinateur, le serveur doit être en https."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureUrlError(f"Adresse refusée : « {url} » (ni identifiants, ni paramètres).")
    return text


def base_url_for(environment: ApiEnvironment, custom_url: str = "") -> str:
    """The checked base URL of ``environment`` (``custom_url`` for ``custom``)."""
    if environment is ApiEnvironment.CUSTOM:
        return check_base_url(custom_url)
    return BASE_URLS[environment]


def base_url_from_settings(settings: ApiSettings) -> str:
    return base_url_for(settings.environment, settings.custom_url)
