"""Test-wide set-up: immediate background tasks, fast password hashing, media in a temp dir.

XBANK_STRICT=1 (set by CI) turns every skip for a missing tool into a failure.
"""

import os

import pytest

os.environ.setdefault("XBANK_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under XBANK_STRICT=1 a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("XBANK_STRICT") == "1" and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        report.longrepr = f"XBANK_STRICT=1: skipped tests are failures here ({report.longrepr})"
