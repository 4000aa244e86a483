"""Simultaneous expenditures on one budget category never overspend it (PostgreSQL, threads).

First the race without the row lock (both read the same total and both pay), then the service as
written: the category's row is locked, so the later payment sees the earlier one.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.orgs.tests.factories import MajorFactory
from xbank.pilot import services
from xbank.pilot.models import BudgetCategory, BudgetLine, Expenditure
from xbank.pilot.services import budgets as budget_services
from xbank.pilot.tests.factories import approved_budget, line, pilot_major

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

LIMIT = Decimal("8000.00")


def research_line():
    major = MajorFactory()
    pm = pilot_major(major, [CertificateTypeFactory()])
    institution = major.institution
    b = approved_budget(
        pm,
        submitter=user_with_role(Role.SCHOOL_STAFF, school=major.school),
        reviewer=user_with_role(Role.ACADEMIC_AFFAIRS, institution=institution),
        amounts={BudgetCategory.RESEARCH: LIMIT},
    )
    return line(b, BudgetCategory.RESEARCH), user_with_role(Role.FINANCE, institution=institution)


def run_together(n, target):
    barrier = threading.Barrier(n)
    outcomes: list[object] = []

    def work(i):
        try:
            outcomes.append(target(i, barrier))
        except Exception as exc:  # collected and asserted by the test
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def spend(research, finance, i, amount):
    return services.expenditure_record(
        actor=finance,
        line=BudgetLine(pk=research.pk),
        amount=amount,
        spent_on=datetime.date(2019, 9, 1),
        voucher_no=f"V{i}",
        description="并发支出",
    )


def test_without_the_lock_two_payments_overspend(monkeypatch):
    research, finance = research_line()

    def unlocked(pk, barrier):
        row = BudgetLine.objects.select_related("budget").get(pk=pk)
        barrier.wait(timeout=10)  # both have read "nothing spent yet"
        return row

    barriers: dict[str, threading.Barrier] = {}
    monkeypatch.setattr(budget_services, "_lock_line", lambda pk: unlocked(pk, barriers["b"]))
    barriers["b"] = threading.Barrier(2)
    outcomes = run_together(2, lambda i, _b: spend(research, finance, i, "6000.00"))
    assert all(isinstance(o, Expenditure) for o in outcomes), outcomes
    paid = Expenditure.objects.filter(line=research).aggregate(s=Sum("amount"))["s"]
    assert paid == Decimal("12000.00") > LIMIT  # the race: overspent
    research.refresh_from_db()
    assert research.spent == Decimal("6000.00")  # and the running total lost an update


def test_with_the_lock_simultaneous_payments_never_overspend():
    research, finance = research_line()

    def pay(i, barrier):
        barrier.wait(timeout=10)
        return spend(research, finance, i, "3000.00")

    outcomes = run_together(8, pay)
    paid = [o for o in outcomes if isinstance(o, Expenditure)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(paid) == 2 and len(refused) == 6, outcomes
    assert all(e.code == "overspend" for e in refused)
    research.refresh_from_db()
    total = Expenditure.objects.filter(line=research).aggregate(s=Sum("amount"))["s"]
    assert research.spent == total == Decimal("6000.00") <= LIMIT


def test_an_approved_adjustment_and_a_payment_at_once_stay_consistent():
    research, finance = research_line()
    services.expenditure_record(
        actor=finance,
        line=research,
        amount=LIMIT,
        spent_on=datetime.date(2019, 9, 1),
        voucher_no="V-full",
        description="用满",
    )
    approver = user_with_role(
        Role.FINANCE, institution=research.budget.pilot_major.major.institution
    )
    adjustment = services.adjustment_request(
        actor=finance, line=research, amount="1000", reason="追加"
    )

    def act(i, barrier):
        barrier.wait(timeout=10)
        if i == 0:
            return services.adjustment_approve(actor=approver, adjustment=adjustment)
        return spend(research, finance, i, "1000.00")

    outcomes = run_together(2, act)
    research.refresh_from_db()
    total = Expenditure.objects.filter(line=research).aggregate(s=Sum("amount"))["s"]
    assert research.spent == total <= research.limit == LIMIT + 1000
    assert not [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)
    ]
