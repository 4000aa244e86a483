"""The verification page's rate limit holds across web processes (issue 9).

Two gunicorn workers, one file SQLite database and a Redis database of their own: 30 requests
per minute and address (``xbank.verify.views.RATE``, hand-counted here) are answered, served by
both workers, and the 31st is a 429 with ``Retry-After``. With the memory cache each worker
would count on its own and let through up to 60.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from conftest import missing_tool

LIMIT = 30  # verification requests per minute and client address
REDIS_DB = 11  # this test's own Redis database, flushed before and after
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seconds_left_in_window(value: str, period: int = 60) -> int:
    """django-ratelimit's fixed windows, worked out again: each key's minute ends at an offset
    of crc32(key) % period seconds past the minute."""
    ts = int(time.time())
    end = ts - ts % period + zlib.crc32(value.encode()) % period
    if end < ts:
        end += period
    return end - ts


def _address_with_time_left(minimum: int) -> str:
    """A client address (documentation range, never contacted: it only rides in a header) whose
    window has at least ``minimum`` seconds to run, so that no window ends mid-test."""
    for i in range(1, 255):
        address = f"203.0.113.{i}"
        if _seconds_left_in_window(address) >= minimum:
            return address
    raise AssertionError("no address with time left")  # pragma: no cover


def _get(url: str, address: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    try:
        client.flushdb()
    except redis.ConnectionError:
        missing_tool("Redis is not running on 127.0.0.1:6379")  # a failure under XBANK_STRICT
    yield f"redis://127.0.0.1:6379/{REDIS_DB}"
    client.flushdb()


@pytest.fixture
def two_workers(tmp_path, redis_db):
    """``gunicorn -w 2`` on a free port against a migrated file SQLite database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "XBANK_", "AXES_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="xbank.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'xbank.sqlite3'}",
        REDIS_URL=redis_db,
        XBANK_VAR_DIR=str(tmp_path),
        XBANK_TRUSTED_PROXIES="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    port = _free_port()
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s",
            "xbank.wsgi",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_limit_holds_across_two_gunicorn_workers(two_workers):
    base, log = two_workers
    url = base + reverse("verify:detail", args=["guess-a-code"])
    address = _address_with_time_left(25)
    # Six at a time: a sync worker serves one request at a time, so both workers take some.
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _get(url, address), range(LIMIT)))
    assert [status for status, _ in answers] == [404] * LIMIT  # unknown code, but answered
    status, headers = _get(url, address)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60
    # Another address is not concerned.
    assert _get(url, "198.51.100.7")[0] == 404

    time.sleep(0.5)  # the access log is written after each response
    lines = [line.split() for line in log.read_text().splitlines()]
    served = [(pid, code) for pid, code in lines if code in {"404", "429"}]
    assert len(served) == LIMIT + 2
    assert len({pid for pid, code in served if code == "404"}) == 2, "both workers served"
