"""Layering (分层): imports point one way, and no module imports itself back.

Every production module under ``xbank/`` (not tests, the test harness ``xbank/testing/`` or
migrations) is read with ``ast``, its imports resolved to modules: at the top of the file or
inside a function, absolute or relative, and ``from package import name`` counts as importing the submodule when ``name`` is one. The
source is checked, not what Python happens to load, so an import hidden in a function counts
as much as one at the top: moving an import into a function does not remove a cycle.

The tests fail on
- an app missing from ``LAYERS`` (an app is the first package under ``xbank``);
- an import of an app above the importer in ``LAYERS``, or of the project's own modules;
- an import cycle between apps;
- an import cycle between modules.

The checker is itself checked against a made-up package tree whose offences are known
(``test_the_checker_finds_what_was_planted_in_a_made_up_tree``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xbank

# The apps, bottom up: an app may import itself and the apps before it, never one after it.
# A new app takes its place here (docs/architecture.md points at this list).
LAYERS = (
    "core",
    "audit",
    "orgs",
    "accounts",
    "imports",
    "verify",
    "catalog",
    "learners",
    "training",
    "assessment",
    "faculty",
    "creditbank",
    "pilot",
    "reports",
    "demo",
)

# The project's own modules, above every app: they compose the apps and may import any of them;
# no app imports them (an app reads settings through ``django.conf.settings``).
PROJECT = frozenset({"__init__", "settings", "urls", "wsgi", "asgi"})

# Known offences being removed on another branch, allowed until it lands; nothing else may be
# added. Module pairs are import cycles, app pairs (importer, imported) imports against LAYERS.
# ``test_pending_lists_only_offences_that_still_occur`` fails on an entry that no longer occurs.
# Emptied once issue 13's branches landed (the filters <-> selectors cycles of assessment, faculty
# and reports, and faculty -> pilot).
PENDING: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module names
    imported: str
    path: str  # the importer's file, relative to the directory holding the package
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported}"


@dataclass(frozen=True)
class Graph:
    package: str
    modules: frozenset[str]
    imports: tuple[Import, ...]

    def app(self, module: str) -> str | None:
        """The app a module belongs to, or None for the project's own modules."""
        parts = module.split(".")
        if len(parts) == 1 or (len(parts) == 2 and parts[1] in PROJECT):
            return None
        return parts[1]

    def apps(self) -> set[str]:
        return {app for module in self.modules if (app := self.app(module)) is not None}


def read_graph(root: Path) -> Graph:
    """Every import between the production modules of the package at ``root``."""
    package = root.name
    files = dict(_production_modules(root, package))
    imports = []
    for module, path in sorted(files.items()):
        shown = path.relative_to(root.parent).as_posix()
        imports.extend(_imports_of(module, path, shown, set(files)))
    return Graph(package, frozenset(files), tuple(imports))


def _production_modules(root: Path, package: str) -> Iterator[tuple[str, Path]]:
    for path in root.rglob("*.py"):
        folders = path.relative_to(root).parts[:-1]
        # ``xbank/testing/`` is the shared test harness (world, access matrix): test code too.
        if {"tests", "migrations", "testing"} & set(folders) or path.name.startswith("test_"):
            continue
        # A file in a folder that is not a package is a script, not an importable module.
        if not all(
            (root.joinpath(*folders[:i]) / "__init__.py").exists()
            for i in range(1, 1 + len(folders))
        ):
            continue
        parts = [package, *folders]
        if path.stem != "__init__":
            parts.append(path.stem)
        yield ".".join(parts), path


def _imports_of(module: str, path: Path, shown: str, modules: set[str]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own_package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):  # every node: imports inside functions and classes too
        targets: set[str | None] = set()
        if isinstance(node, ast.Import):
            targets = {_known(alias.name, modules) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = own_package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else _known(base, modules))
        for target in targets - {None, module}:
            yield Import(module, target, shown, node.lineno)


