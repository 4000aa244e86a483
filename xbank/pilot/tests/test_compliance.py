"""The examiner compliance rule (seed 四(四)2) at its boundaries, and the 90-day warning.

Today is frozen at 2026-03-10; a qualification is valid from its first to its last day included.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine

from xbank.core.actors import SYSTEM
from xbank.faculty import services
from xbank.faculty.models import Teacher
from xbank.faculty.tests.factories import examiners, pilot, qualify, teacher
from xbank.orgs.tests.factories import MajorFactory
from xbank.pilot.selectors import MIN_EXAMINERS, WARNING_DAYS, compliance_rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
TOMORROW = TODAY + datetime.timedelta(days=1)
YESTERDAY = TODAY - datetime.timedelta(days=1)
AHEAD = TODAY + datetime.timedelta(days=WARNING_DAYS)
FAR = datetime.date(2029, 12, 31)


def row_of(fw, user_key="academic_affairs_a", pm=None, on_date=TODAY):
    pm = pm or fw.pm_a1
    rows = compliance_rows(user=fw.users[user_key], on_date=on_date)
    return next(r for r in rows if r.pilot_major.pk == pm.pk)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0), tick=False):
        yield


def test_three_valid_examiners_make_the_major_compliant(fw):
    examiners(fw, 2)  # with the world's a1 teacher: three
    row = row_of(fw)
    assert MIN_EXAMINERS == 3
    assert row.count == 3
    assert row.compliant and not row.warning
    assert row.status == "ok"
    assert {e.teacher.name for e in row.examiners} >= {"赵明远"}


def test_two_are_not_enough(fw):
    examiners(fw, 1)
    row = row_of(fw)
    assert (row.count, row.compliant, row.status, row.shortfall) == (2, False, "short", 1)


def test_one_expiring_tomorrow_still_counts_today_but_is_warned(fw):
    examiners(fw, 1)
    (last,) = examiners(fw, 1, until=TOMORROW)
    row = row_of(fw)
    assert row.count == 3 and row.compliant
    assert row.warning and row.status == "warning"
    assert row.ahead_count == 2
    assert [(e.teacher, e.valid_until) for e in row.expiring] == [(last, TOMORROW)]
    # Tomorrow it still counts; the day after, the major is short.
    assert row_of(fw, on_date=TOMORROW).compliant
    assert not row_of(fw, on_date=TOMORROW + datetime.timedelta(days=1)).compliant


def test_one_expired_yesterday_does_not_count(fw):
    examiners(fw, 1)
    examiners(fw, 1, until=YESTERDAY)
    row = row_of(fw)
    assert (row.count, row.compliant, row.status) == (2, False, "short")
    assert row.expiring == []


def test_one_of_another_certificate_type_does_not_count(fw):
    examiners(fw, 1)
    examiners(fw, 1, certificate_type=fw.other_type)
    row = row_of(fw)
    assert (row.count, row.compliant) == (2, False)


def test_a_qualification_from_tomorrow_does_not_count_today(fw):
    examiners(fw, 1)
    t = teacher(major=fw.world.major_a1)
    qualify(t, fw.world.certificate_type, valid_from=TOMORROW, valid_until=FAR)
    row = row_of(fw)
    assert (row.count, row.compliant) == (2, False)
    # …but it counts ahead, so no one is listed as lapsing.
    assert row.ahead_count == 3
    assert row_of(fw, on_date=TOMORROW).compliant


def test_the_warning_looks_exactly_ninety_days_ahead(fw):
    examiners(fw, 1)
    (on_the_day,) = examiners(fw, 1, until=AHEAD)
    row = row_of(fw)
    assert row.ahead_count == 3 and not row.warning  # still valid on today + 90
    qualification = on_the_day.user.examiner_qualifications.get()
    qualification.valid_until = AHEAD - datetime.timedelta(days=1)
    qualification.save()
    row = row_of(fw)
    assert row.warning and row.ahead_count == 2
    assert row.expiring[0].valid_until == AHEAD - datetime.timedelta(days=1)


def test_a_renewal_registered_in_advance_lifts_the_warning(fw):
    examiners(fw, 1)
    (renewing,) = examiners(fw, 1, until=TOMORROW)
    assert row_of(fw).warning
    qualify(renewing, fw.world.certificate_type, valid_from=TOMORROW, valid_until=FAR)
    row = row_of(fw)
    assert row.compliant and not row.warning and row.expiring == []


def test_expiring_lists_soonest_first_and_ignores_those_that_stay(fw):
    late = examiners(fw, 1, until=TODAY + datetime.timedelta(days=60))[0]
    soon = examiners(fw, 1, until=TODAY + datetime.timedelta(days=20))[0]
    row = row_of(fw)
    assert row.compliant and row.warning and row.ahead_count == 1
    assert [e.teacher for e in row.expiring] == [soon, late]


def test_any_level_counts_and_a_teacher_counts_once(fw):
    t = examiners(fw, 1)[0]
    qualify(t, fw.world.certificate_type, level="senior")  # a second one for the same person
    examiners(fw, 1)
    row = row_of(fw)
    assert row.count == 3
    assert len(next(e for e in row.examiners if e.teacher == t).qualifications) == 2


def test_any_of_the_pilot_certificates_counts(fw):
    fw.pm_a1.certificate_types.add(fw.other_type)
    examiners(fw, 1)
    examiners(fw, 1, certificate_type=fw.other_type)
    assert row_of(fw).count == 3


def test_part_time_teachers_are_listed_but_not_counted(fw):
    examiners(fw, 1)
    (external,) = examiners(fw, 1, kind=Teacher.Kind.PART_TIME)
    row = row_of(fw)
    assert row.count == 2 and not row.compliant
    assert [e.teacher for e in row.part_time] == [external]


def test_teachers_of_the_school_without_the_major_or_of_another_major_do_not_count(fw):
    examiners(fw, 1)
    no_major = teacher(school=fw.world.school_a1)
    qualify(no_major, fw.world.certificate_type, valid_until=FAR)
    examiners(fw, 1, major=fw.world.major_a2)
    assert row_of(fw).count == 2
    assert row_of(fw, pm=fw.pm_a2).count == 1


def test_a_teacher_who_left_counts_until_the_day_they_left(fw):
    examiners(fw, 1)
    (leaving,) = examiners(fw, 1)
    assert row_of(fw).compliant
    services.teacher_update(
        actor=SYSTEM,
        teacher=leaving,
        status=Teacher.Status.LEFT,
        left_on=TODAY + datetime.timedelta(days=30),
    )
    row = row_of(fw)
    assert row.compliant and row.warning  # counts today, gone in 90 days
    assert [e.teacher for e in row.expiring] == [leaving]
    assert not row_of(fw, on_date=TODAY + datetime.timedelta(days=30)).compliant


def test_a_teacher_without_login_holds_no_qualification(fw):
    t = teacher(major=fw.world.major_a1, login=False)
    assert t.user is None
    assert row_of(fw).count == 1


def test_each_user_sees_the_pilot_majors_of_their_scope(fw):
    def majors(key):
        return {r.pilot_major.pk for r in compliance_rows(user=fw.users[key], on_date=TODAY)}

    assert majors("academic_affairs_a") == {fw.pm_a1.pk, fw.pm_a2.pk}
    assert majors("hr_a") == {fw.pm_a1.pk, fw.pm_a2.pk}
    assert majors("school_staff_a1") == {fw.pm_a1.pk}
    assert majors("major_staff_a1") == {fw.pm_a1.pk}
    assert majors("hr_b") == {fw.pm_b1.pk}
    assert majors("bank_admin") == set()
    assert majors("continuing_ed_a") == set()


def test_compliance_rows_take_the_same_queries_however_many_majors_and_teachers(
    fw, django_assert_num_queries
):
    user = fw.users["academic_affairs_a"]
    compliance_rows(user=user, on_date=TODAY)  # role assignments cached on the user
    # pilot majors (majors and schools joined), their certificates, teachers, qualifications
    with django_assert_num_queries(4):
        compliance_rows(user=user, on_date=TODAY)
    examiners(fw, 5)
    examiners(fw, 3, major=fw.world.major_a2, kind=Teacher.Kind.PART_TIME)
    pilot(MajorFactory(school=fw.world.school_a2), [fw.world.certificate_type, fw.other_type])
    with django_assert_num_queries(4):
        rows = compliance_rows(user=user, on_date=TODAY)
    assert len(rows) == 3


def test_the_label_of_each_state(fw):
    row = row_of(fw)
    assert row.status_label == "不达标"
    examiners(fw, 1)
    examiners(fw, 1, until=TOMORROW)
    assert row_of(fw).status_label == "达标（即将不足）"
    examiners(fw, 1)
    assert row_of(fw).status_label == "达标"
