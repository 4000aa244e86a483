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
    # Pages of the accounts, imports and verify apps are tested per case in their own tests
    # (accounts/tests/test_auth.py and test_workbench.py, imports/tests/test_views.py,
    # verify/tests/test_views.py) but have no per-role table yet.
    "accounts:login": "public: the login form",
    "accounts:logout": "any visitor: ends the session",
    "accounts:workbench": "not yet in a table",
    "accounts:notifications": "not yet in a table",
    "accounts:notifications-read-all": "not yet in a table",
    "accounts:notification-read": "not yet in a table",
    "imports:batch-list": "not yet in a table",
    "imports:batch-new": "not yet in a table",
    "imports:template": "not yet in a table",
    "imports:batch-detail": "not yet in a table",
    "imports:batch-progress": "not yet in a table",
    "imports:batch-commit": "not yet in a table",
    "imports:batch-cancel": "not yet in a table",
    "verify:home": "public: the verification search",
    "verify:detail": "public: a credential's verification page, by its random code",
}
# Django's admin site: staff users only (is_staff), checked by Django itself.
OUTSIDE_NAMESPACES = ["admin"]


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