def _known(name: str, modules: set[str]) -> str | None:
    """The module ``name`` is, or the innermost module it lies in; None outside the package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


# --- What the tests look for ----------------------------------------------------------------


def unplaced_apps(graph: Graph, layers: Iterable[str]) -> set[str]:
    return graph.apps() - set(layers)


def upward_imports(graph: Graph, layers: tuple[str, ...]) -> list[Import]:
    """Imports of an app above the importer's, or of the project's modules, by an app."""
    rank = {app: i for i, app in enumerate(layers)}
    found = []
    for imp in graph.imports:
        importer, imported = graph.app(imp.importer), graph.app(imp.imported)
        if importer is None or importer == imported or importer not in rank:
            continue
        if imported is None or rank.get(imported, len(rank)) > rank[importer]:
            found.append(imp)
    return found


def app_cycles(graph: Graph) -> list[list[Import]]:
    """Groups of apps that import each other, each as the imports between them."""
    edges = defaultdict(set)
    for imp in graph.imports:
        importer, imported = graph.app(imp.importer), graph.app(imp.imported)
        if importer and imported and importer != imported:
            edges[importer].add(imported)
    return [
        [
            i
            for i in graph.imports
            if graph.app(i.importer) in group
            and graph.app(i.imported) in group
            and graph.app(i.importer) != graph.app(i.imported)
        ]
        for group in _strongly_connected(edges)
    ]


def module_cycles(graph: Graph) -> list[list[Import]]:
    """Groups of modules that import each other, each as the imports between them."""
    edges = defaultdict(set)
    for imp in graph.imports:
        edges[imp.importer].add(imp.imported)
    return [
        [i for i in graph.imports if i.importer in group and i.imported in group]
        for group in _strongly_connected(edges)
    ]


def _strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm; only groups of two or more (a module never imports itself here)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def modules_in(cycle: list[Import]) -> tuple[str, ...]:
    return tuple(sorted({name for i in cycle for name in (i.importer, i.imported)}))


def apps_in(cycle: list[Import], graph: Graph) -> tuple[str, ...]:
    return tuple(sorted({graph.app(name) for name in modules_in(cycle)}))


def _report(title: str, offences: Iterable[str]) -> str:
    return "\n".join([title, *offences])


# --- The project ----------------------------------------------------------------------------


@cache
def project() -> Graph:
    return read_graph(Path(xbank.__file__).parent)


def test_every_app_has_a_place_in_the_layers():
    assert not unplaced_apps(project(), LAYERS), "add the app to LAYERS, where it belongs"


def test_no_app_imports_an_app_above_it():
    graph = project()
    offences = [
        f"{imp}: {graph.app(imp.importer)} sits below {graph.app(imp.imported) or 'the project'}"
        for imp in upward_imports(graph, LAYERS)
        if (graph.app(imp.importer), graph.app(imp.imported)) not in PENDING
    ]
    assert not offences, _report(f"Imports against LAYERS ({', '.join(LAYERS)}):", offences)


def test_no_two_apps_import_each_other():
    graph = project()
    cycles = [c for c in app_cycles(graph) if apps_in(c, graph) not in PENDING]
    assert not cycles, _report("Apps importing each other:", _by_app_pair(cycles, graph))


def _by_app_pair(cycles: list[list[Import]], graph: Graph) -> Iterator[str]:
    """One line per importing and imported app, naming the first import of the pair."""
    for cycle in cycles:
        pairs = defaultdict(list)
        for imp in cycle:
            pairs[graph.app(imp.importer), graph.app(imp.imported)].append(imp)
        for (importer, imported), imps in sorted(pairs.items()):
            more = f" (and {len(imps) - 1} more)" if len(imps) > 1 else ""
            yield f"{importer} → {imported}: {imps[0]}{more}"


def test_no_two_modules_import_each_other():
    graph = project()
    cycles = [c for c in module_cycles(graph) if modules_in(c) not in PENDING]
    assert not cycles, _report(
        "Modules importing each other (move what both need into a module below them):",
        (str(i) for c in cycles for i in c),
    )


def test_pending_lists_only_offences_that_still_occur():
    graph = project()
    occurring = {modules_in(c) for c in module_cycles(graph)}
    occurring |= {
        (graph.app(i.importer), graph.app(i.imported)) for i in upward_imports(graph, LAYERS)
    }
    fixed = PENDING - occurring
    assert not fixed, f"Fixed, so remove from PENDING: {sorted(fixed)}"


# --- The checker, against a tree whose offences are known -----------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_what_was_planted_in_a_made_up_tree(tmp_path):
    _write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "settings.py": "from pkg.high import views\n",  # the project may import anything
            "low/__init__.py": "",
            # Upward, in a function, relative: low.models → high.views (and back: a cycle).
            "low/models.py": "import os\n\n\ndef f():\n    from ..high import views\n",
            "low/tests/__init__.py": "",
            "low/tests/test_models.py": "from pkg.high import forms\n",  # tests: not read
            "low/migrations/__init__.py": "",
            "low/migrations/0001_initial.py": "import pkg.high.forms\n",  # not read
            "high/__init__.py": "",
            "high/views.py": "from pkg.low import models\n",
            "high/forms.py": "from pkg.low.models import f\nfrom django import forms\n",
            # A cycle inside one app: a from-import of a submodule, and a lazy import back.
            "high/filters.py": "from . import selectors\n",
            "high/selectors.py": "def g():\n    import pkg.high.filters\n",
            # An app importing the project, lazily: upward too.
            "high/checks.py": "def h():\n    from pkg import settings\n",
            "stray/__init__.py": "",
            "scripts/tool.py": "import pkg.stray\n",  # no __init__.py: a script, not a module
        },
    )
    graph = read_graph(tmp_path / "pkg")

    assert {(i.importer, i.imported) for i in graph.imports} == {
        ("pkg.settings", "pkg.high.views"),
        ("pkg.low.models", "pkg.high.views"),
        ("pkg.high.views", "pkg.low.models"),
        ("pkg.high.forms", "pkg.low.models"),
        ("pkg.high.filters", "pkg.high.selectors"),
        ("pkg.high.selectors", "pkg.high.filters"),
        ("pkg.high.checks", "pkg.settings"),
    }
    assert unplaced_apps(graph, ("low", "high")) == {"stray"}
    assert [str(i) for i in upward_imports(graph, ("low", "high"))] == [
        "pkg/high/checks.py:2: pkg.high.checks imports pkg.settings",
        "pkg/low/models.py:5: pkg.low.models imports pkg.high.views",
    ]
    # The other order: every import between the two apps goes up, and the project still is.
    assert [str(i) for i in upward_imports(graph, ("high", "low"))] == [
        "pkg/high/checks.py:2: pkg.high.checks imports pkg.settings",
        "pkg/high/forms.py:1: pkg.high.forms imports pkg.low.models",
        "pkg/high/views.py:1: pkg.high.views imports pkg.low.models",
    ]
    assert sorted(apps_in(c, graph) for c in app_cycles(graph)) == [("high", "low")]
    assert sorted(modules_in(c) for c in module_cycles(graph)) == [
        ("pkg.high.filters", "pkg.high.selectors"),
        ("pkg.high.views", "pkg.low.models"),
    ]
