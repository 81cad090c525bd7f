"""House rules that keep the layers apart, checked on the source tree."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
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


# ----------------------------------------------------------------------------- layers
# Each import of the package, module-level or inside a function ("lazy"), read from the source. An
# import under ``if TYPE_CHECKING:`` is kept for the layer rules (it still says what a module depends
# on) but not for the cycle rule (it never runs).

PACKAGE = "pos_client"

# The rooms (first name under pos_client/) and what they may import besides themselves.
DOMAIN = "domain"
ADAPTERS = ("api", "journal", "handoff", "scanner", "emulator", "reconcile", "ledger", "gate")
# Shared infrastructure any room may use. ``settings`` is allowed only where the adapter reads its own
# section's types: api (ApiEnvironment for keys and URLs), scanner (ScannerSettings for the source
# factory in discovery), journal (open_journal's default till name); handoff and emulator don't.
INFRASTRUCTURE = ("host_os", "logs", "paths", "durable", "i18n", "safety")
SETTINGS_USERS = {"api", "scanner", "journal", "ledger"}
# Only these may import every room (the composition root, the faces, the self-test).
COMPOSERS = ("app", "cli", "ui", "selftest", "__main__")
# The counter (the till's state machine and its change function) uses the adapters only through the
# domain's ports; besides the domain it may call the contremarque reader (pure, sans-I/O: the
# scanner package's payload module and its layout tables), the same for every transport.
COUNTER = ("counter",)
COUNTER_MAY_USE_MODULES = ("pos_client.scanner.payload", "pos_client.scanner.layouts")
# Modules whose imports break a rule until a pending move lands (none left).
PENDING_COUNTER_SPLIT: dict[str, str] = {}
# Infrastructure that validates against an adapter's tables (lazily): settings checks layout names
# with scanner.keymap/scanner.layouts. Kept until those tables move to the domain.
INFRASTRUCTURE_EXCEPTIONS: dict[str, set[str]] = {"pos_client.settings": {"scanner"}}


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    type_checking_only: bool


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE_ROOT).with_suffix("")
    parts = [PACKAGE, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _targets(node: ast.Import | ast.ImportFrom, importer: str, modules: dict[str, Path]) -> list[str]:
    """The project modules an import statement names (a ``from X import name`` of a submodule names
    the submodule; of anything else, X itself)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE]
    base = node.module or ""
    if node.level:
        package = importer.split(".")
        if modules[importer].name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    if base.split(".")[0] != PACKAGE:
        return []
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
    if len(found) < len(node.names):
        found.append(base)
    return found


def import_edges() -> list[Edge]:
    modules = _modules()
    edges: list[Edge] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, name, modules):
                    if target != name:
                        edges.append(Edge(name, target, node.lineno, node.lineno in guarded))
    return edges


