"""From announcement to certificate, on a phone (Playwright driving Debian's Chromium against the
live server): a member of the public registers from the announcement page; continuing education
approves the registration and signs the class up for a session; an examiner enters the scores;
the certificate issued appears in the learner's account."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services
from xbank.assessment.models import Candidate, CertificateAward, ExamResult, ExamSession
from xbank.assessment.tests import factories as f
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.core.testing import make_id_number
from xbank.learners.models import LearningOutcome
from xbank.orgs.tests.factories import InstitutionFactory
from xbank.testing.browser import overflows
from xbank.testing.world import link_account
from xbank.training import services as training_services
from xbank.training.models import Enrollment
from xbank.training.tests.factories import program

PASSWORD = "pass-123456"  # the accounts UserFactory's


@pytest.fixture
def static_dir():
    """The live server's WhiteNoise needs the real STATIC_ROOT to exist."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def log_in(page, live_server, user) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.mark.django_db(transaction=True)
def test_from_the_announcement_to_the_certificate_in_the_learners_account_on_a_phone(
    static_dir, live_server, phone_page
):
    college = InstitutionFactory(name="广东岭南职业技术学院")
    ct = CertificateTypeFactory(name="老年照护职业技能等级证书")
    staff = user_with_role(Role.CONTINUING_ED, institution=college, full_name="继续教育学院")
    examiners = [
        f.examiner(certificate_type=ct, institution=college, name=name)
        for name in ("郭考评", "沈考评")
    ]
    p = program(
        institution=college, certificate_type=ct, title="老年照护（初级）1+X 证书培训", capacity=20
    )
    announcement = training_services.announcement_create(
        actor=SYSTEM, institution=college, year=2026, title="1+X 证书培训招生公告", programs=[p]
    )
    training_services.announcement_publish(actor=SYSTEM, announcement=announcement)
    today = timezone.localdate()
    session = f.session(
        institution=college, certificate_type=ct, date=today, title="老年照护（初级）考核"
    )
    room = f.room(institution=college, name="301 考场", capacity=30)
    session_room = services.session_room_add(actor=staff, session=session, room=room)
    for examiner in examiners:
        services.session_examiner_add(actor=staff, session_room=session_room, examiner=examiner)
    page = phone_page

    # A member of the public registers from the announcement page.
    page.goto(live_server.url + reverse("training:announcements"))
    page.click(f"[data-program='{p.code}'] >> text=查看并报名")
    page.click("#register-public")
    page.fill("#id_name", "韦晓琳")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", make_id_number())
    page.fill("#id_phone", "13800138000")
    page.select_option("#id_education", "高中")
    page.check("#id_consent")
    page.click("#submit-registration")
    page.wait_for_selector("#registration-result")
    enrollment = Enrollment.objects.get()

    # Continuing education approves the registration and signs the class up for the session.
    log_in(page, live_server, staff)
    page.goto(live_server.url + reverse("training:program-manage", args=[p.pk]))
    page.check(f"tr[data-enrollment='{enrollment.pk}'] input[name=enrollment]")
    page.click("text=录取所选")
    page.wait_for_selector(
        f"tr[data-enrollment='{enrollment.pk}'] input[name=enrollment]", state="detached"
    )
    page.goto(live_server.url + reverse("assessment:session-detail", args=[session.pk]))
    page.select_option("#id_program", str(p.pk))
    page.click("text=批量报考")
    page.wait_for_selector("text=已报考 1 人")
    candidate = Candidate.objects.get()
    assert (candidate.enrollment, candidate.account.name) == (enrollment, "韦晓琳")
    page.click("[data-action=schedule]")
    page.wait_for_selector("[data-status=scheduled]")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-status=in_progress]")

    # An examiner of the room enters the scores from their workbench.
    log_in(page, live_server, examiners[0])
    page.click("main >> text=考核评分")  # the workbench card (the menu has it too)
    page.click(f"[data-session='{session.pk}'] >> text=录入成绩")
    page.wait_for_url("**/assessment/score/**")
    assert not overflows(page)
    page.fill(f"#id_c{candidate.pk}-theory", "86")
    page.fill(f"#id_c{candidate.pk}-practical", "79.5")
    page.click("text=保存成绩")
    page.wait_for_selector("text=已保存 1 名考生的成绩")
    result = ExamResult.objects.get()
    assert result.passed and result.entered_by == examiners[0]

    # Continuing education closes the scoring, publishes (with the confidentiality record
    # signed by two people) and issues the certificate.
    f.complete_confidentiality(session, *examiners)
    log_in(page, live_server, staff)
    page.goto(live_server.url + reverse("assessment:session-detail", args=[session.pk]))
    page.click("[data-action=finish]")
    page.wait_for_selector("[data-status=scored]")
    page.click("[data-action=publish]")
    page.wait_for_selector("[data-status=published]")
    page.click(f"tr[data-candidate='{candidate.pk}'] >> text=发放证书")
    page.fill("#id_certificate_no", "LNZH-2026-1-000001")
    page.fill("#id_issued_on", today.isoformat())
    page.click("#submit-form")
    page.wait_for_selector("text=已记入 韦晓琳 的学习账户")
    assert CertificateAward.objects.get().outcome.status == LearningOutcome.Status.VERIFIED
    assert ExamSession.objects.get().status == ExamSession.Status.PUBLISHED

    # The learner (given a login to their account) finds it in their learning account.
    learner = user_with_role(Role.LEARNER, institution=college)
    link_account(candidate.account, learner)
    log_in(page, live_server, learner)
    page.goto(live_server.url + reverse("learners:my-account"))
    timeline = page.inner_text(".timeline")
    assert "老年照护职业技能等级证书（初级）" in timeline
    assert "LNZH-2026-1-000001" in timeline
    assert not overflows(page)
    page.goto(live_server.url + reverse("assessment:my-results"))
    assert "合格" in page.inner_text("[data-result]")
    assert not overflows(page)
