"""Credit-bank matching benchmark, one phase per process: prepare | measure.

prepare  migrates a fresh SQLite database (or uses DATABASE_URL's) and writes LEARNERS students
         (10 majors × 2 cohorts, each with a curriculum of 30 courses), two or three
         certificates each (20 certificate types, three levels, some duplicates of a type at
         two levels), and RULES conversion rule versions (some families in two versions, with
         level, score, age and issuer conditions, exemptions and credits), bulk-inserted.
measure  XBank's engine proposes conversions for every learner (load rules, states and outcomes
         in bulk, evaluate in Python, as a cohort simulation does); then one plain SQL join finds
         the candidate (outcome, rule) pairs by the same conditions. Prints both timings, the
         pair counts and whether the two sets are equal.
Prints one JSON line with the figures.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

TYPES = 20
MAJORS = 10
COHORTS = (2023, 2024)
COURSES_PER_CURRICULUM = 30
ON = datetime.date(2025, 3, 1)
LEVELS = ["junior", "intermediate", "senior"]
ISSUERS = ["评价组织甲", "评价组织乙"]


PG_DATABASE = "xbank_bench_creditbank"
SQLITE_DB = OUT / "creditbank.sqlite3"


def database_url(*, fresh: bool) -> str:
    """A database of the bench's own: a SQLite file under bench/out/, or, when DATABASE_URL
    names a PostgreSQL server, the database xbank_bench_creditbank on it (never the one named)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(given)
        if fresh:
            import psycopg

            with psycopg.connect(given, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        return urllib.parse.urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))
    if fresh:
        OUT.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_DB}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_DB}"


