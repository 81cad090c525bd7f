"""House rules that keep the layers apart, checked on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pos_client

PACKAGE_ROOT = Path(pos_client.__file__).parent

# Thin Qt adapters that may live outside ``ui/``: none so far. Each entry needs a reason.
QT_ADAPTERS_OUTSIDE_UI: dict[str, str] = {}

QT_MODULES = ("PySide6", "shiboken6")


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_qt_is_only_imported_in_ui_and_named_adapters() -> None:
    offenders = []
    checked = 0
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT).as_posix()
        if relative.startswith("ui/") or relative in QT_ADAPTERS_OUTSIDE_UI:
            continue
        checked += 1
        modules = _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        bad = sorted(m for m in modules if m.split(".")[0] in QT_MODULES)
        if bad:
            offenders.append(f"{relative}: {', '.join(bad)}")
    assert checked > 5, "the walk found too few modules: is the package layout broken?"
    assert not offenders, "Qt imported outside pos_client/ui/:\n" + "\n".join(offenders)


def test_the_rule_catches_a_qt_import() -> None:
    tree = ast.parse("import os\nfrom PySide6.QtCore import QObject\nimport shiboken6\n")
    found = {m for m in _imported_modules(tree) if m.split(".")[0] in QT_MODULES}
    assert found == {"PySide6.QtCore", "shiboken6"}


def test_adapters_listed_exist() -> None:
    for relative in QT_ADAPTERS_OUTSIDE_UI:
        assert (PACKAGE_ROOT / relative).is_file(), relative


def test_every_module_has_a_docstring() -> None:
    missing = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.stat().st_size > 0 and ast.get_docstring(tree) is None:
            missing.append(path.relative_to(PACKAGE_ROOT).as_posix())
    assert not missing, f"modules without a docstring: {missing}"
