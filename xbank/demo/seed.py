"""Load the demo data set (``manage.py seed_demo``): idempotent, and the same every time.

Reference rows (colleges, catalogue, curricula, users) are written with ``update_or_create`` on
their natural keys. People are synthetic (Faker zh_CN with a fixed seed, never a name from the
seed document's roster) and are registered through ``learners.services.learner_register``, so
their accounts are opened exactly as in production (keyed hash, pinyin sort key, audit entries);
a person already registered is skipped, so a second run writes nothing.

This module is composition at the top of the project, like ``urls.py``: the ``demo`` app sits
above every other app and calls their services, so ``core`` imports none of them.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from xbank.accounts.models import RoleAssignment, User
from xbank.catalog.models import (
    CertificateAlias,
    CertificateType,
    Course,
    Curriculum,
    CurriculumCourse,
    EvaluationOrg,
    StandardModule,
)
from xbank.core.actors import SYSTEM
from xbank.core.identity import Document, parse_document
from xbank.core.testing import make_id_number
from xbank.learners import services as learner_services
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind
from xbank.orgs.models import Department, Institution, Major, MajorGroup, School

from . import data


@dataclass
class Person:
    name: str
    document: Document


@dataclass
class Registration:
    person: Person
    kind: str
    institution: str  # data.MAIN / data.PARTNER
    major: str = ""
    cohort_year: int | None = None
    student_no: str = ""
    class_name: str = ""
    education: str = ""
    employer: str = ""


@dataclass
class Plan:
    """Everything about the synthetic people, drawn from one seeded generator."""

    registrations: list[Registration] = field(default_factory=list)
    # (institution, major code, cohort) -> the students, in student-number order
    cohorts: dict[tuple[str, str, int], list[Person]] = field(default_factory=dict)
    social: list[Person] = field(default_factory=list)


@dataclass
class SeedResult:
    created_learners: int = 0
    created_outcomes: int = 0
    users: list[tuple[data.UserSpec, User]] = field(default_factory=list)


class PeopleGenerator:
    """Synthetic names and resident ID numbers: reproducible, unique, never a real student's."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.numbers: set[str] = set()

    def name(self, female: bool) -> str:
        while True:
            first = self.faker.first_name_female() if female else self.faker.first_name_male()
            if len(first) == 1 and self.rng.random() < 0.6:
                # Students born around 2003 mostly have two-character given names.
                extra = self.faker.first_name_female() if female else self.faker.first_name_male()
                first += extra[0]
            name = self.faker.last_name() + first
            if name not in data.SEED_ROSTER_NAMES:
                return name

    def person(self, *, female: bool, birth_year: int) -> Person:
        while True:
            birth = datetime.date(birth_year, 1, 1) + datetime.timedelta(
                days=self.rng.randrange(365)
            )
            number = make_id_number(self.rng, birth=birth, female=female)
            if number not in self.numbers:
                self.numbers.add(number)
                break
        return Person(self.name(female), parse_document(number))


def plan_people(seed: int = data.RANDOM_SEED) -> Plan:
    gen = PeopleGenerator(seed)
    plan = Plan()
    # Social learners first: some of them are later students or also study at the partner.
    for i in range(data.SOCIAL_LEARNER_COUNT):
        female = gen.rng.random() < 0.8
        person = gen.person(female=female, birth_year=gen.rng.randrange(1975, 2000))
        plan.social.append(person)
        plan.registrations.append(
            Registration(
                person,
                Learner.Kind.SOCIAL,
                data.MAIN,
                education=gen.rng.choice(["高中", "中专", "大专", "本科"]),
                employer=data.SOCIAL_EMPLOYERS[i % len(data.SOCIAL_EMPLOYERS)],
            )
        )
    for spec in data.MAJORS:
        cohorts = data.COHORTS if spec.institution == data.MAIN else data.PARTNER_COHORTS
        for cohort in cohorts:
            size = spec.cohort_size
            if not size:
                continue
            students: list[Person] = []
            for n in range(size):
                if (spec.institution, spec.code, cohort) == (data.MAIN, data.NURSING, 2024) and (
                    n == 0
                ):
                    # A social learner who enrolled in 2024 keeps their learning account.
                    person = plan.social[0]
                else:
                    female = gen.rng.random() < data.FEMALE_SHARE.get(spec.code, 0.8)
                    birth_year = cohort - 18 - (1 if gen.rng.random() < 0.3 else 0)
                    person = gen.person(female=female, birth_year=birth_year)
                students.append(person)
                plan.registrations.append(
                    Registration(
                        person,
                        Learner.Kind.STUDENT,
                        spec.institution,
                        major=spec.code,
                        cohort_year=cohort,
                        student_no=f"{cohort}{spec.code[-4:]}{n + 1:03d}",
                        class_name=f"{cohort}级{spec.name}{n // data.CLASS_SIZE + 1}班",
                        education="高中",
                    )
                )
            plan.cohorts[(spec.institution, spec.code, cohort)] = students
    # A partner-college student who also took a social training course at the main college.
    partner_student = plan.cohorts[(data.PARTNER, data.NURSING, 2023)][0]
    plan.registrations.append(
        Registration(
            partner_student,
            Learner.Kind.SOCIAL,
            data.MAIN,
            education="高中",
            employer="",
        )
    )
    return plan


