"""Academic affairs opens the dashboard in a browser, drills from the 2024 老年照护 candidate
figure to the hundred names behind it, and downloads the evidence PDF (Playwright driving
Debian's Chromium against the live server).

Stable hooks: the figures' tables ``table[data-matrix=KEY] tr[data-row=CERTIFICATE]
td[data-col=YEAR] a``, the list's ``#record-count[data-count]`` and ``.record-name`` cells, the
list's ``#evidence-link``, the evidence page's ``#evidence-pdf``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import missing_tool
from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import MajorFactory

from . import factories as f
from .test_evidence import synthetic_names

PASSWORD = "pass-123456"  # the test users' password (accounts.tests.factories)


@pytest.fixture
def static_dir():
    """The live server's WhiteNoise needs the real STATIC_ROOT to exist."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.mark.django_db(transaction=True)
def test_academic_affairs_drills_from_the_2024_elderly_care_figure_to_the_evidence_pdf(
    static_dir, live_server, desktop_page, tmp_path
):
    major = MajorFactory(name="护理")
    elderly_care = CertificateTypeFactory(name="老年照护职业技能等级证书")
    names = synthetic_names(100)
    people = [student(major=major, name=name, cohort_year=2022) for name in names]
    f.exam(institution=major.institution, certificate_type=elderly_care, people=people, fail=4)
    user = user_with_role(
        Role.ACADEMIC_AFFAIRS, institution=major.institution, username="jiaowuchu"
    )

    page = desktop_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/**")

    page.goto(live_server.url + reverse("reports:dashboard"))
    figure = page.locator(
        f"table[data-matrix=candidates] tr[data-row='{elderly_care.pk}'] td[data-col='2024'] a"
    )
    assert figure.inner_text() == "100"
    # The chart is drawn (ECharts from the project's own static files, no inline script).
    page.wait_for_selector("[data-report-chart=candidates] canvas")
    figure.click()

    page.wait_for_selector("#record-count")
    assert page.get_attribute("#record-count", "data-count") == "100"
    listed = page.locator("#records .record-name").all_inner_texts()
    assert sorted(listed) == sorted(names)

    page.click("#evidence-link")
    page.wait_for_selector("#evidence")
    assert "1+X 老年照护证书 100 名学生考试" in page.inner_text("#evidence")
    with page.expect_download() as download_info:
        page.click("#evidence-pdf")
    download = download_info.value
    assert download.suggested_filename == "2024 年 1+X 证书 1 个项目考试人数佐证.pdf"
    path = tmp_path / "evidence.pdf"
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    try:
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
        ).stdout.decode()
    except FileNotFoundError:
        missing_tool("pdftotext (apt-get install poppler-utils)")
    assert names[0] in text and names[99] in text
    assert errors == []
