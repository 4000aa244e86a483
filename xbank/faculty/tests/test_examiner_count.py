"""The examiner count of a college's roster (the 考评员 indicator).

Today is frozen at 2026-03-10; a qualification is valid from its first to its last day included.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine

from xbank.faculty.models import Teacher
from xbank.faculty.selectors import examiner_count
from xbank.faculty.tests.factories import examiners, qualify

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0), tick=False):
        yield


def test_examiner_count_counts_the_roster_of_one_college(fw):
    ct = fw.world.certificate_type
    examiners(fw, 2)
    examiners(fw, 1, kind=Teacher.Kind.PART_TIME)
    examiners(fw, 1, until=YESTERDAY)
    examiners(fw, 1, certificate_type=fw.other_type)
    qualify(fw.teachers["b1"], ct)  # college B
    a = fw.world.college_a
    assert examiner_count(institution=a, on_date=TODAY) == 5
    assert examiner_count(institution=a, on_date=TODAY, certificate_type=ct) == 4
    assert examiner_count(institution=a, on_date=TODAY, certificate_type=fw.other_type) == 1
    assert examiner_count(institution=a, on_date=TODAY, kind=Teacher.Kind.FULL_TIME) == 4
    assert examiner_count(institution=a, on_date=YESTERDAY, certificate_type=ct) == 5
    assert examiner_count(institution=fw.world.college_b, on_date=TODAY) == 1


def test_examiner_count_is_one_query(fw, django_assert_num_queries):
    examiners(fw, 4)
    with django_assert_num_queries(1):
        examiner_count(institution=fw.world.college_a, on_date=TODAY)
