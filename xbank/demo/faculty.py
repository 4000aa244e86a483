"""Demo teacher team (师资队伍, seed 四(四)), called by ``seed_demo`` after the assessment demo.

The roster of the main college (and two teachers of the partner college): full-time teachers
with titles and the dual-qualified (双师型) flag, part-time teachers from companies and training
and evaluation organisations (兼职教师, 四(四)3), trainer certificates and teacher training.

Examiners (考评员) are the assessment demo's logins (``examiner02``…``examiner10`` and ``teacher``,
with their qualifications, which its exam sessions rely on: nothing of theirs is changed here),
put on the roster in the pilot majors below, plus five new teacher logins (``teacher02``…
``teacher06``) whose qualifications are added here. On the day the demo is loaded:

- 护理 (老年照护): 3 full-time examiners → 达标; a part-time examiner is listed, not counted;
- 助产 (母婴护理): 3 full-time examiners → 达标;
- 婴幼儿托育服务与管理 (幼儿照护): 3, one of whose qualifications expires in 45 days → 达标 but
  warned (即将不足): about to lapse;
- 康复治疗技术 (家庭保健按摩): 1 valid, 1 expired, 1 part-time → 不达标.

The majors of the pilots are the pilot demo's (护理 ↔ 老年照护, 助产 ↔ 母婴护理, 婴幼儿托育 ↔ 幼儿照护,
康复 ↔ 家庭保健按摩); the compliance is computed when asked, so this demo needs no pilot rows.

Names are synthetic (Faker zh_CN through the foundation demo's generator, which never returns a
name of the seed's roster), or those the assessment demo gave its examiners. Everything goes
through the services (with the demo ``hr`` login as actor); a teacher, certificate,
qualification or training that exists is skipped, so a second run writes nothing. The lapsing
qualification's end is set relative to the day of the first run.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.assessment import services as assessment_services
from xbank.assessment.models import ExaminerQualification
from xbank.catalog.models import CertificateType
from xbank.core.actors import SYSTEM, Actor
from xbank.demo import data
from xbank.demo.seed import PeopleGenerator
from xbank.faculty import services
from xbank.faculty.access import access_for
from xbank.faculty.models import Teacher, TeacherCertificate, TeacherTraining
from xbank.orgs.models import Institution, Major, School

SEED = data.RANDOM_SEED + 60
D = datetime.date
FULL, PART = Teacher.Kind.FULL_TIME, Teacher.Kind.PART_TIME
COMPANY, ORG = Teacher.EmployerKind.COMPANY, Teacher.EmployerKind.EVALUATION_ORG
SOON = "soon"  # a qualification that ends LAPSE_DAYS after the first run
LAPSE_DAYS = 45
QUALIFIED_FROM = D(2021, 1, 1)
QUALIFIED_UNTIL = D(2028, 12, 31)

# The assessment demo's examiner logins and names (created here too if that demo is absent).
EXAMINER_NAMES = {
    "examiner02": "梁建华（考评员）",
    "examiner03": "何文静（考评员）",
    "examiner04": "罗志强（考评员）",
    "examiner05": "黄丽萍（考评员）",
    "examiner06": "周海燕（考评员）",
    "examiner07": "吴国平（外聘考评员）",
    "examiner08": "郑晓红（外聘考评员）",
    "examiner09": "潘家明（外聘考评员）",
    "examiner10": "苏慧敏（外聘考评员）",
}


@dataclass(frozen=True)
class TeacherSpec:
    staff_no: str
    school: str  # school code
    major: str  # major code, "" for none
    kind: str = FULL
    title: str = ""
    login: str = ""  # username; "" for a teacher without login
    female: bool = True
    dual: tuple[str, datetime.date] | None = None  # basis, recognised on
    employer: str = ""
    employer_kind: str = ""
    # (certificate, valid until or SOON): the examiner qualifications this demo makes sure of
    qualifications: tuple[tuple[str, object], ...] = ()
    left_on: datetime.date | None = None
    institution: str = data.MAIN


NURSE_BASIS = "护士执业资格证书，三级医院临床护理工作经历"
COMPANY_BASIS = "养老、托育机构一线实践经历（累计 6 个月以上）"

ROSTER = [
    # 护理学院 · 护理 (老年照护): compliant.
    TeacherSpec("LN2003002", "S01", data.NURSING, title="教授", female=True,
                dual=(NURSE_BASIS, D(2019, 9, 1))),
    TeacherSpec("LN2005011", "S01", data.NURSING, title="副教授", login="examiner02", female=False,
                dual=(NURSE_BASIS, D(2019, 9, 1)), qualifications=((data.ELDERLY_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2008023", "S01", data.NURSING, title="讲师", login="examiner03",
                dual=(COMPANY_BASIS, D(2021, 9, 1)), qualifications=((data.ELDERLY_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2010035", "S01", data.NURSING, title="主管护师", login="examiner04", female=False,
                qualifications=((data.ELDERLY_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LNW2019001", "S01", data.NURSING, PART, "副主任护师", login="examiner07", female=False,
                employer="岭南颐康养老服务中心（演示）", employer_kind=COMPANY,
                qualifications=((data.ELDERLY_CARE, QUALIFIED_UNTIL),)),
    # 护理学院 · 助产 (母婴护理): compliant.
    TeacherSpec("LN2012047", "S01", data.MIDWIFERY, title="讲师", login="teacher",
                dual=(NURSE_BASIS, D(2020, 9, 1)), qualifications=((data.MATERNAL_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2015052", "S01", data.MIDWIFERY, title="主管护师", login="teacher02",
                qualifications=((data.MATERNAL_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2016058", "S01", data.MIDWIFERY, title="讲师", login="teacher03",
                qualifications=((data.MATERNAL_CARE, D(2029, 6, 30)),)),
    TeacherSpec("LNW2020002", "S01", data.MIDWIFERY, PART, "主管护师", login="examiner08",
                employer="安心母婴护理会所（演示）", employer_kind=COMPANY,
                qualifications=((data.MATERNAL_CARE, QUALIFIED_UNTIL),)),
    # 护理学院, no major: a teacher of the school's basic courses counts for no pilot major.
    TeacherSpec("LN2018061", "S01", "", title="助教", female=False),
    # 健康管理学院 · 婴幼儿托育服务与管理 (幼儿照护): compliant today, about to lapse.
    TeacherSpec("LN2011040", "S02", data.CHILDCARE, title="副教授", login="examiner05",
                dual=(COMPANY_BASIS, D(2020, 9, 1)), qualifications=((data.INFANT_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2013044", "S02", data.CHILDCARE, title="讲师", login="examiner06",
                qualifications=((data.INFANT_CARE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2017066", "S02", data.CHILDCARE, title="讲师", login="teacher04",
                qualifications=((data.INFANT_CARE, SOON),)),
    TeacherSpec("LNW2021003", "S02", data.CHILDCARE, PART, "高级育婴师", login="examiner10",
                employer="湖南金职伟业母婴护理有限公司", employer_kind=ORG,
                qualifications=((data.INFANT_CARE, QUALIFIED_UNTIL),)),
    # 健康管理学院 · 康复治疗技术 (家庭保健按摩): not compliant.
    TeacherSpec("LN2014050", "S02", data.REHAB, title="主管康复治疗师", login="teacher05", female=False,
                dual=("康复治疗师资格证书，康复医院临床工作经历", D(2021, 9, 1)),
                qualifications=((data.MASSAGE, QUALIFIED_UNTIL),)),
    TeacherSpec("LN2016055", "S02", data.REHAB, title="讲师", login="teacher06",
                qualifications=((data.MASSAGE, D(2025, 6, 30)),)),
    TeacherSpec("LN2019070", "S02", data.REHAB, title="助教", female=False),
    TeacherSpec("LNW2021004", "S02", data.REHAB, PART, "高级保健按摩师", login="examiner09", female=False,
                employer="家庭保健按摩培训评价组织（演示）", employer_kind=ORG,
                qualifications=((data.MASSAGE, QUALIFIED_UNTIL),)),
    # 健康管理学院 · 健康管理, 药学院 · 药学: not pilots.
    TeacherSpec("LN2009030", "S02", data.HEALTH_MGMT, title="副教授",
                dual=("公共营养师（二级）职业资格，企业健康管理项目经历", D(2020, 9, 1))),
    TeacherSpec("LN2007020", "S03", data.PHARMACY, title="副教授", female=False),
    TeacherSpec("LN2012021", "S03", data.PHARMACY, title="讲师", left_on=D(2024, 7, 31)),
    # The partner college.
    TeacherSpec("GJ2015001", "S01", data.NURSING, title="讲师", institution=data.PARTNER),
    TeacherSpec("GJ2018002", "S01", data.NURSING, title="助教", institution=data.PARTNER),
]  # fmt: skip

# staff no → [(kind, certificate or "", name, number, issuer, valid_from, valid_until)]
CERTIFICATES = {
    "LN2005011": [
        ("trainer", data.ELDERLY_CARE, "老年照护职业技能等级证书培训教师证书", "ZFZZ-PX-2019-031",
         "北京中福长者文化科技有限公司", D(2019, 11, 22), D(2029, 11, 21)),
        ("other", "", "护士执业证书", "DEMO-HSZY-0001", "广东省卫生健康委员会", D(2003, 7, 15), None),
    ],
    "LN2008023": [
        ("trainer", data.ELDERLY_CARE, "老年照护职业技能等级证书培训教师证书", "ZFZZ-PX-2019-032",
         "北京中福长者文化科技有限公司", D(2019, 11, 22), None),
    ],
    "LN2010035": [
        ("other", "", "主管护师资格证书", "DEMO-ZGHS-0002", data.NHC, D(2015, 5, 20), None),
    ],
    "LN2012047": [
        ("trainer", data.MATERNAL_CARE, "母婴护理职业技能等级证书培训师资证书", "YGDJ-PX-2020-015",
         "济南阳光大姐服务有限责任公司", D(2019, 11, 28), D(2025, 11, 27)),
    ],
    "LN2011040": [
        ("trainer", data.INFANT_CARE, "幼儿照护职业技能等级证书培训师资证书", "JZWY-PX-2020-008",
         "湖南金职伟业母婴护理有限公司", D(2019, 12, 5), D(2027, 12, 4)),
    ],
    "LN2014050": [
        ("trainer", data.MASSAGE, "家庭保健按摩职业技能等级证书培训师资证书", "BJAM-PX-2021-003",
         "家庭保健按摩培训评价组织（演示）", D(2020, 8, 14), None),
        ("other", "", "康复医学治疗技术（中级）资格证书", "DEMO-KFZL-0003", data.NHC,
         D(2018, 9, 1), None),
    ],
}  # fmt: skip

# (programme, organiser, certificate or "", start, end, hours, certificate prefix, staff nos)
TRAININGS = [
    ("1+X 老年照护职业技能等级证书师资培训", "北京中福长者文化科技有限公司", data.ELDERLY_CARE,
     D(2019, 11, 18), D(2019, 11, 22), "40", "ZFZZ-SZ-2019-",
     ["LN2003002", "LN2005011", "LN2008023", "LN2010035"]),
    ("1+X 母婴护理职业技能等级证书师资培训", "济南阳光大姐服务有限责任公司", data.MATERNAL_CARE,
     D(2019, 11, 25), D(2019, 11, 28), "32", "YGDJ-SZ-2019-", ["LN2012047", "LN2015052"]),
    ("1+X 幼儿照护职业技能等级证书师资培训", "湖南金职伟业母婴护理有限公司", data.INFANT_CARE,
     D(2019, 12, 2), D(2019, 12, 5), "32", "JZWY-SZ-2019-", ["LN2011040", "LN2013044"]),
    ("1+X 家庭保健按摩职业技能等级证书师资培训", "家庭保健按摩培训评价组织（演示）", data.MASSAGE,
     D(2020, 8, 10), D(2020, 8, 14), "40", "BJAM-SZ-2020-", ["LN2014050", "LN2016055"]),
    ("职业院校教师素质提高计划·双师型教师专业技能培训", "广东省教育厅（演示）", "",
     D(2021, 7, 12), D(2021, 7, 23), "80", "SZTG-2021-", ["LN2008023", "LN2011040"]),
    ("1+X 幼儿照护职业技能等级证书考评员培训", "湖南金职伟业母婴护理有限公司", data.INFANT_CARE,
     D(2023, 6, 12), D(2023, 6, 14), "24", "JZWY-KP-2023-", ["LN2017066"]),
    ("职业技能等级标准研读与课证融通专题培训", "广东岭南职业技术学院人事处（演示）", "",
     D(2024, 7, 8), D(2024, 7, 9), "16", "",
     ["LN2005011", "LN2012047", "LN2011040", "LN2014050", "LN2009030"]),
]  # fmt: skip


@dataclass
class Context:
    hr: User | None
    institutions: dict[str, Institution]
    types: dict[str, CertificateType]
    users: dict[str, User]
    teachers: dict[str, Teacher] = field(default_factory=dict)
    password_hash: str = ""


def _plain_name(full_name: str) -> str:
    """ "梁建华（考评员）" → "梁建华"."""
    return re.sub(r"（.*?）$", "", full_name).strip()


def _login(ctx: Context, username: str, name: str, institution: Institution) -> User:
    user = ctx.users.get(username) or User.objects.filter(username=username).first()
    if user is None:
        ctx.password_hash = ctx.password_hash or make_password(data.DEMO_PASSWORD)
        examiner = username in EXAMINER_NAMES
        user = User.objects.create(
            username=username,
            full_name=EXAMINER_NAMES[username] if examiner else name,
            password=ctx.password_hash,
        )
        RoleAssignment.objects.create(
            user=user, role=Role.EXAMINER if examiner else Role.TEACHER, institution=institution
        )
    ctx.users[username] = user
    return user


def _keeper(ctx: Context, institution: Institution) -> Actor:
    """Who writes a roster: the demo HR login for its own college; the partner college's HR
    office has no demo login, so the system writes its teachers."""
    if ctx.hr is not None and access_for(ctx.hr).manages_institution(institution.pk):
        return ctx.hr
    return SYSTEM


def seed_roster(ctx: Context) -> None:
    people = PeopleGenerator(SEED)
    schools = {(s.institution_id, s.code): s for s in School.objects.all()}
    majors = {(m.institution_id, m.code): m for m in Major.objects.all()}
    for spec in ROSTER:
        generated = people.name(spec.female)  # drawn for every row: the same names every run
        institution = ctx.institutions[spec.institution]
        existing = Teacher.objects.filter(institution=institution, staff_no=spec.staff_no).first()
        if existing is not None:
            ctx.teachers[spec.staff_no] = existing
            continue
        name = (
            _plain_name(EXAMINER_NAMES[spec.login]) if spec.login in EXAMINER_NAMES else generated
        )
        user = _login(ctx, spec.login, name, institution) if spec.login else None
        rng = people.rng
        ctx.teachers[spec.staff_no] = services.teacher_create(
            actor=_keeper(ctx, institution),
            institution=institution,
            school=schools[(institution.pk, spec.school)],
            major=majors[(institution.pk, spec.major)] if spec.major else None,
            name=name,
            staff_no=spec.staff_no,
            user=user,
            kind=spec.kind,
            employer=spec.employer,
            employer_kind=spec.employer_kind,
            title=spec.title,
            dual_qualified=spec.dual is not None,
            dual_basis=spec.dual[0] if spec.dual else "",
            dual_recognized_on=spec.dual[1] if spec.dual else None,
            phone=f"139{rng.randrange(10**8):08d}",
            status=Teacher.Status.LEFT if spec.left_on else Teacher.Status.ACTIVE,
            left_on=spec.left_on,
        )


def seed_qualifications(ctx: Context, today: datetime.date) -> None:
    """Make sure each examiner holds the qualifications the roster says; those the assessment
    demo registered (the same type, still valid, or expired as the roster says) are kept."""
    for n, spec in enumerate(ROSTER, start=1):
        teacher = ctx.teachers[spec.staff_no]
        for certificate, until in spec.qualifications:
            ct = ctx.types[certificate]
            held = ExaminerQualification.objects.filter(
                user_id=teacher.user_id, certificate_type=ct
            )
            if held.exists():
                continue
            valid_until = today + datetime.timedelta(days=LAPSE_DAYS) if until == SOON else until
            assessment_services.qualification_create(
                actor=ctx.hr,
                user=teacher.user,
                institution=teacher.institution,
                certificate_type=ct,
                level="junior" if "junior" in (ct.levels or []) else "",
                certificate_no=f"KPY-F{n:02d}-{ct.pk:03d}",
                issuer=ct.issuer or data.PROVINCIAL_HRSS,
                valid_from=min(QUALIFIED_FROM, valid_until),
                valid_until=valid_until,
            )


def seed_certificates(ctx: Context) -> None:
    for staff_no, rows in CERTIFICATES.items():
        teacher = ctx.teachers[staff_no]
        for kind, certificate, name, number, issuer, valid_from, valid_until in rows:
            if TeacherCertificate.objects.filter(issuer=issuer, number=number).exists():
                continue
            services.certificate_create(
                actor=_keeper(ctx, teacher.institution),
                teacher=teacher,
                kind=kind,
                certificate_type=ctx.types[certificate] if certificate else None,
                name=name,
                number=number,
                issuer=issuer,
                valid_from=valid_from,
                valid_until=valid_until,
            )


def seed_trainings(ctx: Context) -> None:
    for programme, organiser, certificate, start, end, hours, prefix, staff_nos in TRAININGS:
        for i, staff_no in enumerate(staff_nos, start=1):
            teacher = ctx.teachers[staff_no]
            if TeacherTraining.objects.filter(
                teacher=teacher, programme=programme, start_date=start
            ).exists():
                continue
            services.training_create(
                actor=_keeper(ctx, teacher.institution),
                teacher=teacher,
                programme=programme,
                organiser=organiser,
                certificate_type=ctx.types[certificate] if certificate else None,
                start_date=start,
                end_date=end,
                hours=Decimal(hours),
                certificate_no=f"{prefix}{i:03d}" if prefix else "",
            )


@transaction.atomic
def seed(result) -> None:
    """Called by ``seed_demo`` (after the assessment demo) with its result (users)."""
    users = {spec.username: user for spec, user in result.users}
    ctx = Context(
        hr=users.get("hr"),
        institutions={
            key: Institution.objects.get(code=values["code"])
            for key, values in data.INSTITUTIONS.items()
        },
        types={ct.name: ct for ct in CertificateType.objects.all()},
        users=users,
    )
    seed_roster(ctx)
    seed_qualifications(ctx, timezone.localdate())
    seed_certificates(ctx)
    seed_trainings(ctx)