# --- Reference data ---------------------------------------------------------------------------


def seed_orgs() -> tuple[dict[str, Institution], dict[tuple[str, str], School], dict]:
    institutions = {
        key: Institution.objects.update_or_create(
            code=spec["code"], defaults={"name": spec["name"], "short_name": spec["short_name"]}
        )[0]
        for key, spec in data.INSTITUTIONS.items()
    }
    schools = {
        (inst, code): School.objects.update_or_create(
            institution=institutions[inst], code=code, defaults={"name": name}
        )[0]
        for inst, code, name in data.SCHOOLS
    }
    for inst in institutions.values():
        for kind in Department.Kind:
            Department.objects.update_or_create(
                institution=inst, kind=kind, defaults={"name": str(kind.label)}
            )
    groups = {
        (inst, name): MajorGroup.objects.get_or_create(institution=institutions[inst], name=name)[0]
        for inst, name in data.MAJOR_GROUPS
    }
    majors = {
        (spec.institution, spec.code): Major.objects.update_or_create(
            institution=institutions[spec.institution],
            code=spec.code,
            defaults={
                "name": spec.name,
                "school": schools[(spec.institution, spec.school)],
                "group": groups.get((spec.institution, spec.group)),
            },
        )[0]
        for spec in data.MAJORS
    }
    return institutions, schools, majors


def seed_catalog() -> dict[str, CertificateType]:
    types: dict[str, CertificateType] = {}
    for spec in data.SKILL_CERTIFICATES:
        org, _ = EvaluationOrg.objects.update_or_create(
            name=spec.org, defaults={"short_name": spec.org_short}
        )
        ct, _ = CertificateType.objects.update_or_create(
            name=spec.name,
            defaults={
                "kind": CertificateType.Kind.SKILL_LEVEL,
                "evaluation_org": org,
                "issuer_name": "",
                "levels": data.SKILL_LEVELS,
                "status": CertificateType.Status.ACTIVE,
                "admission": CertificateType.Admission.ADMITTED,
            },
        )
        types[ct.name] = ct
        for alias in spec.aliases:
            CertificateAlias.objects.update_or_create(
                alias=alias, defaults={"certificate_type": ct}
            )
        for level, names in spec.modules.items():
            for i, module_name in enumerate(names, start=1):
                StandardModule.objects.update_or_create(
                    certificate_type=ct,
                    level=level,
                    code=f"{data.SKILL_LEVELS.index(level) + 1}-{i}",
                    defaults={"name": module_name},
                )
    for spec in data.QUALIFICATIONS:
        ct, _ = CertificateType.objects.update_or_create(
            name=spec.name,
            defaults={
                "kind": CertificateType.Kind.QUALIFICATION,
                "evaluation_org": None,
                "issuer_name": spec.issuer,
                "levels": list(spec.levels),
                "status": CertificateType.Status.CANCELLED
                if spec.cancelled
                else CertificateType.Status.ACTIVE,
                "admission": CertificateType.Admission.REJECTED
                if spec.cancelled
                else CertificateType.Admission.ADMITTED,
            },
        )
        types[ct.name] = ct
        for alias in spec.aliases:
            CertificateAlias.objects.update_or_create(
                alias=alias, defaults={"certificate_type": ct}
            )
    return types


def curriculum_rows(major_code: str, cohort: int):
    for code, semester, required, category in data.CURRICULUM_ROWS[major_code]:
        if code == "GB03" and cohort < data.GB03_FROM_COHORT:
            continue
        yield code, semester, required, category


