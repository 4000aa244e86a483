"""Learning outcomes imports: certificates by name or alias, dates in every form people type,
(issuer, number) uniqueness (invariant 2), cancelled certificate types (invariant 5)."""

import datetime
from decimal import Decimal

import pytest

from xbank.audit.models import AuditEntry
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ERR_CANCELLED, certificate_type_cancel
from xbank.core.actors import SYSTEM
from xbank.imports import services
from xbank.imports.cleaners import ERR_DATE, ERR_DATE_FUTURE
from xbank.imports.models import ImportBatch
from xbank.imports.pipeline import ERR_DUPLICATE_ROW
from xbank.learners.imports import (
    ERR_KIND_MISMATCH,
    ERR_LEVEL,
    ERR_NO_ACCOUNT,
    ERR_OUT_OF_SCOPE,
    ERR_UNKNOWN_CERTIFICATE,
    ERR_UNKNOWN_COURSE,
)
from xbank.learners.models import LearningOutcome
from xbank.learners.services import ERR_DUPLICATE_OUTCOME, ERR_NAME_MISMATCH
from xbank.learners.tests.factories import student

from .helpers import fake_name, messages, new_id, upload, xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "姓名",
    "身份证号",
    "成果类型",
    "证书名称",
    "发证机构",
    "证书编号",
    "取得日期",
    "等级",
    "分数",
]
JUNE_30 = datetime.date(2024, 6, 30)


@pytest.fixture
def alice(nursing):
    return student(major=nursing, student_no="2024520101")


@pytest.fixture
def bob(nursing):
    return student(major=nursing, student_no="2024520102")


def row(person, number, *, title="老年照护", kind="职业技能等级证书", issued=JUNE_30, level="初级"):
    account = person.account
    return [account.name, account.id_number, kind, title, None, number, issued, level, 86]


def test_certificates_are_found_by_alias_and_take_the_types_issuer(
    college, alice, elderly_cert, registrar
):
    batch = upload(
        "outcomes", xlsx(HEADER, [row(alice, "LNZH-0001")]), institution=college, actor=registrar
    )
    assert messages(batch) == []
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    outcome = LearningOutcome.objects.get()
    assert outcome.certificate_type == elderly_cert
    assert outcome.title == "老年照护职业技能等级证书"
    assert outcome.issuer == "测试养老服务评价组织有限公司"
    assert (outcome.kind, outcome.level, outcome.score) == (
        "skill_certificate",
        "junior",
        Decimal("86.0"),
    )
    assert (outcome.source, outcome.import_batch_id) == ("import", batch.pk)
    assert outcome.account == alice.account


def test_dates_are_read_in_every_form_offices_type_them(college, alice, elderly_cert, registrar):
    forms = [
        JUNE_30,  # an Excel date cell
        datetime.datetime(2024, 6, 30, 0, 0),
        "2024/6/30",
        "2024-06-30",
        "2024年6月30日",
        "2024.06.30",
        "20240630",
        20240630,  # yyyymmdd typed as a number
        "２０２４－０６－３０",  # full width
        45473,  # an Excel serial number that lost its date format
    ]
    rows = [row(alice, f"D{i}", issued=value) for i, value in enumerate(forms)]
    batch = upload("outcomes", xlsx(HEADER, rows), institution=college, actor=registrar)
    assert messages(batch) == []
    services.batch_commit(actor=registrar, batch=batch)
    assert set(LearningOutcome.objects.values_list("issued_on", flat=True)) == {JUNE_30}
    assert LearningOutcome.objects.count() == len(forms)


def test_impossible_and_future_dates_are_errors(college, alice, elderly_cert, registrar):
    future = datetime.date.today() + datetime.timedelta(days=30)
    rows = [row(alice, "F1", issued="2024-02-30"), row(alice, "F2", issued=future.isoformat())]
    batch = upload("outcomes", xlsx(HEADER, rows), institution=college, actor=registrar)
    assert messages(batch) == [
        "第 3 行，列「取得日期」：" + ERR_DATE.format(value="2024-02-30"),
        "第 4 行，列「取得日期」：" + ERR_DATE_FUTURE.format(value=future.isoformat()),
    ]


