"""The offer desk's catalogue: every template has its English entry with the same placeholders, and
every outcome has a French title and explanation."""

from __future__ import annotations

import re
import string

import pytest

from pos_client.domain.offers import (
    EanRefused,
    EanRejection,
    JobNeverDone,
    OfferInProgress,
    OverCredit,
    PriceRefused,
    VenueNotLinked,
    VirtualVenue,
)
from pos_client.domain.outcomes import (
    AuthMissing,
    MalformedResponse,
    NetworkUnreachable,
    RateLimited,
    ServerError,
)
from pos_client.i18n import Translator, catalogue
from pos_client.offers.messages import TEMPLATES, Tone, describe

FRENCH = re.compile(r"[éèêàùç]|\b(?:le|la|les|des|est|une|pas|rien|caisse|vérifiez|offre)\b", re.IGNORECASE)
ENGLISH = catalogue("en")
IDENTITY = {"{name}", "{detail}"}


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("template", sorted(set(TEMPLATES.values()) - IDENTITY))
def test_every_template_has_its_english_entry(template: str) -> None:
    assert template in ENGLISH, template
    assert _names(ENGLISH[template]) == _names(template)
    values = dict.fromkeys(_names(template), "X")
    assert not FRENCH.search(ENGLISH[template].format(**values).replace("«", "").replace("»", ""))


@pytest.mark.parametrize(
    "outcome",
    [
        EanRefused("9782999999992", EanRejection.NOT_FOUND),
        EanRefused("3370012345671", EanRejection.SUBCATEGORY_NOT_ALLOWED),
        EanRefused("9782090000016", EanRejection.NOT_COMPLIANT_WITH_CGU),
        OverCredit(3200, 2000),
        VenueNotLinked(5407),
        VirtualVenue(5409),
        PriceRefused(30001),
        OfferInProgress("3700187679712"),
        JobNeverDone("3700187679712", 60.0),
        RateLimited(12.0),
        NetworkUnreachable("Serveur injoignable : ConnectError"),
        ServerError(503),
        MalformedResponse(200, "offre illisible"),
        AuthMissing(),
    ],
)
def test_every_outcome_is_explained_in_both_languages(outcome: object) -> None:
    message = describe(outcome)  # type: ignore[arg-type]
    assert message.title and len(message.detail) > 20
    assert message.tone in (Tone.REFUSED, Tone.TROUBLE, Tone.WAIT)
    title, detail = message.render(Translator("en"))
    assert (title, detail) != (message.title, message.detail)
    assert "{" not in title + detail


def test_offer_links_point_to_the_app_of_the_server() -> None:
    from pos_client.api.environments import BASE_URLS
    from pos_client.domain.offers import offer_link
    from pos_client.settings import ApiEnvironment

    assert offer_link(BASE_URLS[ApiEnvironment.PRODUCTION], 42) == "https://passculture.app/offre/42"
    assert (
        offer_link(BASE_URLS[ApiEnvironment.INTEGRATION], 42)
        == "https://integration.passculture.app/offre/42"
    )
    assert offer_link("http://127.0.0.1:8088/", 42) == "http://127.0.0.1:8088/offre/42"


def test_a_desk_without_venue_says_which_setting(tmp_path: object) -> None:
    from pos_client.domain.outcomes import InvalidRequest
    from pos_client.offers import OfferDesk, PendingStore

    class NoServer:
        base_url = "http://127.0.0.1:9"

        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"nothing may be sent ({name})")

    desk = OfferDesk(NoServer(), PendingStore(None), venue_id=0)  # type: ignore[arg-type]
    outcome = desk.submit("3700187679712", 1000)
    assert isinstance(outcome, InvalidRequest) and "offer.venue_id" in outcome.detail


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_said_in_words_without_its_http_code(status: int) -> None:
    message = describe(ServerError(status))
    title, detail = message.render(Translator("en"))
    for text in (message.title, message.detail, title, detail):
        assert str(status) not in text, text
    assert message.detail.startswith("Le serveur pass Culture") and "Réessayez" in message.detail
    assert detail.startswith("The pass Culture server") and "Try again" in detail
