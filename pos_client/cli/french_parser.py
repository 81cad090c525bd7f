"""An ``argparse.ArgumentParser`` that speaks French: its help headings (« utilisation », « arguments »,
« options », « afficher cette aide et quitter ») and its errors (« erreur : arguments obligatoires
manquants : … »). argparse's own texts are English; the shop's staff read French (cashier review m8).
Sub-commands' parsers are made of the same class (argparse uses ``type(parent)``)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

__all__ = ["FrenchArgumentParser", "french"]

# argparse's English, whole lines or their beginnings, and the French shown instead.
_HELP = (
    (re.compile(r"^usage: ", re.MULTILINE), "utilisation : "),
    (re.compile(r"^positional arguments:$", re.MULTILINE), "arguments :"),
    (re.compile(r"^(options|optional arguments):$", re.MULTILINE), "options :"),
    (re.compile(r"show this help message and exit"), "afficher cette aide et quitter"),
    (re.compile(r"show program's version number and exit"), "afficher la version et quitter"),
)
_ERRORS = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"arguments obligatoires manquants : \1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"arguments inconnus : \1"),
    (
        re.compile(r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$"),
        r"argument \1 : choix invalide : \2 (au choix : \3)",
    ),
    (re.compile(r"^argument (\S+): expected one argument$"), r"argument \1 : une valeur est attendue"),
    (re.compile(r"^argument (\S+): invalid (\S+) value: (.*)$"), r"argument \1 : valeur invalide : \3"),
    (re.compile(r"^argument (\S+): not allowed with argument (.*)$"), r"argument \1 : incompatible avec \2"),
    (re.compile(r"^argument (\S+): "), r"argument \1 : "),
)


def french(text: str, table: tuple[tuple[re.Pattern[str], str], ...] = _HELP) -> str:
    for pattern, replacement in table:
        text = pattern.sub(replacement, text)
    return text


class FrenchArgumentParser(argparse.ArgumentParser):
    def format_usage(self) -> str:
        return french(super().format_usage())

    def format_help(self) -> str:
        return french(super().format_help())

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french(message, _ERRORS)}\n")
