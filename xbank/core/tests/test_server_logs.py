"""The real web servers' logs hold no ID number in clear, whatever a client puts in a URL.

Each case starts the server as a deployment does (gunicorn from the project root with its
``gunicorn.conf.py``; ``runserver`` as ``make demo`` does), sends requests with a resident ID
number and a mobile number in the path and query string to it on the loopback address, and scans
everything the server printed with the independent scanner.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from .pii_scan import scan_texts

PUBLISHED = "11010519491231002X"  # GB 11643's example
PATHS = [
    f"/learners/?id_number={PUBLISHED}&phone=13812345678",
    f"/verify/?q={PUBLISHED.lower()}",
    f"/no-such-page/{PUBLISHED}/",
    f"/healthz?id={PUBLISHED}",
]
# What each request leaves in a log, masked: the proof that it was logged at all.
LOGGED = [
    "/learners/?id_number=110105********002X&phone=138****5678",
    "/verify/?q=110105********002x",
    "/no-such-page/110105********002X/",
    "/healthz?id=110105********002X",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "XBANK_"))}
    env.pop("DATABASE_URL", None)  # a throw-away SQLite file: no page here needs the data
    env.update(XBANK_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
    return env


def hit_and_stop(command: list[str], port: int, env: dict[str, str]) -> str:
    """Start the server, send every request, and stop it once each request has been logged.

    A server writes its access line after the response, so the output is read as it comes (a
    thread) and the server is stopped only when every masked path is in it, or after 15 s."""
    server = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"server did not start: {''.join(lines)[-2000:]}")
                time.sleep(0.2)
        statuses = []
        for path in PATHS:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert len(statuses) == len(PATHS)
        deadline = time.monotonic() + 15
        while not all(line in "".join(lines) for line in LOGGED) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=30)
        server.stdout.close()
    return "".join(lines)


def test_gunicorns_access_and_error_logs_hold_no_id_number(tmp_path):
    port = free_port()
    output = hit_and_stop(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xbank.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
        ],
        port,
        server_env(tmp_path),
    )
    assert all(line in output for line in LOGGED), output
    assert scan_texts([output]) == []
    assert "13812345678" not in output


def test_the_demo_servers_access_log_holds_no_id_number(tmp_path):
    port = free_port()
    output = hit_and_stop(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        port,
        server_env(tmp_path),
    )
    assert all(line in output for line in LOGGED), output
    # The learner list redirects to the login page with ?next=…%3D<number>: logged, masked.
    assert "next=/learners/%3Fid_number%3D110105********002X" in output
    assert scan_texts([output]) == []
    assert "13812345678" not in output
