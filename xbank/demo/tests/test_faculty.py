"""The faculty part of the demo: a roster with part-time teachers and dual-qualified ones,
teacher training, and examiners such that one pilot major is compliant, one is not and one is
about to lapse — without touching the qualifications the assessment demo's sessions rely on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from xbank.accounts.models import User
from xbank.assessment.models import ExamSession
from xbank.assessment.services import session_problems
from xbank.demo import data
from xbank.faculty.models import Teacher, TeacherTraining
from xbank.faculty.selectors import examiner_count
from xbank.orgs.models import Institution
from xbank.pilot.selectors import compliance_rows

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for label in ("faculty", "assessment", "accounts", "audit")
        for m in apps.get_app_config(label).get_models()
    }


def test_a_second_run_writes_nothing():
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_one_pilot_major_is_compliant_one_is_not_and_one_is_about_to_lapse():
    rows = compliance_rows(
        user=User.objects.get(username="academic_affairs"), on_date=timezone.localdate()
    )
    status = {row.major.code: row.status for row in rows}
    assert status == {
        data.NURSING: "ok",
        data.MIDWIFERY: "ok",
        data.CHILDCARE: "warning",
        data.REHAB: "short",
    }
    by_code = {row.major.code: row for row in rows}
    lapsing = by_code[data.CHILDCARE]
    assert (lapsing.count, lapsing.ahead_count, len(lapsing.expiring)) == (3, 2, 1)
    # Part-time examiners are listed beside the count, from companies and evaluation orgs.
    assert all(len(row.part_time) == 1 for code, row in by_code.items() if code != data.MIDWIFERY)
    assert by_code[data.REHAB].count == 1


def test_the_roster_has_part_time_dual_qualified_and_left_teachers():
    main = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    teachers = Teacher.objects.filter(institution=main)
    part_time = teachers.filter(kind=Teacher.Kind.PART_TIME)
    assert set(part_time.values_list("employer_kind", flat=True)) == {"company", "evaluation_org"}
    assert teachers.filter(dual_qualified=True).count() >= 5
    assert teachers.filter(status=Teacher.Status.LEFT).count() == 1
    assert Teacher.objects.exclude(institution=main).count() == 2
    assert TeacherTraining.objects.filter(teacher__institution=main).count() >= 15
    # Examiner logins are on the roster under their plain names.
    assert teachers.get(user__username="examiner02").name == "梁建华"
    assert examiner_count(institution=main, on_date=timezone.localdate()) == 14


def test_no_name_from_the_seed_roster_is_used():
    names = set(Teacher.objects.values_list("name", flat=True))
    assert not names & data.SEED_ROSTER_NAMES


def test_the_assessment_sessions_keep_their_qualified_examiners():
    for session in ExamSession.objects.exclude(status="cancelled"):
        assert not [p for p in session_problems(session) if "考评员" in p], session.title
