"""Training demo data (called by ``seed_demo`` after the base data): programs, announcements,
registrations, attendance and completions reproducing the seed's training figures.

The figures, as the statistics page (培训统计) shows them — person-times (人次) are completed
registrations, persons (人数) distinct people:

- 2021: 550 person-times (520 persons: 30 people completed two programs) — the pilot's first year.
- 2022: 400 person-times (360 persons) — the 南粤家政 programs (健康照护师, 养老护理员).
- 2023: 260 persons trained off site in three townships of 清远 (more than 250).
- 2024: the four 1+X pilot certificates, students of the pilot majors, all completed — the
  assessment demo takes its 2024 candidates from these registrations: 老年照护 100 (护理),
  母婴护理 30 (助产), 幼儿照护 30 (婴幼儿托育), 家庭保健按摩 40 (康复治疗技术).
- This year: an announcement with programs open for registration (one full, with a waitlist) and
  a draft, so that every page has something to show.

Everything goes through the training services (registration under the program lock, decisions,
attendance, completion into the learning account), so the rows are exactly what production would
write. People are synthetic (Faker zh_CN, seeded; never a name from the seed's roster). A program
that already exists (by its code) is skipped whole, so a second run writes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from xbank.catalog.models import CertificateType
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.testing import make_id_number
from xbank.demo import data
from xbank.demo.seed import PeopleGenerator, Person, demo_learner, plan_people
from xbank.learners import services as learner_services
from xbank.learners.models import Learner
from xbank.orgs.models import Institution
from xbank.training import services
from xbank.training.consent import CURRENT_VERSION
from xbank.training.models import Announcement, ConsentRecord, Enrollment, TrainingProgram

SEED = data.RANDOM_SEED + 40
HEALTH_CARER = "健康照护师"
NANYUE = "南粤家政"

# (major code, cohort) of the main college, as pools of students.
NURSING_2021 = (data.NURSING, 2021)
MIDWIFERY_2021 = (data.MIDWIFERY, 2021)
CHILDCARE_2021 = (data.CHILDCARE, 2021)
REHAB_2021 = (data.REHAB, 2021)
NURSING_2022 = (data.NURSING, 2022)
MIDWIFERY_2022 = (data.MIDWIFERY, 2022)
CHILDCARE_2022 = (data.CHILDCARE, 2022)
REHAB_2022 = (data.REHAB, 2022)
NURSING_2023 = (data.NURSING, 2023)


@dataclass(frozen=True)
class Students:
    pool: tuple[str, int]
    count: int
    offset: int = 0


@dataclass(frozen=True)
class Public:
    """``count`` new members of the public; ``again`` re-registers the first people of an
    earlier program (by index in ``PROGRAMS``) who completed it."""

    count: int
    again: tuple[int, int] | None = None  # (program index, how many)
    area: str = ""  # ID area code (清远 townships)
    employer: str = ""


@dataclass(frozen=True)
class ProgramSpec:
    batch: int  # index in BATCHES
    title: str
    certificate: str
    level: str
    audience: str
    start: datetime.date
    end: datetime.date
    capacity: int
    participants: tuple[Students | Public, ...]
    not_completed: int = 0  # the last N participants attend too little
    withdrawn: int = 0  # extra public registrations that withdrew
    rejected: int = 0  # extra public registrations that were not admitted
    place_kind: str = "on_campus"
    place: str = "广东岭南职业技术学院 实训楼"
    fee: Decimal = Decimal("0")
    partner: str = ""
    sessions: int = 5
    topics: tuple[str, ...] = ("理论讲授", "技能示范", "分组实训", "综合实训", "模拟考核")
    instructors: bool = False  # the demo teacher teaches it
    demo_learner: bool = False  # the ``learner`` login is among the participants


@dataclass(frozen=True)
class BatchSpec:
    year: int
    issue: int
    title: str
    published: datetime.date
    body: str = ""


BATCHES = [
    BatchSpec(2021, 1, "2021 年职业资格证书社会培训招生公告", datetime.date(2021, 3, 1),
              "面向社会人员开设养老护理员、育婴员、公共营养师培训班，培训合格者可参加职业技能鉴定。"),
    BatchSpec(2021, 2, "2021 年 1+X 证书试点培训公告", datetime.date(2021, 9, 15),
              "1+X 证书试点专业学生培训，家庭保健按摩班同时面向社会人员。"),
    BatchSpec(2022, 1, "南粤家政·健康照护师和养老护理员培训公告", datetime.date(2022, 3, 1),
              "护理专业为南粤家政行业产教融合共同体单位，承担南粤家政健康照护师和养老护理员培训；"
              "培训合格者均可获得相应的职业资格证书。"),
    BatchSpec(2023, 1, "清远市乡镇技能培训（送培下乡）公告", datetime.date(2023, 4, 1),
              "继续教育学院联合清远市各乡镇开展技能培训，培训在各镇就近进行，免收培训费。"),
    BatchSpec(2024, 1, "2024 年 1+X 证书试点培训公告", datetime.date(2024, 2, 20),
              "老年照护、母婴护理、幼儿照护、家庭保健按摩 1+X 证书培训，面向试点专业学生。"),
]  # fmt: skip

D = datetime.date
PROGRAMS = [
    # 2021: 110 + 90 + 70 + 140 + 40 + 100 = 550 person-times.
    ProgramSpec(0, "养老护理员（四级）社会培训班", data.ELDERLY_CARER, "grade4", "public",
                D(2021, 4, 10), D(2021, 5, 30), 120, (Public(115),), not_completed=5,
                withdrawn=3, fee=Decimal("1200")),
    ProgramSpec(0, "育婴员（四级）培训班", data.CHILDCARER, "grade4", "both",
                D(2021, 4, 17), D(2021, 6, 6), 100, (Students(CHILDCARE_2021, 40), Public(55)),
                not_completed=5, rejected=2, fee=Decimal("1000")),
    ProgramSpec(0, "公共营养师（三级）培训班", data.NUTRITIONIST, "grade3", "public",
                D(2021, 5, 8), D(2021, 6, 27), 80, (Public(45, again=(0, 30)),),
                not_completed=5, fee=Decimal("1500")),
    ProgramSpec(1, "老年照护（初级）1+X 证书培训", data.ELDERLY_CARE, "junior", "students",
                D(2021, 10, 9), D(2021, 12, 18), 150, (Students(NURSING_2021, 145),),
                not_completed=5),
    ProgramSpec(1, "母婴护理（初级）1+X 证书培训", data.MATERNAL_CARE, "junior", "students",
                D(2021, 10, 16), D(2021, 12, 18), 50, (Students(MIDWIFERY_2021, 42),),
                not_completed=2),
    ProgramSpec(1, "家庭保健按摩（初级）1+X 证书培训", data.MASSAGE, "junior", "both",
                D(2021, 10, 23), D(2021, 12, 25), 120, (Students(REHAB_2021, 40), Public(64)),
                not_completed=4, fee=Decimal("800")),
    # 2022, 南粤家政: 4 × 100 = 400 person-times; 40 completed both a 健康照护师 and a 养老护理员 class.
    ProgramSpec(2, "南粤家政·健康照护师（五级）培训班（第一期）", HEALTH_CARER, "grade5", "public",
                D(2022, 3, 19), D(2022, 5, 14), 110, (Public(105),), not_completed=5,
                partner=NANYUE),
    ProgramSpec(2, "南粤家政·健康照护师（五级）培训班（第二期）", HEALTH_CARER, "grade5", "both",
                D(2022, 9, 17), D(2022, 11, 12), 110, (Students(NURSING_2022, 60), Public(44)),
                not_completed=4, partner=NANYUE),
    ProgramSpec(2, "南粤家政·养老护理员（五级）培训班（第一期）", data.ELDERLY_CARER, "grade5",
                "public", D(2022, 6, 11), D(2022, 7, 30), 110, (Public(65, again=(6, 40)),),
                not_completed=5, partner=NANYUE),
    ProgramSpec(2, "南粤家政·养老护理员（五级）培训班（第二期）", data.ELDERLY_CARER, "grade5",
                "both", D(2022, 10, 8), D(2022, 12, 3), 110,
                (Students(NURSING_2022, 50, offset=60), Public(53)), not_completed=3,
                partner=NANYUE),
    # 2023, 清远 townships: 90 + 90 + 80 = 260 persons, each once.
    ProgramSpec(3, "清远乡镇养老护理员（五级）技能培训", data.ELDERLY_CARER, "grade5", "public",
                D(2023, 5, 6), D(2023, 6, 17), 100,
                (Public(92, area="441803", employer="清远市清新区某镇"),), not_completed=2,
                place_kind="off_site", place="清远市清新区某镇 文化站", sessions=4,
                topics=("老年人生活照料", "基础护理", "康复服务", "技能考核")),
    ProgramSpec(3, "清远乡镇育婴员（五级）技能培训", data.CHILDCARER, "grade5", "public",
                D(2023, 7, 8), D(2023, 8, 19), 100,
                (Public(92, area="441881", employer="清远市英德市某镇"),), not_completed=2,
                place_kind="off_site", place="清远市英德市某镇 党群服务中心", sessions=4,
                topics=("婴儿生活照料", "日常保健", "早期教育", "技能考核")),
    ProgramSpec(3, "清远乡镇健康照护师（五级）技能培训", HEALTH_CARER, "grade5", "public",
                D(2023, 9, 9), D(2023, 10, 21), 90,
                (Public(82, area="441882", employer="清远市连州市某镇"),), not_completed=2,
                place_kind="off_site", place="清远市连州市某镇 卫生院", sessions=4,
                topics=("健康照护基础", "生活照护", "应急处置", "技能考核")),
    # 2024, the four 1+X pilots: candidates of the 2024 exams (100 / 30 / 30 / 40).
    ProgramSpec(4, "老年照护（初级）1+X 证书培训（2024）", data.ELDERLY_CARE, "junior", "students",
                D(2024, 3, 2), D(2024, 5, 25), 110, (Students(NURSING_2022, 100),),
                instructors=True, demo_learner=True),
    ProgramSpec(4, "母婴护理（初级）1+X 证书培训（2024）", data.MATERNAL_CARE, "junior",
                "students", D(2024, 3, 9), D(2024, 5, 25), 35, (Students(MIDWIFERY_2022, 30),)),
    ProgramSpec(4, "幼儿照护（初级）1+X 证书培训（2024）", data.INFANT_CARE, "junior", "students",
                D(2024, 3, 9), D(2024, 5, 25), 35, (Students(CHILDCARE_2022, 30),)),
    ProgramSpec(4, "家庭保健按摩（初级）1+X 证书培训（2024）", data.MASSAGE, "junior", "students",
                D(2024, 3, 16), D(2024, 6, 1), 40, (Students(REHAB_2022, 40),)),
]  # fmt: skip

# Seed figures the statistics page reproduces: year → (person-times, persons).
FIGURES = {2021: (550, 520), 2022: (400, 360), 2023: (260, 260), 2024: (200, 200)}
# 2024 registrations admitted per 1+X certificate: the assessment demo's candidates.
CANDIDATES_2024 = {
    data.ELDERLY_CARE: 100,
    data.MATERNAL_CARE: 30,
    data.INFANT_CARE: 30,
    data.MASSAGE: 40,
}


@dataclass
class Context:
    institution: Institution
    types: dict[str, CertificateType]
    gen: PeopleGenerator
    teacher: object | None
    demo_person: Person
    completed_people: dict[int, list[Person]] = field(default_factory=dict)
    enrollments: int = 0
    completions: int = 0


def program_codes(n: int) -> list[str]:
    """Random-looking but reproducible public codes (``seed_demo`` gives the same URLs)."""
    rng = random.Random(SEED)
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return ["".join(rng.choice(alphabet) for _ in range(10)) for _ in range(n)]


def ensure_health_carer() -> CertificateType:
    """健康照护师, the 南粤家政 occupation the seed names; a reference row like the catalogue's."""
    ct, _ = CertificateType.objects.get_or_create(
        name=HEALTH_CARER,
        defaults={
            "kind": CertificateType.Kind.QUALIFICATION,
            "issuer_name": data.PROVINCIAL_HRSS,
            "levels": ["grade5", "grade4", "grade3", "grade2", "grade1"],
        },
    )
    return ct


