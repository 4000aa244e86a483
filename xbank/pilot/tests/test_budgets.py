"""Construction funds (建设经费): review, funding, expenditures, adjustments, execution rate."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.pilot import selectors, services
from xbank.pilot.models import Budget, BudgetAdjustment, BudgetCategory, BudgetLine, Expenditure
from xbank.pilot.services import (
    ERR_ADJUSTMENT_DECIDED,
    ERR_BUDGET_EMPTY,
    ERR_BUDGET_EXISTS,
    ERR_BUDGET_NOT_APPROVED,
    ERR_BUDGET_NOT_EDITABLE,
    ERR_BUDGET_NOT_UNDER_REVIEW,
    ERR_DUPLICATE_VOUCHER,
    ERR_FOUR_EYES,
    ERR_MONEY,
    ERR_OVERSPEND,
    ERR_RETURN_NEEDS_COMMENT,
    ERR_REVIEWER_IS_SUBMITTER,
)
from xbank.pilot.tests.factories import AMOUNTS, approved_budget, budget, line

pytestmark = pytest.mark.django_db

R = BudgetCategory.RESEARCH
T = BudgetCategory.TRAINING_RESOURCES
DAY = datetime.date(2019, 9, 1)


def spend(pw, b, category, amount, voucher, actor="finance_a"):
    return services.expenditure_record(
        actor=pw.users[actor],
        line=line(b, category),
        amount=amount,
        spent_on=DAY,
        voucher_no=voucher,
        description="测试支出",
    )


@pytest.fixture
def approved(pw):
    return approved_budget(
        pw.pm_a1, submitter=pw.users["school_staff_a1"], reviewer=pw.users["academic_affairs_a"]
    )


# --- Review ------------------------------------------------------------------------------------


def test_a_new_budget_has_a_line_per_category_of_the_seed(pw):
    b = budget(pw.pm_a1, amounts={R: "8000"})
    assert b.status == Budget.Status.DRAFT
    assert [(x.get_category_display(), x.amount) for x in b.lines.order_by("id")] == [
        ("调研", Decimal("8000.00")),
        ("人才培养方案修订", Decimal("0.00")),
        ("教师考证培训", Decimal("0.00")),
        ("教学实训资源", Decimal("0.00")),
        ("培训考核资源共建共享", Decimal("0.00")),
    ]
    with pytest.raises(ValidationError) as exc:
        budget(pw.pm_a1)
    assert exc.value.messages == [ERR_BUDGET_EXISTS.format(major=pw.pm_a1, year=2019)]


def test_review_goes_draft_review_returned_review_approved(pw):
    submitter, reviewer = pw.users["school_staff_a1"], pw.users["academic_affairs_a"]
    b = budget(pw.pm_a1, actor=submitter)
    services.budget_submit(actor=submitter, budget=b)
    b.refresh_from_db()
    assert b.status == "under_review" and b.submitted_by == submitter
    with pytest.raises(ValidationError) as exc:
        services.budget_update(actor=submitter, budget=b, amounts=AMOUNTS)
    assert exc.value.messages == [ERR_BUDGET_NOT_EDITABLE.format(status="专家论证中")]
    with pytest.raises(ValidationError) as exc:
        services.budget_review(
            actor=reviewer, budget=b, decision="returned", reviewed_on=datetime.date(2019, 5, 20)
        )
    assert exc.value.messages == [ERR_RETURN_NEEDS_COMMENT]
    services.budget_review(
        actor=reviewer,
        budget=b,
        decision="returned",
        reviewed_on=datetime.date(2019, 5, 20),
        comment="实训资源预算偏高",
        experts="专家甲、专家乙",
    )
    assert b.status == "returned"
    services.budget_update(actor=submitter, budget=b, amounts={**AMOUNTS, T: "30000"})
    services.budget_submit(actor=submitter, budget=b)
    review = services.budget_review(
        actor=reviewer, budget=b, decision="approved", reviewed_on=datetime.date(2019, 6, 3)
    )
    assert b.status == "approved"
    assert (review.reviewer, review.reviewed_on) == (reviewer, datetime.date(2019, 6, 3))
    assert [r.decision for r in b.reviews.all()] == ["returned", "approved"]
    actions = set(
        AuditEntry.objects.filter(object_type="pilot.budget").values_list("action", flat=True)
    )
    assert actions >= {
        "pilot.budget.created",
        "pilot.budget.submitted",
        "pilot.budget.returned",
        "pilot.budget.updated",
        "pilot.budget.approved",
    }
    with pytest.raises(ValidationError) as exc:
        services.budget_review(actor=reviewer, budget=b, decision="approved", reviewed_on=DAY)
    assert exc.value.messages == [ERR_BUDGET_NOT_UNDER_REVIEW.format(status="已通过")]


def test_the_submitter_may_not_review_their_own_budget(pw):
    user = pw.users["academic_affairs_a"]
    b = budget(pw.pm_a1, actor=user)
    services.budget_submit(actor=user, budget=b)
    with pytest.raises(ValidationError) as exc:
        services.budget_review(actor=user, budget=b, decision="approved", reviewed_on=DAY)
    assert exc.value.messages == [ERR_REVIEWER_IS_SUBMITTER]
    services.budget_review(
        actor=pw.users["academic_affairs_a2"], budget=b, decision="approved", reviewed_on=DAY
    )
    assert b.status == "approved"


def test_an_empty_budget_cannot_be_submitted(pw):
    b = budget(pw.pm_a1, amounts={})
    with pytest.raises(ValidationError) as exc:
        services.budget_submit(actor=SYSTEM, budget=b)
    assert exc.value.messages == [ERR_BUDGET_EMPTY]


def test_money_has_at_most_two_decimals(pw):
    with pytest.raises(ValidationError) as exc:
        budget(pw.pm_a1, amounts={R: "100.005"})
    assert exc.value.messages == [ERR_MONEY]
    assert services.money("1234.5") == Decimal("1234.50")


# --- Funding and expenditures -------------------------------------------------------------------


def test_nothing_is_spent_or_received_before_approval(pw):
    b = budget(pw.pm_a1)
    with pytest.raises(ValidationError) as exc:
        spend(pw, b, R, "100", "V1")
    assert exc.value.messages == [ERR_BUDGET_NOT_APPROVED]
    with pytest.raises(ValidationError):
        services.funding_record(
            actor=pw.users["finance_a"],
            budget=b,
            kind="national_subsidy",
            amount="1",
            received_on=DAY,
        )


def test_a_national_subsidy_is_recorded_as_a_funding_source(pw, approved):
    services.funding_record(
        actor=pw.users["finance_a"],
        budget=approved,
        kind="startup",
        amount="100000",
        received_on=datetime.date(2019, 6, 10),
    )
    services.funding_record(
        actor=pw.users["finance_a"],
        budget=approved,
        kind="national_subsidy",
        amount="50000.00",
        received_on=datetime.date(2019, 12, 1),
        document_no="财教〔2019〕XX号",
    )
    b = selectors.access_budget(pw.users["finance_a"], approved.pk)
    assert selectors.budget_execution(b).funds == Decimal("150000.00")
    listed = selectors.budget_list(user=pw.users["finance_a"]).get(pk=approved.pk)
    assert listed.funds_received == Decimal("150000.00")
    assert listed.total_amount == Decimal("100000.00")  # funds don't multiply the line sums


def test_overspending_a_category_is_refused_until_an_adjustment_is_approved(pw, approved):
    spend(pw, approved, R, "7000.00", "V-001")
    with pytest.raises(ValidationError) as exc:
        spend(pw, approved, R, "1000.01", "V-002")
    assert exc.value.messages == [
        ERR_OVERSPEND.format(category="调研", remaining="1000.00", amount="1000.01")
    ]
    spend(pw, approved, R, "1000.00", "V-002")  # exactly to the limit is allowed
    assert line(approved, R).spent == Decimal("8000.00")

    adjustment = services.adjustment_request(
        actor=pw.users["school_staff_a1"], line=line(approved, R), amount="2000", reason="追加调研"
    )
    with pytest.raises(ValidationError):  # a requested adjustment does not raise the limit yet
        spend(pw, approved, R, "500", "V-003")
    with pytest.raises(PermissionDenied):  # school staff ask for adjustments, never decide them
        services.adjustment_approve(actor=pw.users["school_staff_a1"], adjustment=adjustment)
    services.adjustment_approve(actor=pw.users["finance_a"], adjustment=adjustment, comment="同意")
    r = line(approved, R)
    assert (r.amount, r.adjusted, r.limit) == (Decimal("8000"), Decimal("2000"), Decimal("10000"))
    spend(pw, approved, R, "500", "V-003")
    with pytest.raises(ValidationError) as exc:
        services.adjustment_reject(actor=pw.users["finance_a2"], adjustment=adjustment)
    assert exc.value.messages == [ERR_ADJUSTMENT_DECIDED.format(status="已批准")]
    assert AuditEntry.objects.filter(action="pilot.adjustment.approved").count() == 1


def test_an_adjustment_is_decided_by_another_person_than_its_requester(pw, approved):
    requester = pw.users["finance_a"]
    adjustment = services.adjustment_request(
        actor=requester, line=line(approved, R), amount="2000", reason="追加调研"
    )
    for decide in (services.adjustment_approve, services.adjustment_reject):
        with pytest.raises(ValidationError) as exc:
            decide(actor=requester, adjustment=adjustment)
        assert exc.value.messages == [ERR_FOUR_EYES]
    services.adjustment_approve(actor=pw.users["finance_a2"], adjustment=adjustment)
    assert line(approved, R).limit == Decimal("10000.00")


def test_a_rejected_adjustment_changes_no_limit(pw, approved):
    adjustment = services.adjustment_request(
        actor=pw.users["finance_a"], line=line(approved, T), amount="5000", reason="设备涨价"
    )
    services.adjustment_reject(actor=pw.users["academic_affairs_a"], adjustment=adjustment)
    adjustment.refresh_from_db()
    assert adjustment.status == BudgetAdjustment.Status.REJECTED
    assert line(approved, T).adjusted == 0


def test_the_same_voucher_is_not_entered_twice(pw, approved):
    spend(pw, approved, R, "100", "记-2019-09-001")
    with pytest.raises(ValidationError) as exc:
        spend(pw, approved, R, "100", "记-2019-09-001")
    assert exc.value.messages == [
        ERR_DUPLICATE_VOUCHER.format(voucher="记-2019-09-001", category="调研")
    ]
    assert Expenditure.objects.count() == 1


def test_the_database_itself_refuses_an_overspent_line(pw, approved):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=line(approved, R).pk).update(spent=F("amount") + 1)


def test_the_database_refuses_an_adjustment_decided_by_its_requester(pw, approved):
    user = pw.users["finance_a"]
    adjustment = services.adjustment_request(
        actor=user, line=line(approved, R), amount="1", reason="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetAdjustment.objects.filter(pk=adjustment.pk).update(status="approved", decided_by=user)


def test_execution_rate_per_category_and_total(pw, approved):
    spend(pw, approved, R, "7600.00", "V1")  # 95 %
    spend(pw, approved, T, "10000.00", "V2")  # 25 %
    adjustment = services.adjustment_request(
        actor=pw.users["finance_a"], line=line(approved, T), amount="10000", reason="扩建实训室"
    )
    services.adjustment_approve(actor=pw.users["academic_affairs_a"], adjustment=adjustment)
    b = selectors.access_budget(pw.users["academic_affairs_a"], approved.pk)
    execution = selectors.budget_execution(b)
    rates = {x.category: x.rate for x in execution.lines}
    assert rates[R] == Decimal("95.0")
    assert rates[T] == Decimal("20.0")  # 10,000 of 40,000 + 10,000
    assert rates[BudgetCategory.CURRICULUM] == Decimal("0.0")
    assert (execution.limit, execution.spent) == (Decimal("110000.00"), Decimal("17600.00"))
    assert execution.rate == Decimal("16.0")
    listed = selectors.budget_list(user=pw.users["finance_a"]).get(pk=approved.pk)
    assert (listed.limit_total, listed.total_spent, listed.execution_rate) == (
        Decimal("110000.00"),
        Decimal("17600.00"),
        Decimal("16.0"),
    )
    assert listed.pending_adjustments == 0


def test_spent_always_equals_the_sum_of_expenditures(pw, approved):
    for i in range(5):
        spend(pw, approved, R, "1000.10", f"V{i}")
    assert (
        line(approved, R).spent
        == sum(e.amount for e in Expenditure.objects.filter(line__category=R))
        == Decimal("5000.50")
    )


def test_a_voucher_is_entered_once_per_budget_year_unless_its_reuse_is_confirmed(pw, approved):
    voucher = "记-2019-09-001"
    spend(pw, approved, R, "100", voucher)
    refusal = (
        f"凭证号 {voucher} 已在「{pw.world.major_a1.name} 2019 年建设经费预算」的「调研」登记过；"
        "如确属同一凭证分多笔列支，请勾选确认"
    )
    # Another category of the same budget.
    with pytest.raises(ValidationError) as exc:
        spend(pw, approved, T, "50", voucher)
    assert exc.value.messages == [refusal]
    # Another pilot major's budget of the same institution and year.
    other = approved_budget(
        pw.pm_a2, submitter=pw.users["academic_affairs_a2"], reviewer=pw.users["academic_affairs_a"]
    )
    with pytest.raises(ValidationError) as exc:
        spend(pw, other, R, "50", voucher)
    assert exc.value.messages == [refusal]
    assert Expenditure.objects.count() == 1
    # Confirmed: one voucher split across categories.
    services.expenditure_record(
        actor=pw.users["finance_a"],
        line=line(approved, T),
        amount="50",
        spent_on=DAY,
        voucher_no=voucher,
        description="同一凭证的另一笔",
        confirm_reuse=True,
    )
    assert sorted(Expenditure.objects.values_list("line__category", "amount")) == sorted(
        [(R, Decimal("100.00")), (T, Decimal("50.00"))]
    )
    # Confirming does not let the same category take the voucher twice.
    with pytest.raises(ValidationError) as exc:
        services.expenditure_record(
            actor=pw.users["finance_a"],
            line=line(approved, R),
            amount="1",
            spent_on=DAY,
            voucher_no=voucher,
            description="重复",
            confirm_reuse=True,
        )
    assert exc.value.messages == [ERR_DUPLICATE_VOUCHER.format(voucher=voucher, category="调研")]
    assert Expenditure.objects.count() == 2


def test_a_voucher_number_may_recur_in_another_year_or_institution(pw, approved):
    voucher = "记-001"
    spend(pw, approved, R, "100", voucher)
    next_year = approved_budget(
        pw.pm_a1,
        year=2020,
        submitter=pw.users["school_staff_a1"],
        reviewer=pw.users["academic_affairs_a"],
    )
    spend(pw, next_year, T, "100", voucher)
    college_b = approved_budget(
        pw.pm_b1, submitter=pw.users["school_staff_b1"], reviewer=pw.users["academic_affairs_b"]
    )
    spend(pw, college_b, T, "100", voucher, actor="finance_b")
    assert Expenditure.objects.filter(voucher_no=voucher).count() == 3