def room(module: str) -> str:
    """``pos_client.api.client`` -> ``api``; ``pos_client`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _where(edge: Edge) -> str:
    return f"{edge.importer} (line {edge.line}) imports {edge.imported}"


def _layer_offence(edge: Edge) -> str | None:
    """Why this import breaks a layer rule, or None."""
    source, target = room(edge.importer), room(edge.imported)
    if source == target or edge.importer in PENDING_COUNTER_SPLIT:
        return None
    if source == DOMAIN:
        return "the domain imports nothing from pos_client but itself"
    if source in COMPOSERS:
        return None
    if target in COMPOSERS:
        return f"only {', '.join(COMPOSERS)} may import {target}"
    if source in ADAPTERS:
        allowed = {DOMAIN, "", *INFRASTRUCTURE} | ({"settings"} if source in SETTINGS_USERS else set())
        if target not in allowed:
            names = ", ".join(sorted(allowed - {""}))
            return f"{source} may import only the domain and infrastructure ({names})"
    counter_reaches_out = source in COUNTER and target not in (DOMAIN, "", *INFRASTRUCTURE, *COUNTER)
    if counter_reaches_out and edge.imported not in COUNTER_MAY_USE_MODULES:
        return f"the counter uses {target} only through the domain's ports (and the reader)"
    infrastructure_reach = (*ADAPTERS, *COUNTER)
    if source in (*INFRASTRUCTURE, "settings") and target in infrastructure_reach:
        exceptions = INFRASTRUCTURE_EXCEPTIONS.get(edge.importer, set())
        return None if target in exceptions else "infrastructure imports no room of the program"
    return None


def layer_offences(edges: list[Edge]) -> list[str]:
    return [f"{_where(edge)}: {why}" for edge in edges if (why := _layer_offence(edge)) is not None]


def test_every_import_keeps_to_its_layer() -> None:
    edges = import_edges()
    assert len(edges) > 100, "the walk found too few imports: is the package layout broken?"
    offences = layer_offences(edges)
    assert not offences, "imports across layers:\n" + "\n".join(offences)


def test_the_layer_rule_names_the_offending_import() -> None:
    edges = [
        Edge("pos_client.domain.booking", "pos_client.settings", 3, False),
        Edge("pos_client.journal.store", "pos_client.api.client", 7, False),
        Edge("pos_client.handoff.outbox", "pos_client.settings", 9, False),
        Edge("pos_client.scanner.payload", "pos_client.cli.booking", 11, True),
        Edge("pos_client.api.client", "pos_client.domain.outcomes", 5, False),
        Edge("pos_client.ui.app", "pos_client.journal.store", 5, False),
        Edge("pos_client.counter.machine", "pos_client.journal.store", 12, False),
        Edge("pos_client.counter.machine", "pos_client.scanner.payload", 13, False),
        Edge("pos_client.durable", "pos_client.journal.store", 14, False),
        Edge("pos_client.counter.machine", "pos_client.scanner.serial_source", 15, False),
    ]
    offences = layer_offences(edges)
    assert len(offences) == 7, offences
    assert offences[0].startswith(
        "pos_client.domain.booking (line 3) imports pos_client.settings: the domain"
    )
    assert (
        "pos_client.journal.store (line 7) imports pos_client.api.client: journal may import only"
        in offences[1]
    )
    assert "pos_client.handoff.outbox (line 9) imports pos_client.settings" in offences[2]
    assert "only app, cli, ui" in offences[3]
    assert "pos_client.counter.machine (line 12) imports pos_client.journal.store: the counter" in offences[4]
    assert "pos_client.durable (line 14) imports pos_client.journal.store: infrastructure" in offences[5]


def test_pending_exemptions_name_existing_modules() -> None:
    modules = _modules()
    for name in (*PENDING_COUNTER_SPLIT, *INFRASTRUCTURE_EXCEPTIONS):
        assert name in modules, f"{name} is exempted but no longer exists: drop its exemption"


def import_cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), lazy imports included, TYPE_CHECKING excluded."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if not edge.type_checking_only:
            graph.setdefault(edge.importer, set()).add(edge.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle() -> None:
    edges = import_edges()
    cycles = import_cycles(edges)
    described = []
    for group in cycles:
        inside = [_where(edge) for edge in edges if edge.importer in group and edge.imported in group]
        described.append(" ; ".join(inside))
    assert not cycles, "import cycles (lazy imports included):\n" + "\n".join(described)


def test_the_cycle_rule_sees_a_lazy_loop() -> None:
    edges = [
        Edge("pos_client.cli", "pos_client.ui.launch", 10, False),
        Edge("pos_client.ui.launch", "pos_client.ui.app", 40, False),
        Edge("pos_client.ui.app", "pos_client.cli", 5, False),
        Edge("pos_client.ui.app", "pos_client.app.context", 6, False),
        Edge("pos_client.app.context", "pos_client.ui.app", 3, True),
    ]
    assert import_cycles(edges) == [["pos_client.cli", "pos_client.ui.app", "pos_client.ui.launch"]]


# ----------------------------------------------------------------------------- one place each
# Modules that may import by name: the CLI's subcommand table, and the self-test (it names the module
# a frozen bundle lost).
DYNAMIC_IMPORTERS = ("cli", "selftest")


def _calls_named(tree: ast.AST, dotted: str) -> list[int]:
    module, _, attribute = dotted.rpartition(".")
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == attribute:
            if isinstance(node.value, ast.Name) and node.value.id == module:
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            lines.extend(node.lineno for alias in node.names if alias.name == attribute)
        elif isinstance(node, ast.Name) and node.id == "__import__" and dotted == "importlib.import_module":
            lines.append(node.lineno)
    return lines


def _uses(dotted: str, allowed: Callable[[str], bool]) -> list[str]:
    found = []
    for name, path in _modules().items():
        if allowed(name):
            continue
        lines = _calls_named(ast.parse(path.read_text(encoding="utf-8")), dotted)
        found.extend(f"{name} (line {line}) uses {dotted}" for line in lines)
    return found


def test_the_os_is_read_only_in_host_os() -> None:
    offenders = _uses("sys.platform", lambda name: name == "pos_client.host_os")
    assert not offenders, "read the OS through pos_client.host_os (tests patch it there):\n" + "\n".join(
        offenders
    )


def test_import_by_name_only_in_the_cli_and_the_self_test() -> None:
    offenders = _uses("importlib.import_module", lambda name: room(name) in DYNAMIC_IMPORTERS)
    assert not offenders, "plain imports outside the CLI table and the self-test:\n" + "\n".join(offenders)


def test_the_one_place_rules_see_their_patterns() -> None:
    tree = ast.parse(
        "import sys\nfrom sys import platform\nimport importlib\n"
        "def f():\n    return sys.platform, importlib.import_module('x'), __import__('y')\n"
    )
    assert _calls_named(tree, "sys.platform") == [2, 5]
    assert _calls_named(tree, "importlib.import_module") == [5, 5]


def test_the_composition_root_reaches_no_qt() -> None:
    # pos_client.app builds the till for the window, the command line and the bench: nothing it
    # imports, lazily or not, however indirectly, may load Qt.
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for edge in import_edges():
        if not edge.type_checking_only:
            graph.setdefault(edge.importer, set()).add(edge.imported)
    reached: set[str] = set()
    to_visit = [name for name in modules if room(name) == "app"]
    while to_visit:
        name = to_visit.pop()
        if name not in reached:
            reached.add(name)
            to_visit.extend(graph.get(name, ()))
    assert len(reached) > 5, "the walk from pos_client.app found too few modules"
    with_qt = sorted(
        name
        for name in reached
        if any(
            imported.split(".")[0] in QT_MODULES
            for imported in _imported_modules(ast.parse(modules[name].read_text(encoding="utf-8")))
        )
    )
    assert not with_qt, f"pos_client.app reaches Qt through: {', '.join(with_qt)}"
