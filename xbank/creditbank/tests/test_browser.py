"""The credit bank end to end in a real browser (Playwright driving Debian's Chromium against the
live server): a student applies on a phone and previews the engine's proposal, school staff
pass the first review, academic affairs approve, the student follows the notification to the
request, sees the exemption on the transcript, issues a verifiable copy and opens its
verification link, which says valid.

Stable hooks: ``#apply-form``, ``#proposal``, ``[data-status]`` on the request's badge,
``#review``, ``#exempted [data-exempted]``, ``a[data-verify-url]`` and, on the verification
page, ``[data-verdict]``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from xbank.creditbank.models import Exemption, RecognitionRequest
from xbank.creditbank.tests.factories import build_credit_world
from xbank.testing.browser import overflows

PASSWORD = "pass-123456"  # UserFactory's


@pytest.fixture
def static_dir():
    """The live server's WhiteNoise needs the real STATIC_ROOT to exist."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def log_in(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台").wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_student_applies_staff_review_and_the_transcript_verifies(
    static_dir, live_server, phone_page, desktop_page
):
    world = build_credit_world()
    world.rule()  # 老年照护 中级 → 免修 老年护理 (4 credits)
    student = world.learner(name="欧阳可儿")
    world.certificate(student, "intermediate")
    base = live_server.url

    # The student applies from their phone, previewing the proposal first.
    phone = phone_page
    log_in(phone, base, student.account.user)
    phone.goto(base + reverse("creditbank:my-credits"))
    assert not overflows(phone)
    phone.get_by_role("link", name="申请学分认定").click()
    phone.get_by_label(re.compile("老年照护职业技能等级证书")).check()
    phone.get_by_role("button", name="预览认定结果").click()
    proposal = phone.locator("#proposal")
    proposal.get_by_text("预计认定结果").wait_for()
    assert "免修课程「老年护理」" in proposal.inner_text()
    assert not RecognitionRequest.objects.exists()  # a preview writes nothing
    assert not overflows(phone)
    phone.get_by_role("button", name="提交申请").click()
    phone.locator("[data-status=submitted]").first.wait_for()
    request = RecognitionRequest.objects.get()

    # School staff pass the first review; academic affairs approve.
    desk = desktop_page
    log_in(desk, base, world.users["school_staff"])
    desk.goto(base + reverse("creditbank:review-school"))
    desk.get_by_role("link", name=request.code).click()
    desk.locator("#review").get_by_role("button", name="初审通过").click()
    desk.locator("[data-status=school_approved]").first.wait_for()

    log_in(desk, base, world.users["academic_affairs"])
    desk.goto(base + reverse("creditbank:review-final"))
    desk.get_by_role("link", name=request.code).click()
    desk.locator("#review").get_by_role("button", name="终审通过").click()
    desk.locator("[data-status=approved]").first.wait_for()
    assert Exemption.objects.get().course.name == "老年护理"

    # The student follows the latest notification to the request.
    phone.goto(base + reverse("accounts:notifications"))
    phone.locator("#notifications li").first.get_by_role("button", name="查看").click()
    phone.wait_for_url(f"**{reverse('creditbank:request-detail', args=[request.code])}")
    phone.locator("[data-status=approved]").first.wait_for()
    assert [e.get_attribute("data-event") for e in phone.locator("#history li").all()] == [
        "submitted",
        "school_approved",
        "approved",
    ]

    # The transcript shows the exemption; its verification link says valid.
    phone.get_by_role("link", name="成绩单").first.click()
    exempted = phone.locator("#exempted [data-exempted]")
    exempted.first.wait_for()
    assert "老年护理" in exempted.first.inner_text()
    phone.get_by_role("button", name="签发可核验成绩单").click()
    link = phone.locator("a[data-verify-url]")
    link.wait_for()
    url = link.get_attribute("href")
    assert url.startswith(base + "/verify/")
    phone.goto(url)
    verdict = phone.locator("[data-verdict]")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "valid"
    assert "欧**儿" in phone.locator("main").inner_text()  # the holder's name, masked
