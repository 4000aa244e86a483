"""The demo data set (``manage.py seed_demo``): idempotent, reproducible, faithful to the seed's
figures, and made of synthetic people only."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.db.models.functions import ExtractYear

from xbank.accounts.models import Role, RoleAssignment, User
from xbank.catalog.models import CertificateType, Curriculum
from xbank.catalog.selectors import certificate_type_resolve
from xbank.core.identity import parse_document
from xbank.core.pinyin import name_sort_key
from xbank.demo import data
from xbank.demo.seed import PeopleGenerator, plan_people
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, OutcomeKind
from xbank.learners.selectors import certificate_stats, outcomes_in_scope
from xbank.learners.services import account_id_hash
from xbank.orgs.models import Institution

# A few names from the roster printed in the seed document (real students). The demo module
# keeps the whole roster as an exclusion list; this short copy checks it independently.
SEED_ROSTER_SAMPLE = [
    "雷文慧", "陈颖炘", "邓淑珊", "李梓璇", "朱倩儿", "陈晴", "何慧", "黄颖", "陶静", "邓敏",
]  # fmt: skip

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

DEMO_APPS = ["orgs", "catalog", "learners", "accounts", "audit"]


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in DEMO_APPS
        for model in apps.get_app_config(label).get_models()
    }


def certificates_held_by_year_and_type() -> dict[tuple[int, str], int]:
    """The grouping of the 持证统计 page: certificates held, not revoked, by year and type."""
    rows = (
        LearningOutcome.objects.filter(
            kind__in=[OutcomeKind.QUALIFICATION, OutcomeKind.SKILL_CERTIFICATE]
        )
        .exclude(status=LearningOutcome.Status.REVOKED)
        .annotate(year=ExtractYear("issued_on"))
        .values("year", "certificate_type__name")
        .annotate(n=Count("id"))
    )
    return {(r["year"], r["certificate_type__name"]): r["n"] for r in rows}


def test_running_it_again_changes_nothing():
    before = row_counts()
    passwords = dict(User.objects.values_list("username", "password"))
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert row_counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "新增学习者 0 人，新增学习成果 0 条" in out.getvalue()


def test_the_same_people_come_out_every_time():
    first, second = plan_people(), plan_people()
    assert [(r.person.name, r.person.document.number) for r in first.registrations] == [
        (r.person.name, r.person.document.number) for r in second.registrations
    ]


def test_it_reproduces_the_seed_certificate_figures():
    held = certificates_held_by_year_and_type()
    assert held[(2024, "公共营养师")] == 27  # the seed's 高级营养师 (公共营养师 三级)
    assert held[(2024, "育婴员")] == 17
    assert held[(2024, "养老护理员")] == 17
    assert held[(2024, "护士资格证")] == 215
    assert certificate_type_resolve("高级营养师").name == "公共营养师"
    # Each certificate is held once by a distinct person.
    for name, count in data.SEED_CERTIFICATE_FIGURES.items():
        holders = LearningOutcome.objects.filter(certificate_type__name=name)
        assert holders.values("account").distinct().count() == count


def test_the_statistics_page_selector_shows_the_seed_figures_to_academic_affairs():
    user = User.objects.get(username="academic_affairs")
    stats = certificate_stats(outcomes=outcomes_in_scope(user=user))
    totals = {row.name: row.total for row in stats.rows}
    for name, count in data.SEED_CERTIFICATE_FIGURES.items():
        assert totals[name] == count


def test_it_has_two_institutions_with_schools_departments_and_majors():
    assert Institution.objects.count() == 2
    main = Institution.objects.get(name="广东岭南职业技术学院")
    assert main.departments.count() == 6
    assert set(main.majors.values_list("code", "name")) >= {
        ("520201", "护理"),
        ("520202", "助产"),
        ("520802", "婴幼儿托育服务与管理"),
    }
    assert main.schools.filter(name="护理学院").exists()


def test_the_catalogue_has_the_four_pilot_certificates_and_a_cancelled_one():
    skill = CertificateType.objects.filter(kind=CertificateType.Kind.SKILL_LEVEL)
    assert skill.count() == 4
    for ct in skill:
        assert ct.levels == ["junior", "intermediate", "senior"]
        assert ct.evaluation_org is not None
        for level in ct.levels:
            assert ct.standard_modules.filter(level=level).count() >= 3
    assert certificate_type_resolve("婴幼儿照护").name == "幼儿照护职业技能等级证书"
    assert certificate_type_resolve("1+X 老年照护").name == "老年照护职业技能等级证书"
    cancelled = CertificateType.objects.get(name="营养配餐员")
    assert cancelled.is_cancelled
    assert not cancelled.required_by_curricula.exists()


def test_the_nursing_curriculum_lists_its_courses_and_required_certificates():
    curriculum = Curriculum.objects.get(
        major__institution__name="广东岭南职业技术学院", major__code="520201", cohort_year=2023
    )
    rows = curriculum.curriculum_courses.select_related("course")
    assert curriculum.total_credits == 140
    assert sum(r.credits for r in rows) == curriculum.total_credits
    assert 10 <= rows.count() <= 40
    assert {r.semester for r in rows} == {1, 2, 3, 4, 5, 6}
    elderly_nursing = rows.get(course__name="老年护理")
    assert (elderly_nursing.credits, elderly_nursing.required) == (4, True)
    assert rows.filter(required=False).exists()
    assert "老年照护职业技能等级证书" in {c.name for c in curriculum.required_certificates.all()}
    cohorts = Curriculum.objects.filter(major=curriculum.major).values_list(
        "cohort_year", flat=True
    )
    assert set(cohorts) >= {2022, 2023, 2024}


def test_there_is_a_user_for_every_role():
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    sysadmin = User.objects.get(username="sysadmin")
    assert sysadmin.is_staff and sysadmin.is_superuser
    school_staff = RoleAssignment.objects.get(user__username="school_staff")
    assert school_staff.school.name == "护理学院"
    partner = RoleAssignment.objects.get(user__username="partner_academic_affairs")
    assert partner.institution.name != "广东岭南职业技术学院"
    learner = User.objects.get(username="learner")
    assert learner.learning_account.learners.filter(kind=Learner.Kind.STUDENT).exists()
    assert learner.check_password(data.DEMO_PASSWORD)


def test_it_prints_the_demo_logins(demo):
    for spec in data.USERS:
        assert spec.username in demo
    assert data.DEMO_PASSWORD in demo
    assert "http://127.0.0.1:8765/" in demo
    assert "切勿用于生产环境" in demo


def test_no_real_name_from_the_seed_roster_is_used():
    names = set(LearningAccount.objects.values_list("name", flat=True))
    names |= set(User.objects.values_list("full_name", flat=True))
    assert not names & set(SEED_ROSTER_SAMPLE)
    assert not names & data.SEED_ROSTER_NAMES
    assert set(SEED_ROSTER_SAMPLE) <= data.SEED_ROSTER_NAMES
    assert len(data.SEED_ROSTER_NAMES) == 119


def test_the_generator_draws_again_on_a_roster_name(monkeypatch):
    gen = PeopleGenerator(1)
    given = iter(["晴", "晴", "雨桐"])  # 陈晴 is on the roster
    monkeypatch.setattr(gen.faker, "last_name", lambda: "陈")
    monkeypatch.setattr(gen.faker, "first_name_female", lambda: next(given))
    monkeypatch.setattr(gen.rng, "random", lambda: 0.99)  # keep one-character names as drawn
    assert gen.name(female=True) == "陈雨桐"


def test_accounts_are_opened_as_the_service_opens_them():
    for account in LearningAccount.objects.all():
        document = parse_document(account.id_number)
        assert account.id_hash == account_id_hash(document)
        assert account.name_pinyin == name_sort_key(account.name)
        assert (account.birth_date, account.gender) == (document.birth_date, document.gender)


def test_a_social_learner_who_enrolled_keeps_one_account():
    both = (
        Learner.objects.values("account")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds=2)
    )
    assert both.count() >= 1
    assert LearningAccount.objects.count() < Learner.objects.count()


def test_it_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("seed_demo", stdout=StringIO())


def test_every_demo_id_number_is_valid_by_an_independent_check_and_check_identities_reports_0():
    from stdnum.cn import ric

    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    numbers = [a.id_number for a in LearningAccount.objects.filter(id_type="resident_id")]
    assert len(numbers) > 2000
    for number in numbers:
        total = sum(w * int(d) for w, d in zip(weights, number[:17], strict=True))
        assert number[17] == "10X98765432"[total % 11], number[:6]
        assert ric.calc_check_digit(number) == number[17]  # stdnum, per its own contract
    out = StringIO()
    call_command("check_identities", stdout=out)
    assert "0 个账户需要更正" in out.getvalue()


def test_after_an_import_and_a_full_id_export_no_valid_id_number_is_in_clear_anywhere(
    client, settings
):
    """The demo, a roster imported through the pages, a full-ID export downloaded: then every
    column of every table, every file under the media root and the log output hold no valid
    resident ID number in clear (invariant 11), by a scanner written apart from the code."""
    import logging
    import re
    from html import unescape

    import msoffcrypto
    from django.urls import reverse
    from python_calamine import CalamineWorkbook

    from xbank.core.logging import MaskPIIFilter
    from xbank.core.tests.pii_scan import scan_database, scan_files, scan_texts
    from xbank.imports.models import ImportBatch
    from xbank.imports.tests.test_real_rosters import VALID, as_typed, office_roster
    from xbank.learners.models import FullIdExport

    settings.XBANK_FULL_EXPORT_APPROVAL = False
    log = StringIO()
    handlers = {
        handler
        for name in ("", "django.server")
        for handler in logging.getLogger(name).handlers
        if any(isinstance(f, MaskPIIFilter) for f in handler.filters)
    }
    assert handlers, "the configured log handlers carry the masking filter"
    previous = {handler: handler.setStream(log) for handler in handlers}
    try:
        client.force_login(User.objects.get(username="academic_affairs"))
        main = Institution.objects.get(code="14113")  # 岭南职院, whose 护理 major is 520201
        roster = SimpleUploadedFile("2025级护理新生.xlsx", office_roster(as_typed()))
        response = client.post(
            reverse("imports:batch-new", args=["learners"]),
            {"institution": main.pk, "file": roster},
        )
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and batch.status == ImportBatch.Status.READY
        client.post(reverse("imports:batch-commit", args=[batch.code]))
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.COMMITTED, batch.message
        # A client that puts a number in a URL: logged (masked) as a 404.
        client.get(f"/learners/by-id/{VALID[0]}/")

        page = client.post(
            reverse("learners:full-export-create"), {"reason": "报送省教育厅考核名单", "query": ""}
        )
        password = unescape(re.search(r"data-password>([^<]+)<", page.content.decode())[1]).strip()
        export = FullIdExport.objects.get()
        content = client.post(reverse("learners:full-export-download", args=[export.pk])).content
    finally:
        for handler, stream in previous.items():
            handler.setStream(stream)

    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(plain.getvalue())).get_sheet_by_index(0)
    exported = {cell for row in rows.to_python() for cell in row}
    assert set(VALID) <= exported  # the export did carry full numbers, and the roster's too

    assert scan_database() == {}
    assert scan_files(settings.MEDIA_ROOT) == {}
    assert "Not Found" in log.getvalue()
    assert scan_texts([log.getvalue()]) == []
