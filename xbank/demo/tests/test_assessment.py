"""The assessment demo: the seed's appraisal figures on the statistics page, every rule of a
real session honoured by the demo's own rows, and a second run that writes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from xbank.accounts.models import User
from xbank.assessment import services
from xbank.assessment.models import (
    Candidate,
    CertificateAward,
    ExamRoom,
    ExamSession,
    SessionExaminer,
)
from xbank.assessment.selectors import appraisal_stats
from xbank.audit.models import AuditEntry
from xbank.demo import assessment as demo
from xbank.demo import data
from xbank.learners.models import LearningOutcome
from xbank.learners.selectors import certificate_stats, outcomes_in_scope

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


def by_year():
    stats = appraisal_stats(candidates=Candidate.objects.all())
    return {year: (n, examined, passed) for year, n, examined, passed in stats.years}, stats


def test_it_reproduces_the_seeds_appraisal_figures():
    years, stats = by_year()
    assert years[2021][1] == 456  # 开展职业资格证鉴定人数 456 人次
    assert years[2022][1:] == (400, 400)  # 400 appraised, all of them passed
    exams_2024 = {row.certificate: row.examined for row in stats.rows if row.year == 2024}
    assert exams_2024 == {
        data.ELDERLY_CARE: 100,
        data.MATERNAL_CARE: 30,
        data.INFANT_CARE: 30,
        data.MASSAGE: 40,
    }


def test_the_statistics_page_shows_them_to_continuing_education(client):
    client.force_login(User.objects.get(username="continuing_ed"))
    page = client.get(reverse("assessment:stats")).content.decode()
    for year, examined in ((2021, 456), (2022, 400), (2024, 200)):
        row = page.split(f'<tr data-year="{year}"><td>{year}</td>')[1].split("</tr>")[0]
        assert f'data-count="examined">{examined}</a>' in row


def test_the_held_certificate_figures_of_the_foundation_demo_are_unchanged():
    user = User.objects.get(username="academic_affairs")
    stats = certificate_stats(outcomes=outcomes_in_scope(user=user))
    totals = {row.name: row.total for row in stats.rows}
    for name, count in data.SEED_CERTIFICATE_FIGURES.items():
        assert totals[name] == count


def test_every_published_session_kept_the_rules():
    today = timezone.localdate()
    for session in ExamSession.objects.filter(status=ExamSession.Status.PUBLISHED):
        assert services.confidentiality_missing(session) == [], session
        for session_room in session.session_rooms.select_related("room"):
            assert session_room.room.is_certified_on(session.date)
            assert services._qualified_count(session_room, session) >= 2
            assert session_room.candidates.count() <= session_room.seats
    assert ExamSession.objects.filter(date__gt=today).count() == 0


def test_no_examiner_examined_their_own_trainees():
    for assignment in SessionExaminer.objects.select_related("session_room"):
        taught = Candidate.objects.filter(
            session_room=assignment.session_room,
            enrollment__program__instructors=assignment.examiner,
        )
        assert not taught.exists(), assignment


def test_a_room_with_a_lapsed_certification_cannot_be_used_today():
    lapsed = ExamRoom.objects.get(name="A103 考场")
    assert not lapsed.is_certified_on(timezone.localdate())
    current = ExamSession.objects.get(title=demo.CURRENT_TITLE)
    assert services._room_problem(lapsed, current).startswith("考场「")


def test_the_demo_learner_holds_the_2024_elderly_care_certificate_once():
    learner = User.objects.get(username="learner").learning_account
    held = LearningOutcome.objects.filter(account=learner, certificate_type__name=data.ELDERLY_CARE)
    assert held.count() == 1
    award = CertificateAward.objects.get(account=learner, certificate_type__name=data.ELDERLY_CARE)
    assert award.outcome == held.get()
    assert award.certificate_no == demo.DEMO_LEARNER_CERTIFICATE[0]
    assert award.credential.is_valid


def test_the_demo_examiner_has_scores_to_enter(client):
    examiner = User.objects.get(username="examiner")
    current = ExamSession.objects.get(title=demo.CURRENT_TITLE)
    assert current.status == ExamSession.Status.IN_PROGRESS
    assert current.candidates.count() == demo.CURRENT_CANDIDATES
    assert services.confidentiality_missing(current)  # half signed: not publishable yet
    client.force_login(examiner)
    page = client.get(reverse("assessment:score-sheet", args=[current.pk]))
    assert page.status_code == 200 and len(page.context["rows"]) == demo.CURRENT_CANDIDATES


def test_running_it_again_writes_nothing():
    models = list(apps.get_app_config("assessment").get_models()) + [AuditEntry, LearningOutcome]
    before = {m._meta.label: m.objects.count() for m in models}
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert {m._meta.label: m.objects.count() for m in models} == before
    assert "新增学习者 0 人，新增学习成果 0 条" in out.getvalue()
