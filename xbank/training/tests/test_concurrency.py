"""Invariant 6 under load: capacity is never exceeded, however many register at the same moment.

PostgreSQL only (row locks and real concurrency). The first test shows the race the lock
prevents: with ``select_for_update`` replaced by a plain read, concurrent registrations all see
free seats and over-allocate. The second shows that with the lock exactly the capacity is
admitted and everyone else is waitlisted in a contiguous order, with no error.
"""

import threading

import pytest
from django.db import connection
from django.db.models import Count

from xbank.core.actors import SYSTEM
from xbank.training import enrollments, services
from xbank.training.models import SEATED_STATUSES, Enrollment
from xbank.training.tests.factories import new_document, program, public_registration

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

THREADS = 50
PLACES = 10


def register_at_once(p, n: int) -> list[Exception]:
    documents = [new_document() for _ in range(n)]
    barrier = threading.Barrier(n)
    errors: list[Exception] = []

    def register(document):
        try:
            barrier.wait()
            public_registration(p, document=document)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(d,)) for d in documents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_without_the_lock_simultaneous_registrations_overfill(monkeypatch):
    p = program(capacity=PLACES)
    real_seated = enrollments.seated_count

    def slow_unlocked_seated(program):
        # What the code would do without the row lock: read, pause, decide.
        n = real_seated(program)
        threading.Event().wait(0.05)
        return n

    monkeypatch.setattr(enrollments, "lock_program", lambda program: program)
    monkeypatch.setattr(enrollments, "seated_count", slow_unlocked_seated)
    register_at_once(p, 20)
    seated = Enrollment.objects.filter(program=p, status__in=SEATED_STATUSES).count()
    assert seated > PLACES


def test_fifty_at_once_for_ten_places_admit_exactly_ten():
    p = program(capacity=PLACES)
    errors = register_at_once(p, THREADS)
    assert errors == []
    counts = dict(
        Enrollment.objects.filter(program=p)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    assert counts == {"pending": PLACES, "waitlisted": THREADS - PLACES}
    positions = sorted(
        Enrollment.objects.filter(program=p, status="waitlisted").values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, THREADS - PLACES + 1))

    # Withdrawal promotes the first on the waitlist; the rest move up one place.
    first_waiting = Enrollment.objects.get(program=p, waitlist_position=1)
    second_waiting = Enrollment.objects.get(program=p, waitlist_position=2)
    leaving = Enrollment.objects.filter(program=p, status="pending").first()
    services.enrollment_withdraw(actor=SYSTEM, enrollment=leaving)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first_waiting.status, first_waiting.waitlist_position) == ("pending", None)
    assert second_waiting.waitlist_position == 1
    assert Enrollment.objects.filter(program=p, status__in=SEATED_STATUSES).count() == PLACES


def test_simultaneous_withdrawals_promote_each_waiting_person_once():
    p = program(capacity=5)
    for _ in range(10):
        public_registration(p)
    seated = list(Enrollment.objects.filter(program=p, status="pending"))
    barrier = threading.Barrier(len(seated))
    errors: list[Exception] = []

    def withdraw(enrollment):
        try:
            barrier.wait()
            services.enrollment_withdraw(actor=SYSTEM, enrollment=enrollment)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw, args=(e,)) for e in seated]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Enrollment.objects.filter(program=p, status="pending").count() == 5
    assert not Enrollment.objects.filter(program=p, status="waitlisted").exists()