def test_it_rejects_outcomes_of_a_cancelled_certificate_type(
    college, alice, elderly_cert, registrar
):
    kept = upload(
        "outcomes", xlsx(HEADER, [row(alice, "OLD-1")]), institution=college, actor=registrar
    )
    services.batch_commit(actor=registrar, batch=kept)
    certificate_type_cancel(actor=SYSTEM, certificate_type=elderly_cert)

    rows = [row(alice, "OLD-1"), row(alice, "NEW-1")]
    batch = upload("outcomes", xlsx(HEADER, rows), institution=college, actor=registrar)
    # The stored row passes unchanged; the new one is refused, and so nothing is written.
    assert messages(batch) == [
        "第 4 行，列「证书名称」：" + ERR_CANCELLED.format(name="老年照护职业技能等级证书")
    ]
    assert batch.status == ImportBatch.Status.INVALID
    assert LearningOutcome.objects.count() == 1


def test_reimporting_the_same_outcomes_changes_nothing_and_says_so(
    college, alice, bob, elderly_cert, registrar
):
    content = xlsx(HEADER, [row(alice, "R-1"), row(bob, "R-2"), row(alice, "R-3", level="中级")])
    services.batch_commit(
        actor=registrar, batch=upload("outcomes", content, institution=college, actor=registrar)
    )
    again = upload("outcomes", content, institution=college, actor=registrar)
    assert again.status == ImportBatch.Status.UNCHANGED
    assert again.message == "与系统中已有数据完全一致，未做任何更改"
    assert again.unchanged_count == 3
    # The command line path (straight to commit) says the same and writes no audit entry.
    batch = services.batch_create(
        actor=registrar, kind="outcomes", institution=college, file_name="x.xlsx", content=content
    )
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == ImportBatch.Status.UNCHANGED
    assert AuditEntry.objects.filter(action="imports.batch.committed").count() == 1
    assert LearningOutcome.objects.count() == 3


def test_a_changed_score_updates_the_stored_outcome(college, alice, elderly_cert, registrar):
    first = row(alice, "S-1")
    services.batch_commit(
        actor=registrar,
        batch=upload("outcomes", xlsx(HEADER, [first]), institution=college, actor=registrar),
    )
    changed = [*first[:-1], 92.5]
    batch = upload("outcomes", xlsx(HEADER, [changed]), institution=college, actor=registrar)
    assert (batch.created_count, batch.updated_count) == (0, 1)
    services.batch_commit(actor=registrar, batch=batch)
    assert LearningOutcome.objects.get().score == Decimal("92.5")


def test_a_certificate_number_cannot_move_to_another_person(
    college, alice, bob, elderly_cert, registrar
):
    services.batch_commit(
        actor=registrar,
        batch=upload(
            "outcomes", xlsx(HEADER, [row(alice, "X-1")]), institution=college, actor=registrar
        ),
    )
    batch = upload(
        "outcomes", xlsx(HEADER, [row(bob, "X-1")]), institution=college, actor=registrar
    )
    assert messages(batch) == [
        "第 3 行，列「证书编号」："
        + ERR_DUPLICATE_OUTCOME.format(issuer="测试养老服务评价组织有限公司", number="X-1")
    ]


