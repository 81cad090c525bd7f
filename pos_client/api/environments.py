"""Which server the till talks to: production, integration, or a custom URL (the emulator).

A base URL that is not on the loopback interface must be ``https``: the API key and the
beneficiaries' data never travel in clear text. Certificate verification is always on (the client
never turns it off).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

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


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, or ``InsecureUrlError`` saying what is wrong."""
    text = url.strip().rstrip("/")
    if not text:
        raise InsecureUrlError("Aucune adresse de serveur n'est réglée (environnement « custom »).")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureUrlError(f"Adresse de serveur illisible : « {url} » (http(s)://hôte attendu).")
    if parts.scheme != "https" and not is_loopback_host(parts.hostname):
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
