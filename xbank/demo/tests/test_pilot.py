"""The pilot part of the demo: the seed's pilot majors, six tasks and schedule, budgets with a
review, a subsidy, expenditures and adjustments, and course–certificate maps with gaps."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from xbank.accounts.models import User
from xbank.catalog import selectors as catalog_selectors
from xbank.catalog.models import Curriculum
from xbank.demo import data
from xbank.pilot import selectors
from xbank.pilot.models import Budget, BudgetAdjustment, FundingSource, PilotMajor, WorkTask

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for label in ("pilot", "catalog", "audit")
        for m in apps.get_app_config(label).get_models()
    }


def user(name):
    return User.objects.get(username=name)


def test_a_second_run_writes_nothing():
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_the_four_pilot_majors_of_the_seed():
    pilots = {
        p.major.code: [ct.name for ct in p.certificate_types.all()]
        for p in PilotMajor.objects.select_related("major")
    }
    assert pilots == {
        data.NURSING: [data.ELDERLY_CARE],
        data.MIDWIFERY: [data.MATERNAL_CARE],
        data.CHILDCARE: [data.INFANT_CARE],
        data.REHAB: [data.MASSAGE],
    }


def test_the_six_tasks_with_their_departments_and_one_overdue_milestone():
    tasks = selectors.task_list(user=user("academic_affairs"), today=timezone.localdate())
    assert [(t.number, t.title) for t in tasks] == [
        (1, "融入人才培养"),
        (2, "实施高质量培训"),
        (3, "职业技能等级证书培训小组"),
        (4, "师资队伍建设"),
        (5, "建立学分银行"),
        (6, "组织保障"),
    ]
    leads = {t.number: [d.name for d in t.lead_departments.all()] for t in tasks}
    assert leads[5] == ["信息中心", "教务处"] or set(leads[5]) == {"信息中心", "教务处"}
    assert set(leads[6]) == {"学校办公室", "人事处", "财务处"}
    assert all("各二级学院" in t.implementer_labels() for t in tasks)
    overdue = [t.number for t in tasks if t.overdue_count]
    assert overdue == [3]
    dues = sorted(m.due_on for t in WorkTask.objects.all() for m in t.milestones.all())
    assert (dues[0].isoformat()[:7], dues[-1].isoformat()[:7]) == ("2019-04", "2020-01")
    # each department sees its own
    assert [t.number for t in selectors.task_list(user=user("hr"))] == [4, 6]
    assert [t.number for t in selectors.task_list(user=user("finance"))] == [6]
    assert [t.number for t in selectors.task_list(user=user("continuing_ed"))] == [2, 3]
    assert [t.number for t in selectors.task_list(user=user("sysadmin"))] == [5]
    assert selectors.task_list(user=user("partner_academic_affairs")).count() == 0


def test_budgets_review_subsidy_near_limit_category_and_adjustments():
    finance = user("finance")
    budgets = {(b.pilot_major.major.code, b.year): b for b in selectors.budget_list(user=finance)}
    assert {k for k in budgets if k[1] == 2019} == {
        (code, 2019) for code in (data.NURSING, data.MIDWIFERY, data.CHILDCARE, data.REHAB)
    }
    assert all(budgets[(c, 2019)].status == "approved" for c, _ in budgets if _ == 2019)
    assert budgets[(data.NURSING, 2020)].status == "under_review"
    nursing = selectors.access_budget(finance, budgets[(data.NURSING, 2019)].pk)
    assert [r.decision for r in nursing.reviews.all()] == ["returned", "approved"]
    assert nursing.funding_sources.filter(kind=FundingSource.Kind.NATIONAL_SUBSIDY).exists()
    rates = {line.category: line.rate for line in nursing.lines.all()}
    assert rates["research"] == Decimal("97.8")
    resources = nursing.lines.get(category="training_resources")
    assert resources.adjusted == Decimal("8000.00") and resources.spent > resources.amount
    assert BudgetAdjustment.objects.filter(status="approved").count() == 1
    assert BudgetAdjustment.objects.filter(status="requested").count() == 1
    assert all(b.total_spent > 0 for (c, y), b in budgets.items() if y == 2019)
    assert Budget.objects.filter(status="returned").count() == 0


def test_coverage_maps_have_deliberate_gaps():
    reader = user("academic_affairs")
    nursing_2023 = Curriculum.objects.get(
        major__institution__code="14113", major__code=data.NURSING, cohort_year=2023
    )
    curriculum = catalog_selectors.access_curriculum(reader, nursing_2023.pk)
    elderly = curriculum.required_certificates.get(name=data.ELDERLY_CARE)
    matrix = catalog_selectors.coverage_matrix(curriculum=curriculum, certificate_type=elderly)
    assert 0 < matrix.share < 100
    assert {m.name for m in matrix.uncovered_modules} == {"质量管理", "培训指导"}
    assert "思想道德与法治" in [cc.course.name for cc in matrix.unmapped_courses]
    older = catalog_selectors.access_curriculum(
        reader,
        Curriculum.objects.get(
            major__institution__code="14113", major__code=data.NURSING, cohort_year=2021
        ).pk,
    )
    older_matrix = catalog_selectors.coverage_matrix(curriculum=older, certificate_type=elderly)
    assert older_matrix.share < matrix.share
    practice = [row for row in matrix.rows if row.course.code == "HL14"][0]
    assert any(cell and cell.course_module for cell in practice.cells)
    summaries = catalog_selectors.coverage_summaries(catalog_selectors.curriculum_list(user=reader))
    assert all(s.share is not None and s.share < 100 for s in summaries if s.covered_count)