def django_setup(*, fresh: bool = False) -> str:
    os.environ["DATABASE_URL"] = database_url(fresh=fresh)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xbank.settings")
    os.environ["XBANK_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.db import connection

    return connection.vendor


def prepare(learners: int, rules: int) -> dict:
    vendor = django_setup(fresh=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from xbank.catalog.models import CertificateType, Course, Curriculum, CurriculumCourse
    from xbank.core.testing import make_id_number
    from xbank.creditbank.models import ConversionRule, RuleExemption
    from xbank.learners.models import Learner, LearningAccount, LearningOutcome
    from xbank.orgs.models import Institution, Major, School

    rng = random.Random(11)
    institution = Institution.objects.create(code="14113", name="基准测试学院")
    school = School.objects.create(institution=institution, code="S01", name="基准学院")
    types = CertificateType.objects.bulk_create(
        CertificateType(name=f"基准证书{i:02d}", kind="skill_level", levels=LEVELS)
        for i in range(TYPES)
    )
    courses = Course.objects.bulk_create(
        Course(institution=institution, code=f"C{i:03d}", name=f"课程{i:03d}", credits=rng.choice([2, 3, 4]))
        for i in range(MAJORS * 12)
    )  # fmt: skip
    majors = Major.objects.bulk_create(
        Major(institution=institution, school=school, code=f"5202{i:02d}", name=f"专业{i}")
        for i in range(MAJORS)
    )
    curricula = Curriculum.objects.bulk_create(
        Curriculum(major=m, cohort_year=y, total_credits=Decimal(90))
        for m in majors
        for y in COHORTS
    )
    CurriculumCourse.objects.bulk_create(
        CurriculumCourse(
            curriculum=c,
            course=course,
            semester=1 + k % 6,
            credits=course.credits,
            category="elective" if k % 5 == 0 else "core",
        )
        for i, c in enumerate(curricula)
        for k, course in enumerate(
            rng.sample(courses, COURSES_PER_CURRICULUM)
        )
    )  # fmt: skip
    # Rules: families of one or two versions; each exempts one or two courses and/or credits.
    rule_rows, exemptions = [], []
    code = 0
    while len(rule_rows) < rules:
        code += 1
        versions = 2 if code % 4 == 0 and len(rule_rows) + 2 <= rules else 1
        base = {
            "code": f"B{code:04d}",
            "institution": institution,
            "name": f"基准规则{code}",
            "outcome_kind": "skill_certificate",
            "certificate_type": rng.choice(types),
            "min_level": rng.choice(LEVELS[:2]),
            "min_score": Decimal(rng.choice([60, 70])) if code % 7 == 0 else None,
            "max_age_years": 3 if code % 5 == 0 else None,
            "issuer": ISSUERS[0] if code % 9 == 0 else "",
            "exclusive_group": f"G{code % 6}" if code % 3 == 0 else "",
        }
        for v in range(1, versions + 1):
            credits = 2 if (code + v) % 2 else 0
            rule_rows.append(
                ConversionRule(
                    **base,
                    version=v,
                    status="retired" if v < versions else "published",
                    credits=credits,
                    credit_category="elective" if credits else "",
                    effective_from=datetime.date(2021, 9, 1)
                    if v == 1
                    else datetime.date(2024, 9, 1),
                    retired_on=datetime.date(2024, 9, 1) if v < versions else None,
                )
            )
    # A rule's courses can only be added while it is a draft (on PostgreSQL a trigger insists):
    # insert each version as a draft with its courses, then give it its status.
    for version in (1, 2):
        batch = [r for r in rule_rows if r.version == version]
        final = {id(r): (r.status, r.retired_on) for r in batch}
        for r in batch:
            r.status, r.retired_on = "draft", None
        ConversionRule.objects.bulk_create(batch)
        for rule in batch:
            for course in rng.sample(courses, rng.choice([1, 1, 2])):
                exemptions.append(RuleExemption(rule=rule, course=course))
        RuleExemption.objects.bulk_create(exemptions)
        exemptions.clear()
        for status, retired_on in set(final.values()):
            ids = [r.pk for r in batch if final[id(r)] == (status, retired_on)]
            ConversionRule.objects.filter(pk__in=ids).update(status=status, retired_on=retired_on)
    # Learners and their certificates.
    numbers: set[str] = set()
    accounts = []
    while len(accounts) < learners:
        number = make_id_number(rng)
        if number in numbers:
            continue
        numbers.add(number)
        accounts.append(
            LearningAccount(
                name=f"学员{len(accounts):05d}",
                name_pinyin=f"xueyuan{len(accounts):05d}",
                id_number=number,
                id_hash=f"{len(accounts):064d}",
            )
        )
    accounts = LearningAccount.objects.bulk_create(accounts, batch_size=2000)
    Learner.objects.bulk_create(
        (
            Learner(
                account=a,
                kind="student",
                institution=institution,
                school=school,
                major=majors[i % MAJORS],
                cohort_year=COHORTS[(i // MAJORS) % 2],
                student_no=f"S{i:06d}",
            )
            for i, a in enumerate(accounts)
        ),
        batch_size=2000,
    )
    outcomes = []
    for i, a in enumerate(accounts):
        held = rng.sample(types, 2)
        if i % 4 == 0:
            held.append(held[0])  # the same type at another level
        for k, ct in enumerate(held):
            outcomes.append(
                LearningOutcome(
                    account=a,
                    kind="skill_certificate",
                    title=ct.name,
                    certificate_type=ct,
                    issuer=rng.choice(ISSUERS),
                    number=f"BN{i:06d}-{k}",
                    issued_on=datetime.date(2021, 6, 1)
                    + datetime.timedelta(days=rng.randrange(1300)),
                    level=rng.choice(LEVELS),
                    score=Decimal(rng.randrange(50, 100)),
                )
            )
    LearningOutcome.objects.bulk_create(outcomes, batch_size=2000)
    return {
        "vendor": vendor,
        "learners": learners,
        "rules": len(rule_rows),
        "families": code,
        "outcomes": len(outcomes),
    }


# The candidate pairs by the engine's own conditions, in one statement: the verified outcomes of
# each student, the highest level of each certificate type (then latest, best score, last id),
# joined to the rule versions of their institution or the region that were in force between the
# curriculum's enrolment (1 September of the cohort year) and the decision date, whose condition
# holds, and that exempt a course of the curriculum or give credits.
SQL = """
WITH ranked AS (
    SELECT o.id, o.account_id, o.kind, o.certificate_type_id, o.level, o.score, o.issued_on,
           o.issuer,
           CASE o.level WHEN 'junior' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'senior' THEN 3
                ELSE 0 END AS level_rank,
           ROW_NUMBER() OVER (
               PARTITION BY o.account_id, o.certificate_type_id
               ORDER BY CASE o.level WHEN 'junior' THEN 1 WHEN 'intermediate' THEN 2
                                     WHEN 'senior' THEN 3 ELSE 0 END DESC,
                        o.issued_on DESC, COALESCE(o.score, 0) DESC, o.id DESC
           ) AS nth
    FROM learners_learningoutcome o
    WHERE o.status = 'verified'
)
SELECT o.id, r.id
FROM ranked o
JOIN learners_learner l ON l.account_id = o.account_id AND l.kind = 'student'
    AND l.status = 'active'
JOIN catalog_curriculum c ON c.major_id = l.major_id AND c.cohort_year = l.cohort_year
JOIN creditbank_conversionrule r ON r.outcome_kind = o.kind
    AND r.certificate_type_id = o.certificate_type_id
    AND r.status <> 'draft'
    AND (r.institution_id IS NULL OR r.institution_id = l.institution_id)
WHERE o.nth = 1
  AND o.level_rank >= CASE r.min_level WHEN 'junior' THEN 1 WHEN 'intermediate' THEN 2
                                       WHEN 'senior' THEN 3 ELSE 0 END
  AND (r.min_score IS NULL OR (o.score IS NOT NULL AND o.score >= r.min_score))
  AND (r.max_age_years IS NULL OR o.issued_on >= {years_before})
  AND o.issued_on <= %(on)s
  AND (r.issuer = '' OR r.issuer = o.issuer)
  AND r.effective_from <= %(on)s
  AND (r.retired_on IS NULL OR r.retired_on > {enrolled})
  AND (r.effective_to IS NULL OR r.effective_to >= {enrolled})
  AND (r.credits > 0 OR EXISTS (
      SELECT 1 FROM creditbank_ruleexemption e
      JOIN catalog_curriculumcourse cc ON cc.course_id = e.course_id AND cc.curriculum_id = c.id
      WHERE e.rule_id = r.id))
"""


def sql_for(vendor: str) -> str:
    if vendor == "postgresql":
        years_before = "(%(on)s::date - make_interval(years => r.max_age_years))::date"
        enrolled = "LEAST(make_date(c.cohort_year, 9, 1), %(on)s::date)"
    else:
        years_before = "date(%(on)s, '-' || r.max_age_years || ' years')"
        enrolled = "MIN(printf('%%04d-09-01', c.cohort_year), %(on)s)"
    return SQL.format(years_before=years_before, enrolled=enrolled)


def measure() -> dict:
    vendor = django_setup()
    from django.db import connection

    from xbank.creditbank import engine
    from xbank.learners.models import Learner

    started = time.perf_counter()
    learners = list(Learner.objects.filter(kind="student", status="active"))
    curricula = engine.curricula_for(learners)
    book = engine.load_rulebook(institution_ids={lr.institution_id for lr in learners})
    pairs = [(lr.account_id, curricula[lr.pk]) for lr in learners if lr.pk in curricula]
    states = engine.load_states(pairs)
    outcomes = engine.load_outcomes([a for a, _ in pairs], book=book)
    loaded = time.perf_counter()
    matched: set[tuple[int, int]] = set()
    lines = granted = 0
    for learner in learners:
        state = states[(learner.account_id, curricula[learner.pk].pk)]
        proposal = engine.evaluate(
            state=state, outcomes=outcomes.get(learner.account_id, []), book=book, on=ON
        )
        matched |= proposal.matched
        lines += len(proposal.lines)
        granted += len(proposal.granted)
    evaluated = time.perf_counter()

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql_for(vendor), {"on": ON.isoformat()})
        joined = {(o, r) for o, r in cursor.fetchall()}
    sql_s = time.perf_counter() - start
    return {
        "vendor": vendor,
        "learners": len(learners),
        "rules": len(book.rules),
        "engine_s": evaluated - started,
        "load_s": loaded - started,
        "evaluate_s": evaluated - loaded,
        "sql_s": sql_s,
        "pairs_engine": len(matched),
        "pairs_sql": len(joined),
        "same_pairs": matched == joined,
        "only_engine": len(matched - joined),
        "only_sql": len(joined - matched),
        "lines": lines,
        "granted": granted,
    }


if __name__ == "__main__":
    phase = sys.argv[1]
    if phase == "prepare":
        result = prepare(int(sys.argv[2]), int(sys.argv[3]))
    else:
        result = measure()
    print(json.dumps(result))
