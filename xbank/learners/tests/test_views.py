"""Pages of learners, outcomes, certificate statistics and the learner's own account."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.learners.models import LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome, student
from xbank.testing.browser import overflows
from xbank.testing.world import World, build_world, link_account

pytestmark = pytest.mark.django_db

MASK = re.compile(r"\b\d{6}\*{8}\d{3}[\dX]\b")


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing, as before collectstatic."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def world() -> World:
    return build_world()


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def sheet(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


# --- Scoping -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in [
        reverse("learners:learner-list"),
        reverse("learners:learner-detail", args=[world.alice.pk]),
        reverse("learners:my-account"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_school_staff_list_only_their_school(client, world):
    login(client, world, "school_staff_a1")
    page = client.get(reverse("learners:learner-list")).content.decode()
    assert "安丽丝" in page
    assert "包博" not in page and "蔡可" not in page
    outcomes = client.get(reverse("learners:outcome-list"))
    assert [o.pk for o in outcomes.context["page_obj"]] == [world.outcomes["alice"].pk]


def test_institution_roles_list_only_their_institution(client, world):
    login(client, world, "academic_affairs_a")
    page = client.get(reverse("learners:learner-list")).content.decode()
    assert "安丽丝" in page and "包博" in page
    assert "蔡可" not in page


def test_the_bank_admin_lists_every_institution(client, world):
    login(client, world, "bank_admin")
    page = client.get(reverse("learners:learner-list")).content.decode()
    assert all(name in page for name in ["安丽丝", "包博", "蔡可"])


def test_school_staff_get_404_on_another_schools_learner_and_its_outcomes(client, world):
    login(client, world, "school_staff_a1")
    assert client.get(reverse("learners:learner-detail", args=[world.bob.pk])).status_code == 404
    assert client.get(reverse("learners:learner-detail", args=[world.carol.pk])).status_code == 404
    # nor does bob's certificate show up through any list filter
    response = client.get(
        reverse("learners:outcome-list"), {"title": world.outcomes["bob"].title[:4]}
    )
    assert world.outcomes["bob"].number not in response.content.decode()


def test_a_learner_reaches_only_their_own_account(client, world):
    login(client, world, "learner")
    assert client.get(reverse("learners:my-account")).status_code == 200
    assert client.get(reverse("learners:learner-list")).status_code == 403
    assert client.get(reverse("learners:learner-detail", args=[world.alice.pk])).status_code == 403
    assert client.get(reverse("learners:outcome-list")).status_code == 403


# --- Learner list ----------------------------------------------------------------------------


def test_learner_list_shows_masked_ids_in_a_responsive_table_with_collapsing_filters(client, world):
    login(client, world, "academic_affairs_a")
    page = client.get(reverse("learners:learner-list")).content.decode()
    number = world.alice.account.id_number
    assert masked(number) in page
    assert number not in page
    assert 'class="table-responsive"' in page
    assert re.search(r'<form[^>]*id="filters"[^>]*class="collapse d-md-block', page)


def test_learner_list_sorts_by_pinyin_of_the_name(client, world):
    for name in ["张伟", "曾小明", "陈一"]:
        student(major=world.major_a1, name=name)
    login(client, world, "school_staff_a1")
    response = client.get(reverse("learners:learner-list"))
    shown = [learner.account.name for learner in response.context["page_obj"]]
    assert shown == ["安丽丝", "陈一", "曾小明", "张伟"]
    page = response.content.decode()
    assert page.index("陈一") < page.index("曾小明") < page.index("张伟")


def test_learner_list_filters_by_name_kind_and_cohort(client, world):
    student(major=world.major_a1, name="安小二", cohort_year=2024)
    login(client, world, "academic_affairs_a")
    url = reverse("learners:learner-list")
    shown = lambda params: {  # noqa: E731
        learner.account.name for learner in client.get(url, params).context["page_obj"]
    }
    assert shown({"name": "安"}) == {"安丽丝", "安小二"}
    assert shown({"cohort_year": "2024"}) == {"安小二"}
    assert shown({"school": world.school_a2.pk}) == {"包博"}
    assert shown({"kind": "social"}) == set()


def test_learner_list_finds_a_person_by_document_number_typed_any_way(client, world):
    login(client, world, "academic_affairs_a")
    number = world.alice.account.id_number
    response = client.post(
        reverse("learners:learner-list"),
        {"id_number": " ".join([number[:6], number[6:]])},
        follow=True,
    )
    assert [learner.pk for learner in response.context["page_obj"]] == [world.alice.pk]


def test_a_wrong_check_digit_is_reported_and_lists_nobody(client, world):
    login(client, world, "academic_affairs_a")
    number = world.alice.account.id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client.post(reverse("learners:learner-list"), {"id_number": wrong})
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []
    assert "校验位不正确" in response.content.decode()


def test_learner_list_paginates_by_fifty(client, world):
    for _ in range(50):
        student(major=world.major_a1)
    login(client, world, "school_staff_a1")
    first = client.get(reverse("learners:learner-list"))
    assert len(first.context["page_obj"]) == 50
    second = client.get(reverse("learners:learner-list"), {"page": 2})
    assert len(second.context["page_obj"]) == 1


def test_learner_export_reopens_with_masked_ids_in_list_order(client, world):
    student(major=world.major_a1, name="曾小明")
    login(client, world, "academic_affairs_a")
    rows = sheet(client.get(reverse("learners:learner-list"), {"export": "xlsx"}))
    assert rows[0][:3] == ["姓名", "账户号", "证件号"]
    assert [row[0] for row in rows[1:]] == ["安丽丝", "包博", "曾小明"]
    assert all(MASK.fullmatch(row[2]) for row in rows[1:])
    assert rows[1][2] == masked(world.alice.account.id_number)
    assert not AuditEntry.objects.filter(action="learners.id_number.exported").exists()


def test_learner_export_follows_the_filters(client, world):
    login(client, world, "academic_affairs_a")
    rows = sheet(
        client.get(
            reverse("learners:learner-list"), {"export": "xlsx", "school": world.school_a2.pk}
        )
    )
    assert [row[0] for row in rows[1:]] == ["包博"]


def test_the_old_full_id_get_export_gives_masked_numbers_and_no_audit(client, world):
    # Full numbers leave only through a full-ID export request (see test_full_export.py).
    url = reverse("learners:learner-list")
    login(client, world, "academic_affairs_a")
    rows = sheet(client.get(url, {"export": "xlsx", "full_id": "1"}))
    assert rows[1][2] == masked(world.alice.account.id_number)
    assert world.alice.account.id_number not in str(rows)
    assert not AuditEntry.objects.filter(action="learners.id_number.exported").exists()


# --- Learner detail and reveal ---------------------------------------------------------------


def test_learner_detail_shows_the_account_masked_and_the_outcome_timeline(client, world):
    world.alice.account.phone = "13812345678"
    world.alice.account.save(update_fields=["phone"])
    login(client, world, "school_staff_a1")
    page = client.get(reverse("learners:learner-detail", args=[world.alice.pk])).content.decode()
    account = world.alice.account
    assert account.account_no_display in page
    assert masked(account.id_number) in page
    assert account.id_number not in page
    assert "138****5678" in page and "13812345678" not in page
    assert world.outcomes["alice"].number in page
    assert 'class="timeline"' in page
    assert "显示完整证件号" not in page  # school staff may not reveal


def test_learner_detail_lists_the_other_records_of_the_account_in_scope(client, world):
    from xbank.core.identity import parse_document
    from xbank.learners import services

    social = services.learner_register(
        actor=SYSTEM,
        document=parse_document(world.alice.account.id_number),
        name="安丽丝",
        kind="social",
        institution=world.college_a,
    )
    login(client, world, "academic_affairs_a")
    page = client.get(reverse("learners:learner-detail", args=[world.alice.pk])).content.decode()
    assert reverse("learners:learner-detail", args=[social.pk]) in page


def test_an_allowed_role_reveals_the_full_number_and_it_is_audited(client, world):
    login(client, world, "academic_affairs_a")
    detail = client.get(reverse("learners:learner-detail", args=[world.alice.pk])).content
    assert "显示完整证件号" in detail.decode()
    response = client.post(
        reverse("learners:learner-reveal-id", args=[world.alice.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert world.alice.account.id_number in body
    assert "<html" not in body  # the htmx partial only
    assert response["Cache-Control"].startswith("max-age=0")
    entry = AuditEntry.objects.get(action="learners.id_number.revealed")
    assert entry.actor == world.users["academic_affairs_a"]
    assert entry.object_id == str(world.alice.account.pk)


def test_reveal_without_htmx_renders_the_whole_page(client, world):
    login(client, world, "bank_admin")
    response = client.post(reverse("learners:learner-reveal-id", args=[world.carol.pk]))
    assert response.status_code == 200
    assert world.carol.account.id_number in response.content.decode()
    assert "<html" in response.content.decode()


def test_school_staff_cannot_reveal_and_nothing_is_logged(client, world):
    login(client, world, "school_staff_a1")
    response = client.post(reverse("learners:learner-reveal-id", args=[world.alice.pk]))
    assert response.status_code == 403
    assert world.alice.account.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action="learners.id_number.revealed").exists()


def test_reveal_is_post_only(client, world):
    login(client, world, "academic_affairs_a")
    url = reverse("learners:learner-reveal-id", args=[world.alice.pk])
    assert client.get(url).status_code == 405
    assert not AuditEntry.objects.filter(action="learners.id_number.revealed").exists()


# --- Outcome list -----------------------------------------------------------------------------


def test_outcome_list_filters_by_kind_year_status_and_learner_school(client, world):
    alice = world.alice.account
    course = outcome(
        alice,
        kind=OutcomeKind.COURSE_RESULT,
        title="护理学基础",
        issued_on=datetime.date(2023, 1, 10),
    )
    login(client, world, "academic_affairs_a")
    url = reverse("learners:outcome-list")
    shown = lambda params: {o.pk for o in client.get(url, params).context["page_obj"]}  # noqa: E731
    assert shown({"kind": "course_result"}) == {course.pk}
    assert shown({"year": "2023"}) == {course.pk}
    assert shown({"school": world.school_a2.pk}) == {world.outcomes["bob"].pk}
    assert shown({"name": "包"}) == {world.outcomes["bob"].pk}
    assert shown({"certificate_type": world.certificate_type.pk}) == {
        world.outcomes["alice"].pk,
        world.outcomes["bob"].pk,
    }
    assert shown({"certificate_type": "none"}) == {course.pk}
    assert shown({"status": "revoked"}) == set()


def test_outcome_list_is_newest_first_or_by_name(client, world):
    older = outcome(world.bob.account, issued_on=datetime.date(2020, 1, 1))
    login(client, world, "academic_affairs_a")
    url = reverse("learners:outcome-list")
    newest = [o.pk for o in client.get(url).context["page_obj"]]
    assert newest[-1] == older.pk
    by_name = [o.account.name for o in client.get(url, {"sort": "name"}).context["page_obj"]]
    assert by_name == ["安丽丝", "包博", "包博"]


def test_outcome_export_reopens_with_the_rows_of_the_list(client, world):
    login(client, world, "school_staff_a2")
    rows = sheet(client.get(reverse("learners:outcome-list"), {"export": "xlsx"}))
    assert rows[0][0] == "姓名"
    assert len(rows) == 2
    assert rows[1][0] == "包博"
    assert rows[1][6] == world.outcomes["bob"].number


# --- Certificate statistics --------------------------------------------------------------------


def _links(page: str) -> list[tuple[int, str]]:
    return [
        (int(count), unescape(href))
        for href, count in re.findall(r'<a href="([^"]+)" data-count="(\d+)"', page)
    ]


def test_each_certificate_count_equals_the_records_behind_its_link(client, world):
    alice, bob = world.alice.account, world.bob.account
    ct = world.certificate_type
    outcome(alice, kind=OutcomeKind.QUALIFICATION, issued_on=datetime.date(2025, 2, 1))
    outcome(
        bob,
        kind=OutcomeKind.SKILL_CERTIFICATE,
        certificate_type=ct,
        issued_on=datetime.date(2025, 5, 1),
    )
    outcome(
        bob, kind=OutcomeKind.DIPLOMA, title="大专毕业证书", issued_on=datetime.date(2025, 6, 30)
    )
    outcome(alice, kind=OutcomeKind.COURSE_RESULT, title="护理学基础")  # not a certificate
    outcome(
        alice,
        kind=OutcomeKind.SKILL_CERTIFICATE,
        certificate_type=ct,
        status=LearningOutcome.Status.REVOKED,
    )
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("learners:certificate-stats"))
    page = response.content.decode()
    stats = response.context["stats"]
    assert stats.total == 5 and stats.persons == 2
    links = _links(page)
    assert len(links) >= 6
    for count, href in links:
        url = urlsplit(href)
        listed = client.get(url.path, dict(pair.split("=", 1) for pair in url.query.split("&")))
        assert listed.context["page_obj"].paginator.count == count, href


def test_certificate_stats_follow_the_scope_and_the_page_filters(client, world):
    login(client, world, "school_staff_b1")
    stats = client.get(reverse("learners:certificate-stats")).context["stats"]
    assert stats.total == 1 and stats.persons == 1
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("learners:certificate-stats"), {"school": world.school_a1.pk})
    assert response.context["stats"].total == 1
    for _count, href in _links(response.content.decode()):
        assert f"school={world.school_a1.pk}" in href


def test_certificate_stats_export(client, world):
    login(client, world, "bank_admin")
    rows = sheet(client.get(reverse("learners:certificate-stats"), {"export": "xlsx"}))
    assert rows[0][0] == "持证统计（按取得年份和证书类型）"
    assert rows[1] == ["证书类型", "类别", "2024", "合计"]
    assert rows[2] == [world.certificate_type.name, "职业技能等级证书", 3.0, 3.0]
    assert rows[3][0] == "合计" and rows[3][-1] == 3.0
    assert rows[4][0] == "持证人数（去重）" and rows[4][-1] == 3.0


# --- My account ---------------------------------------------------------------------------------


def test_my_account_is_a_timeline_grouped_by_year_newest_first(client, world):
    alice = world.alice.account
    outcome(
        alice,
        kind=OutcomeKind.COURSE_RESULT,
        title="护理学基础",
        issued_on=datetime.date(2023, 1, 10),
    )
    outcome(
        alice, kind=OutcomeKind.DIPLOMA, title="大专毕业证书", issued_on=datetime.date(2026, 6, 30)
    )
    login(client, world, "learner")
    page = client.get(reverse("learners:my-account")).content.decode()
    assert page.index("2026 年") < page.index("2024 年") < page.index("2023 年")
    assert page.index("大专毕业证书") < page.index("护理学基础")
    assert page.count('class="timeline"') == 3
    assert alice.account_no_display in page
    assert masked(alice.id_number) in page and alice.id_number not in page
    assert world.major_a1.name in page
    assert 'name="viewport"' in page
    # nobody else's outcome
    assert world.outcomes["bob"].number not in page


def test_my_account_is_404_without_a_learning_account(client, world):
    login(client, world, "learner_without_account")
    assert client.get(reverse("learners:my-account")).status_code == 404


def test_staff_with_their_own_learning_account_see_it_on_me(client, world):
    link_account(world.bob.account, world.users["school_staff_a1"])
    login(client, world, "school_staff_a1")
    page = client.get(reverse("learners:my-account")).content.decode()
    assert "包博" in page


# --- Query counts -------------------------------------------------------------------------------
# Every page: session, user and the user's role assignments (scope and the navigation's menu,
# via the context processors); then the page's own queries, listed per test.


def _add_rows(world, n):
    for i in range(n):
        learner = student(major=world.major_a1)
        outcome(
            learner.account,
            kind=OutcomeKind.SKILL_CERTIFICATE,
            certificate_type=world.certificate_type,
            issued_on=datetime.date(2020 + i % 5, 6, 30),
        )
        outcome(world.alice.account, kind=OutcomeKind.COURSE_RESULT, title=f"课程{i}")


def _assert_same_queries(client, world, django_assert_num_queries, url, expected, role):
    login(client, world, role)
    client.get(url)  # warm caches (content types, translations)
    for extra in (2, 27):  # 3 rows, then 30
        _add_rows(world, extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_learner_list_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + count, page of learners (account, institution, school, major joined),
    # institution / school / major choices of the filter bar.
    url = reverse("learners:learner-list")
    _assert_same_queries(client, world, django_assert_num_queries, url, 8, "school_staff_a1")


def test_learner_detail_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + the learner with account and organisations, other records, outcomes.
    url = reverse("learners:learner-detail", args=[world.alice.pk])
    _assert_same_queries(client, world, django_assert_num_queries, url, 6, "school_staff_a1")


def test_outcome_list_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + count, page of outcomes (account and certificate type joined, learner id as a
    # subquery), certificate type / institution / school / major choices.
    url = reverse("learners:outcome-list")
    _assert_same_queries(client, world, django_assert_num_queries, url, 9, "school_staff_a1")


def test_certificate_stats_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + the grouped count by (type, year), the distinct-person count,
    # institution / school / major choices.
    url = reverse("learners:certificate-stats")
    _assert_same_queries(client, world, django_assert_num_queries, url, 8, "academic_affairs_a")


def test_my_account_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    # 3 common + the account, its learner records (organisations joined), its outcomes
    # (certificate type joined).
    url = reverse("learners:my-account")
    _assert_same_queries(client, world, django_assert_num_queries, url, 6, "learner")


# --- In a browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def static_dir():
    """The live server is session-wide, started before any per-test setting: WhiteNoise needs
    the real STATIC_ROOT (var/static, what collectstatic fills) to exist."""
    from pathlib import Path

    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def _browser_login(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-123456")  # UserFactory's
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/")


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_tables_scroll_in_place_and_filters_fold_away(
    static_dir, live_server, phone_page
):
    world = build_world()
    _browser_login(phone_page, live_server, world.users["academic_affairs_a"])
    phone_page.goto(live_server.url + reverse("learners:learner-list"))
    assert not overflows(phone_page)  # the table scrolls inside .table-responsive
    assert not phone_page.is_visible("#filters")
    phone_page.click("text=筛选条件")
    phone_page.wait_for_selector("#filters", state="visible")
    phone_page.fill("#id_name", "包")
    phone_page.click("#filters button[type=submit]")
    phone_page.wait_for_load_state()
    assert phone_page.locator("tbody tr").count() == 1
    assert "包博" in phone_page.inner_text("tbody")


@pytest.mark.django_db(transaction=True)
def test_my_account_reads_on_a_phone(static_dir, live_server, phone_page):
    world = build_world()
    outcome(world.alice.account, kind=OutcomeKind.DIPLOMA, title="大专毕业证书")
    _browser_login(phone_page, live_server, world.users["learner"])
    phone_page.goto(live_server.url + reverse("learners:my-account"))
    assert not overflows(phone_page)
    assert phone_page.locator(".timeline > li").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_reveal_button_swaps_in_the_full_number(static_dir, live_server, desktop_page):
    world = build_world()
    _browser_login(desktop_page, live_server, world.users["academic_affairs_a"])
    desktop_page.goto(live_server.url + reverse("learners:learner-detail", args=[world.alice.pk]))
    number = world.alice.account.id_number
    assert desktop_page.inner_text("#id-number").strip().startswith(masked(number))
    desktop_page.click("text=显示完整证件号")
    desktop_page.wait_for_selector("[data-revealed]")
    assert number in desktop_page.inner_text("#id-number")
    assert desktop_page.url.endswith(reverse("learners:learner-detail", args=[world.alice.pk]))
    assert AuditEntry.objects.filter(action="learners.id_number.revealed").count() == 1


def test_column_headers_toggle_the_sort_and_keep_the_filters(client, world):
    student(major=world.major_a1, name="曾小明", cohort_year=2025)
    login(client, world, "school_staff_a1")
    url = reverse("learners:learner-list")
    page = client.get(url, {"name": "", "kind": "student"}).content.decode()
    cohort_link = unescape(re.search(r'<a class="link-dark" href="([^"]+)">年级', page).group(1))
    assert "sort=-cohort" in cohort_link and "kind=student" in cohort_link
    response = client.get(url + cohort_link)
    assert [learner.account.name for learner in response.context["page_obj"]] == [
        "曾小明",
        "安丽丝",
    ]
    name_link = unescape(re.search(r'<a class="link-dark" href="([^"]+)">姓名', page).group(1))
    assert "sort=-name" in name_link
