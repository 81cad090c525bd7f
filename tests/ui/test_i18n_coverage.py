"""Every text the counter workflow shows has its English entry (a missing one falls back to French,
which an English-speaking cashier would see mid-sentence)."""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pos_client.workflow
from pos_client.ui.i18n import ENGLISH

WORKFLOW = Path(pos_client.workflow.__file__)


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
    return constants


def _strings(node: ast.AST, constants: dict[str, ast.expr]) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        yield from _strings(constants[node.id], constants)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value, constants)
    elif isinstance(node, ast.Tuple):
        for element in node.elts:
            yield from _strings(element, constants)
    elif isinstance(node, ast.Subscript):  # {...}[operation]: every value of the table
        yield from _strings(node.value, constants)


def _shown_texts() -> set[str]:
    tree = ast.parse(WORKFLOW.read_text(encoding="utf-8"))
    constants = _module_constants(tree)
    texts: set[str] = set()
    local_tables: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        # what, tail = {Operation.USE: ("...", "..."), ...}[operation]: both names are translated
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple | ast.Name):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else [node.targets[0]]
            for target in targets:
                if isinstance(target, ast.Name):
                    local_tables[target.id] = node.value
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "_tr" and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Name) and argument.id in local_tables:
                argument = local_tables[argument.id]
            texts |= set(_strings(argument, constants))
        if name == "_show" and len(node.args) >= 3:  # the title, translated by _show
            texts |= set(_strings(node.args[2], constants))
    return {text for text in texts if text.strip()}


def test_every_workflow_text_has_an_english_entry_with_the_same_placeholders() -> None:
    texts = _shown_texts()
    assert len(texts) >= 15
    missing = sorted(text for text in texts if text not in ENGLISH)
    assert missing == []
    for french in texts:
        names = {name for _, name, _, _ in string.Formatter().parse(french) if name}
        assert names == {name for _, name, _, _ in string.Formatter().parse(ENGLISH[french]) if name}, french
