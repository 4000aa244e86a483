"""Test-wide set-up: immediate background tasks, fast password hashing, media in a temp dir.

XBANK_STRICT=1 (set by CI) turns every skip for a missing tool into a failure: call
``missing_tool(reason)`` rather than ``pytest.skip`` when a test needs a program that a user's
machine may lack. Tests marked ``postgresql`` (row locks and threads) are deselected, not
skipped, when the suite runs on SQLite; CI runs the suite on both.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run at once, inside the request or service call that enqueues them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test starts with no ledger checkpoint (never the demo's, in var/).
    settings.LEDGER_CHECKPOINT_DIR = tmp_path / "ledger-checkpoints"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


MISSING_TOOL = "missing tool: "


def missing_tool(reason: str):
    pytest.skip(MISSING_TOOL + reason)


PEERS_DIR = os.path.join(os.path.dirname(__file__), "peers")


def node_peer(script: str) -> list[str]:
    """The command that runs a test peer (``peers/<script>``, an independent implementation in
    Node), or a missing-tool skip when Node or the peers (``make test`` installs them) are absent."""
    import shutil

    node = shutil.which("node")
    if node is None:
        missing_tool("Node.js is not installed")
    if not os.path.exists(os.path.join(PEERS_DIR, "node_modules", ".installed")):
        missing_tool("the test peers are not installed (npm ci --prefix peers)")
    return [node, os.path.join(PEERS_DIR, script)]


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: needs PostgreSQL (deselected on SQLite)")


def pytest_collection_modifyitems(config, items):
    # The tests on the demo data run first and together: they share one demo, loaded once inside
    # a transaction that is rolled back after the last of them (the ``demo`` fixture, in
    # xbank/demo/tests/conftest.py). Under pytest-xdist they are one unit of work (below).
    items.sort(key=lambda item: "demo" not in getattr(item, "fixturenames", ()))
    if on_postgresql():
        return
    selected = [item for item in items if item.get_closest_marker("postgresql") is None]
    deselected = [item for item in items if item.get_closest_marker("postgresql") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


DEMO_TESTS = "xbank/demo/tests/"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (``make test``), the demo tests are one unit of work, given first to one
    worker, which seeds the demo once while the other workers share the rest test by test.

    A scheduler rather than ``--dist loadgroup``: with pytest 9.2, pytest-xdist 3.8's
    ``xdist_group`` no longer groups anything (pytest-dev/pytest-xdist#1386), and every worker
    seeded the demo again.
    """
    from xdist.scheduler import LoadScopeScheduling

    class DemoAsOneUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return DEMO_TESTS if nodeid.startswith(DEMO_TESTS) else nodeid

    return DemoAsOneUnit(config, log)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_the_end(request):
    """On PostgreSQL, end any other session still on the test database before it is dropped.

    Dropping the test database fails while another session is connected to it. With the demo
    tests moved to the end of the run, one connection opened during the run (a live-server
    browser test in the same run was enough to show it) was still there when pytest-django
    dropped the database. It is reported on stderr, then ended, so the run's result is the tests'.
    """
    if not on_postgresql():
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    import sys

    from django.db import connection

    with request.getfixturevalue("django_db_blocker").unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for pid, app, state, query in cursor.fetchall():
            sys.stderr.write(
                f"\nending a stray session on the test database: {pid} {app} {state} {query!r}\n"
            )
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under XBANK_STRICT=1 a test skipped for a missing tool is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("XBANK_STRICT") == "1"
        and report.skipped
        and MISSING_TOOL in str(report.longrepr)
    ):
        report.outcome = "failed"
        report.longrepr = f"XBANK_STRICT=1: a missing tool fails the run ({report.longrepr})"


CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; skipped (failed under XBANK_STRICT) if absent."""
    path = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)
    if path is None:
        missing_tool("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    """A page the size of a phone screen, as learners use XBank."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
