"""The workbench (工作台): each role sees the cards of its duties, linked where the page exists."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def cards(page: str) -> dict[str, str]:
    """Card title → its link ("" when the duty has no page yet)."""
    found = {}
    for body in re.findall(r'<h3 class="h6 card-title">(.*?)</h3>', page, re.S):
        link = re.search(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', body)
        if link:
            found[link.group(2)] = link.group(1)
        else:
            found[body.strip()] = ""
    return found


@pytest.mark.parametrize(
    ("role", "linked", "not_shown"),
    [
        (
            "school_staff_a1",
            {
                "学习者": "learners:learner-list",
                "学习成果": "learners:outcome-list",
                "持证统计": "learners:certificate-stats",
                "证书与人才培养方案": "catalog:certificate-list",
            },
            {"我的学习账户", "系统管理"},
        ),
        (
            "academic_affairs_a",
            {"证书与人才培养方案": "catalog:certificate-list", "学习者": "learners:learner-list"},
            {"我的学习账户"},
        ),
        (
            "bank_admin",
            {"持证统计": "learners:certificate-stats", "学习成果": "learners:outcome-list"},
            {"我的学习账户"},
        ),
        ("learner", {"我的学习账户": "learners:my-account"}, {"学习者", "持证统计"}),
        ("hr_a", {}, {"学习者", "学习成果", "我的学习账户"}),
    ],
)
def test_the_workbench_shows_the_cards_of_the_role(client, world, role, linked, not_shown):
    client.force_login(world.users[role])
    response = client.get(reverse("accounts:workbench"))
    assert response.status_code == 200
    shown = cards(response.content.decode())
    for title, url_name in linked.items():
        assert shown.get(title) == reverse(url_name), title
    assert not (set(shown) & not_shown)


def test_every_linked_card_opens_for_its_role(client, world):
    for role in [
        "bank_admin",
        "academic_affairs_a",
        "continuing_ed_a",
        "school_staff_a1",
        "learner",
    ]:
        client.force_login(world.users[role])
        page = client.get(reverse("accounts:workbench")).content.decode()
        for title, url in cards(page).items():
            if url and not url.startswith(("/admin/", "/imports/")):
                assert client.get(url).status_code == 200, (role, title, url)


def test_a_user_without_roles_is_told_to_ask_for_one(client):
    from xbank.testing.world import plain_user

    client.force_login(plain_user())
    page = client.get(reverse("accounts:workbench")).content.decode()
    assert "尚未分配角色" in page


def test_the_navigation_links_the_pages_of_the_role(client, world):
    client.force_login(world.users["school_staff_a1"])
    page = client.get(reverse("accounts:workbench")).content.decode()
    assert reverse("learners:certificate-stats") in page
    assert reverse("learners:my-account") not in page
    client.force_login(world.users["learner"])
    page = client.get(reverse("accounts:workbench")).content.decode()
    assert reverse("learners:my-account") in page
    assert reverse("learners:learner-list") not in page


def test_the_login_page_renders_in_chinese(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录书证融通平台" in page and "用户名" in page and "密码" in page


def top_bar(page: str) -> dict[str, str]:
    """The top bar's menu items: title → link."""
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    return {
        t: u for u, t in re.findall(r'<a class="dropdown-item" href="([^"]+)">([^<]+)</a>', nav)
    }


@pytest.mark.parametrize(
    ("role", "shown", "not_shown"),
    [
        # Addresses written out as users see them, not reversed from the code under test.
        ("learner", {"我的考试": "/assessment/me/", "我的学分": "/creditbank/me/"}, {"学习者"}),
        ("teacher", {"我的培训班": "/training/teaching/"}, {"学习者", "我的考试"}),
        ("examiner", {"考核评分": "/assessment/score/"}, {"学习者", "我的培训班"}),
        (
            "school_staff_a1",
            {"学习者": "/learners/", "持证统计": "/outcomes/certificates/"},
            {"我的考试"},
        ),
        ("hr_a", {"师资队伍": "/faculty/teachers/"}, {"学习者", "支出明细"}),
    ],
)
def test_the_top_bar_menu_is_the_roles_own(client, world, role, shown, not_shown):
    from xbank.accounts.models import Role
    from xbank.accounts.tests.factories import user_with_role

    college = world.users["hr_a"].role_assignments.get().institution
    users = {
        **world.users,
        "teacher": user_with_role(Role.TEACHER, institution=college),
        "examiner": user_with_role(Role.EXAMINER, institution=college),
    }
    client.force_login(users[role])
    menu = top_bar(client.get(reverse("accounts:workbench")).content.decode())
    for title, url in shown.items():
        assert menu.get(title) == url, (title, menu)
    assert not (set(menu) & not_shown)
