"""One phase of the outcomes-import benchmark per process: prepare | raw | xbank.

prepare  migrates a fresh SQLite database, opens PEOPLE learning accounts and writes an .xlsx of
         ROWS learning outcomes for them (Chinese text, Excel dates), as a college would send it.
raw      the machine's raw limit: calamine parses the file, sqlite3 executemany inserts the rows
         into a table with learning outcomes' own columns and indexes, in one WAL transaction.
xbank    XBank's own pipeline on a copy of the prepared database: validate every row, then commit.
Prints one JSON line with the figures.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import resource
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CERTS = [
    ("老年照护职业技能等级证书", "老年照护", "skill_level"),
    ("母婴护理职业技能等级证书", "母婴护理", "skill_level"),
    ("幼儿照护职业技能等级证书", "幼儿照护", "skill_level"),
    ("家庭保健按摩职业技能等级证书", "家庭保健按摩", "skill_level"),
]
LEVELS = ["初级", "中级", "高级"]
HEADERS = [
    "姓名",
    "证件号码",
    "成果类型",
    "证书名称",
    "发证机构",
    "证书编号",
    "取得日期",
    "等级",
    "分数",
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xbank.settings")
    os.environ["XBANK_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()


def prepare(rows: int) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "prepared.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    django_setup(db)
    from django.core.management import call_command
    from faker import Faker

    from xbank.catalog.models import CertificateAlias, CertificateType, EvaluationOrg
    from xbank.core.identity import parse_document
    from xbank.core.pinyin import name_sort_key
    from xbank.core.testing import make_id_number
    from xbank.learners.models import LearningAccount
    from xbank.learners.services import account_id_hash
    from xbank.orgs.models import Institution

    call_command("migrate", verbosity=0)
    Institution.objects.create(code="14113", name="广东岭南职业技术学院")
    org = EvaluationOrg.objects.create(name="基准测试评价组织")
    for name, alias, kind in CERTS:
        ct = CertificateType.objects.create(
            name=name, kind=kind, evaluation_org=org, levels=["junior", "intermediate", "senior"]
        )
        CertificateAlias.objects.create(certificate_type=ct, alias=alias)

    rng = random.Random(7)
    fake = Faker("zh_CN")
    fake.seed_instance(7)
    people_n = max(1, rows // 5)
    people, seen = [], set()
    while len(people) < people_n:
        number = make_id_number(rng)
        if number in seen:
            continue
        seen.add(number)
        people.append((fake.name(), parse_document(number)))
    LearningAccount.objects.bulk_create(
        [
            LearningAccount(
                name=name,
                name_pinyin=name_sort_key(name),
                id_number=doc.number,
                id_hash=account_id_hash(doc),
                birth_date=doc.birth_date,
                gender=doc.gender,
            )
            for name, doc in people
        ],
        batch_size=2000,
    )

    import xlsxwriter

    path = OUT / f"outcomes_{rows}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("学习成果")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    for i in range(rows):
        name, doc = people[i % people_n]
        cert = CERTS[(i // people_n) % len(CERTS)]
        level = LEVELS[(i // (people_n * len(CERTS))) % 3]
        r = i + 1
        sheet.write_row(r, 0, [name, doc.number, "职业技能等级证书", cert[1], "基准测试评价组织"])
        sheet.write_string(r, 5, f"BX{i:09d}")
        sheet.write_datetime(
            r, 6, datetime.datetime(2024, 1, 1) + datetime.timedelta(days=i % 365), date_fmt
        )
        sheet.write_row(r, 7, [level, 60 + i % 40])
    book.close()
    return {
        "file": str(path),
        "db": str(db),
        "people": people_n,
        "file_mb": path.stat().st_size / 1e6,
    }


def raw(file: str, prepared: str) -> dict:
    """The raw limit: calamine parses the file and sqlite3 inserts every row into a table with
    the same columns, constraints and indexes as XBank's learning outcomes (DDL copied from the
    migrated database), in one WAL transaction. No validation, no lookups: the floor."""
    from python_calamine import CalamineWorkbook

    db = OUT / "raw.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(prepared)
    ddl = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'learners_learningoutcome'"
            " AND sql IS NOT NULL ORDER BY type DESC"
        )
    ]
    source.close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    for sql in ddl:
        conn.execute(sql)
    start = time.perf_counter()
    data = CalamineWorkbook.from_path(file).get_sheet_by_index(0).to_python()
    now = datetime.datetime.now(datetime.UTC).isoformat()
    with conn:
        conn.executemany(
            "INSERT INTO learners_learningoutcome (kind, title, issuer, number, issued_on, level,"
            " score, grade, credits, evidence, status, source, created_at, updated_at,"
            " account_id, certificate_type_id, course_id, import_batch_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL, '', 'verified', 'import', ?, ?, ?, 1, NULL,"
            " NULL)",
            (
                (r[2], r[3], r[4], r[5], str(r[6]), r[7], r[8], now, now, i % 20000 + 1)
                for i, r in enumerate(data[1:])
            ),
        )
    seconds = time.perf_counter() - start
    count = conn.execute("SELECT count(*) FROM learners_learningoutcome").fetchone()[0]
    return {"rows": count, "seconds": seconds, "rows_per_s": count / seconds, "peak_mb": peak_mb()}


def xbank(file: str, prepared: str) -> dict:
    db = OUT / "xbank.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(prepared, db)
    django_setup(db)
    from xbank.imports import services
    from xbank.orgs.models import Institution

    content = Path(file).read_bytes()
    institution = Institution.objects.get()
    start = time.perf_counter()
    batch = services.batch_create(
        actor=None,
        kind="outcomes",
        institution=institution,
        file_name=Path(file).name,
        content=content,
    )
    services.batch_validate(batch=batch)
    validated = time.perf_counter()
    batch.refresh_from_db()
    if batch.errors:
        raise SystemExit(f"benchmark file has errors: {batch.errors[:3]}")
    services.batch_commit(actor=None, batch=batch)
    done = time.perf_counter()
    batch.refresh_from_db()
    rows = batch.total_rows
    return {
        "rows": rows,
        "seconds": done - start,
        "validate_s": validated - start,
        "commit_s": done - validated,
        "rows_per_s": rows / (done - start),
        "created": batch.created_count,
        "peak_mb": peak_mb(),
    }


if __name__ == "__main__":
    phase = sys.argv[1]
    if phase == "prepare":
        result = prepare(int(sys.argv[2]))
    elif phase == "raw":
        result = raw(sys.argv[2], sys.argv[3])
    else:
        result = xbank(sys.argv[2], sys.argv[3])
    print(json.dumps(result))
