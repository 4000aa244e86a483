"""Production settings: hardened (``check --deploy`` is clean) and refusing the demo keys.

Each case runs ``manage.py`` in a subprocess, since settings are read once per process.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from xbank import settings as xbank_settings

MANAGE = str(settings.BASE_DIR / "manage.py")


def clean_env() -> dict[str, str]:
    """The environment without the test run's own settings (immediate tasks, async-unsafe…)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "XBANK_", "AXES_"))
        and k not in {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}
    }


def production_env(**overrides: str) -> dict[str, str]:
    env = clean_env()
    env.update(
        XBANK_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        XBANK_PII_KEY=base64.b64encode(os.urandom(32)).decode(),
        XBANK_LEDGER_KEY=base64.b64encode(os.urandom(32)).decode(),
        ALLOWED_HOSTS="xbank.example.edu.cn",
        REDIS_URL="redis://127.0.0.1:6379/0",  # not connected to by the checks
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_demo_secret_key():
    env = production_env(DJANGO_SECRET_KEY=xbank_settings._UNSAFE_SECRET_KEY)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "demo keys" in result.stderr


def test_production_refuses_the_demo_pii_key():
    result = manage("check", env=production_env(XBANK_PII_KEY=xbank_settings._UNSAFE_PII_KEY))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_requires_the_keys_to_be_set():
    env = production_env()
    del env["XBANK_PII_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "XBANK_PII_KEY is required" in result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path):
    """WAL lets pages read while an import writes (settings' init_command)."""
    env = {k: v for k, v in clean_env().items() if k != "DATABASE_URL"}
    env.update(XBANK_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "xbank.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("short", "XBANK_PII_KEY must be base64"),
        (base64.b64encode(b"sixteen-byte-key").decode(), "holds 16 bytes; it needs at least 32"),
        (base64.b64encode(bytes(32)).decode(), "does not look random"),
        ("", "XBANK_PII_KEY is not set"),
    ],
)
def test_production_refuses_a_weak_pii_key_at_start_and_check_deploy_reports_it(key, message):
    result = manage("check", "--deploy", env=production_env(XBANK_PII_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_reports_the_demo_pii_key_under_the_demo_profile():
    result = manage("check", "--deploy", env=clean_env())
    assert result.returncode != 0
    assert "xbank.E001" in result.stderr
    assert "XBANK_PII_KEY is the demo key" in result.stderr


def test_production_refuses_the_demo_ledger_key():
    env = production_env(XBANK_LEDGER_KEY=xbank_settings._UNSAFE_LEDGER_KEY)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "demo keys" in result.stderr


def test_production_requires_the_ledger_key_to_be_set():
    env = production_env()
    del env["XBANK_LEDGER_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "XBANK_LEDGER_KEY is required" in result.stderr


def test_production_refuses_a_short_ledger_key():
    short = base64.b64encode(b"sixteen-byte-key").decode()
    result = manage("check", env=production_env(XBANK_LEDGER_KEY=short))
    assert result.returncode != 0
    assert "XBANK_LEDGER_KEY holds 16 bytes" in result.stderr


def test_check_deploy_reports_the_demo_ledger_key_under_the_demo_profile():
    result = manage("check", "--deploy", env=clean_env())
    assert result.returncode != 0
    assert "xbank.E002" in result.stderr
    assert "XBANK_LEDGER_KEY is the demo key" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    """With the memory cache each web process would count the rate limits on its own."""
    env = production_env()
    del env["REDIS_URL"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "xbank.E003" in result.stderr
    assert "REDIS_URL" in result.stderr
    # django-ratelimit's own complaint is no longer silenced in production either.
    assert "django_ratelimit.E003" in result.stderr


def test_the_demo_runs_on_its_memory_cache():
    env = {k: v for k, v in clean_env().items() if k != "REDIS_URL"}
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
