"""``manage.py serve`` (the demo): a worker that dies is started again, and the site stays up.

The real command runs as a child process, on a file copy of the SQLite test database (or on the
PostgreSQL test database), and its worker is killed with SIGKILL as a crash would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import on_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = 90  # seconds for the children to start on a busy machine


def database_url(tmp_path: Path) -> str:
    if on_postgresql():
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    connection.ensure_connection()
    path = tmp_path / "serve.sqlite3"
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(log: Path, pattern: str, serve: subprocess.Popen, after: int = 0) -> re.Match:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        match = re.compile(pattern).search(text, after)
        if match:
            return match
        if serve.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"serve never printed {pattern!r} (exit {serve.poll()}):\n{text}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_restarts_a_worker_that_dies(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp_path),
        "XBANK_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "serve.log"
    manage = Path(settings.BASE_DIR) / "manage.py"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, str(manage), "serve", "--port", str(free_port())],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        first = wait_for(log, r"后台任务进程已启动（pid (\d+)）", serve)
        worker = int(first.group(1))
        os.kill(worker, signal.SIGKILL)
        wait_for(log, r"后台任务进程已退出（返回码 -9）", serve, first.end())
        again = wait_for(log, r"后台任务进程已重新启动（pid (\d+)）", serve, first.end())
        assert serve.poll() is None  # the site did not go down with its worker
        assert int(again.group(1)) != worker and alive(int(again.group(1)))
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        assert not alive(int(again.group(1)))
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