def seed_curricula(institutions, majors, types) -> dict[tuple[str, str, int], Curriculum]:
    # Each college teaches the courses of its own curricula.
    taught = {
        (inst_key, code)
        for inst_key, major_code, _ in data.CURRICULA
        for code, *_ in data.CURRICULUM_ROWS[major_code]
    }
    courses: dict[tuple[str, str], Course] = {}
    for inst_key, code in sorted(taught):
        name, credits, hours = data.COURSES[code]
        courses[(inst_key, code)] = Course.objects.update_or_create(
            institution=institutions[inst_key],
            code=code,
            defaults={"name": name, "credits": Decimal(credits), "hours": hours},
        )[0]
    curricula = {}
    for inst_key, major_code, cohort in data.CURRICULA:
        major = majors[(inst_key, major_code)]
        rows = list(curriculum_rows(major_code, cohort))
        total = sum(data.COURSES[code][1] for code, *_ in rows)
        curriculum, _ = Curriculum.objects.update_or_create(
            major=major,
            cohort_year=cohort,
            defaults={
                "name": f"{major.name}专业 {cohort} 级人才培养方案",
                "total_credits": Decimal(total),
            },
        )
        for code, semester, required, category in rows:
            CurriculumCourse.objects.update_or_create(
                curriculum=curriculum,
                course=courses[(inst_key, code)],
                defaults={
                    "semester": semester,
                    "credits": Decimal(data.COURSES[code][1]),
                    "required": required,
                    "category": category,
                },
            )
        curriculum.required_certificates.set(
            [types[name] for name in data.REQUIRED_CERTIFICATES[major_code]]
        )
        curricula[(inst_key, major_code, cohort)] = curriculum
    return curricula


# --- People and their outcomes ----------------------------------------------------------------------


def seed_learners(plan: Plan, institutions, majors) -> int:
    """Register every planned learner not registered yet, through the learners service."""
    known = {
        (id_hash, inst_id, kind)
        for id_hash, inst_id, kind in Learner.objects.values_list(
            "account__id_hash", "institution_id", "kind"
        )
    }
    created = 0
    for reg in plan.registrations:
        institution = institutions[reg.institution]
        key = (learner_services.account_id_hash(reg.person.document), institution.pk, reg.kind)
        if key in known:
            continue
        learner_services.learner_register(
            actor=SYSTEM,
            document=reg.person.document,
            name=reg.person.name,
            kind=reg.kind,
            institution=institution,
            major=majors[(reg.institution, reg.major)] if reg.major else None,
            cohort_year=reg.cohort_year,
            student_no=reg.student_no,
            class_name=reg.class_name,
            education=reg.education,
            employer=reg.employer,
        )
        known.add(key)
        created += 1
    # The 2021 cohort graduated in June 2024.
    Learner.objects.filter(
        kind=Learner.Kind.STUDENT, cohort_year=2021, status=Learner.Status.ACTIVE
    ).update(status=Learner.Status.GRADUATED)
    return created


@dataclass(frozen=True)
class OutcomeSpec:
    person: Person
    kind: str
    title: str
    issuer: str
    number: str
    issued_on: datetime.date
    certificate: str = ""
    course_code: str = ""
    level: str = ""
    score: Decimal | None = None
    credits: Decimal | None = None


def plan_holdings(plan: Plan, seed: int = data.RANDOM_SEED) -> list[OutcomeSpec]:
    """The seed's qualification certificates, each held once by a distinct learner."""
    rng = random.Random(seed + 1)
    issuers = {q.name: q.issuer for q in data.QUALIFICATIONS}
    outcomes = []
    for spec in data.HOLDINGS:
        pool = [p for major, cohort in spec.pools for p in plan.cohorts[(data.MAIN, major, cohort)]]
        holders = rng.sample(pool, spec.count - spec.social) + plan.social[1 : 1 + spec.social]
        for i, person in enumerate(holders, start=1):
            outcomes.append(
                OutcomeSpec(
                    person,
                    OutcomeKind.QUALIFICATION,
                    spec.title,
                    issuers[spec.certificate],
                    f"{spec.number_prefix}{i:05d}",
                    spec.issued_on,
                    certificate=spec.certificate,
                    level=spec.level,
                )
            )
    return outcomes


def demo_learner(plan: Plan) -> Person:
    """The person behind the ``learner`` login: a 2022 nursing student with a 养老护理员 card."""
    holders = {
        o.person.document.number for o in plan_holdings(plan) if o.certificate == data.ELDERLY_CARER
    }
    return next(
        p for p in plan.cohorts[(data.MAIN, data.NURSING, 2022)] if p.document.number in holders
    )


