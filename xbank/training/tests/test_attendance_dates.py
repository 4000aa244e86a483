"""Attendance is taken only for a session that has begun (issue 10), with today fixed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.training import services
from xbank.training.models import Attendance
from xbank.training.tests.factories import program, public_registration

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.UTC)


def _closed_class(start: datetime.date, *, sessions: int = 2):
    p = program(capacity=2, sessions=sessions, start_date=start)
    rows = [public_registration(p) for _ in range(2)]
    services.enrollments_decide(
        actor=SYSTEM, program=p, enrollment_ids=[r.pk for r in rows], approve=True
    )
    return services.program_transition(actor=SYSTEM, program=p, action="close"), rows


@time_machine.travel(TODAY, tick=False)
def test_no_attendance_for_a_session_in_the_future():
    p, rows = _closed_class(datetime.date(2027, 3, 1))
    session = p.sessions.order_by("date").first()
    assert session.date == datetime.date(2027, 3, 1)
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(actor=SYSTEM, session=session, present_ids={r.pk for r in rows})
    assert exc.value.messages == ["课次在 2027-03-01，尚未开始，不能登记出勤"]
    assert not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action="training.attendance.recorded").exists()


@time_machine.travel(TODAY, tick=False)
def test_attendance_is_taken_on_the_day_of_the_session_and_after():
    # Sessions on 2026-12-02 and 2026-12-03 (today): both may be recorded.
    p, rows = _closed_class(datetime.date(2026, 12, 2))
    for session in p.sessions.order_by("date"):
        assert services.attendance_record(actor=SYSTEM, session=session, present_ids={rows[0].pk})
    assert Attendance.objects.filter(present=True).count() == 2
    assert Attendance.objects.count() == 4


@time_machine.travel(TODAY, tick=False)
def test_the_attendance_page_of_a_future_session_says_it_has_not_started(client):
    p, rows = _closed_class(datetime.date(2027, 3, 1))
    session = p.sessions.order_by("date").first()
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=p.institution))
    url = reverse("training:session-attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert "课次在 2027-03-01，尚未开始，不能登记出勤" in page
    assert "保存出勤" not in page
    response = client.post(url, {"present": [r.pk for r in rows]}, follow=True)
    assert "课次在 2027-03-01，尚未开始，不能登记出勤" in response.content.decode()
    assert not Attendance.objects.exists()