def _aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _students(pool: tuple[str, int], institution: Institution) -> list[Learner]:
    major_code, cohort = pool
    return list(
        Learner.objects.filter(
            institution=institution,
            kind=Learner.Kind.STUDENT,
            major__code=major_code,
            cohort_year=cohort,
        )
        .select_related("account")
        .order_by("student_no")
    )


def _new_public_person(ctx: Context, spec: Public) -> Person:
    gen = ctx.gen
    female = gen.rng.random() < 0.8
    birth_year = gen.rng.randrange(1965, 2003)
    if not spec.area:
        return gen.person(female=female, birth_year=birth_year)
    while True:
        birth = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=gen.rng.randrange(365))
        number = make_id_number(gen.rng, area=spec.area, birth=birth, female=female)
        if number not in gen.numbers:
            gen.numbers.add(number)
            return Person(gen.name(female), parse_document(number))


def _register_public(ctx: Context, program, person: Person, employer: str) -> Enrollment:
    return services.enrollment_register_public(
        program=program,
        document=person.document,
        name=person.name,
        phone=f"13{ctx.gen.rng.randrange(10**9):09d}",
        education=ctx.gen.rng.choice(["初中及以下", "高中", "中专/中职", "大专"]),
        employer=employer or ctx.gen.rng.choice(data.SOCIAL_EMPLOYERS),
        consent_given=True,
        consent_version=CURRENT_VERSION,
        ip="127.0.0.1",
    )


