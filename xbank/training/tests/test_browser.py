"""A member of the public registers for a training program from the announcement page, on a
phone (Playwright driving Debian's Chromium against the live server).

Stable hooks for longer end-to-end tests: the program card ``[data-program=<code>]``, the button
``#register-public``, the form fields ``#id_name #id_id_type #id_id_number #id_phone
#id_education #id_employer #id_consent``, the button ``#submit-registration``, and on the
confirmation page ``#registration-result[data-status]`` and ``#registrant-name``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from xbank.core.actors import SYSTEM
from xbank.core.testing import make_id_number
from xbank.testing.browser import overflows
from xbank.training import services
from xbank.training.consent import CURRENT_VERSION
from xbank.training.models import ConsentRecord, Enrollment
from xbank.training.tests.factories import program


@pytest.fixture
def static_dir():
    """The live server's WhiteNoise needs the real STATIC_ROOT to exist."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.mark.django_db(transaction=True)
def test_a_member_of_the_public_registers_from_the_announcement_page_on_a_phone(
    static_dir, live_server, phone_page
):
    p = program(title="养老护理员（四级）社会培训班", capacity=20, sessions=2)
    announcement = services.announcement_create(
        actor=SYSTEM,
        institution=p.institution,
        year=2026,
        title="2026 年培训招生公告",
        programs=[p],
    )
    services.announcement_publish(actor=SYSTEM, announcement=announcement)
    number = make_id_number()

    page = phone_page
    page.goto(live_server.url + reverse("training:announcements"))
    assert not overflows(page)
    page.click(f"[data-program='{p.code}'] >> text=查看并报名")
    page.click("#register-public")
    assert not overflows(page)
    assert not page.is_checked("#id_consent")  # separate and unticked
    assert CURRENT_VERSION in page.inner_text("#consent-version")

    page.fill("#id_name", "周雨桐")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.fill("#id_phone", "13800138000")
    page.select_option("#id_education", "高中")
    page.fill("#id_employer", "岭南颐康养老服务中心")
    page.click("#submit-registration")
    # Wrong check digit, no consent: both errors, in Chinese, on their fields.
    assert "校验位不正确" in page.inner_text("#id_id_number-error")
    assert "请阅读并勾选" in page.inner_text("#id_consent-error")
    assert not Enrollment.objects.exists()

    page.fill("#id_id_number", number)
    page.check("#id_consent")
    page.click("#submit-registration")
    page.wait_for_selector("#registration-result")
    assert page.get_attribute("#registration-result", "data-status") == "pending"
    assert "报名成功，等待审核" in page.inner_text("#registration-result")
    assert page.inner_text("#registrant-name") == "周雨桐"
    assert not overflows(page)

    enrollment = Enrollment.objects.get()
    assert (enrollment.program, enrollment.channel, enrollment.account.name) == (
        p,
        "public",
        "周雨桐",
    )
    assert ConsentRecord.objects.get().version == CURRENT_VERSION


@pytest.mark.django_db(transaction=True)
def test_someone_registering_with_a_known_number_and_another_name_learns_and_changes_nothing(
    static_dir, live_server, phone_page
):
    """Invariant 12 in a browser: the public sees the neutral message, never the stored name,
    and nothing stored changes."""
    from xbank.core.identity import parse_document
    from xbank.learners.models import Learner, LearningAccount, ProfileChange
    from xbank.training.tests.factories import public_registration

    first = program(title="养老护理员（四级）社会培训班", requires_approval=False)
    # GB 11643-1999's published example; the holder registered earlier under her own name.
    number = "11010519491231002X"
    public_registration(
        first,
        name="林晓华",
        document=parse_document(number),
        phone="13800138000",
        education="高中",
        employer="岭南颐康养老服务中心",
    )
    p = program(
        institution=first.institution, title="育婴员（四级）社会培训班", requires_approval=False
    )

    page = phone_page
    page.goto(live_server.url + reverse("training:register", args=[p.code]))
    page.fill("#id_name", "林小华")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_id_number", number)
    page.fill("#id_phone", "13900139000")
    page.select_option("#id_education", "大专")
    page.fill("#id_employer", "")
    page.check("#id_consent")
    page.click("#submit-registration")
    page.wait_for_selector("#registration-result")

    assert page.get_attribute("#registration-result", "data-status") == "pending"
    assert page.inner_text("#needs-check") == "信息需人工核对，工作人员会与您联系"
    assert page.inner_text("#registrant-name") == "林小华"
    html = page.content()
    assert "林晓华" not in html and "晓华" not in html
    assert not overflows(page)

    account = LearningAccount.objects.get()
    assert (account.name, account.phone) == ("林晓华", "13800138000")
    learner = Learner.objects.get()
    assert (learner.education, learner.employer) == ("高中", "岭南颐康养老服务中心")
    registration = Enrollment.objects.get(program=p)
    assert (registration.status, registration.needs_check) == ("pending", True)
    assert ProfileChange.objects.get().name == "林小华"