def plan_demo_learner_outcomes(plan: Plan) -> list[OutcomeSpec]:
    """Course results for the demo learner's first four semesters, and a 1+X certificate."""
    person = demo_learner(plan)
    student_no = next(
        r.student_no
        for r in plan.registrations
        if r.person is person and r.kind == Learner.Kind.STUDENT
    )
    rng = random.Random(data.RANDOM_SEED + 2)
    semester_end = {
        1: datetime.date(2023, 1, 13),
        2: datetime.date(2023, 7, 7),
        3: datetime.date(2024, 1, 12),
        4: datetime.date(2024, 7, 5),
    }
    issuer = data.INSTITUTIONS[data.MAIN]["name"]
    outcomes = []
    for code, semester, required, _ in curriculum_rows(data.NURSING, 2022):
        if semester > 4 or not required:
            continue
        name, credits, _ = data.COURSES[code]
        outcomes.append(
            OutcomeSpec(
                person,
                OutcomeKind.COURSE_RESULT,
                name,
                issuer,
                f"{student_no}-{code}",
                semester_end[semester],
                course_code=code,
                score=Decimal(rng.randrange(68, 96)),
                credits=Decimal(credits),
            )
        )
    elderly_care = next(s for s in data.SKILL_CERTIFICATES if s.name == data.ELDERLY_CARE)
    outcomes.append(
        OutcomeSpec(
            person,
            OutcomeKind.SKILL_CERTIFICATE,
            "老年照护职业技能等级证书（初级）",
            elderly_care.org,
            "LNZH-2024-1-000001",
            datetime.date(2024, 6, 21),
            certificate=data.ELDERLY_CARE,
            level="junior",
        )
    )
    return outcomes


def seed_outcomes(specs: list[OutcomeSpec], types, institutions) -> int:
    known = set(LearningOutcome.objects.values_list("issuer", "number"))
    accounts = {
        a.id_hash: a
        for a in LearningAccount.objects.filter(
            id_hash__in={learner_services.account_id_hash(s.person.document) for s in specs}
        )
    }
    courses = {c.code: c for c in Course.objects.filter(institution=institutions[data.MAIN])}
    created = 0
    for spec in specs:
        if (spec.issuer, spec.number) in known:
            continue
        learner_services.outcome_record(
            actor=SYSTEM,
            account=accounts[learner_services.account_id_hash(spec.person.document)],
            kind=spec.kind,
            title=spec.title,
            issuer=spec.issuer,
            number=spec.number,
            issued_on=spec.issued_on,
            certificate_type=types.get(spec.certificate),
            course=courses.get(spec.course_code),
            level=spec.level,
            score=spec.score,
            credits=spec.credits,
            source=LearningOutcome.Source.IMPORT,
        )
        created += 1
    return created


# --- Users --------------------------------------------------------------------------------------


def seed_users(plan: Plan, institutions, schools) -> list[tuple[data.UserSpec, User]]:
    # One hash for every demo user: Argon2 is deliberately slow, and these passwords are public.
    password_hash = ""
    result = []
    learner_account = learner_services.account_find(demo_learner(plan).document)
    for spec in data.USERS:
        full_name = spec.full_name or (learner_account.name if learner_account else "")
        user, created = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "full_name": full_name,
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
                "is_active": True,
            },
        )
        if created or not user.check_password(data.DEMO_PASSWORD):
            password_hash = password_hash or make_password(data.DEMO_PASSWORD)
            user.password = password_hash
            user.save(update_fields=["password"])
        institution = institutions[spec.institution]
        school = schools[(spec.institution, spec.school)] if spec.school else None
        RoleAssignment.objects.get_or_create(
            user=user, role=spec.role, institution=institution, school=school, major=None
        )
        if spec.role == "learner" and learner_account and learner_account.user_id != user.pk:
            learner_account.user = user
            learner_account.save(update_fields=["user"])
        result.append((spec, user))
    return result


@transaction.atomic
def seed_demo() -> SeedResult:
    """Load (or top up) the whole demo data set in one transaction."""
    institutions, schools, majors = seed_orgs()
    types = seed_catalog()
    seed_curricula(institutions, majors, types)
    plan = plan_people()
    result = SeedResult()
    result.created_learners = seed_learners(plan, institutions, majors)
    outcomes = plan_holdings(plan) + plan_demo_learner_outcomes(plan)
    result.created_outcomes = seed_outcomes(outcomes, types, institutions)
    result.users = seed_users(plan, institutions, schools)
    seed_app_extensions(result)
    return result


def seed_app_extensions(result: SeedResult) -> None:
    """Add each app's own demo data: ``xbank/demo/<app>.py`` with ``seed(result)``, called in
    INSTALLED_APPS order (training before assessment before the credit bank), so this module
    does not grow with every app."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("xbank.") or config.name in ("xbank.core", "xbank.demo"):
            continue
        module_name = f"xbank.demo.{config.label}"
        if find_spec(module_name) is not None:
            import_module(module_name).seed(result)
