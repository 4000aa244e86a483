"""Demo pilot management: the seed's four pilot majors, its six work tasks with their schedule
(进度安排, 2019-04 to 2020-01) and a construction budget per pilot major.

Choices where the seed is silent (also in the pilot app's docstrings):

- Pilot majors: 老年照护 is piloted by 护理, 母婴护理 by 助产, 幼儿照护 by 婴幼儿托育服务与管理 and
  家庭保健按摩 by 康复治疗技术 (the majors whose curricula require those certificates), all from 2019.
- Task table: the extracted table shows the 实施部门 "各二级学院、相关证书试点专业" once, on the first
  row; it reads as a merged cell, so every task is carried out by every school and the four
  pilot majors, and the departments listed per row lead it (统筹部门). Task 3 also names 继续教育学院
  as the one that "负责……具体工作的组织落实", so it implements it too.
- Schedule: every milestone of 2019–2020 is done except the application for the examination
  site (due 2020-01-31), left at 60 %: it shows as overdue (逾期).
- Money: the seed gives no amounts. The figures are invented round sums in yuan. 护理's budget
  goes through the whole story: returned by the experts, revised, approved; start-up funds and a
  national subsidy (奖补) received; 调研 spent to 97.8 %; an adjustment of 教学实训资源 requested by
  the school and approved by the finance office before the money was spent. 助产 has an
  adjustment waiting for approval; 护理's 2020 budget is under review. The budgets of the two
  majors of 健康管理学院 (which has no demo login) are prepared by the system (``SYSTEM``).

Every row is written through the services (so the audit log reads as if people had done it);
a budget, task or milestone that exists is skipped whole, so a second run writes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from xbank.catalog.models import CertificateType
from xbank.core.actors import SYSTEM
from xbank.demo import data
from xbank.orgs.models import Department, Institution, Major
from xbank.pilot import services
from xbank.pilot.models import Budget, BudgetAdjustment, BudgetCategory, PilotMajor, WorkTask

D = datetime.date
K = Department.Kind
RESEARCH = BudgetCategory.RESEARCH
CURRICULUM = BudgetCategory.CURRICULUM
TEACHERS = BudgetCategory.TEACHER_CERTIFICATION
RESOURCES = BudgetCategory.TRAINING_RESOURCES
SHARED = BudgetCategory.SHARED_RESOURCES

# major code → (certificate, lead)
PILOTS = {
    data.NURSING: (data.ELDERLY_CARE, "林护长（演示）"),
    data.MIDWIFERY: (data.MATERNAL_CARE, "周助产（演示）"),
    data.CHILDCARE: (data.INFANT_CARE, "许托育（演示）"),
    data.REHAB: (data.MASSAGE, "郑康复（演示）"),
}

# (number, title, content, lead departments, extra implementing departments, milestones)
# milestone: (title, due, progress, completed_on)
TASKS = [
    (
        1,
        "融入人才培养",
        "1.人才培养方案及课程体系构建；\n2.课程标准制定；\n3.教学模式改革；\n4.分层分类学分制改革",
        [K.ACADEMIC_AFFAIRS],
        [],
        [
            ("确定试点专业，开展试点申报", D(2019, 4, 30), 100, D(2019, 4, 26)),
            (
                "研究职业技能等级标准与专业教学标准，完成对接分析",
                D(2019, 10, 31),
                100,
                D(2019, 10, 25),
            ),
            ("证书培训内容融入人才培养方案，优化课程体系", D(2019, 12, 31), 100, D(2019, 12, 20)),
            ("制定证书相关专业课程标准", D(2020, 1, 15), 100, D(2020, 1, 10)),
        ],
    ),
    (
        2,
        "实施高质量培训",
        "1.确定社会培训招生计划；\n2.落实社会培训具体事宜；\n3.各试点专业实施培训。",
        [K.ACADEMIC_AFFAIRS, K.CONTINUING_ED],
        [],
        [
            ("确定社会培训招生计划", D(2019, 12, 31), 100, D(2019, 12, 27)),
            ("对专业课程未涵盖的内容开展在校生专门培训", D(2020, 1, 31), 100, D(2020, 1, 20)),
        ],
    ),
    (
        3,
        "职业技能等级证书培训小组",
        "1.制定职业技能等级证书考核方案和实施细则；\n2.规范化建设职业技能等级证书考点（考场）；\n"
        "3.继续教育学院负责校内外职业技能等级证书评价与考核的具体工作的组织落实。",
        [K.CONTINUING_ED],
        [K.CONTINUING_ED],
        [
            ("制定职业技能等级证书考核方案和实施细则", D(2019, 12, 15), 100, D(2019, 12, 10)),
            ("按程序申请设立为证书考核站点", D(2020, 1, 31), 60, None),
        ],
    ),
    (
        4,
        "师资队伍建设",
        "1.专业带头人培养；\n2.专业骨干教师培养；\n3.兼职教师聘任。",
        [K.HR],
        [],
        [
            ("选派教师参加职业技能等级标准培训", D(2019, 11, 30), 100, D(2019, 11, 22)),
            ("出台师资队伍建设细则", D(2019, 12, 31), 100, D(2019, 12, 30)),
        ],
    ),
    (
        5,
        "建立学分银行",
        "1.建立学分银行信息系统\n2.建立学分银行相关制度\n3.学分学习成果转换机制",
        [K.INFO_CENTER, K.ACADEMIC_AFFAIRS],
        [],
        [
            ("学分银行信息系统需求调研", D(2019, 12, 31), 100, D(2019, 12, 18)),
            ("建立学习成果认定、积累与转换制度", D(2020, 1, 31), 100, D(2020, 1, 22)),
        ],
    ),
    (
        6,
        "组织保障",
        "相关组织保障，绩效考核、资金保障等工作",
        [K.OFFICE, K.HR, K.FINANCE],
        [],
        [
            ("成立 1+X 证书试点工作领导小组及工作组", D(2019, 4, 30), 100, D(2019, 4, 19)),
            ("组织专家论证各试点专业建设方案和经费预算", D(2019, 6, 30), 100, D(2019, 6, 14)),
        ],
    ),
]

# The 2019 start-up budgets (建设启动费), yuan.
BUDGETS = {
    data.NURSING: {RESEARCH: 8000, CURRICULUM: 12000, TEACHERS: 30000, RESOURCES: 40000, SHARED: 10000},
    data.MIDWIFERY: {RESEARCH: 6000, CURRICULUM: 10000, TEACHERS: 24000, RESOURCES: 40000, SHARED: 10000},
    data.CHILDCARE: {RESEARCH: 6000, CURRICULUM: 10000, TEACHERS: 24000, RESOURCES: 40000, SHARED: 10000},
    data.REHAB: {RESEARCH: 5000, CURRICULUM: 8000, TEACHERS: 20000, RESOURCES: 37000, SHARED: 10000},
}  # fmt: skip
EXPERTS = "校外专家 2 名、行业企业专家 1 名、校内专家 2 名（演示）"

# (major, category, day, amount, voucher, description)
EXPENDITURES = [
    (data.NURSING, RESEARCH, D(2019, 7, 10), "2860.00", "记-2019-07-031", "赴养老服务机构调研差旅费"),
    (data.NURSING, RESEARCH, D(2019, 9, 18), "3140.00", "记-2019-09-027", "行业企业岗位需求调研"),
    (data.NURSING, RESEARCH, D(2019, 11, 6), "1820.00", "记-2019-11-012", "兄弟院校试点经验交流"),
    (data.NURSING, CURRICULUM, D(2019, 10, 22), "6800.00", "记-2019-10-044", "人才培养方案论证会专家咨询费"),
    (data.NURSING, TEACHERS, D(2019, 11, 28), "24600.00", "记-2019-11-058", "6 名教师参加老年照护师资及考评员培训"),
    (data.NURSING, RESOURCES, D(2019, 12, 16), "41500.00", "记-2019-12-063", "老年照护实训室设备（护理床、移位机等）"),
    (data.MIDWIFERY, RESEARCH, D(2019, 9, 12), "4200.00", "记-2019-09-019", "母婴护理机构调研"),
    (data.MIDWIFERY, TEACHERS, D(2019, 11, 20), "18000.00", "记-2019-11-041", "教师参加母婴护理师资培训"),
    (data.MIDWIFERY, RESOURCES, D(2019, 12, 20), "32500.00", "记-2019-12-071", "母婴护理实训模型"),
    (data.CHILDCARE, CURRICULUM, D(2019, 10, 30), "7200.00", "记-2019-10-052", "课程标准编制"),
    (data.CHILDCARE, TEACHERS, D(2019, 12, 5), "16800.00", "记-2019-12-009", "教师参加幼儿照护师资培训"),
    (data.REHAB, RESEARCH, D(2019, 10, 15), "2300.00", "记-2019-10-033", "中医养生保健机构调研"),
    (data.REHAB, RESOURCES, D(2020, 1, 8), "9800.00", "记-2020-01-006", "保健按摩床及经络模型"),
]  # fmt: skip


def _users(result) -> dict:
    return {spec.username: user for spec, user in result.users}


def seed_pilot_majors(main: Institution) -> dict[str, PilotMajor]:
    pilots = {}
    majors = {m.code: m for m in Major.objects.filter(institution=main, code__in=PILOTS)}
    existing = {p.major_id: p for p in PilotMajor.objects.filter(major__in=majors.values())}
    for code, (certificate, lead) in PILOTS.items():
        major = majors[code]
        pilots[code] = existing.get(major.pk) or services.pilot_major_create(
            actor=SYSTEM,
            major=major,
            certificate_types=[CertificateType.objects.get(name=certificate)],
            start_year=2019,
            lead_name=lead,
        )
    return pilots


def seed_tasks(main: Institution, pilots: dict[str, PilotMajor], users: dict) -> None:
    departments = {d.kind: d for d in Department.objects.filter(institution=main)}
    existing = {t.number: t for t in WorkTask.objects.filter(institution=main)}
    reporter = users.get("academic_affairs")
    for number, title, content, lead, implementing, milestones in TASKS:
        task = existing.get(number) or services.task_create(
            actor=reporter,
            institution=main,
            number=number,
            title=title,
            content=content,
            lead_departments=[departments[k] for k in lead],
            implementing_departments=[departments[k] for k in implementing],
            schools_implement=True,
            pilot_majors=list(pilots.values()),
        )
        titles = set(task.milestones.values_list("title", flat=True))
        for m_title, due, progress, completed_on in milestones:
            if m_title in titles:
                continue
            milestone = services.milestone_create(
                actor=reporter, task=task, title=m_title, due_on=due
            )
            if progress:
                services.milestone_report(
                    actor=reporter,
                    milestone=milestone,
                    progress=progress,
                    completed_on=completed_on,
                    note="" if progress == 100 else "已向培训评价组织提交申请材料，待现场核查",
                )


def _at(day: datetime.date) -> datetime.datetime:
    """A story date at 10:00 local time. The services stamp submissions and decisions with
    the current time; the demo's story happens in 2019, so those stamps are moved to its dates
    (the audit log keeps the real time at which the demo rows were written)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _approve(budget: Budget, *, submitter, reviewer, on: datetime.date) -> None:
    services.budget_submit(actor=submitter, budget=budget)
    Budget.objects.filter(pk=budget.pk).update(submitted_at=_at(on - datetime.timedelta(days=4)))
    services.budget_review(
        actor=reviewer,
        budget=budget,
        decision="approved",
        reviewed_on=on,
        experts=EXPERTS,
        comment="建设方案可行，预算编制合理，同意。",
    )


