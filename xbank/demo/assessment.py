"""Assessment demo data (called by ``seed_demo`` after the training demo): exam sites and rooms,
qualified examiners, sessions with candidates, results, confidentiality records and awards that
reproduce the seed's figures on the 鉴定统计 page.

The figures (鉴定人数 = candidates examined; nobody is absent in the history):

- 2021: 456 appraised — the pilot's first year ("开展职业资格证鉴定人数 456 人次"): the
  qualification classes (养老护理员 110, 育婴员 90, 公共营养师 70), the 老年照护 1+X class (140)
  and 46 of the 家庭保健按摩 class; a few failed.
- 2022: 400 appraised, all 400 passed — the 南粤家政 classes (健康照护师 200, 养老护理员 200):
  "所有培训通过的人员都可以获得相应的职业资格证书".
- 2024: the four 1+X exams of the seed: 老年照护 100, 母婴护理 30, 幼儿照护 30, 家庭保健按摩 40.
- Today: one session in progress, where the demo ``examiner`` enters scores (the confidentiality
  record is half signed, so publication is refused until it is complete).

Candidates are the training demo's completed registrations of the same certificate, signed up
through ``services.candidates_add_from_program`` (2021 家庭保健按摩: the first 46 one by one);
today's candidates sign up directly with their learning accounts.

Certificates are issued for passes of the 1+X certificates and of 健康照护师. They are NOT issued
in the demo for 养老护理员, 育婴员 and 公共营养师: the foundation demo's held figures of those types
(17, 17, 27, from the seed) are asserted over all years by ``demo/tests/test_demo.py``, so any
award of those types would change them. The results (and so the appraisal figures) are there.

The demo ``learner`` is among the 2024 老年照护 candidates; the certificate the foundation demo
gave them (LNZH-2024-1-000001, 2024-06-21) is the award of that session, so their account holds it
once. ``teacher`` taught that class and is not among its examiners; they examine 母婴护理.

Everything goes through the services, so the rows and audit entries are what production writes.
A session that already exists (by institution and title) is skipped whole: a second run writes
nothing. People are synthetic (the training and foundation demos').
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.assessment import services
from xbank.assessment.models import (
    ConfidentialityStep,
    ExaminerQualification,
    ExamRoom,
    ExamSession,
    ExamSite,
)
from xbank.catalog.models import CertificateType
from xbank.core.actors import SYSTEM
from xbank.demo import data
from xbank.demo.seed import demo_learner, plan_people
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningOutcome
from xbank.orgs.models import Institution

SEED = data.RANDOM_SEED + 50
HEALTH_CARER = "健康照护师"  # created by the training demo (南粤家政)
Step = ConfidentialityStep.Step
D = datetime.date

# --- Sites and rooms ----------------------------------------------------------------------------

CERTIFIED_ON = D(2020, 9, 1)
CERTIFIED_UNTIL = D(2027, 8, 31)
# (site, address, [(room, seats, equipment, certified until)])
SITES = [
    (
        "护理实训楼考点",
        "广东岭南职业技术学院 护理实训楼 3 楼",
        [
            ("301 考场", 40, "多功能护理床 10 张、模拟人 4 具、监控 4 路", CERTIFIED_UNTIL),
            ("302 考场", 40, "多功能护理床 10 张、监控 4 路、身份核验终端", CERTIFIED_UNTIL),
            ("303 考场", 30, "母婴护理模型 8 套、监控 3 路", CERTIFIED_UNTIL),
        ],
    ),
    (
        "健康管理学院实训中心考点",
        "广东岭南职业技术学院 健康管理学院实训中心 1 楼",
        [
            ("A101 考场", 40, "按摩床 12 张、监控 4 路", CERTIFIED_UNTIL),
            ("A102 考场", 30, "婴幼儿照护实训台 8 套、监控 3 路", CERTIFIED_UNTIL),
            # Its standardisation certification lapsed: no new session may use it.
            ("A103 考场", 30, "理论机考电脑 30 台、监控 2 路", D(2024, 8, 31)),
        ],
    ),
]

# --- Examiners ----------------------------------------------------------------------------------

ELDERLY = [data.ELDERLY_CARE, data.ELDERLY_CARER, HEALTH_CARER]
CHILD = [data.MATERNAL_CARE, data.INFANT_CARE, data.CHILDCARER]
OTHER = [data.NUTRITIONIST, data.MASSAGE]
# username, full name, certificate groups (the demo ``examiner`` login is the first)
EXAMINERS = [
    ("examiner", "", ELDERLY + OTHER),
    ("examiner02", "梁建华（考评员）", ELDERLY + OTHER),
    ("examiner03", "何文静（考评员）", ELDERLY + OTHER),
    ("examiner04", "罗志强（考评员）", ELDERLY + OTHER),
    ("examiner05", "黄丽萍（考评员）", ELDERLY + CHILD),
    ("examiner06", "周海燕（考评员）", ELDERLY + CHILD),
    ("examiner07", "吴国平（外聘考评员）", ELDERLY + CHILD),
    ("examiner08", "郑晓红（外聘考评员）", ELDERLY + CHILD),
    ("examiner09", "潘家明（外聘考评员）", CHILD + OTHER),
    ("examiner10", "苏慧敏（外聘考评员）", CHILD + OTHER),
]
QUALIFIED_FROM = D(2020, 1, 1)
QUALIFIED_UNTIL = D(2028, 12, 31)
# The highest level of each family: it covers the lower ones.
TOP_LEVEL = {"skill": "senior", "grade": "grade2"}

# --- Sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSpec:
    title: str
    certificate: str
    level: str
    date: datetime.date
    rooms: tuple[str, ...]
    program_year: int  # the training demo's program of this certificate starting that year
    program_index: int = 0  # which one, when there are several that year (by start date)
    candidates: int | None = None  # the first N admitted registrations (default: all)
    failed: int = 0
    afternoon: bool = False
    award_prefix: str = ""  # "" issues no certificates (see the module docstring)
    awarded_on: datetime.date | None = None
    examiners: tuple[str, ...] = ()  # usernames; default: the first qualified ones


S301, S302, S303, A101, A102, A103 = (
    "301 考场",
    "302 考场",
    "303 考场",
    "A101 考场",
    "A102 考场",
    "A103 考场",
)

SESSIONS = [
    # 2021: 110 + 90 + 70 + 140 + 46 = 456 appraised.
    SessionSpec("2021 年养老护理员（四级）职业技能鉴定", data.ELDERLY_CARER, "grade4",
                D(2021, 6, 12), (S301, S302, A101), 2021, failed=9),
    SessionSpec("2021 年育婴员（四级）职业技能鉴定", data.CHILDCARER, "grade4",
                D(2021, 6, 19), (S301, S302, S303), 2021, failed=6),
    SessionSpec("2021 年公共营养师（三级）职业技能鉴定", data.NUTRITIONIST, "grade3",
                D(2021, 7, 10), (S301, S302), 2021, failed=8),
    SessionSpec("2021 年老年照护（初级）1+X 考核", data.ELDERLY_CARE, "junior",
                D(2021, 12, 25), (S301, S302, A101, A103), 2021, failed=9,
                award_prefix="LNZH-2021-1-", awarded_on=D(2022, 1, 14)),
    SessionSpec("2021 年家庭保健按摩（初级）1+X 考核", data.MASSAGE, "junior",
                D(2021, 12, 26), (A101, A103), 2021, candidates=46, failed=3,
                award_prefix="JTBJ-2021-1-", awarded_on=D(2022, 1, 14)),
    # 2022, 南粤家政: 4 × 100 = 400 appraised, every one passed.
    SessionSpec("2022 年南粤家政·健康照护师（五级）鉴定（第一期）", HEALTH_CARER, "grade5",
                D(2022, 5, 21), (S301, S302, S303), 2022, 0,
                award_prefix="4401-JKZH-2022-5-", awarded_on=D(2022, 6, 17)),
    SessionSpec("2022 年南粤家政·养老护理员（五级）鉴定（第一期）", data.ELDERLY_CARER, "grade5",
                D(2022, 8, 6), (S301, S302, S303), 2022, 0),
    SessionSpec("2022 年南粤家政·健康照护师（五级）鉴定（第二期）", HEALTH_CARER, "grade5",
                D(2022, 11, 19), (S301, S302, A101), 2022, 1,
                award_prefix="4401-JKZH-2022-5-", awarded_on=D(2022, 12, 16)),
    SessionSpec("2022 年南粤家政·养老护理员（五级）鉴定（第二期）", data.ELDERLY_CARER, "grade5",
                D(2022, 12, 10), (S301, S302, A101), 2022, 1),
    # 2024: the seed's four 1+X exams.
    SessionSpec("2024 年老年照护（初级）1+X 考核", data.ELDERLY_CARE, "junior",
                D(2024, 6, 15), (S301, S302, A101), 2024, failed=4,
                award_prefix="LNZH-2024-1-", awarded_on=D(2024, 6, 21)),
    SessionSpec("2024 年母婴护理（初级）1+X 考核", data.MATERNAL_CARE, "junior",
                D(2024, 6, 15), (S303,), 2024, failed=1, afternoon=True,
                award_prefix="MYHL-2024-1-", awarded_on=D(2024, 7, 5),
                examiners=("teacher", "examiner09")),
    SessionSpec("2024 年幼儿照护（初级）1+X 考核", data.INFANT_CARE, "junior",
                D(2024, 6, 16), (A102,), 2024, failed=2,
                award_prefix="YEZH-2024-1-", awarded_on=D(2024, 7, 5)),
    SessionSpec("2024 年家庭保健按摩（初级）1+X 考核", data.MASSAGE, "junior",
                D(2024, 6, 16), (A101,), 2024, failed=2, afternoon=True,
                award_prefix="JTBJ-2024-1-", awarded_on=D(2024, 7, 5)),
]  # fmt: skip

# The demo learner's certificate from the foundation demo (``demo.seed``).
DEMO_LEARNER_CERTIFICATE = ("LNZH-2024-1-000001", D(2024, 6, 21))
CURRENT_CANDIDATES = 8
# Held on the day the demo is first loaded; found again by this title, so a later run adds none.
CURRENT_TITLE = "老年照护（中级）1+X 考核 · 今日场次（演示）"


@dataclass
class Context:
    institution: Institution
    staff: User | None
    types: dict[str, CertificateType]
    rooms: dict[str, ExamRoom]
    examiners: list[User]
    users: dict[str, User]
    demo_hash: str
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))


def _level_for(certificate_type: CertificateType) -> str:
    levels = certificate_type.levels or []
    if not levels:
        return ""
    return TOP_LEVEL["skill"] if "senior" in levels else TOP_LEVEL["grade"]


def seed_sites(institution: Institution, staff) -> dict[str, ExamRoom]:
    rooms: dict[str, ExamRoom] = {}
    for name, address, room_specs in SITES:
        site = ExamSite.objects.filter(institution=institution, name=name).first()
        if site is None:
            site = services.site_create(
                actor=staff,
                institution=institution,
                name=name,
                address=address,
                contact="继续教育学院考务办",
            )
        for room_name, seats, equipment, until in room_specs:
            room = ExamRoom.objects.filter(site=site, name=room_name).first()
            if room is None:
                room = services.room_create(
                    actor=staff,
                    site=site,
                    name=room_name,
                    capacity=seats,
                    equipment=equipment,
                    certification_no=f"GD-BZHKC-{site.pk:02d}{len(rooms) + 1:02d}",
                    certified_on=CERTIFIED_ON,
                    certified_until=until,
                )
            rooms[room_name] = room
    return rooms


def seed_examiners(institution: Institution, users: dict[str, User], types) -> list[User]:
    """The examiner logins and their qualifications (考评员资格); ``teacher`` examines 母婴护理."""
    password_hash = ""
    examiners = []
    for n, (username, full_name, certificates) in enumerate(EXAMINERS, start=1):
        user = users.get(username) or User.objects.filter(username=username).first()
        if user is None:
            password_hash = password_hash or make_password(data.DEMO_PASSWORD)
            user = User.objects.create(
                username=username, full_name=full_name, password=password_hash
            )
            RoleAssignment.objects.create(user=user, role=Role.EXAMINER, institution=institution)
        examiners.append(user)
        for name in certificates:
            _qualify(user, institution, types[name], f"KPY-{n:02d}-{types[name].pk:03d}")
    teacher = users.get("teacher") or User.objects.filter(username="teacher").first()
    if teacher is not None:
        ct = types[data.MATERNAL_CARE]
        _qualify(teacher, institution, ct, f"KPY-T1-{ct.pk:03d}")
    # One expired qualification, so the list's 已过期 filter has something to show.
    _qualify(
        examiners[1],
        institution,
        types[data.INFANT_CARE],
        "KPY-02-OLD",
        valid_until=D(2023, 12, 31),
        level="junior",
    )
    return examiners


def _qualify(user, institution, ct, number, *, valid_until=QUALIFIED_UNTIL, level=None) -> None:
    issuer = ct.issuer or data.PROVINCIAL_HRSS
    if ExaminerQualification.objects.filter(issuer=issuer, certificate_no=number).exists():
        return
    services.qualification_create(
        actor=SYSTEM,
        user=user,
        institution=institution,
        certificate_type=ct,
        level=_level_for(ct) if level is None else level,
        certificate_no=number,
        issuer=issuer,
        valid_from=QUALIFIED_FROM,
        valid_until=valid_until,
    )


def _program(ctx: Context, spec: SessionSpec):
    from xbank.training.models import TrainingProgram

    programs = list(
        TrainingProgram.objects.filter(
            institution=ctx.institution,
            certificate_type=ctx.types[spec.certificate],
            level=spec.level,
            start_date__year=spec.program_year,
        ).order_by("start_date", "id")
    )
    if len(programs) <= spec.program_index:
        raise LookupError(f"The training demo has no program for {spec.title}")
    return programs[spec.program_index]


def _examiners_for(ctx: Context, session: ExamSession, spec: SessionSpec) -> list[User]:
    if spec.examiners:
        return [ctx.users[name] for name in spec.examiners]
    return [
        user
        for user in ctx.examiners
        if services.qualification_problem(examiner=user, session=session)[0] is not None
    ]


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _sign_everything(session: ExamSession, first: User, second: User, *, steps=tuple(Step)) -> None:
    hour = 14 if session.start_time.hour >= 12 else 8
    times = {
        Step.RECEIVED: _aware(session.date, hour - 1, 0),
        Step.OPENED: _aware(session.date, hour, 40),
        Step.SEALED: _aware(session.date, hour + 3, 40),
        Step.SURVEILLANCE: _aware(session.date, hour + 4, 0),
    }
    notes = {
        Step.RECEIVED: "试卷密封袋完好，份数无误",
        Step.OPENED: "考前 20 分钟在考场当众启封",
        Step.SEALED: "答卷当场清点密封，随即送保密室",
        Step.SURVEILLANCE: "各考场监控录像完整，无异常",
    }
    for step in steps:
        record = services.confidentiality_sign(
            actor=first, session=session, step=step, done_at=times[step], notes=notes[step]
        )
        services.confidentiality_countersign(actor=second, step=record)


def _score(rng: random.Random, passed: bool) -> tuple[Decimal, Decimal]:
    theory = Decimal(rng.randrange(62, 97))
    practical = Decimal(rng.randrange(61, 96))
    if not passed:
        if rng.random() < 0.5:
            theory = Decimal(rng.randrange(35, 59))
        else:
            practical = Decimal(rng.randrange(30, 59))
    return theory, practical


def seed_session(ctx: Context, spec: SessionSpec) -> int:
    """One past session, from draft to published with its awards; returns certificates issued."""
    staff, ct = ctx.staff, ctx.types[spec.certificate]
    start = datetime.time(14) if spec.afternoon else datetime.time(9)
    end = datetime.time(16, 30) if spec.afternoon else datetime.time(11, 30)
    session = services.session_create(
        actor=staff,
        institution=ctx.institution,
        certificate_type=ct,
        level=spec.level,
        title=spec.title,
        date=spec.date,
        start_time=start,
        end_time=end,
        notes="理论考试 60 分钟，实操考核按抽签顺序进行。",
    )
    session_rooms = [
        services.session_room_add(actor=staff, session=session, room=ctx.rooms[name])
        for name in spec.rooms
    ]
    examiners = iter(_examiners_for(ctx, session, spec))
    by_room: dict[int, list[User]] = {}
    for session_room in session_rooms:
        for _ in range(2):
            examiner = next(examiners)
            services.session_examiner_add(actor=staff, session_room=session_room, examiner=examiner)
            by_room.setdefault(session_room.pk, []).append(examiner)
    session = services.session_schedule(actor=staff, session=session)
    program = _program(ctx, spec)
    if spec.candidates is None:
        services.candidates_add_from_program(actor=staff, session=session, program=program)
    else:
        from xbank.training.selectors import enrollments_approved

        for enrollment in enrollments_approved(program=program)[: spec.candidates]:
            services.candidate_add(
                actor=staff, session=session, account=enrollment.account, enrollment=enrollment
            )
    session = services.session_start(actor=staff, session=session)
    candidates = list(session.candidates.select_related("account").order_by("ticket_no"))
    eligible = [c for c in candidates if c.account.id_hash != ctx.demo_hash]
    failing = {c.pk for c in ctx.rng.sample(eligible, spec.failed)}
    for candidate in candidates:
        theory, practical = _score(ctx.rng, candidate.pk not in failing)
        services.result_enter(
            actor=by_room[candidate.session_room_id][0],
            candidate=candidate,
            theory_score=theory,
            practical_score=practical,
        )
    session = services.session_finish_scoring(actor=staff, session=session)
    first, second = by_room[session_rooms[0].pk]
    _sign_everything(session, first, second)
    session = services.session_publish(actor=staff, session=session)
    if not spec.award_prefix:
        return 0
    issued = 0
    number = 1
    # The demo learner's certificate (from the foundation demo) keeps its number.
    passed = sorted(
        (c for c in candidates if c.pk not in failing),
        key=lambda c: (c.account.id_hash != ctx.demo_hash, c.ticket_no),
    )
    numbers_taken = set(
        LearningOutcome.objects.filter(number__startswith=spec.award_prefix).values_list(
            "number", flat=True
        )
    )
    for candidate in passed:
        candidate.session = session
        if candidate.account.id_hash == ctx.demo_hash and spec.certificate == data.ELDERLY_CARE:
            certificate_no, issued_on = DEMO_LEARNER_CERTIFICATE
        else:
            certificate_no = f"{spec.award_prefix}{number:06d}"
            while certificate_no in numbers_taken:
                number += 1
                certificate_no = f"{spec.award_prefix}{number:06d}"
            issued_on = spec.awarded_on
        numbers_taken.add(certificate_no)
        services.award_issue(
            actor=staff, candidate=candidate, certificate_no=certificate_no, issued_on=issued_on
        )
        issued += 1
    return issued


def seed_current(ctx: Context) -> None:
    """A session held today: scores to be entered by the demo ``examiner``, half the
    confidentiality record signed."""
    today = timezone.localdate()
    title = CURRENT_TITLE
    if ExamSession.objects.filter(institution=ctx.institution, title=title).exists():
        return
    staff = ctx.staff
    session = services.session_create(
        actor=staff,
        institution=ctx.institution,
        certificate_type=ctx.types[data.ELDERLY_CARE],
        level="intermediate",
        title=title,
        date=today,
        start_time=datetime.time(9),
        end_time=datetime.time(11, 30),
        notes="请携带身份证件，提前 30 分钟到达考点。",
    )
    session_room = services.session_room_add(
        actor=staff, session=session, room=ctx.rooms[S302], seats=20
    )
    first, second = ctx.users["examiner"], ctx.users["examiner02"]
    for examiner in (first, second):
        services.session_examiner_add(actor=staff, session_room=session_room, examiner=examiner)
    session = services.session_schedule(actor=staff, session=session)
    students = (
        Learner.objects.filter(
            institution=ctx.institution,
            kind=Learner.Kind.STUDENT,
            major__code=data.NURSING,
            cohort_year=2023,
            account__user__isnull=True,
        )
        .select_related("account")
        .order_by("student_no")
    )
    for learner in students[:CURRENT_CANDIDATES]:
        services.candidate_add(actor=staff, session=session, account=learner.account)
    session = services.session_start(actor=staff, session=session)
    _sign_everything(session, first, second, steps=(Step.RECEIVED, Step.OPENED))


@transaction.atomic
def seed(result) -> None:
    """Called by ``seed_demo`` (after the training demo) with its result (users)."""
    institution = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    users = {spec.username: user for spec, user in result.users}
    staff = users.get("continuing_ed")
    types = {ct.name: ct for ct in CertificateType.objects.all()}
    rooms = seed_sites(institution, staff)
    examiners = seed_examiners(institution, users, types)
    users.update({u.username: u for u in examiners})
    person = demo_learner(plan_people())
    ctx = Context(
        institution=institution,
        staff=staff,
        types=types,
        rooms=rooms,
        examiners=examiners,
        users=users,
        demo_hash=learner_services.account_id_hash(person.document),
    )
    outcomes_before = LearningOutcome.objects.count()
    for spec in SESSIONS:
        if ExamSession.objects.filter(institution=institution, title=spec.title).exists():
            continue
        seed_session(ctx, spec)
    seed_current(ctx)
    result.created_outcomes += LearningOutcome.objects.count() - outcomes_before
