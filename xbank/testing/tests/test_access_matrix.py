"""The whole resolver against the access matrix: every named URL of the project has an expected
status per role in one of the apps' tables (``xbank.testing.matrix.MATRICES``), or is listed
below with the reason it has none. A URL added anywhere, under any namespace, fails here until
someone decides who may open it."""

from __future__ import annotations

import importlib

from xbank.testing.matrix import MATRICES, every_url_name

# URLs with no row in a per-role table, and why. Shrink this list; never grow it for a new page.
OUTSIDE_THE_MATRIX = {
    "home": "public: the front door; a signed-in user is sent to the workbench (core/tests)",
    "healthz": "the load balancer's probe: public, no data (core/tests)",
    "set_language": "Django's language switch: public, no data",
}
# Django's admin site: staff users only (is_staff), checked by Django itself.
OUTSIDE_NAMESPACES = ["admin"]


def _namespace(name: str) -> str:
    return name.split(":")[0] if ":" in name else ""


def _expected() -> dict[str, dict]:
    """Every table's rows: URL name → {role: status}."""
    rows = {}
    for module in MATRICES:
        for name, row in importlib.import_module(module).EXPECTED.items():
            assert name not in rows, f"{name} is in two tables"
            rows[name] = row[-1]
    return rows


def test_every_url_of_the_resolver_has_an_expected_status_per_role():
    expected = _expected()
    names = every_url_name()
    assert len(names) > 100, "the resolver walk found too few URLs"
    missing = [
        name
        for name in names
        if name not in expected
        and name not in OUTSIDE_THE_MATRIX
        and name.split(":")[0] not in OUTSIDE_NAMESPACES
    ]
    assert missing == [], f"URLs with no expected status per role: {missing}"


def test_the_tables_and_the_exceptions_name_only_urls_that_exist():
    names = set(every_url_name())
    assert sorted(set(_expected()) - names) == []
    assert sorted(set(OUTSIDE_THE_MATRIX) - names) == []
    assert sorted(set(_expected()) & set(OUTSIDE_THE_MATRIX)) == []


def test_every_namespace_of_the_resolver_has_a_table_or_is_listed():
    """A new app's URLs fail the build until some table answers for its namespace."""
    tabled = {_namespace(name) for name in _expected()}
    listed = set(OUTSIDE_NAMESPACES) | {_namespace(name) for name in OUTSIDE_THE_MATRIX}
    namespaces = {_namespace(name) for name in every_url_name()}
    assert sorted(namespaces - tabled - listed) == []
    # The root namespace holds only the pages listed above as public or system ones.
    assert {_namespace(name) for name in OUTSIDE_THE_MATRIX} == {""}