def _participants(ctx: Context, index: int, spec: ProgramSpec, program) -> list[Enrollment]:
    """Register everyone in order; returns the registrations of the participants."""
    rows: list[Enrollment] = []
    ctx.completed_people.setdefault(index, [])
    for part in spec.participants:
        if isinstance(part, Students):
            pool = _students(part.pool, ctx.institution)
            if spec.demo_learner:
                # The ``learner`` login (a 2022 nursing student) is among these trainees.
                id_hash = learner_services.account_id_hash(ctx.demo_person.document)
                demo = next(s for s in pool if s.account.id_hash == id_hash)
                pool.remove(demo)
                pool.insert(0, demo)
            for learner in pool[part.offset : part.offset + part.count]:
                rows.append(
                    services.enrollment_register_staff(
                        actor=SYSTEM, program=program, learner=learner
                    )
                )
            continue
        if part.again is not None:
            earlier, n = part.again
            for person in ctx.completed_people[earlier][:n]:
                rows.append(_register_public(ctx, program, person, part.employer))
        for _ in range(part.count):
            person = _new_public_person(ctx, part)
            rows.append(_register_public(ctx, program, person, part.employer))
    return rows


def seed_program(ctx: Context, index: int, spec: ProgramSpec, code: str) -> TrainingProgram:
    """One past program, from draft to finished, through the services."""
    program = services.program_create(
        actor=SYSTEM,
        institution=ctx.institution,
        certificate_type=ctx.types[spec.certificate],
        level=spec.level,
        title=spec.title,
        audience=spec.audience,
        start_date=spec.start,
        end_date=spec.end,
        capacity=spec.capacity,
        place_kind=spec.place_kind,
        place=spec.place,
        fee=spec.fee,
        partner=spec.partner,
        instructors=[ctx.teacher] if spec.instructors and ctx.teacher else [],
        code=code,
    )
    step = max((spec.end - spec.start).days // max(spec.sessions - 1, 1), 1)
    for i in range(spec.sessions):
        services.session_add(
            actor=SYSTEM,
            program=program,
            date=min(spec.start + datetime.timedelta(days=i * step), spec.end),
            start_time=datetime.time(9),
            end_time=datetime.time(16),
            topic=spec.topics[i % len(spec.topics)],
        )
    program = services.program_transition(actor=SYSTEM, program=program, action="publish")
    program = services.program_transition(actor=SYSTEM, program=program, action="open")
    rows = _participants(ctx, index, spec, program)
    extras = []
    for _ in range(spec.withdrawn + spec.rejected):
        extras.append(_register_public(ctx, program, _new_public_person(ctx, Public(1)), ""))
    for row in extras[: spec.withdrawn]:
        services.enrollment_withdraw(actor=SYSTEM, enrollment=row)
    if spec.rejected:
        services.enrollments_decide(
            actor=SYSTEM,
            program=program,
            enrollment_ids=[r.pk for r in extras[spec.withdrawn :]],
            approve=False,
            reason="报名材料不全",
        )
    services.enrollments_decide(
        actor=SYSTEM, program=program, enrollment_ids=[r.pk for r in rows], approve=True
    )
    program = services.program_transition(actor=SYSTEM, program=program, action="close")
    # Attendance: completers miss at most one session; the last N come to fewer than 80 %.
    sessions = list(program.sessions.order_by("date", "id"))
    rng = random.Random(SEED + index)
    keep = len(rows) - spec.not_completed
    # Missing one session still meets the rule only with five sessions or more (4/5 = 80 %).
    may_miss_one = services.meets_completion_rule(
        attended=len(sessions) - 1,
        sessions=len(sessions),
        min_percent=program.completion_min_attendance,
    )
    absent_once = {
        r.pk: rng.randrange(len(sessions))
        for r in rows[:keep]
        if may_miss_one and rng.random() < 0.15
    }
    for s_index, session in enumerate(sessions):
        present = {r.pk for r in rows[:keep] if absent_once.get(r.pk) != s_index} | {
            r.pk for r in rows[keep:] if s_index < len(sessions) // 2
        }
        services.attendance_record(actor=SYSTEM, session=session, present_ids=present)
    services.program_finish(actor=SYSTEM, program=program)
    # Registration happened when the announcement was out, not when the demo was loaded.
    when = _aware(BATCHES[spec.batch].published + datetime.timedelta(days=7))
    Enrollment.objects.filter(program=program).update(created_at=when)
    Enrollment.objects.filter(program=program, decided_at__isnull=False).update(
        decided_at=when + datetime.timedelta(days=3)
    )
    ConsentRecord.objects.filter(enrollments__program=program).update(agreed_at=when)
    ctx.completed_people[index] = [
        _person_of(r) for r in rows[:keep] if r.channel == Enrollment.Channel.PUBLIC
    ]
    ctx.enrollments += len(rows) + len(extras)
    ctx.completions += keep
    return program


def _person_of(enrollment: Enrollment) -> Person:
    account = enrollment.account
    return Person(account.name, parse_document(account.id_number, account.id_type))


def seed_history(ctx: Context, codes: list[str]) -> None:
    """The past programs, batch by batch; each batch's announcement is published afterwards
    with the date it went out."""
    for batch_index, batch_spec in enumerate(BATCHES):
        indexes = [i for i, spec in enumerate(PROGRAMS) if spec.batch == batch_index]
        programs = []
        for index in indexes:
            existing = TrainingProgram.objects.filter(code=codes[index]).first()
            if existing is None:
                programs.append(seed_program(ctx, index, PROGRAMS[index], codes[index]))
                continue
            programs.append(existing)
            # Seeded before: remember who completed, for a later program that takes them again.
            ctx.completed_people[index] = [
                _person_of(e)
                for e in Enrollment.objects.filter(
                    program=existing,
                    status=Enrollment.Status.COMPLETED,
                    channel=Enrollment.Channel.PUBLIC,
                )
                .select_related("account")
                .order_by("id")
            ]
        if Announcement.objects.filter(
            institution=ctx.institution, year=batch_spec.year, issue=batch_spec.issue
        ).exists():
            continue
        announcement = services.announcement_create(
            actor=SYSTEM,
            institution=ctx.institution,
            year=batch_spec.year,
            issue=batch_spec.issue,
            title=batch_spec.title,
            body=batch_spec.body,
            programs=programs,
        )
        services.announcement_publish(
            actor=SYSTEM, announcement=announcement, published_at=_aware(batch_spec.published)
        )


def seed_current(ctx: Context, codes: list[str]) -> None:
    """This year's open programs: registration under way, one full with a waitlist."""
    if TrainingProgram.objects.filter(code__in=codes).exists():
        return
    today = timezone.localdate()
    start = today + datetime.timedelta(days=30)
    specs = [
        dict(title="老年照护（中级）1+X 证书培训", certificate=data.ELDERLY_CARE, level="intermediate",
             audience="students", capacity=60, fee=Decimal("0")),
        dict(title="养老护理员（四级）社会培训班", certificate=data.ELDERLY_CARER, level="grade4",
             audience="both", capacity=40, fee=Decimal("1500")),
        dict(title="幼儿照护（初级）周末班", certificate=data.INFANT_CARE, level="junior",
             audience="both", capacity=10, fee=Decimal("600")),
        dict(title="家庭保健按摩（中级）培训班", certificate=data.MASSAGE, level="intermediate",
             audience="both", capacity=50, fee=Decimal("900")),
    ]  # fmt: skip
    programs = []
    for code, spec in zip(codes, specs, strict=True):
        program = services.program_create(
            actor=SYSTEM,
            institution=ctx.institution,
            certificate_type=ctx.types[spec["certificate"]],
            level=spec["level"],
            title=spec["title"],
            audience=spec["audience"],
            start_date=start,
            end_date=start + datetime.timedelta(days=42),
            capacity=spec["capacity"],
            fee=spec["fee"],
            place="广东岭南职业技术学院 实训楼",
            instructors=[ctx.teacher] if ctx.teacher else [],
            code=code,
        )
        for week in range(4):
            services.session_add(
                actor=SYSTEM,
                program=program,
                date=start + datetime.timedelta(days=7 * week + 5),
                start_time=datetime.time(9),
                end_time=datetime.time(12),
                topic=("理论讲授", "技能示范", "分组实训", "模拟考核")[week],
            )
        programs.append(program)
    elderly, carer, infant, _draft = programs
    last_issue = (
        Announcement.objects.filter(institution=ctx.institution, year=today.year)
        .order_by("-issue")
        .values_list("issue", flat=True)
        .first()
    )
    batch = services.announcement_create(
        actor=SYSTEM,
        institution=ctx.institution,
        year=today.year,
        issue=(last_issue or 0) + 1,
        title=f"{today.year} 年职业技能等级证书培训招生公告",
        body="面向在校生和社会人员招生，名额有限，报满后进入候补，有人退出时按顺序递补。",
        programs=[elderly, carer, infant],
    )
    services.announcement_publish(
        actor=SYSTEM, announcement=batch, published_at=timezone.now() - datetime.timedelta(days=7)
    )
    for program in (elderly, carer, infant):
        services.program_transition(actor=SYSTEM, program=program, action="open")
    nursing = [s for s in _students(NURSING_2023, ctx.institution) if s.account.user_id is None]
    for learner in nursing[:12]:
        services.enrollment_register_staff(actor=SYSTEM, program=elderly, learner=learner)
    rows = [_register_public(ctx, carer, _new_public_person(ctx, Public(1)), "") for _ in range(20)]
    services.enrollments_decide(
        actor=SYSTEM, program=carer, enrollment_ids=[r.pk for r in rows[:5]], approve=True
    )
    for _ in range(13):  # ten places: three on the waitlist
        _register_public(ctx, infant, _new_public_person(ctx, Public(1)), "")
    ctx.enrollments += 12 + 20 + 13


@transaction.atomic
def seed(result) -> None:
    """Called by ``seed_demo`` with its result (users) after the base data."""
    institution = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    health_carer = ensure_health_carer()
    types = {ct.name: ct for ct in CertificateType.objects.all()}
    types[HEALTH_CARER] = health_carer
    plan = plan_people()
    gen = PeopleGenerator(SEED)
    gen.numbers |= {r.person.document.number for r in plan.registrations}
    teacher = next((user for spec, user in result.users if spec.role == "teacher"), None)
    ctx = Context(
        institution=institution,
        types=types,
        gen=gen,
        teacher=teacher,
        demo_person=demo_learner(plan),
    )
    social = Learner.objects.filter(kind=Learner.Kind.SOCIAL).count()
    codes = program_codes(len(PROGRAMS) + 4)
    seed_history(ctx, codes[: len(PROGRAMS)])
    seed_current(ctx, codes[len(PROGRAMS) :])
    # Public registrants are new social learners; completions are new training outcomes.
    result.created_learners += Learner.objects.filter(kind=Learner.Kind.SOCIAL).count() - social
    result.created_outcomes += ctx.completions
