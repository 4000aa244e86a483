"""`make bench`: XBank's figures beside the raw limit of the same machine, as ratios.

Each measurement runs in its own process (so peak memory is that process's own) against its own
SQLite file under bench/out/ (the registration burst uses a fresh PostgreSQL database instead
when DATABASE_URL names a PostgreSQL server). Nothing here passes or fails: it prints figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def run(script: str, *args: str, env: dict | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{script} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = int(os.environ.get("BENCH_ROWS", "100000"))
    print(f"XBank benchmarks ({os.cpu_count()} cores, Python {sys.version.split()[0]})\n")
    data = run("import_outcomes.py", "prepare", str(rows))
    raw = run("import_outcomes.py", "raw", data["file"], data["db"])
    ours = run("import_outcomes.py", "xbank", data["file"], data["db"])
    print(
        f"Outcomes import, {rows:,} rows ({data['file_mb']:.1f} MB .xlsx, {data['people']:,} people)"
    )
    print(f"  {'':48}{'rows/s':>10}{'seconds':>10}{'peak MB':>10}")
    print(
        f"  {'raw limit (calamine + executemany, same table)':48}{raw['rows_per_s']:>10,.0f}"
        f"{raw['seconds']:>10.1f}{raw['peak_mb']:>10.0f}"
    )
    print(
        f"  {'XBank (validate + commit)':48}{ours['rows_per_s']:>10,.0f}"
        f"{ours['seconds']:>10.1f}{ours['peak_mb']:>10.0f}"
    )
    print(
        f"    of which validate {ours['validate_s']:.1f} s, commit {ours['commit_s']:.1f} s; "
        f"created {ours['created']:,}"
    )
    print(
        f"  ratio XBank / raw: {ours['rows_per_s'] / raw['rows_per_s']:.2f} (aim ≥ 0.5); "
        f"peak memory {ours['peak_mb']:.0f} MB (aim < 512 MB)"
    )
    learners = int(os.environ.get("BENCH_CB_LEARNERS", "10000"))
    rules = int(os.environ.get("BENCH_CB_RULES", "200"))
    cb = run("creditbank_match.py", "prepare", str(learners), str(rules))
    match = run("creditbank_match.py", "measure")
    print(
        f"\nCredit-bank matching, {match['learners']:,} learners × {match['rules']} rule versions "
        f"({cb['outcomes']:,} certificates, {cb['families']} rules, {match['vendor']})"
    )
    print(f"  {'':48}{'seconds':>10}{'pairs':>10}")
    print(
        f"  {'one plain SQL join (candidate pairs only)':48}{match['sql_s']:>10.2f}"
        f"{match['pairs_sql']:>10,}"
    )
    print(
        f"  {'XBank engine (proposals, explained)':48}{match['engine_s']:>10.2f}"
        f"{match['pairs_engine']:>10,}"
    )
    print(
        f"    of which loading {match['load_s']:.2f} s, evaluating {match['evaluate_s']:.2f} s "
        f"({match['evaluate_s'] / match['learners'] * 1e6:,.0f} µs per learner); "
        f"{match['lines']:,} explained lines, {match['granted']:,} granted; "
        f"same pairs: {match['same_pairs']}"
    )
    print(f"  ratio engine / SQL join: {match['engine_s'] / match['sql_s']:.1f}")
    burst = run("registration_burst.py")
    print(
        f"\nRegistration burst, {burst['registrations']:,} public registrations at once for "
        f"{burst['capacity']:,} places ({burst['database']}, gunicorn {burst['workers']} workers, "
        f"{burst['clients']} clients on loopback)"
    )
    print(
        f"  admitted {burst['admitted']:,} (capacity {burst['capacity']:,}), waitlisted "
        f"{burst['waitlisted']:,} (positions contiguous: {burst['waitlist_contiguous']}), "
        f"errors {burst['errors']:,}{' ' + str(burst['error_kinds']) if burst['errors'] else ''}"
    )
    print(
        f"  {burst['per_s']:,.0f} registrations/s over {burst['seconds']:.1f} s; "
        f"latency p50 {burst['p50_ms']:.0f} ms, p99 {burst['p99_ms']:.0f} ms"
    )
    big = int(os.environ.get("BENCH_DASHBOARD_ROWS", "1000000"))
    requests = os.environ.get("BENCH_DASHBOARD_REQUESTS", "20")
    print(
        f"\nReports dashboard, {big:,} learning outcomes (SQLite, Django test client, "
        f"{requests} requests after 2 warm-up)"
    )
    print(f"  {'':40}{'outcomes':>11}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    pages = [
        ("academic_affairs", "dashboard, academic affairs"),
        ("academic_affairs_2024", "dashboard, academic affairs, 2024"),
        ("school_staff", "dashboard, school staff (one school)"),
        ("list_2024", "named list behind a figure (page 1)"),
    ]
    for rows_n in (10_000, big):
        prepared = run("dashboard.py", "prepare", str(rows_n))
        figures = run("dashboard.py", "measure", prepared["db"], requests)
        for key, label in pages:
            f = figures[key]
            print(
                f"  {label:40}{prepared['outcomes']:>11,}{f['median_ms']:>11.0f}"
                f"{f['p95_ms']:>9.0f}{f['queries']:>9}"
            )


if __name__ == "__main__":
    main()