def test_row_problems_name_the_row_and_column(college, alice, bob, elderly_cert, registrar):
    unknown_person = [
        fake_name(),
        new_id(),
        "职业技能等级证书",
        "老年照护",
        None,
        "P-3",
        JUNE_30,
        "初级",
        80,
    ]
    rows = [
        row(alice, "P-1"),
        row(bob, "P-1"),  # same issuer and number as row 3
        unknown_person,
        [
            bob.account.name + "一",
            bob.account.id_number,
            None,
            "老年照护",
            None,
            "P-4",
            JUNE_30,
            None,
            None,
        ],
        row(bob, "P-5", title="母婴护理"),
        row(bob, "P-6", level="技师"),
        row(bob, "P-7", kind="职业资格证书"),
    ]
    batch = upload("outcomes", xlsx(HEADER, rows), institution=college, actor=registrar)
    wrong_name = bob.account.name + "一"
    assert messages(batch) == [
        "第 4 行，列「证书编号」：" + ERR_DUPLICATE_ROW.format(other=3),
        "第 5 行，列「身份证号」：" + ERR_NO_ACCOUNT,
        "第 6 行，列「姓名」："
        + ERR_NAME_MISMATCH.format(existing=bob.account.name, given=wrong_name),
        "第 7 行，列「证书名称」：" + ERR_UNKNOWN_CERTIFICATE.format(name="母婴护理"),
        "第 8 行，列「等级」：" + ERR_LEVEL.format(level="二级/技师", allowed="初级、中级、高级"),
        "第 9 行，列「成果类型」："
        + ERR_KIND_MISMATCH.format(
            name="老年照护职业技能等级证书", actual="职业技能等级证书", given="职业资格证书"
        ),
    ]
    assert LearningOutcome.objects.count() == 0


def test_course_results_get_a_stable_number_and_the_institution_as_issuer(
    college, alice, care_course, registrar
):
    header = ["学生姓名", "证件号码", "课程代码", "取得日期", "分数", "学分", "等第"]
    account = alice.account
    content = xlsx(header, [[account.name, account.id_number, "HL101", JUNE_30, 88, 4, "良好"]])
    batch = services.batch_commit(
        actor=registrar, batch=upload("outcomes", content, institution=college, actor=registrar)
    )
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    outcome = LearningOutcome.objects.get()
    assert (outcome.kind, outcome.title, outcome.course) == (
        "course_result",
        "基础护理",
        care_course,
    )
    assert outcome.issuer == college.name
    assert outcome.number == "2024520101-HL101-20240630"
    assert (outcome.credits, outcome.grade) == (Decimal("4.0"), "良好")
    again = upload("outcomes", content, institution=college, actor=registrar)
    assert again.status == ImportBatch.Status.UNCHANGED

    unknown = xlsx(header, [[account.name, account.id_number, "NOPE", JUNE_30, 88, 4, None]])
    batch = upload("outcomes", unknown, institution=college, actor=registrar)
    assert messages(batch) == ["第 3 行，列「课程代码」：" + ERR_UNKNOWN_COURSE.format(code="NOPE")]


def test_staff_add_outcomes_only_for_learners_in_their_scope(
    college, alice, elderly_cert, outsider, nursing_staff, computing
):
    other = student(major=computing)
    rows = [row(alice, "SC-1"), row(other, "SC-2")]
    batch = upload("outcomes", xlsx(HEADER, rows), institution=college, actor=nursing_staff)
    assert messages(batch) == [
        "第 4 行，列「身份证号」：" + ERR_OUT_OF_SCOPE.format(where="您管理的专业")
    ]


def test_a_certificate_type_without_the_level_family_maps_by_rank(college, alice, registrar):
    CertificateType.objects.create(
        name="育婴员",
        kind=CertificateType.Kind.QUALIFICATION,
        issuer_name="测试人社部门",
        levels=["grade5", "grade4"],
    )
    content = xlsx(HEADER, [row(alice, "YY-1", title="育婴员", kind="职业资格证书", level="初级")])
    batch = services.batch_commit(
        actor=registrar, batch=upload("outcomes", content, institution=college, actor=registrar)
    )
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    assert LearningOutcome.objects.get().level == "grade5"


def test_a_wrong_name_for_another_colleges_learner_shows_no_stored_name(
    college, alice, elderly_cert, outsider
):
    """Invariant 12: the outsider learns neither the stored name nor anything else."""
    theirs = outsider.role_assignments.get().institution
    wrong = row(alice, "LNZH-9001")
    wrong[0] = alice.account.name + "某"
    batch = upload("outcomes", xlsx(HEADER, [wrong]), institution=theirs, actor=outsider)
    assert messages(batch) == [
        "第 3 行，列「姓名」：信息需人工核对：姓名与该证件号码已登记的信息不一致"
    ]
    assert alice.account.name not in " ".join(messages(batch))
