"""Invariant 1 under load: many simultaneous registrations of one person open one account."""

import threading

import pytest
from django.db import connection

from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.testing import make_id_number
from xbank.learners import services
from xbank.learners.models import Learner, LearningAccount
from xbank.orgs.tests.factories import InstitutionFactory


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_person_open_one_account():
    colleges = [InstitutionFactory() for _ in range(10)]
    number = make_id_number()
    barrier = threading.Barrier(len(colleges))
    errors: list[Exception] = []

    def register(college):
        try:
            barrier.wait()
            services.learner_register(
                actor=SYSTEM,
                document=parse_document(number),
                name="林晓华",
                kind=Learner.Kind.SOCIAL,
                institution=college,
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(c,)) for c in colleges]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert LearningAccount.objects.count() == 1
    assert Learner.objects.filter(account__in=LearningAccount.objects.all()).count() == 10
