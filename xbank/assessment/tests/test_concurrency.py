"""Invariant 6 for exam rooms: seats are never over-allocated, however many sign up at once.

PostgreSQL only (row locks and real concurrency). The first test takes the lock away: everyone
reads the same free seat, and it is the unique (room, seat) constraint that refuses all but one
of them, with raw database errors. The second shows the lock at work: exactly the seats are
allocated, everyone else is told the session is full, and nothing else goes wrong.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from xbank.assessment import services
from xbank.assessment.models import Candidate, ExamSession
from xbank.assessment.services import candidates as candidate_services
from xbank.assessment.tests import factories as f
from xbank.core.actors import SYSTEM
from xbank.learners.tests.factories import student

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

THREADS = 30


def sign_up_at_once(session, accounts) -> list[Exception]:
    barrier = threading.Barrier(len(accounts))
    errors: list[Exception] = []

    def sign_up(account):
        try:
            barrier.wait()
            services.candidate_add(actor=SYSTEM, session=session, account=account)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_without_the_lock_only_the_seat_constraint_stands_in_the_way(monkeypatch):
    s, rooms, _ = f.ready_session(rooms=1, seats=5)
    accounts = [student().account for _ in range(12)]
    real_choose = candidate_services._choose_seat

    def slow_choose(*args, **kwargs):
        # What the code would do without the row lock: read the free seats, pause, write.
        chosen = real_choose(*args, **kwargs)
        threading.Event().wait(0.05)
        return chosen

    monkeypatch.setattr(
        candidate_services,
        "_lock_session",
        lambda session: ExamSession.objects.select_related("certificate_type", "institution").get(
            pk=session.pk
        ),
    )
    monkeypatch.setattr(candidate_services, "_choose_seat", slow_choose)
    errors = sign_up_at_once(s, accounts)
    assert any(isinstance(e, IntegrityError) for e in errors)  # the race happened
    assert Candidate.objects.filter(session=s).count() <= 5


def test_with_the_lock_exactly_the_seats_are_allocated():
    s, rooms, _ = f.ready_session(rooms=2, seats=5)
    accounts = [student().account for _ in range(THREADS)]
    errors = sign_up_at_once(s, accounts)
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert {" ".join(e.messages) for e in errors} == {services.ERR_SESSION_FULL.format(seats=10)}
    assert len(errors) == THREADS - 10
    seats = sorted(
        Candidate.objects.filter(session=s).values_list("session_room__position", "seat_no")
    )
    assert seats == [(room, seat) for room in (1, 2) for seat in range(1, 6)]
