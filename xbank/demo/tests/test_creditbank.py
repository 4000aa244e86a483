"""The credit-bank demo: rules for the four pilots and a regional one, requests in every state,
course credits, an intact ledger, a graduation audit with both outcomes; idempotent."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from xbank.accounts.models import Notification, User
from xbank.catalog.models import Curriculum
from xbank.creditbank import ledger, selectors
from xbank.creditbank.models import (
    ConversionRule,
    CreditEntry,
    Exemption,
    RecognitionRequest,
)
from xbank.demo import data

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_there_are_published_rules_for_the_four_pilot_certificates_and_a_regional_one():
    published = ConversionRule.objects.filter(status="published")
    names = set(published.values_list("certificate_type__name", flat=True))
    assert {data.ELDERLY_CARE, data.MATERNAL_CARE, data.INFANT_CARE, data.MASSAGE} <= names
    elderly = published.get(code="LN-LNZH-ZJ")
    assert [ex.course.name for ex in elderly.exemptions.all()] == ["老年护理"]
    assert elderly.exemptions.get().course.credits == 4
    regional = published.get(institution__isnull=True)
    assert (
        regional.exemptions.get().course.institution.code == data.INSTITUTIONS[data.PARTNER]["code"]
    )
    # Versions: 1 retired when 2 took effect, 3 a draft for the simulation page.
    assert list(
        ConversionRule.objects.filter(code="LN-LNZH-ZJ").order_by("version").values_list("status")
    ) == [("retired",), ("published",), ("draft",)]


def test_requests_are_in_every_state():
    statuses = Counter(RecognitionRequest.objects.values_list("status", flat=True))
    assert statuses["approved"] >= 9
    for status in ("submitted", "school_approved", "rejected", "reversed"):
        assert statuses[status] >= 1, status
    appealed = RecognitionRequest.objects.get(appeal_count=1)
    assert appealed.status == "submitted"
    assert list(appealed.events.values_list("action", flat=True)) == [
        "submitted", "school_approved", "rejected", "appealed",
    ]  # fmt: skip
    # The three people of every decision differ.
    for request in RecognitionRequest.objects.exclude(final_approver=None):
        people = {request.submitted_by_id, request.school_reviewer_id, request.final_approver_id}
        assert len(people) == 3


def test_each_demo_reviewer_has_work_waiting():
    assert selectors.review_queue(user=user("school_staff")).exists()
    assert selectors.review_queue(user=user("academic_affairs")).exists()
    assert selectors.review_queue(user=user("partner_academic_affairs")).exists()


def test_the_demo_learner_sees_an_exemption_and_their_notifications():
    learner_user = user("learner")
    learner = learner_user.learning_account.learners.get(kind="student")
    transcript = selectors.transcript_get(learner=learner)
    assert [e.name for e in transcript.exempted] == ["老年照护实训（1+X 课证融通）"]
    assert len(transcript.passed) >= 15
    assert Notification.objects.filter(recipient=learner_user).count() >= 4


def test_the_reversed_request_nets_to_zero_and_the_ledger_is_intact():
    reversed_ = RecognitionRequest.objects.get(status="reversed")
    assert sum(e.credits for e in CreditEntry.objects.filter(request=reversed_)) == 0
    assert Exemption.objects.get(request=reversed_).status == "withdrawn"
    assert ledger.verify().intact
    assert CreditEntry.objects.filter(kind="course").count() > 1000


def test_the_graduation_audit_of_2021_midwifery_shows_both_outcomes():
    curriculum = Curriculum.objects.get(
        major__institution__code=data.INSTITUTIONS[data.MAIN]["code"],
        major__code=data.MIDWIFERY,
        cohort_year=2021,
    )
    rows = selectors.graduation_audit(user=user("academic_affairs"), curriculum=curriculum)
    assert len(rows) == 45
    meets = [r for r in rows if r.meets]
    short = [r for r in rows if not r.summary.credits_ok]
    no_certificate = [r for r in rows if not r.certificate_ok]
    assert len(meets) >= 30
    assert len(short) == 3 and all("学分不足" in r.reasons[0] for r in short)
    assert no_certificate and all("未取得本专业要求的证书" in r.reasons[-1] for r in no_certificate)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in ("creditbank", "accounts", "learners", "audit", "verify")
        for model in apps.get_app_config(label).get_models()
    }


def test_running_it_again_writes_nothing():
    before = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == before
