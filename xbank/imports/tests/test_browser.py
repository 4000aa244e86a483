"""The foundation's end-to-end path in a real browser (Playwright driving Debian's Chromium):
school staff log in, upload a roster with a bad row, read which row and column is wrong, upload
the corrected file, commit it, and open a learner's account page."""

import pytest
from django.urls import reverse

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.learners.models import Learner
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory, SchoolFactory

from .helpers import new_id, xlsx

HEADER = ["姓名", "身份证号码", "学号", "专业代码", "年级", "班级"]
NAMES = ["甘雨桐", "冉书航", "蒲嘉禾"]  # synthetic


@pytest.mark.django_db(transaction=True)
def test_school_staff_fix_a_bad_row_and_import_a_roster(desktop_page, live_server, tmp_path):
    college = InstitutionFactory(name="广东测试职业技术学院")
    school = SchoolFactory(institution=college, name="护理学院")
    MajorFactory(school=school, code="520201", name="护理")
    user_with_role(Role.SCHOOL_STAFF, school=school, username="nursing_clerk")

    good_ids = [new_id() for _ in NAMES]
    bad = good_ids[1][:17] + ("0" if good_ids[1][17] != "0" else "1")  # wrong check digit
    rows = [
        [n, i, f"2024{k:04d}", "520201", 2024, "护理2401"]
        for k, (n, i) in enumerate(zip(NAMES, good_ids, strict=True))
    ]
    rows[1][1] = bad
    (tmp_path / "bad.xlsx").write_bytes(xlsx(HEADER, rows, title="护理学院 2024 级新生名单"))
    rows[1][1] = good_ids[1]
    (tmp_path / "good.xlsx").write_bytes(xlsx(HEADER, rows, title="护理学院 2024 级新生名单"))

    page = desktop_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill("nursing_clerk")
    page.get_by_label("密码").fill("pass-123456")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台").wait_for()

    page.goto(live_server.url + reverse("imports:batch-new", args=["learners"]))
    page.locator("input[type=file]").set_input_files(str(tmp_path / "bad.xlsx"))
    page.get_by_role("button", name="上传并校验").click()
    # Title row 1, header row 2, data rows 3–5: the second person is on row 4 of the sheet.
    error = page.locator("table.import-errors tbody tr").first
    error.wait_for()
    assert "第 4 行" in error.inner_text()
    assert "身份证号码" in error.inner_text() or "证件号码" in error.inner_text()
    assert "校验位不正确" in error.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert Learner.objects.count() == 0

    page.goto(live_server.url + reverse("imports:batch-new", args=["learners"]))
    page.locator("input[type=file]").set_input_files(str(tmp_path / "good.xlsx"))
    page.get_by_role("button", name="上传并校验").click()
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("导入完成").wait_for()
    assert Learner.objects.count() == 3

    page.goto(live_server.url + reverse("learners:learner-list"))
    page.get_by_role("link", name=NAMES[1]).click()
    page.get_by_role("heading", name=NAMES[1]).wait_for()
    body = page.locator("main").inner_text()
    assert good_ids[1][:6] + "********" + good_ids[1][-4:] in body  # masked, never in full
    assert good_ids[1] not in body
    page.screenshot(path=str(tmp_path / "account.png"), full_page=True)
