"""Catalogue pages: certificate types with their standard modules, curricula with their courses."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.catalog.models import CertificateType, CurriculumCourse, Level
from xbank.catalog.services import certificate_type_cancel
from xbank.catalog.tests.factories import (
    CertificateAliasFactory,
    CertificateTypeFactory,
    CurriculumCourseFactory,
    CurriculumFactory,
    StandardModuleFactory,
)
from xbank.core.actors import SYSTEM
from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def sheet(response) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


# --- Certificate types --------------------------------------------------------------------------


def test_certificate_list_shows_kind_issuer_levels_aliases_modules_and_status(client, world):
    ct = world.certificate_type
    CertificateAliasFactory(certificate_type=ct, alias="老年照护")
    StandardModuleFactory(certificate_type=ct, level=Level.INTERMEDIATE)
    cancelled = CertificateTypeFactory(name="已停考证书", kind=CertificateType.Kind.QUALIFICATION)
    certificate_type_cancel(actor=SYSTEM, certificate_type=cancelled)
    login(client, world, "school_staff_a1")
    page = client.get(reverse("catalog:certificate-list")).content.decode()
    row = re.search(rf'<tr data-certificate-type="{ct.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "职业技能等级证书" in row
    assert ct.evaluation_org.name in row
    assert "初级、中级、高级" in row
    assert "老年照护" in row
    assert re.search(r'<td class="text-end">2</td>', row)
    assert "有效" in row
    cancelled_row = re.search(
        rf'<tr data-certificate-type="{cancelled.pk}">(.*?)</tr>', page, re.S
    ).group(1)
    assert '<span class="badge text-bg-secondary">已取消</span>' in cancelled_row


def test_certificate_list_filters_by_kind_and_status(client, world):
    cancelled = CertificateTypeFactory(kind=CertificateType.Kind.QUALIFICATION)
    certificate_type_cancel(actor=SYSTEM, certificate_type=cancelled)
    login(client, world, "bank_admin")
    url = reverse("catalog:certificate-list")
    shown = lambda params: {ct.pk for ct in client.get(url, params).context["page_obj"]}  # noqa: E731
    assert shown({"status": "cancelled"}) == {cancelled.pk}
    assert shown({"kind": "skill_level"}) == {world.certificate_type.pk}
    assert shown({"kind": "diploma"}) == set()


def test_certificate_export_reopens(client, world):
    login(client, world, "bank_admin")
    rows = sheet(client.get(reverse("catalog:certificate-list"), {"export": "xlsx"}))
    assert rows[0][0] == "证书名称"
    assert rows[1][0] == world.certificate_type.name
    assert rows[1][5] == 1.0  # standard modules
    assert rows[1][6] == "有效"


def test_certificate_detail_groups_standard_modules_junior_to_senior(client, world):
    ct = CertificateTypeFactory()
    StandardModuleFactory(certificate_type=ct, level=Level.SENIOR, name="高级模块")
    StandardModuleFactory(certificate_type=ct, level=Level.JUNIOR, name="初级模块")
    StandardModuleFactory(certificate_type=ct, level=Level.INTERMEDIATE, name="中级模块")
    login(client, world, "continuing_ed_a")
    page = client.get(reverse("catalog:certificate-detail", args=[ct.pk])).content.decode()
    assert page.index("初级模块") < page.index("中级模块") < page.index("高级模块")
    assert re.findall(r'data-level="([^"]+)"', page) == ["初级", "中级", "高级"]


def test_certificate_detail_lists_curricula_requiring_it_in_scope(client, world):
    login(client, world, "school_staff_a1")
    page = client.get(
        reverse("catalog:certificate-detail", args=[world.certificate_type.pk])
    ).content.decode()
    assert reverse("catalog:curriculum-detail", args=[world.curriculum_a1.pk]) in page
    world.curriculum_b1.required_certificates.add(world.certificate_type)
    page = client.get(
        reverse("catalog:certificate-detail", args=[world.certificate_type.pk])
    ).content.decode()
    assert reverse("catalog:curriculum-detail", args=[world.curriculum_b1.pk]) not in page


def test_a_missing_certificate_type_is_404(client, world):
    login(client, world, "bank_admin")
    assert client.get(reverse("catalog:certificate-detail", args=[10**9])).status_code == 404


# --- Curricula ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("bank_admin", {"curriculum_a1", "curriculum_b1"}),
        ("academic_affairs_a", {"curriculum_a1"}),
        ("school_staff_a1", {"curriculum_a1"}),
        ("major_staff_a1", {"curriculum_a1"}),
        ("school_staff_a2", set()),
        ("school_staff_b1", {"curriculum_b1"}),
    ],
)
def test_curriculum_list_is_scoped_like_learners(client, world, role, expected):
    login(client, world, role)
    shown = {c.pk for c in client.get(reverse("catalog:curriculum-list")).context["page_obj"]}
    assert shown == {getattr(world, name).pk for name in expected}


def test_curriculum_list_filters_by_major_and_cohort_and_exports(client, world):
    newer = CurriculumFactory(major=world.major_a1, cohort_year=2024)
    login(client, world, "academic_affairs_a")
    url = reverse("catalog:curriculum-list")
    assert [c.pk for c in client.get(url, {"cohort_year": 2024}).context["page_obj"]] == [newer.pk]
    assert {c.pk for c in client.get(url, {"major": world.major_a1.pk}).context["page_obj"]} == {
        newer.pk,
        world.curriculum_a1.pk,
    }
    # another college's major is not a valid choice: nothing is listed
    assert list(client.get(url, {"major": world.major_b1.pk}).context["page_obj"]) == []
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][3] == "专业"
    assert [row[4] for row in rows[1:]] == [2024.0, 2023.0]
    assert rows[2][8] == world.certificate_type.name


def test_curriculum_detail_shows_courses_by_semester_and_graduation_requirements(client, world):
    curriculum = world.curriculum_a1
    CurriculumCourseFactory(
        curriculum=curriculum,
        semester=3,
        credits=4,
        required=False,
        category=CurriculumCourse.Category.ELECTIVE,
        course__name="老年照护实务",
    )
    CurriculumCourseFactory(curriculum=curriculum, semester=1, credits=3, course__name="护理学基础")
    login(client, world, "school_staff_a1")
    page = client.get(reverse("catalog:curriculum-detail", args=[curriculum.pk])).content.decode()
    assert re.findall(r'data-semester="(\d+)"', page) == ["1", "3"]
    assert page.index("护理学基础") < page.index("老年照护实务")
    assert "选修课" in page and "专业核心课" in page
    assert "至少取得以下证书之一" in page
    assert world.certificate_type.name in page
    assert re.search(r"data-total-credits>140", page)
    semester_1 = re.search(r'data-semester="1">(.*?)</div>', page, re.S).group(1)
    assert "5.0 学分" in semester_1  # 2 (world) + 3


def test_another_schools_curriculum_is_404(client, world):
    login(client, world, "school_staff_a1")
    url = reverse("catalog:curriculum-detail", args=[world.curriculum_b1.pk])
    assert client.get(url).status_code == 404


def test_catalog_pages_are_forbidden_to_roles_without_learner_records(client, world):
    login(client, world, "learner")
    assert client.get(reverse("catalog:certificate-list")).status_code == 403
    login(client, world, "hr_a")
    assert client.get(reverse("catalog:curriculum-list")).status_code == 403


# --- Query counts -------------------------------------------------------------------------------
# Every page: session, user and role assignments (scope and the navigation's menu); then the
# page's own queries, listed per test.


def _assert_same_queries(client, world, django_assert_num_queries, url, expected, grow):
    login(client, world, "school_staff_a1")
    client.get(url)
    for extra in (2, 27):  # 3 rows, then 30
        grow(extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_curriculum_detail_queries_do_not_grow_with_courses(
    client, world, django_assert_num_queries
):
    # 3 common + the curriculum with major, school and institution; its required certificates;
    # its courses (course joined).
    curriculum = world.curriculum_a1

    def grow(n):
        for i in range(n):
            CurriculumCourseFactory(curriculum=curriculum, semester=1 + i % 6)
            curriculum.required_certificates.add(CertificateTypeFactory())

    url = reverse("catalog:curriculum-detail", args=[curriculum.pk])
    _assert_same_queries(client, world, django_assert_num_queries, url, 6, grow)


def test_curriculum_list_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + count, page of curricula (major, school, institution joined, course count),
    # their required certificates, the major choices.
    years = iter(range(1990, 2023))

    def grow(n):
        for _ in range(n):
            curriculum = CurriculumFactory(major=world.major_a1, cohort_year=next(years))
            CurriculumCourseFactory(curriculum=curriculum)
            curriculum.required_certificates.add(world.certificate_type)

    url = reverse("catalog:curriculum-list")
    _assert_same_queries(client, world, django_assert_num_queries, url, 7, grow)


def test_certificate_list_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + count, page of types (organisation joined, module count), their aliases.
    def grow(n):
        for _ in range(n):
            ct = CertificateTypeFactory()
            CertificateAliasFactory(certificate_type=ct)
            StandardModuleFactory(certificate_type=ct)

    url = reverse("catalog:certificate-list")
    _assert_same_queries(client, world, django_assert_num_queries, url, 6, grow)


def test_certificate_detail_queries_do_not_grow_with_modules(
    client, world, django_assert_num_queries
):
    # 3 common + the type with its organisation, its modules, its aliases, the curricula
    # requiring it (major joined).
    ct = world.certificate_type

    def grow(n):
        for _ in range(n):
            StandardModuleFactory(certificate_type=ct)
            CertificateAliasFactory(certificate_type=ct)

    url = reverse("catalog:certificate-detail", args=[ct.pk])
    _assert_same_queries(client, world, django_assert_num_queries, url, 7, grow)


def test_a_certificate_type_is_cancelled_by_someone_never_by_a_missing_actor():
    ct = CertificateTypeFactory()
    with pytest.raises(TypeError, match="SYSTEM"):
        certificate_type_cancel(actor=None, certificate_type=ct)
    ct.refresh_from_db()
    assert not ct.is_cancelled
