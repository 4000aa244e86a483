"""Pilot pages: filters, forms, Excel exports that reopen with the right numbers, query counts."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xbank.core.actors import SYSTEM
from xbank.orgs.models import Department
from xbank.pilot import services
from xbank.pilot.models import Budget, BudgetCategory, Expenditure, MilestoneEvidence, WorkTask
from xbank.pilot.services import ERR_OVERSPEND, ERR_REVIEWER_IS_SUBMITTER
from xbank.pilot.tests.factories import approved_budget, budget, line, pilot_major, task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2019, 11, 15)
R = BudgetCategory.RESEARCH
T = BudgetCategory.TRAINING_RESOURCES


def login(client, pw, role):
    client.force_login(pw.users[role])
    return client


def sheet(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )


def schedule(pw):
    """Task 1: one milestone done, one overdue; task 3: one not due yet."""
    done = services.milestone_create(
        actor=SYSTEM, task=pw.tasks["t1"], title="确定试点专业", due_on=datetime.date(2019, 4, 30)
    )
    services.milestone_report(actor=SYSTEM, milestone=done, progress=100)
    late = services.milestone_create(
        actor=SYSTEM,
        task=pw.tasks["t1"],
        title="修订人才培养方案",
        due_on=datetime.date(2019, 10, 31),
    )
    services.milestone_report(actor=SYSTEM, milestone=late, progress=60)
    services.milestone_create(
        actor=SYSTEM, task=pw.tasks["t3"], title="申请考核站点", due_on=datetime.date(2020, 1, 31)
    )
    return done, late


# --- Tasks ------------------------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_task_list_filters_by_department_status_and_overdue(client, pw):
    schedule(pw)
    login(client, pw, "academic_affairs_a")
    url = reverse("pilot:task-list")
    numbers = lambda params: [t.number for t in client.get(url, params).context["page_obj"]]  # noqa: E731
    assert numbers({}) == [1, 2, 3, 4, 5, 6]
    assert numbers({"overdue": "on"}) == [1]
    hr = pw.departments[Department.Kind.HR]
    assert numbers({"department": hr.pk}) == [4, 6]
    ce = pw.departments[Department.Kind.CONTINUING_ED]
    assert numbers({"department": ce.pk}) == [2, 3]  # implements 2, leads 3
    assert numbers({"status": "in_progress"}) == [1]
    assert numbers({"status": "not_started"}) == [2, 3, 4, 5, 6]
    # another college's department is not a valid choice: nothing is listed
    assert numbers({"department": pw.departments_b[Department.Kind.HR].pk}) == []
    page = client.get(url).content.decode()
    row = re.search(
        rf'<tr data-task="{pw.tasks["t1"].pk}" class="table-danger">(.*?)</tr>', page, re.S
    )
    assert row and "1 个节点逾期" in row.group(1)
    assert "各二级学院" in row.group(1)


@time_machine.travel(TODAY)
def test_task_export_reopens_with_the_figures(client, pw):
    schedule(pw)
    login(client, pw, "academic_affairs_a")
    rows = sheet(client.get(reverse("pilot:task-list"), {"export": "xlsx"}))
    assert rows[0][:5] == ["序号", "工作任务", "工作内容", "统筹部门", "实施部门"]
    first = rows[1]
    assert first[0] == 1.0 and first[3] == "教务处"
    assert first[4] == f"各二级学院、{pw.world.major_a1.name}试点专业"
    assert first[5:10] == [2.0, 1.0, 1.0, 80.0, "进行中"]
    assert first[10] == datetime.date(2019, 10, 31)


@time_machine.travel(TODAY)
def test_task_detail_marks_the_overdue_milestone(client, pw):
    done, late = schedule(pw)
    login(client, pw, "school_staff_a1")
    page = client.get(reverse("pilot:task-detail", args=[pw.tasks["t1"].pk])).content.decode()
    late_item = re.search(rf'data-milestone="{late.pk}">(.*?)</li>', page, re.S).group(1)
    assert "data-overdue" in late_item
    done_item = re.search(rf'data-milestone="{done.pk}">(.*?)</li>', page, re.S).group(1)
    assert "data-overdue" not in done_item and "已完成" in done_item
    assert reverse("pilot:milestone-report", args=[late.pk]) in page
    assert reverse("pilot:milestone-create", args=[pw.tasks["t1"].pk]) not in page  # not a manager


@time_machine.travel(TODAY)
def test_school_staff_report_progress_with_evidence(client, pw):
    _done, late = schedule(pw)
    login(client, pw, "school_staff_a1")
    response = client.post(
        reverse("pilot:milestone-report", args=[late.pk]),
        {
            "progress": "100",
            "note": "方案已经学校审定",
            "file": SimpleUploadedFile("审定稿.docx", b"PK\x03\x04", "application/octet-stream"),
        },
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert (late.status, late.completed_on, late.note) == ("done", TODAY, "方案已经学校审定")
    evidence = MilestoneEvidence.objects.get(milestone=late)
    download = client.get(reverse("pilot:evidence-download", args=[evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"PK\x03\x04"


@time_machine.travel(TODAY)
def test_going_back_in_progress_is_a_form_error(client, pw):
    _done, late = schedule(pw)
    login(client, pw, "school_staff_a1")
    response = client.post(reverse("pilot:milestone-report", args=[late.pk]), {"progress": "10"})
    assert response.status_code == 200
    assert "进度不能低于当前的 60%" in response.content.decode()


@time_machine.travel(TODAY)
def test_a_done_milestone_takes_evidence_but_no_progress(client, pw):
    done, _late = schedule(pw)
    login(client, pw, "school_staff_a1")
    url = reverse("pilot:milestone-report", args=[done.pk])
    response = client.post(url, {"progress": "100", "note": "补充"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [services.ERR_MILESTONE_DONE]
    file = SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4", "application/pdf")
    response = client.post(url, {"progress": "100", "file": file})
    assert response["Location"] == reverse("pilot:task-detail", args=[done.task_id])
    assert MilestoneEvidence.objects.filter(milestone=done).count() == 1


@time_machine.travel(TODAY)
def test_reopening_a_milestone_needs_a_reason(client, pw):
    done, _late = schedule(pw)
    login(client, pw, "academic_affairs_a")
    url = reverse("pilot:milestone-reopen", args=[done.pk])
    for reason in ("", "   ", "长" * 501):
        response = client.post(url, {"reason": reason}, follow=True)
        assert [str(m) for m in response.context["messages"]] == [services.ERR_REASON_REQUIRED]
    done.refresh_from_db()
    assert done.status == "done"
    response = client.post(url, {"reason": "佐证材料不全"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已重新打开该节点。"]
    done.refresh_from_db()
    assert done.status == "in_progress"


def test_academic_affairs_create_a_task_and_a_milestone(client, pw):
    login(client, pw, "academic_affairs_a")
    d = pw.departments
    response = client.post(
        reverse("pilot:task-create"),
        {
            "number": "7",
            "title": "绩效考核",
            "content": "将 1+X 证书改革成效纳入部门绩效考核",
            "lead_departments": [d[Department.Kind.HR].pk],
            "implementing_departments": [d[Department.Kind.FINANCE].pk],
            "schools_implement": "on",
        },
    )
    new = WorkTask.objects.get(institution=pw.world.college_a, number=7)
    assert response["Location"] == reverse("pilot:task-detail", args=[new.pk])
    client.post(
        reverse("pilot:milestone-create", args=[new.pk]),
        {"title": "制定考核办法", "due_on": "2020-03-31"},
    )
    assert new.milestones.get().due_on == datetime.date(2020, 3, 31)
    # the finance office implements it: it now sees the task
    login(client, pw, "finance_a")
    assert client.get(reverse("pilot:task-detail", args=[new.pk])).status_code == 200


@time_machine.travel(TODAY)
def test_milestone_list_filters_and_exports(client, pw):
    schedule(pw)
    login(client, pw, "academic_affairs_a")
    url = reverse("pilot:milestone-list")
    titles = lambda params: [m.title for m in client.get(url, params).context["page_obj"]]  # noqa: E731
    assert titles({}) == ["确定试点专业", "修订人才培养方案", "申请考核站点"]
    assert titles({"overdue": "on"}) == ["修订人才培养方案"]
    assert titles({"status": "done"}) == ["确定试点专业"]
    assert titles({"year": "2020"}) == ["申请考核站点"]
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][6] == "是否逾期"
    assert [r[6] for r in rows[1:]] == ["", "逾期", ""]
    assert rows[2][4] == 60.0


def test_major_list_and_export(client, pw):
    login(client, pw, "school_staff_a1")
    shown = [p.pk for p in client.get(reverse("pilot:major-list")).context["page_obj"]]
    assert shown == [pw.pm_a1.pk]
    login(client, pw, "academic_affairs_a")
    rows = sheet(client.get(reverse("pilot:major-list"), {"export": "xlsx"}))
    assert {r[3] for r in rows[1:]} == {pw.world.major_a1.name, pw.world.major_a2.name}
    assert rows[1][4] == pw.world.certificate_type.name


# --- Budgets ------------------------------------------------------------------------------------


def test_school_staff_draft_a_budget_pasting_amounts_from_excel(client, pw):
    login(client, pw, "school_staff_a1")
    response = client.post(
        reverse("pilot:budget-create"),
        {
            "pilot_major": pw.pm_a1.pk,
            "year": "2020",
            "plan": "建设老年照护实训室",
            "amount_research": "８，０００．００",
            "amount_curriculum": "12,000元",
            "amount_teacher_certification": "30000",
            "amount_training_resources": "40000.5",
            "amount_shared_resources": "0",
        },
    )
    created = Budget.objects.get(pilot_major=pw.pm_a1, year=2020)
    assert response["Location"] == reverse("pilot:budget-detail", args=[created.pk])
    assert line(created, R).amount == Decimal("8000.00")
    assert line(created, BudgetCategory.TRAINING_RESOURCES).amount == Decimal("40000.50")
    # another school's pilot major is not a choice
    response = client.post(
        reverse("pilot:budget-create"), {"pilot_major": pw.pm_a2.pk, "year": "2020"}
    )
    assert response.status_code == 200 and not Budget.objects.filter(pilot_major=pw.pm_a2).exists()


def test_the_submitter_cannot_record_the_review_through_the_page(client, pw):
    submitter = pw.users["academic_affairs_a"]
    b = budget(pw.pm_a1, actor=submitter)
    services.budget_submit(actor=submitter, budget=b)
    login(client, pw, "academic_affairs_a")
    data = {"decision": "approved", "reviewed_on": "2019-06-01", "experts": "甲", "comment": ""}
    response = client.post(reverse("pilot:budget-review", args=[b.pk]), data)
    assert ERR_REVIEWER_IS_SUBMITTER in response.content.decode()
    login(client, pw, "academic_affairs_a2")
    assert client.post(reverse("pilot:budget-review", args=[b.pk]), data).status_code == 302
    b.refresh_from_db()
    assert b.status == "approved"


@pytest.fixture
def approved(pw):
    return approved_budget(
        pw.pm_a1, submitter=pw.users["school_staff_a1"], reviewer=pw.users["academic_affairs_a"]
    )


def test_finance_records_an_expenditure_and_overspending_is_a_form_error(client, pw, approved):
    login(client, pw, "finance_a")
    url = reverse("pilot:expenditure-create", args=[approved.pk])
    research = line(approved, R)
    data = {
        "line": research.pk,
        "spent_on": "2019-09-20",
        "amount": "7,500.00",
        "voucher_no": "记-2019-09-015",
        "description": "赴养老机构调研差旅费",
    }
    assert client.post(url, data).status_code == 302
    research.refresh_from_db()
    assert research.spent == Decimal("7500.00")
    response = client.post(url, {**data, "amount": "600", "voucher_no": "记-2019-09-016"})
    assert response.status_code == 200
    expected = ERR_OVERSPEND.format(category="调研", remaining="500.00", amount="600.00")
    assert expected in response.content.decode()
    assert Expenditure.objects.count() == 1


def test_a_reused_voucher_is_refused_then_accepted_once_confirmed(client, pw, approved):
    login(client, pw, "finance_a")
    url = reverse("pilot:expenditure-create", args=[approved.pk])
    data = {
        "line": line(approved, R).pk,
        "spent_on": "2019-09-20",
        "amount": "300",
        "voucher_no": "记-2019-09-015",
        "description": "调研差旅费",
    }
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="confirm_reuse"' not in page  # not offered before a refusal
    data = {**data, "line": line(approved, T).pk, "amount": "200", "description": "同票培训资料费"}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f"凭证号 记-2019-09-015 已在「{pw.world.major_a1.name} 2019 年建设经费预算」的「调研」登记过；"
        "如确属同一凭证分多笔列支，请勾选确认"
    ) in page
    assert 'type="checkbox" name="confirm_reuse"' in page
    assert Expenditure.objects.count() == 1
    assert client.post(url, {**data, "confirm_reuse": "on"}).status_code == 302
    assert sorted(Expenditure.objects.values_list("amount", flat=True)) == [
        Decimal("200.00"),
        Decimal("300.00"),
    ]


def test_an_approved_adjustment_through_the_pages_lets_the_expenditure_through(
    client, pw, approved
):
    research = line(approved, R)
    services.expenditure_record(
        actor=pw.users["finance_a"],
        line=research,
        amount="8000",
        spent_on=datetime.date(2019, 9, 1),
        voucher_no="V1",
        description="调研",
    )
    login(client, pw, "school_staff_a1")
    client.post(
        reverse("pilot:adjustment-create", args=[approved.pk]),
        {"line": research.pk, "amount": "1000", "reason": "补充调研"},
    )
    adjustment = research.adjustments.get()
    login(client, pw, "finance_a")
    page = client.get(reverse("pilot:budget-detail", args=[approved.pk])).content.decode()
    assert reverse("pilot:adjustment-decide", args=[adjustment.pk]) in page
    client.post(
        reverse("pilot:adjustment-decide", args=[adjustment.pk]),
        {"decision": "approved", "comment": "同意"},
    )
    research.refresh_from_db()
    assert research.limit == Decimal("9000.00")
    response = client.post(
        reverse("pilot:expenditure-create", args=[approved.pk]),
        {
            "line": research.pk,
            "spent_on": "2019-10-01",
            "amount": "1000",
            "voucher_no": "V2",
            "description": "补充调研",
        },
    )
    assert response.status_code == 302
    research.refresh_from_db()
    assert research.spent == research.limit


def test_a_requester_sees_no_decision_buttons_on_their_own_request(client, pw, approved):
    adjustment = services.adjustment_request(
        actor=pw.users["finance_a"], line=line(approved, R), amount="1", reason="x"
    )
    login(client, pw, "finance_a")
    page = client.get(reverse("pilot:budget-detail", args=[approved.pk])).content.decode()
    assert reverse("pilot:adjustment-decide", args=[adjustment.pk]) not in page


def _spend(pw, b, category, amount, voucher, day=datetime.date(2019, 9, 1)):
    services.expenditure_record(
        actor=pw.users["finance_a"],
        line=line(b, category),
        amount=amount,
        spent_on=day,
        voucher_no=voucher,
        description="支出",
    )


def test_budget_list_shows_rates_chart_data_and_exports_the_numbers(client, pw, approved):
    _spend(pw, approved, R, "7600", "V1")
    _spend(pw, approved, BudgetCategory.TRAINING_RESOURCES, "20000", "V2")
    services.funding_record(
        actor=pw.users["finance_a"],
        budget=approved,
        kind="national_subsidy",
        amount="50000",
        received_on=datetime.date(2019, 12, 1),
    )
    budget(pw.pm_a1, year=2020)  # a draft: nothing spent
    login(client, pw, "finance_a")
    url = reverse("pilot:budget-list")
    response = client.get(url)
    page = response.content.decode()
    row = re.search(rf'<tr data-budget="{approved.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "27.6%" in row and "100000.00" in row and "27600.00" in row
    chart = response.context["chart"]
    assert chart["labels"] == [f"{pw.world.major_a1.name} 2020", f"{pw.world.major_a1.name} 2019"]
    assert chart["spent"] == [0.0, 27600.0] and chart["rate"] == [0.0, 27.6]
    assert 'id="budget-chart-data"' in page and "budget-chart.js" in page
    assert [b.year for b in client.get(url, {"status": "approved"}).context["page_obj"]] == [2019]
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][5:12] == [
        "预算金额（元）", "核增金额（元）", "可用额度（元）", "已支出（元）", "执行率（%）",
        "到账资金（元）", "待审批调整",
    ]  # fmt: skip
    exported = {r[3]: r for r in rows[1:]}
    assert exported[2019.0][5:11] == [100000.0, 0.0, 100000.0, 27600.0, 27.6, 50000.0]
    assert exported[2020.0][8] == 0.0


def test_budget_detail_shows_each_category_and_exports_it(client, pw, approved):
    _spend(pw, approved, R, "7600", "V1")
    login(client, pw, "school_staff_a1")
    url = reverse("pilot:budget-detail", args=[approved.pk])
    page = client.get(url).content.decode()
    research = re.search(r'<tr data-line="research" class="table-warning">(.*?)</tr>', page, re.S)
    assert research and "95.0%" in research.group(1) and "400.00" in research.group(1)
    assert re.search(r"data-total-rate>7.6%", page)
    assert reverse("pilot:expenditure-create", args=[approved.pk]) not in page  # finance only
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert "执行情况" in rows[0][0]
    assert rows[1][0] == "经费用途"
    assert rows[2] == ["调研", 8000.0, 0.0, 8000.0, 7600.0, 400.0, 95.0]
    assert rows[-1][0] == "合计" and rows[-1][4:7] == [7600.0, 92400.0, 7.6]


def test_expenditure_list_filters_and_exports(client, pw, approved):
    _spend(pw, approved, R, "100", "V1", datetime.date(2019, 9, 1))
    _spend(pw, approved, BudgetCategory.CURRICULUM, "200.50", "V2", datetime.date(2019, 10, 1))
    other = pilot_major(
        pw.world.major_b1.__class__.objects.create(
            institution=pw.world.college_a,
            school=pw.world.school_a2,
            code="590101",
            name="另一专业",
        ),
        [pw.world.certificate_type],
    )
    b2 = approved_budget(
        other, submitter=pw.users["school_staff_a2"], reviewer=pw.users["academic_affairs_a"]
    )
    _spend(pw, b2, R, "300", "V3")
    login(client, pw, "finance_a")
    url = reverse("pilot:expenditure-list")
    vouchers = lambda params: [e.voucher_no for e in client.get(url, params).context["page_obj"]]  # noqa: E731
    assert vouchers({}) == ["V2", "V3", "V1"]
    assert vouchers({"category": "curriculum"}) == ["V2"]
    assert vouchers({"pilot_major": pw.pm_a1.pk, "year": "2019"}) == ["V2", "V1"]
    assert vouchers({"spent_from": "2019-09-15"}) == ["V2"]
    rows = sheet(client.get(url, {"export": "xlsx", "pilot_major": pw.pm_a1.pk}))
    assert [r[4] for r in rows[1:]] == [200.5, 100.0]
    login(client, pw, "school_staff_a1")
    assert vouchers({}) == ["V2", "V1"]  # school A2's budget is not theirs


# --- Query counts ---------------------------------------------------------------------------------
# Every page: session, user, the role assignments (read once, for the navigation's menu and the
# pilot scope alike). Then each page's own queries, listed per test.


def _flat(client, pw, role, url, expected, grow, django_assert_num_queries):
    login(client, pw, role)
    client.get(url)
    for extra in (1, 8):
        grow(extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


@time_machine.travel(TODAY)
def test_task_list_queries_do_not_grow(client, pw, django_assert_num_queries):
    # 3 common + count, page of tasks (annotated), lead / implementing departments, pilot
    # majors (major joined), department choices.
    numbers = iter(range(10, 100))
    d = pw.departments

    def grow(n):
        for _ in range(n):
            t = task(
                pw.world.college_a,
                next(numbers),
                lead=[d[Department.Kind.ACADEMIC_AFFAIRS]],
                implementing=[d[Department.Kind.HR]],
                pilots=[pw.pm_a1],
            )
            services.milestone_create(
                actor=SYSTEM, task=t, title="x", due_on=datetime.date(2019, 1, 1)
            )

    _flat(
        client,
        pw,
        "academic_affairs_a",
        reverse("pilot:task-list"),
        9,
        grow,
        django_assert_num_queries,
    )


@time_machine.travel(TODAY)
def test_task_detail_queries_do_not_grow(client, pw, django_assert_num_queries):
    # 3 common + the task (institution), lead / implementing departments, pilot majors (major
    # joined), their certificates, milestones, their evidence (uploader joined).
    t1 = pw.tasks["t1"]

    def grow(n):
        for i in range(n):
            m = services.milestone_create(
                actor=SYSTEM, task=t1, title=f"m{i}", due_on=datetime.date(2019, 5, 1)
            )
            services.evidence_add(
                actor=pw.users["school_staff_a1"],
                milestone=m,
                file=SimpleUploadedFile(f"{i}.pdf", b"%PDF", "application/pdf"),
            )

    url = reverse("pilot:task-detail", args=[t1.pk])
    _flat(client, pw, "school_staff_a1", url, 10, grow, django_assert_num_queries)


@time_machine.travel(TODAY)
def test_milestone_list_queries_do_not_grow(client, pw, django_assert_num_queries):
    # 3 common + count, page of milestones (task joined, evidence count), the tasks' lead
    # departments, department choices.
    def grow(n):
        for i in range(n):
            services.milestone_create(
                actor=SYSTEM,
                task=pw.tasks[f"t{1 + i % 6}"],
                title="x",
                due_on=datetime.date(2019, 5, 1),
            )

    _flat(
        client,
        pw,
        "academic_affairs_a",
        reverse("pilot:milestone-list"),
        7,
        grow,
        django_assert_num_queries,
    )


def test_budget_list_queries_do_not_grow(client, pw, django_assert_num_queries):
    # 3 common + count, page of budgets (totals, funds and pending adjustments annotated), their
    # pilot majors' certificates, their lines, the pilot major choices.
    years = iter(range(2000, 2050))

    def grow(n):
        for _ in range(n):
            b = approved_budget(
                pw.pm_a1,
                year=next(years),
                submitter=pw.users["school_staff_a1"],
                reviewer=pw.users["academic_affairs_a"],
            )
            _spend(pw, b, R, "1", "V")

    _flat(client, pw, "finance_a", reverse("pilot:budget-list"), 8, grow, django_assert_num_queries)


def test_budget_detail_queries_do_not_grow(client, pw, approved, django_assert_num_queries):
    # 3 common + the budget (major, school, institution, creator, submitter), its certificates,
    # lines, reviews, funding sources, adjustments; the latest expenditures.
    counter = iter(range(1000))

    def grow(n):
        for _ in range(n):
            i = next(counter)
            _spend(pw, approved, R, "1", f"V{i}")
            services.funding_record(
                actor=pw.users["finance_a"],
                budget=approved,
                kind="other",
                amount="1",
                received_on=datetime.date(2019, 9, 1),
            )
            services.adjustment_request(
                actor=pw.users["finance_a2"], line=line(approved, R), amount="1", reason="x"
            )

    url = reverse("pilot:budget-detail", args=[approved.pk])
    _flat(client, pw, "finance_a", url, 10, grow, django_assert_num_queries)


def test_expenditure_list_queries_do_not_grow(client, pw, approved, django_assert_num_queries):
    # 3 common + count, page of expenditures (line, budget, pilot major, major, recorder joined),
    # the pilot major choices.
    counter = iter(range(1000))

    def grow(n):
        for _ in range(n):
            _spend(pw, approved, R, "1", f"V{next(counter)}")

    _flat(
        client,
        pw,
        "finance_a",
        reverse("pilot:expenditure-list"),
        6,
        grow,
        django_assert_num_queries,
    )


def test_major_list_queries_do_not_grow(client, pw, django_assert_num_queries):
    # 3 common + count, certificate choices, page of pilot majors (major, school, institution,
    # budget count), their certificates.
    from xbank.orgs.tests.factories import MajorFactory

    def grow(n):
        for _ in range(n):
            pilot_major(MajorFactory(school=pw.world.school_a1), [pw.world.certificate_type])

    _flat(
        client,
        pw,
        "academic_affairs_a",
        reverse("pilot:major-list"),
        7,
        grow,
        django_assert_num_queries,
    )


def test_the_workbench_links_the_pilot_pages_of_each_role(client, pw):
    expected = {
        "finance_a": ["pilot:budget-list", "pilot:expenditure-list", "pilot:task-list"],
        "academic_affairs_a": ["catalog:coverage-list", "pilot:task-list", "pilot:budget-list"],
        "school_staff_a1": ["catalog:coverage-list", "pilot:task-list", "pilot:budget-list"],
        "sysadmin": ["pilot:task-list"],
    }
    for role, names in expected.items():
        login(client, pw, role)
        page = client.get(reverse("accounts:workbench")).content.decode()
        for name in names:
            url = reverse(name)
            assert f'href="{url}"' in page, (role, name)
            assert client.get(url).status_code == 200, (role, name)
