"""Course–certificate integration (课证融合): the map, the coverage matrix and its pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.audit.models import AuditEntry
from xbank.catalog import selectors, services
from xbank.catalog.models import CourseModule, CourseStandardMap, CurriculumCourse, Level
from xbank.catalog.services import ERR_CANCELLED, ERR_COURSE_NOT_IN_CURRICULUM
from xbank.catalog.tests.factories import (
    CertificateTypeFactory,
    CourseFactory,
    CurriculumCourseFactory,
    StandardModuleFactory,
)
from xbank.core.actors import SYSTEM
from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def plan(world):
    """Curriculum A1 with three courses and a certificate of 3 junior + 2 senior modules."""
    curriculum = world.curriculum_a1
    ct = CertificateTypeFactory(name="母婴护理职业技能等级证书")
    curriculum.required_certificates.add(ct)
    junior = [
        StandardModuleFactory(certificate_type=ct, level=Level.JUNIOR, code=f"1-{i}", name=n)
        for i, n in enumerate(["产妇生活照护", "新生儿生活照护", "母乳喂养指导"], start=1)
    ]
    senior = [
        StandardModuleFactory(certificate_type=ct, level=Level.SENIOR, code=f"3-{i}", name=n)
        for i, n in enumerate(["孕产期健康管理", "培训与指导"], start=1)
    ]
    courses = [
        CurriculumCourseFactory(curriculum=curriculum, semester=s, course__name=name).course
        for s, name in [(2, "妇产科护理"), (3, "母婴保健"), (4, "大学英语")]
    ]
    return curriculum, ct, junior, senior, courses


def tick(curriculum, course, module, *, mapped=True, actor=SYSTEM, **kw):
    return services.course_standard_map_set(
        actor=actor,
        curriculum=curriculum,
        course=course,
        standard_module=module,
        mapped=mapped,
        **kw,
    )


def login(client, world, role):
    client.force_login(world.users[role])
    return client


# --- Service --------------------------------------------------------------------------------------


def test_ticking_a_cell_is_idempotent_and_audited(world, plan):
    curriculum, ct, junior, _senior, courses = plan
    actor = world.users["academic_affairs_a"]
    assert tick(curriculum, courses[0], junior[0], actor=actor) is True
    assert tick(curriculum, courses[0], junior[0], actor=actor) is False
    assert CourseStandardMap.objects.count() == 1
    assert tick(curriculum, courses[0], junior[0], mapped=False, actor=actor) is True
    assert tick(curriculum, courses[0], junior[0], mapped=False, actor=actor) is False
    actions = list(
        AuditEntry.objects.filter(action__startswith="catalog.course_standard_map").values_list(
            "action", "actor"
        )
    )
    assert sorted(actions) == [
        ("catalog.course_standard_map.added", actor.pk),
        ("catalog.course_standard_map.removed", actor.pk),
    ]


def test_it_refuses_a_course_outside_the_curriculum(plan):
    curriculum, _ct, junior, _senior, _courses = plan
    stranger = CourseFactory(institution=curriculum.major.institution, name="外专业课程")
    with pytest.raises(ValidationError) as exc:
        tick(curriculum, stranger, junior[0])
    assert exc.value.messages == [ERR_COURSE_NOT_IN_CURRICULUM.format(course="外专业课程")]


def test_it_refuses_new_maps_to_a_cancelled_certificate_but_allows_removal(plan):
    from xbank.catalog.services import certificate_type_cancel

    curriculum, ct, junior, _senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    certificate_type_cancel(actor=SYSTEM, certificate_type=ct)
    junior[1].certificate_type.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        tick(curriculum, courses[0], junior[1])
    assert exc.value.messages == [ERR_CANCELLED.format(name=ct.name)]
    assert tick(curriculum, courses[0], junior[0], mapped=False) is True


def test_a_cell_may_name_the_teaching_module(plan):
    curriculum, _ct, junior, _senior, courses = plan
    module = CourseModule.objects.create(course=courses[1], code="M1", name="母乳喂养实训")
    tick(curriculum, courses[1], junior[2], course_module=module)
    assert CourseStandardMap.objects.get().course_module == module
    other = CourseModule.objects.create(course=courses[0], code="M1", name="别的课的模块")
    with pytest.raises(ValidationError):
        tick(curriculum, courses[1], junior[1], course_module=other)


# --- Selector -------------------------------------------------------------------------------------


def test_coverage_share_uncovered_modules_and_unmapped_courses(plan):
    curriculum, ct, junior, senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    tick(curriculum, courses[1], junior[0])  # two courses on one module count once
    tick(curriculum, courses[1], junior[2])
    tick(curriculum, courses[0], senior[0])
    curriculum = selectors.access_curriculum(_aa(curriculum), curriculum.pk)

    whole = selectors.coverage_matrix(curriculum=curriculum, certificate_type=ct)
    assert [m.code for m in whole.modules] == ["1-1", "1-2", "1-3", "3-1", "3-2"]
    assert (whole.covered_count, whole.module_count) == (3, 5)
    assert str(whole.share) == "60.0"
    assert [m.name for m in whole.uncovered_modules] == ["新生儿生活照护", "培训与指导"]
    unmapped = [cc.course.name for cc in whole.unmapped_courses]
    assert "大学英语" in unmapped and "妇产科护理" not in unmapped and "母婴保健" not in unmapped
    assert whole.module_course_counts == [2, 0, 1, 1, 0]

    junior_only = selectors.coverage_matrix(
        curriculum=curriculum, certificate_type=ct, level=Level.JUNIOR
    )
    assert (junior_only.covered_count, junior_only.module_count) == (2, 3)
    assert str(junior_only.share) == "66.7"

    senior_only = selectors.coverage_matrix(
        curriculum=curriculum, certificate_type=ct, level=Level.SENIOR
    )
    # At the senior level only 妇产科护理 maps to anything.
    assert [cc.course.name for cc in senior_only.unmapped_courses if cc.course.name != "妇产科护理"]
    assert "母婴保健" in [cc.course.name for cc in senior_only.unmapped_courses]
    assert str(senior_only.share) == "50.0"


def test_a_map_in_another_curriculum_does_not_count(world, plan):
    curriculum, ct, junior, _senior, courses = plan
    other = CurriculumCourseFactory(
        curriculum__major=world.major_a1, curriculum__cohort_year=2024, course=courses[0]
    ).curriculum
    tick(other, courses[0], junior[0])
    curriculum = selectors.access_curriculum(_aa(curriculum), curriculum.pk)
    matrix = selectors.coverage_matrix(curriculum=curriculum, certificate_type=ct)
    assert matrix.covered_count == 0
    assert matrix.share == 0


def test_a_certificate_without_modules_has_no_share(plan):
    curriculum, *_ = plan
    empty = CertificateTypeFactory()
    curriculum = selectors.access_curriculum(_aa(curriculum), curriculum.pk)
    matrix = selectors.coverage_matrix(curriculum=curriculum, certificate_type=empty)
    assert matrix.share is None and matrix.uncovered_modules == []


def test_summaries_list_required_and_mapped_certificates(world, plan):
    curriculum, ct, junior, _senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    extra = CertificateTypeFactory(name="家庭保健按摩职业技能等级证书")
    extra_module = StandardModuleFactory(certificate_type=extra)
    tick(curriculum, courses[2], extra_module)
    summaries = selectors.coverage_summaries(
        selectors.curriculum_list(user=world.users["academic_affairs_a"])
    )
    got = {(s.curriculum.pk, s.certificate_type.name): s for s in summaries}
    # world's certificate is required and has one module, none covered
    elderly = got[(curriculum.pk, world.certificate_type.name)]
    assert (elderly.required, elderly.covered_count, elderly.module_count) == (True, 0, 1)
    maternal = got[(curriculum.pk, ct.name)]
    assert (maternal.covered_count, maternal.module_count, str(maternal.share)) == (1, 5, "20.0")
    massage = got[(curriculum.pk, extra.name)]
    assert (massage.required, massage.share, massage.mapped_course_count) == (False, 100, 1)


def _aa(curriculum):
    """A regional reader, to fetch the curriculum through ``access_curriculum`` in tests."""
    from xbank.accounts.models import Role
    from xbank.accounts.tests.factories import user_with_role

    return user_with_role(Role.BANK_ADMIN)


# --- Pages ----------------------------------------------------------------------------------------


def test_matrix_page_shows_the_share_gaps_heat_map_data_and_cells(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    login(client, world, "school_staff_a1")
    url = reverse("catalog:coverage", args=[curriculum.pk])
    response = client.get(url, {"certificate": ct.pk, "level": Level.JUNIOR})
    page = response.content.decode()
    assert re.search(r"data-coverage-share>33.3%", page)
    uncovered = re.search(r"data-uncovered-modules>(.*?)</ul>", page, re.S).group(1)
    assert "新生儿生活照护" in uncovered and "产妇生活照护" not in uncovered
    assert f'data-cell="{courses[0].pk}-{junior[0].pk}" data-mapped' in page
    assert 'id="coverage-data"' in page and "echarts.min.js" in page
    chart = response.context["chart"]
    y = chart["courses"].index("妇产科护理")
    assert [0, y, 1] in chart["cells"] and [1, y, 0] in chart["cells"]
    assert chart["modules"][0] == "1-1 产妇生活照护"
    assert "hx-post" in page  # school staff of the school may edit


def test_matrix_defaults_to_a_required_certificate(client, world, plan):
    curriculum, *_ = plan
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("catalog:coverage", args=[curriculum.pk]))
    assert response.context["matrix"].certificate_type in curriculum.required_certificates.all()


def test_readers_who_may_not_edit_see_no_buttons_and_get_403(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    login(client, world, "continuing_ed_a")
    page = client.get(reverse("catalog:coverage", args=[curriculum.pk])).content.decode()
    assert "hx-post" not in page
    response = client.post(
        reverse("catalog:coverage-cell", args=[curriculum.pk]),
        {"course": courses[0].pk, "standard_module": junior[0].pk, "mapped": "1"},
    )
    assert response.status_code == 403
    assert not CourseStandardMap.objects.exists()


def test_another_schools_staff_get_404_for_the_matrix_and_the_cell(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    login(client, world, "school_staff_a2")
    assert client.get(reverse("catalog:coverage", args=[curriculum.pk])).status_code == 404
    response = client.post(
        reverse("catalog:coverage-cell", args=[curriculum.pk]),
        {"course": courses[0].pk, "standard_module": junior[0].pk, "mapped": "1"},
    )
    assert response.status_code == 404


def test_ticking_through_htmx_returns_the_updated_matrix(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    login(client, world, "major_staff_a1")
    url = reverse("catalog:coverage-cell", args=[curriculum.pk])
    data = {"course": courses[1].pk, "standard_module": junior[1].pk, "mapped": "1", "level": ""}
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="coverage-matrix">')
    assert f'data-cell="{courses[1].pk}-{junior[1].pk}" data-mapped' in page
    assert re.search(r"data-coverage-share>20.0%", page)
    entry = AuditEntry.objects.get(action="catalog.course_standard_map.added")
    assert entry.actor == world.users["major_staff_a1"]
    assert entry.data["course"] == courses[1].code
    # unticking: no "mapped" field
    client.post(url, {**data, "mapped": ""}, headers={"HX-Request": "true"})
    assert not CourseStandardMap.objects.exists()


def test_ticking_without_htmx_redirects_back_to_the_matrix(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    login(client, world, "academic_affairs_a")
    response = client.post(
        reverse("catalog:coverage-cell", args=[curriculum.pk]),
        {
            "course": courses[0].pk,
            "standard_module": junior[0].pk,
            "mapped": "1",
            "level": "junior",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?certificate={ct.pk}&level=junior")
    assert CourseStandardMap.objects.filter(curriculum=curriculum).count() == 1


def test_a_course_of_another_curriculum_is_a_bad_request(client, world, plan):
    curriculum, ct, junior, _senior, _courses = plan
    stranger = CourseFactory(institution=curriculum.major.institution)
    login(client, world, "academic_affairs_a")
    response = client.post(
        reverse("catalog:coverage-cell", args=[curriculum.pk]),
        {"course": stranger.pk, "standard_module": junior[0].pk, "mapped": "1"},
    )
    assert response.status_code == 400
    assert not CourseStandardMap.objects.exists()


def sheet(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def test_matrix_export_reopens_with_the_cells_and_counts(client, world, plan):
    curriculum, ct, junior, senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    tick(curriculum, courses[1], junior[0])
    tick(curriculum, courses[0], senior[1])
    login(client, world, "academic_affairs_a")
    rows = sheet(
        client.get(
            reverse("catalog:coverage", args=[curriculum.pk]),
            {"certificate": ct.pk, "export": "xlsx"},
        )
    )
    assert "覆盖 2/5 个模块" in rows[0][0]
    header = rows[1]
    assert header[:3] == ["课程代码", "课程名称", "课程类别"]
    assert header[3] == "初级 1-1 产妇生活照护" and header[-1] == "对应模块数"
    by_course = {row[1]: row for row in rows[2:]}
    assert by_course["妇产科护理"][3] == "●" and by_course["妇产科护理"][-1] == 2.0
    assert by_course["大学英语"][-1] == 0.0
    totals = rows[-1]
    assert totals[1] == "覆盖课程数"
    assert totals[3:8] == [2.0, 0.0, 0.0, 0.0, 1.0]


def test_coverage_list_shows_shares_filters_by_certificate_and_exports(client, world, plan):
    curriculum, ct, junior, _senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    login(client, world, "academic_affairs_a")
    url = reverse("catalog:coverage-list")
    page = client.get(url).content.decode()
    row = re.search(rf'<tr data-coverage="{curriculum.pk}-{ct.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "20.0%" in row and "毕业要求" in row
    shown = client.get(url, {"certificate_type": ct.pk}).context["summaries"]
    assert {s.certificate_type.pk for s in shown} == {ct.pk}
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][3] == "证书"
    got = {r[3]: r for r in rows[1:]}
    assert got[ct.name][5:8] == [5.0, 1.0, 20.0]
    assert got[world.certificate_type.name][7] == 0.0


def test_coverage_list_is_scoped(client, world, plan):
    login(client, world, "school_staff_b1")
    shown = {
        s.curriculum.pk for s in client.get(reverse("catalog:coverage-list")).context["summaries"]
    }
    assert world.curriculum_a1.pk not in shown


# --- Query counts -----------------------------------------------------------------------------------


def test_matrix_queries_do_not_grow_with_courses_modules_and_maps(
    client, world, plan, django_assert_num_queries
):
    # 3 common + the curriculum (major, school, institution), its required certificates, its
    # courses; the certificate options; the modules; the maps. (Whether the user may edit is
    # answered from the role assignments the common queries read.)
    curriculum, ct, junior, _senior, courses = plan
    login(client, world, "school_staff_a1")
    url = reverse("catalog:coverage", args=[curriculum.pk])

    def grow(n):
        for i in range(n):
            course = CurriculumCourseFactory(curriculum=curriculum, semester=1 + i % 6).course
            module = StandardModuleFactory(certificate_type=ct, level=Level.JUNIOR)
            tick(curriculum, course, module)
            tick(curriculum, course, junior[0])

    client.get(url, {"certificate": ct.pk})
    for extra in (2, 20):
        grow(extra)
        with django_assert_num_queries(9):
            assert client.get(url, {"certificate": ct.pk}).status_code == 200


def test_coverage_list_queries_do_not_grow(client, world, plan, django_assert_num_queries):
    # 3 common + count, page of curricula, their required certificates, the major choices, the
    # certificate choices; module counts, map counts, mapped certificates.
    curriculum, ct, junior, _senior, courses = plan
    tick(curriculum, courses[0], junior[0])
    login(client, world, "academic_affairs_a")
    url = reverse("catalog:coverage-list")
    years = iter(range(1990, 2020))

    def grow(n):
        from xbank.catalog.tests.factories import CurriculumFactory

        for _ in range(n):
            other = CurriculumFactory(major=world.major_a1, cohort_year=next(years))
            other.required_certificates.add(ct)
            cc = CurriculumCourseFactory(curriculum=other, category=CurriculumCourse.Category.CORE)
            tick(other, cc.course, junior[1])

    client.get(url)
    for extra in (2, 20):
        grow(extra)
        with django_assert_num_queries(11):
            assert client.get(url).status_code == 200
