"""The reports dashboard with 1,000,000 learning outcomes in the database, one phase per process:
prepare | measure.

prepare  migrates a fresh SQLite database and fills it fast with raw executemany (one WAL
         transaction per table): ROWS // 10 learning accounts, one learner record each (80 %
         students of five majors in three schools, 20 % members of the public), and ROWS learning
         outcomes, ten a person: six course results, three certificates (four 1+X types and four
         qualifications, 1 % revoked) and a training completion, dated 2019–2025.
measure  the dashboard page through Django's test client, logged in (academic affairs of the
         college; school staff of one school; academic affairs with a year filter), and the
         named list behind a figure: median and p95 milliseconds over N requests after two
         warm-up requests, and the queries per page (CaptureQueriesContext).
Prints one JSON line with the figures.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

SKILL = ["老年照护职业技能等级证书", "母婴护理职业技能等级证书", "幼儿照护职业技能等级证书",
         "家庭保健按摩职业技能等级证书"]  # fmt: skip
QUALIFICATIONS = ["公共营养师", "育婴员", "养老护理员", "护士资格证"]
MAJORS = [("520201", "护理", 0), ("520202", "助产", 0), ("520801", "健康管理", 1),
          ("520802", "婴幼儿托育服务与管理", 1), ("520601", "康复治疗技术", 2)]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "晓雨思嘉子欣梓涵佳怡诗琪文静婷丽娟敏华芳"


def django_setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xbank.settings")
    os.environ["XBANK_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ["XBANK_DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def prepare(rows: int) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"dashboard_{rows}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    django_setup(db)
    from django.core.management import call_command

    from xbank.accounts.models import Role, RoleAssignment, User
    from xbank.catalog.models import CertificateType, EvaluationOrg
    from xbank.core.pii import encrypt
    from xbank.orgs.models import Institution, Major, School

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    institution = Institution.objects.create(code="14113", name="广东岭南职业技术学院")
    schools = [
        School.objects.create(institution=institution, code=f"S0{i}", name=name)
        for i, name in enumerate(["护理学院", "健康管理学院", "康复学院"], start=1)
    ]
    majors = [
        Major.objects.create(institution=institution, school=schools[s], code=code, name=name)
        for code, name, s in MAJORS
    ]
    org = EvaluationOrg.objects.create(name="基准测试评价组织")
    skill = [
        CertificateType.objects.create(
            name=name, kind="skill_level", evaluation_org=org, levels=["junior"]
        )
        for name in SKILL
    ]
    quals = [
        CertificateType.objects.create(name=name, kind="qualification", issuer_name="人社厅")
        for name in QUALIFICATIONS
    ]
    for username, role, school in [
        ("academic_affairs", Role.ACADEMIC_AFFAIRS, None),
        ("school_staff", Role.SCHOOL_STAFF, schools[0]),
    ]:
        user = User.objects.create(username=username, full_name=username)
        RoleAssignment.objects.create(user=user, role=role, institution=institution, school=school)

    people = max(1, rows // 10)
    rng = random.Random(11)
    id_number = encrypt("440106200301011234")  # one ciphertext: the dashboard never reads it
    now = datetime.datetime.now(datetime.UTC).isoformat(sep=" ")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO learners_learningaccount (id, account_no, name, name_pinyin, id_type,"
            " id_number, id_hash, birth_date, gender, phone, user_id, created_at)"
            " VALUES (?, ?, ?, '', 'resident_id', ?, ?, '2003-01-01', 'F', '', NULL, ?)",
            (
                (
                    i,
                    f"{6200000000000000 + i}",
                    SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20],
                    id_number,
                    hashlib.sha256(str(i).encode()).hexdigest(),
                    now,
                )
                for i in range(1, people + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO learners_learner (account_id, kind, institution_id, school_id, major_id,"
            " cohort_year, student_no, class_name, education, employer, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', 'active', ?, ?)",
            (
                (
                    i,
                    "student" if i % 5 else "social",
                    institution.pk,
                    schools[MAJORS[i % 5][2]].pk if i % 5 else None,
                    majors[i % 5].pk if i % 5 else None,
                    2019 + i % 7 if i % 5 else None,
                    f"S{i:09d}" if i % 5 else "",
                    now,
                    now,
                )
                for i in range(1, people + 1)
            ),
        )

    def outcome(n: int):
        account = n // 10 + 1
        slot = n % 10
        year = 2019 + rng.randrange(7)
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        if slot < 6:
            kind, cert, title = "course_result", None, "课程成绩"
        elif slot < 9:
            ct = rng.choice(skill) if slot < 8 else rng.choice(quals)
            kind = "skill_certificate" if ct.kind == "skill_level" else "qualification"
            cert, title = ct.pk, ct.name
        else:
            kind, cert, title = "training", None, "培训结业"
        status = "revoked" if rng.random() < 0.01 else "verified"
        return (account, kind, title, cert, "基准测试发证机构", f"B{n:09d}", day.isoformat(),
                status, now, now)  # fmt: skip

    with conn:
        conn.executemany(
            "INSERT INTO learners_learningoutcome (account_id, kind, title, certificate_type_id,"
            " course_id, issuer, number, issued_on, level, score, grade, credits, evidence,"
            " status, source, import_batch_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, ?, '', NULL, '', NULL, '', ?, 'import', NULL, ?, ?)",
            (outcome(n) for n in range(min(rows, people * 10))),
        )
    count = conn.execute("SELECT count(*) FROM learners_learningoutcome").fetchone()[0]
    conn.close()
    return {"db": str(db), "outcomes": count, "people": people,
            "prepare_s": time.perf_counter() - started}  # fmt: skip


def _time(client, url: str, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": len(queries),
    }


def measure(db: str, n: int) -> dict:
    django_setup(Path(db))
    from django.conf import settings
    from django.test import Client

    # Production settings (no DEBUG), but without collectstatic: plain static storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.urls import reverse

    from xbank.accounts.models import User
    from xbank.catalog.models import CertificateType

    results = {}
    client = Client()
    client.force_login(User.objects.get(username="academic_affairs"))
    dashboard = reverse("reports:dashboard")
    results["academic_affairs"] = _time(client, dashboard, n)
    results["academic_affairs_2024"] = _time(client, dashboard + "?year=2024", n)
    cert = CertificateType.objects.get(name=SKILL[0]).pk
    records = reverse("reports:records", kwargs={"metric": "certificates"})
    results["list_2024"] = _time(client, f"{records}?year=2024&certificate_type={cert}", n)
    client.force_login(User.objects.get(username="school_staff"))
    results["school_staff"] = _time(client, dashboard, n)
    return results


if __name__ == "__main__":
    phase = sys.argv[1]
    if phase == "prepare":
        result = prepare(int(sys.argv[2]))
    else:
        result = measure(sys.argv[2], int(sys.argv[3]))
    print(json.dumps(result))
