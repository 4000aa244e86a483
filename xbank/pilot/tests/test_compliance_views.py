"""The examiner compliance page (考评员达标) of the pilot majors, at its address among the teacher
team's pages (/faculty/compliance/), for the readers of the teacher team."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.faculty.tests.factories import qualify, teacher
from xbank.faculty.tests.test_access import LIST, ROLES

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, fw, role):
    client.force_login(fw.users[role])


def sheet(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def test_the_page_keeps_its_address():
    assert reverse("pilot:examiner-compliance") == "/faculty/compliance/"


def test_the_readers_of_the_teacher_team_open_it(client, fw):
    """As every list page of the teacher team (``faculty.tests.test_access``)."""
    url = reverse("pilot:examiner-compliance")
    got = {}
    for role in ROLES:
        client.logout()
        if role is not None:
            client.force_login(fw.users[role])
        got[role] = client.get(url).status_code
    assert got == LIST


# --- Compliance page -------------------------------------------------------------------------------


def make_compliant(fw, *, last_until=datetime.date(2029, 12, 31)):
    for until in (datetime.date(2029, 12, 31), last_until):
        t = teacher(major=fw.world.major_a1)
        qualify(t, fw.world.certificate_type, valid_until=until)


def test_the_compliance_page_shows_each_pilot_major_green_amber_or_red(client, fw):
    make_compliant(fw, last_until=TODAY + datetime.timedelta(days=30))
    login(client, fw, "academic_affairs_a")
    page = client.get(reverse("pilot:examiner-compliance")).content.decode()
    statuses = dict(re.findall(r'data-pilot-major="(\d+)" data-status="(\w+)"', page))
    assert statuses == {str(fw.pm_a1.pk): "warning", str(fw.pm_a2.pk): "short"}
    assert "2026-04-09 到期" in page
    assert "达标（即将不足）" in page and "不达标" in page
    chart = json.loads(
        re.search(r'id="compliance-chart-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert chart["count"] == [3, 0] and chart["ahead"] == [2, 0] and chart["minimum"] == 3
    assert "js/faculty-compliance.js" in page
    # On a later day the lapsed qualification no longer counts.
    page = client.get(reverse("pilot:examiner-compliance"), {"on": "2026-04-10"}).content.decode()
    assert (
        dict(re.findall(r'data-pilot-major="(\d+)" data-status="(\w+)"', page))[str(fw.pm_a1.pk)]
        == "short"
    )


def test_the_compliance_export_reopens_with_the_same_figures(client, fw):
    make_compliant(fw)
    login(client, fw, "hr_a")
    rows = sheet(client.get(reverse("pilot:examiner-compliance"), {"export": "xlsx"}))
    assert rows[0][0] == "试点专业考评员达标情况（2026-03-10）"
    header, data = rows[1], rows[2:]
    by_major = {r[header.index("试点专业")]: r for r in data}
    assert set(by_major) == {"护理", "软件技术"}
    nursing = by_major["护理"]
    assert nursing[header.index("有效考评员人数")] == 3
    assert nursing[header.index("结论")] == "达标"
    assert "赵明远" in nursing[header.index("考评员")]
    assert by_major["软件技术"][header.index("结论")] == "不达标"


def test_the_chart_script_is_served_from_static_files():
    path = settings.BASE_DIR / "xbank" / "static" / "js" / "faculty-compliance.js"
    assert "data-compliance-chart" in path.read_text()


# --- Query counts -------------------------------------------------------------------------------------
# 3 common to every page (session, user, the role assignments, read once for the faculty access
# and the navigation's menu); then each page's own queries, named per test.


def _flat(client, fw, role, url, expected, grow, django_assert_num_queries):
    login(client, fw, role)
    client.get(url)
    for extra in (1, 6):
        grow(extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_compliance_queries_do_not_grow(client, fw, django_assert_num_queries):
    # common + pilot majors (major, school joined), their certificates, teachers, qualifications.
    def grow(n):
        for _ in range(n):
            t = teacher(major=fw.world.major_a2)
            qualify(t, fw.world.certificate_type)

    url = reverse("pilot:examiner-compliance")
    _flat(client, fw, "school_staff_a1", url, 7, grow, django_assert_num_queries)
