"""Registration burst: REGISTRATIONS members of the public register at once for a program of
CAPACITY places, through the public form, against XBank served by gunicorn on loopback.

1. A fresh database: a SQLite file under bench/out/, or, when DATABASE_URL names a PostgreSQL
   server, a fresh database ``xbank_bench_burst`` on that server (the one named in the URL is left
   alone). Migrated; one program of CAPACITY places open for registration.
2. gunicorn (WORKERS sync workers) on a free loopback port, with ``bench/burst_settings.py``.
3. CLIENTS threads each fetch the form once (CSRF cookie and token), wait at a barrier, then post
   registrations of distinct synthetic people (valid resident ID numbers) until all are sent;
   every request is bounded by a timeout and the whole burst by a deadline.
4. The database is read afterwards: how many were admitted (seated: must equal CAPACITY), how
   many waitlisted, and whether the waitlist positions run 1..n without a gap.

Prints one JSON line with the figures (bench/run.py prints them as a table).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

REGISTRATIONS = int(os.environ.get("BENCH_BURST_REGISTRATIONS", "2000"))
CAPACITY = int(os.environ.get("BENCH_BURST_CAPACITY", "300"))
CLIENTS = int(os.environ.get("BENCH_BURST_CLIENTS", "50"))
WORKERS = int(os.environ.get("BENCH_BURST_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
REQUEST_TIMEOUT = 60.0  # seconds, one request
DEADLINE = float(os.environ.get("BENCH_BURST_DEADLINE", "600"))  # seconds, the whole burst
PG_DATABASE = "xbank_bench_burst"


def database_url() -> tuple[str, str]:
    """(URL of a fresh database, "sqlite" or "postgresql")."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urllib.parse.urlsplit(given)
        with psycopg.connect(given, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        return urllib.parse.urlunsplit(parts._replace(path=f"/{PG_DATABASE}")), "postgresql"
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "burst.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db}", "sqlite"


def prepare(url: str) -> str:
    """Migrate and open one program for registration; returns its public code."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "xbank.settings"
    import django

    django.setup()
    import datetime

    from django.core.management import call_command

    from xbank.catalog.models import CertificateType
    from xbank.orgs.models import Institution
    from xbank.training import services

    call_command("migrate", verbosity=0)
    institution = Institution.objects.create(code="14113", name="广东岭南职业技术学院")
    certificate = CertificateType.objects.create(
        name="老年照护职业技能等级证书", kind="skill_level", levels=["junior"]
    )
    program = services.program_create(
        actor=None,
        institution=institution,
        certificate_type=certificate,
        level="junior",
        title="老年照护（初级）社会培训班",
        audience="public",
        start_date=datetime.date(2027, 3, 1),
        end_date=datetime.date(2027, 4, 30),
        capacity=CAPACITY,
    )
    services.program_transition(actor=None, program=program, action="publish")
    services.program_transition(actor=None, program=program, action="open")
    return program.code


def people(n: int) -> list[tuple[str, str]]:
    """Distinct synthetic people: a Faker zh_CN name (never one of the seed's roster) and a
    resident ID number with a correct check digit."""
    from faker import Faker

    from xbank.core.testing import make_id_number
    from xbank.demo.data import SEED_ROSTER_NAMES

    rng = random.Random(20261129)
    faker = Faker("zh_CN")
    faker.seed_instance(20261129)
    numbers: set[str] = set()
    result = []
    while len(result) < n:
        number = make_id_number(rng)
        name = faker.name()
        if number in numbers or name in SEED_ROSTER_NAMES:
            continue
        numbers.add(number)
        result.append((name, number))
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "burst_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xbank.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / "burst-gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start: see bench/out/burst-gunicorn.log")


def fetch_form(port: int, path: str) -> tuple[str, str]:
    """(CSRF cookie, form token) from one GET of the registration form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    conn.close()
    return cookie, token


def burst(port: int, code: str, registrants: list[tuple[str, str]]) -> dict:
    path = f"/training/p/{code}/register/"
    work = list(reversed(registrants))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    ok = 0
    barrier = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def client():
        nonlocal ok
        cookie, token = fetch_form(port, path)
        barrier.wait()
        while time.monotonic() < stop_at[0]:
            with lock:
                if not work:
                    return
                name, number = work.pop()
            body = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "name": name,
                    "id_type": "resident_id",
                    "id_number": number,
                    "phone": "13800138000",
                    "education": "高中",
                    "employer": "",
                    "consent": "on",
                    "consent_version": "2024.1",
                }
            )
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                conn.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"csrftoken={cookie}",
                    },
                )
                response = conn.getresponse()
                response.read()
                conn.close()
                outcome = "ok" if response.status == 302 else f"HTTP {response.status}"
            except OSError as exc:
                outcome = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if outcome == "ok":
                    ok += 1
                else:
                    errors[outcome] = errors.get(outcome, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = time.monotonic() + DEADLINE
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "sent": len(latencies),
        "ok": ok,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "not_sent": len(work),
        "seconds": seconds,
        "per_s": ok / seconds if seconds else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
    }


def count(code: str) -> dict:
    from django.db.models import Count

    from xbank.training.models import SEATED_STATUSES, Enrollment

    rows = Enrollment.objects.filter(program__code=code)
    by_status = dict(
        rows.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    positions = sorted(rows.filter(status="waitlisted").values_list("waitlist_position", flat=True))
    return {
        "admitted": rows.filter(status__in=SEATED_STATUSES).count(),
        "waitlisted": by_status.get("waitlisted", 0),
        "waitlist_contiguous": positions == list(range(1, len(positions) + 1)),
        "by_status": by_status,
    }


def main() -> None:
    url, kind = database_url()
    code = prepare(url)
    registrants = people(REGISTRATIONS)
    port = free_port()
    server = start_server(url, port)
    try:
        figures = burst(port, code, registrants)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    figures.update(count(code))
    figures.update(
        {
            "database": kind,
            "registrations": REGISTRATIONS,
            "capacity": CAPACITY,
            "clients": CLIENTS,
            "workers": WORKERS,
        }
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
