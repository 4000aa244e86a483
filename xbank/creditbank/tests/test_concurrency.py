"""Invariant 4 under load: twenty simultaneous approvals of one request post one set of entries.

First the service as it is (the request's row lock decides: one approval, nineteen refusals).
Then with the lock and the engine's fresh-state checks bypassed, to show the race is real —
many approvals reach the posting step — and that the database's unique posting keys alone
still leave exactly one set. Last, with the keys bypassed as well: the race posts twice.
"""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.creditbank import ledger, services
from xbank.creditbank.models import CreditEntry, Exemption, RecognitionRequest
from xbank.creditbank.services import requests as request_services
from xbank.creditbank.tests.factories import build_credit_world

THREADS = 20

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def approved_request(**rule):
    world = build_credit_world()
    world.rule(**rule)
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    world.school_approve(request)
    approvers = [
        user_with_role(Role.ACADEMIC_AFFAIRS, institution=world.college) for _ in range(THREADS)
    ]
    return request, approvers


def approve_all(request, approvers) -> tuple[int, list[Exception]]:
    barrier = threading.Barrier(len(approvers))
    errors: list[Exception] = []
    successes = []

    def approve(user):
        try:
            barrier.wait()
            services.recognition_approve(actor=user, request=request)
            successes.append(user)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(successes), errors


def test_simultaneous_approvals_post_one_set_of_entries():
    request, approvers = approved_request(credits=2, credit_category="elective")
    successes, errors = approve_all(request, approvers)
    assert successes == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert {e.messages[0] for e in errors} == {services.ERR_STATE.format(status="已通过")}
    entries = CreditEntry.objects.filter(request=request)
    assert sorted(entries.values_list("kind", flat=True)) == ["conversion", "exemption"]
    assert Exemption.objects.count() == 1
    assert ledger.verify().intact
    assert (
        RecognitionRequest.objects.get(pk=request.pk).events.filter(action="approved").count() == 1
    )


@pytest.fixture
def bypass_defences(monkeypatch):
    """Bypass the application's defences: the request is read without a lock; every thread
    waits at the account lock until all have passed the status check; the engine's proposal is
    the one the first thread computed, before anything was posted (stale state). Returns the
    list of threads that reached the posting step, once ``activate()`` is called."""
    reached = []
    barrier = threading.Barrier(THREADS)
    real_evaluate, real_lock = request_services._evaluate, ledger.lock_account
    cache = {}

    def unlocked(request):
        return RecognitionRequest.objects.select_related("learner__account").get(pk=request.pk)

    waited = threading.local()

    def wait_then_lock(account_id):
        if not getattr(waited, "done", False):  # posting locks again: wait only the first time
            waited.done = True
            barrier.wait(timeout=30)
        real_lock(account_id)

    def stale_evaluate(request, *, on):
        reached.append(threading.get_ident())
        if "proposal" not in cache:
            cache["proposal"] = real_evaluate(request, on=on)
        return cache["proposal"]

    def activate():
        monkeypatch.setattr(request_services, "_lock_request", unlocked)
        monkeypatch.setattr(request_services, "_evaluate", stale_evaluate)
        monkeypatch.setattr(ledger, "lock_account", wait_then_lock)
        return reached

    return activate


def test_without_the_lock_the_unique_posting_keys_still_allow_one_set(bypass_defences):
    request, approvers = approved_request(credits=2, credit_category="elective")
    reached = bypass_defences()
    successes, errors = approve_all(request, approvers)
    assert len(reached) == THREADS  # the race is real: every approval got past the checks
    assert successes == 1
    assert {e.messages[0] for e in errors} == {services.ERR_ALREADY_POSTED}
    assert CreditEntry.objects.filter(request=request).count() == 2
    assert Exemption.objects.count() == 1


def test_without_the_lock_and_the_keys_the_race_posts_twice(bypass_defences, monkeypatch):
    request, approvers = approved_request(courses=[], credits=2, credit_category="elective")
    reached = bypass_defences()
    real_post = ledger.post

    def post_with_unique_keys(*, actor, account_id, drafts):
        for draft in drafts:
            draft.key = f"{draft.key}:{threading.get_ident()}"
        return real_post(actor=actor, account_id=account_id, drafts=drafts)

    monkeypatch.setattr(ledger, "post", post_with_unique_keys)
    successes, errors = approve_all(request, approvers)
    assert len(reached) == THREADS
    assert successes == THREADS and errors == []
    total = sum(e.credits for e in CreditEntry.objects.filter(request=request))
    assert total == Decimal("2") * THREADS  # what the lock and the keys prevent
