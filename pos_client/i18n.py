"""Interface languages: French (the source texts) and English, from a gettext catalogue.

The till's own texts are written in French in the code; their English versions live in
``resources/locale/en/LC_MESSAGES/pos_client.po``, the gettext catalogue translators' tools (Poedit,
Weblate, Lokalize) read and write. It is read at start with ``polib`` (a small pure-Python reader), so
nothing has to be compiled at build time and no binary ``.mo`` file is kept in the tree. A missing
entry falls back to French. The counter's texts (``pos_client.counter.messages``) are translated with
the same ``Translator``, in one place (``Counter._show``). Qt's own texts (standard buttons such as
« Annuler », the file chooser) use Qt's shipped ``qtbase_<lang>.qm`` translations, installed at
start-up (``qt_translations.py``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polib

__all__ = ["LANGUAGES", "FrenchText", "Translator", "catalogue"]

LANGUAGES = {"fr": "Français", "en": "English"}
_CATALOGUE_PATH = "resources/locale/{language}/LC_MESSAGES/pos_client.po"


class FrenchText(str):
    """A French text made from a template (the catalogue's key) and values: it *is* the French text
    (logs, the command line, French screens), and ``render(tr)`` gives it in the screen's language,
    its values that are ``FrenchText`` themselves translated too (settings warnings, issue 16)."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> FrenchText:
        made = super().__new__(cls, template.format(**values) if values else template)
        made.template, made.values = template, values
        return made

    def render(self, tr: Translator) -> str:
        values = {k: v.render(tr) if isinstance(v, FrenchText) else v for k, v in self.values.items()}
        return tr(self.template, **values)


@cache
def catalogue(language: str) -> dict[str, str]:
    """French source text -> its ``language`` version (empty for French, the source language)."""
    if language == "fr":
        return {}
    path = resources.files("pos_client").joinpath(_CATALOGUE_PATH.format(language=language))
    text = path.read_text("utf-8")
    return {entry.msgid: entry.msgstr for entry in polib.pofile(text) if entry.msgstr and not entry.obsolete}


class Translator:
    """``tr("Caractères restants : {left}/6", left=4)`` in the chosen language."""

    def __init__(self, language: str = "fr") -> None:
        self.language = language if language in LANGUAGES else "fr"
        self._texts = catalogue(self.language)

    def __call__(self, text: str, **values: object) -> str:
        template = self._texts.get(text, text)
        return template.format(**values) if values else template