def seed_budgets(pilots: dict[str, PilotMajor], users: dict) -> None:
    school_staff, academic, finance = (
        users.get("school_staff"),
        users.get("academic_affairs"),
        users.get("finance"),
    )
    existing = set(
        Budget.objects.filter(pilot_major__in=pilots.values()).values_list("pilot_major_id", "year")
    )
    created: dict[str, Budget] = {}
    for code, amounts in BUDGETS.items():
        pilot = pilots[code]
        if (pilot.pk, 2019) in existing:
            continue
        # 护理学院's majors are prepared by its staff; 健康管理学院 has no demo login.
        preparer = school_staff if code in (data.NURSING, data.MIDWIFERY) else SYSTEM
        budget = services.budget_create(
            actor=preparer,
            pilot_major=pilot,
            year=2019,
            amounts=amounts,
            plan=f"{pilot.major.name}专业 1+X 证书试点建设方案（演示）：调研、方案修订、师资考证、实训条件建设与资源共享。",
        )
        if code == data.NURSING:
            services.budget_submit(actor=preparer, budget=budget)
            services.budget_review(
                actor=academic,
                budget=budget,
                decision="returned",
                reviewed_on=D(2019, 5, 28),
                experts=EXPERTS,
                comment="教学实训资源预算偏高，请细化设备清单；建议增加培训考核资源共建共享投入。",
            )
            services.budget_update(
                actor=preparer, budget=budget, amounts={**amounts, RESOURCES: 36000, SHARED: 14000}
            )
        _approve(budget, submitter=preparer, reviewer=academic, on=D(2019, 6, 14))
        services.funding_record(
            actor=finance,
            budget=budget,
            kind="startup",
            amount=sum(Decimal(v) for v in amounts.values()),
            received_on=D(2019, 6, 20),
            document_no="岭职院财〔2019〕15号（演示）",
            note="学校建设启动费",
        )
        created[code] = budget

    nursing = created.get(data.NURSING)
    if nursing is not None:
        services.funding_record(
            actor=finance,
            budget=nursing,
            kind="national_subsidy",
            amount="50000.00",
            received_on=D(2019, 12, 2),
            document_no="粤财教〔2019〕XX号（演示）",
            note="1+X 证书制度试点奖补专项资金",
        )
        resources = nursing.lines.get(category=RESOURCES)
        adjustment = services.adjustment_request(
            actor=school_staff,
            line=resources,
            amount="8000.00",
            reason="国家奖补资金到位，追加老年照护实训室移位机等设备。",
        )
        services.adjustment_approve(
            actor=finance, adjustment=adjustment, comment="奖补资金已到账，同意核增。"
        )
        BudgetAdjustment.objects.filter(pk=adjustment.pk).update(
            requested_at=_at(D(2019, 12, 3)), decided_at=_at(D(2019, 12, 5))
        )
    for code, category, day, amount, voucher, description in EXPENDITURES:
        budget = created.get(code)
        if budget is None:
            continue
        services.expenditure_record(
            actor=finance,
            line=budget.lines.get(category=category),
            amount=amount,
            spent_on=day,
            voucher_no=voucher,
            description=description,
        )
    midwifery = created.get(data.MIDWIFERY)
    if midwifery is not None:
        pending = services.adjustment_request(
            actor=school_staff,
            line=midwifery.lines.get(category=RESOURCES),
            amount="6000.00",
            reason="新生儿护理模型涨价，申请核增教学实训资源。",
        )
        BudgetAdjustment.objects.filter(pk=pending.pk).update(requested_at=_at(D(2019, 12, 23)))
    if nursing is not None and (pilots[data.NURSING].pk, 2020) not in existing:
        next_year = services.budget_create(
            actor=school_staff,
            pilot_major=pilots[data.NURSING],
            year=2020,
            amounts={
                RESEARCH: 5000,
                CURRICULUM: 6000,
                TEACHERS: 20000,
                RESOURCES: 30000,
                SHARED: 15000,
            },
            plan="2020 年度：扩大社会培训，共建共享考核资源（演示）。",
        )
        services.budget_submit(actor=school_staff, budget=next_year)
        Budget.objects.filter(pk=next_year.pk).update(submitted_at=_at(D(2019, 12, 28)))


def seed(result) -> None:
    main = Institution.objects.get(code=data.INSTITUTIONS[data.MAIN]["code"])
    users = _users(result)
    pilots = seed_pilot_majors(main)
    seed_tasks(main, pilots, users)
    seed_budgets(pilots, users)
