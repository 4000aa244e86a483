"""Learner rosters as offices make them: merged title, varied headers, full-width characters,
numbers stored as text and as numbers, blank rows; every problem named by the row Excel shows."""

import pytest
from django.core.exceptions import ValidationError

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.core.identity import ERR_EXCEL_NUMBER, WARN_AREA
from xbank.core.pinyin import name_sort_key
from xbank.core.testing import make_id_number
from xbank.imports import services
from xbank.imports.cleaners import ERR_PHONE
from xbank.imports.models import ImportBatch
from xbank.imports.pipeline import ERR_DUPLICATE_ROW
from xbank.learners import services as learner_services
from xbank.learners.imports import (
    ERR_MAJOR_SCOPE,
    ERR_STUDENT_NEEDS,
    ERR_STUDENT_NO_TAKEN,
    ERR_UNKNOWN_MAJOR,
)
from xbank.learners.models import Learner, LearningAccount
from xbank.learners.services import ERR_NAME_MISMATCH

from .helpers import BLANK, fake_name, messages, new_id, new_numeric_id, upload, warnings, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["序号", "学生姓名", "身份证号码", "类别", "学号", "专业", "年级", "班级", "手机号码"]


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_a_real_office_roster_is_imported_row_by_row(college, nursing, registrar):
    first, second, third = fake_name(), fake_name(), fake_name()
    id1, id2, id3 = new_id(), new_id(), new_id()
    content = xlsx(
        HEADER,
        [
            [1, first, id1, "在校生", "2024520101", "520201", "2024级", "护理2401班", "13800138000"],
            # Full-width digits and padding spaces, numbers stored as numbers, major by name.
            [2, f"  {second[0]} {second[1:]} ", to_fullwidth(id2), "在校生", 2024520102, "护理",
             2024, "护理2401班", 13900139000],
            [BLANK] * 9,  # a blank row in the middle is skipped
            [3, third, id3.lower(), "社会学员", None, None, None, None, "+86 137-0013-7000"],
        ],
        empty_rows_above=1,
    )  # fmt: skip
    batch = upload("learners", content, institution=college, actor=registrar)
    assert messages(batch) == []
    assert batch.status == ImportBatch.Status.READY
    assert (batch.total_rows, batch.created_count, batch.updated_count) == (3, 3, 0)
    assert LearningAccount.objects.count() == 0  # the preview writes nothing

    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    accounts = {a.id_number: a for a in LearningAccount.objects.all()}
    assert set(accounts) == {id1, id2, id3.upper()}
    assert accounts[id2].name == second
    assert accounts[id2].name_pinyin == name_sort_key(second)
    assert accounts[id2].phone == "13900139000"
    assert accounts[id3.upper()].phone == "13700137000"
    student = Learner.objects.get(account=accounts[id2])
    assert (student.kind, student.major, student.school_id) == (
        "student",
        nursing,
        nursing.school_id,
    )
    assert (student.cohort_year, student.student_no, student.class_name) == (
        2024,
        "2024520102",
        "护理2401班",
    )
    assert Learner.objects.get(account=accounts[id3.upper()]).kind == "social"


def test_every_bad_row_is_reported_with_the_row_and_column_excel_shows(college, nursing, registrar):
    header = ["姓名", "身份证号", "类别", "学号", "专业代码", "年级", "手机号"]
    good = "44010620050412099X"  # worked by hand: Σ 222, r 2 → X
    typed_as_number = new_numeric_id()
    wrong_check = "440106200504120990"
    content = xlsx(
        header,
        [
            [fake_name(), good, "在校生", "S001", "520201", "2024", "13800138000"],  # row 3
            [fake_name(), float(typed_as_number), "在校生", "S002", "520201", "2024", None],
            [fake_name(), good, "在校生", "S003", "520201", "2024", None],  # duplicate ID
            [fake_name(), new_id(), "在校生", "S004", None, "2024", None],
            [fake_name(), new_id(), "在校生", "S005", "999999", "2024", "123"],
            [fake_name(), new_id(), "在校生", "S001", "520201", "2024", None],  # duplicate 学号
            [fake_name(), wrong_check, "社会学员", None, None, None, "1234567"],
        ],
    )
    batch = upload("learners", content, institution=college, actor=registrar)
    shown = f"{float(typed_as_number):.5E}"
    assert batch.status == ImportBatch.Status.INVALID
    found = messages(batch)
    assert found[0] == "第 4 行，列「身份证号」：" + ERR_EXCEL_NUMBER.format(shown=shown)
    assert found[1:] == [
        "第 5 行，列「身份证号」：" + ERR_DUPLICATE_ROW.format(other=3),
        "第 6 行，列「专业代码」：" + ERR_STUDENT_NEEDS.format(what="专业"),
        "第 7 行，列「专业代码」：" + ERR_UNKNOWN_MAJOR.format(value="999999"),
        "第 7 行，列「手机号」：" + ERR_PHONE.format(value="123"),
        "第 8 行，列「学号」：" + ERR_DUPLICATE_ROW.format(other=3),
        "第 9 行，列「身份证号」：校验位不正确（最后一位应为 X），请核对是否输错",
        "第 9 行，列「手机号」：" + ERR_PHONE.format(value="1234567"),
    ]
    assert batch.error_count == 8
    assert "没有导入任何数据" in batch.message


def test_one_bad_row_means_nothing_is_written(college, nursing, registrar):
    rows = [[fake_name(), new_id(), "在校生", f"S{i}", "520201", "2024"] for i in range(5)]
    rows.append([fake_name(), "110101200001011234", "在校生", "S9", "520201", "2024"])
    content = xlsx(["姓名", "证件号码", "类别", "学号", "专业代码", "年级"], rows)
    batch = services.batch_create(
        actor=registrar, kind="learners", institution=college, file_name="a.xlsx", content=content
    )
    batch = services.batch_commit(actor=registrar, batch=batch)  # one pass, as the command line
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch)[0].startswith("第 8 行，列「证件号码」：")
    assert LearningAccount.objects.count() == 0
    assert Learner.objects.count() == 0
    assert not AuditEntry.objects.filter(action="imports.batch.committed").exists()
    with pytest.raises(ValidationError):
        services.batch_commit(actor=registrar, batch=batch)


def test_importing_the_same_file_again_changes_nothing_and_says_so(college, nursing, registrar):
    content = xlsx(
        ["姓名", "证件号", "学号", "专业代码", "年级"],
        [[fake_name(), new_id(), f"2024{i:04d}", "520201", 2024] for i in range(4)],
    )
    first = upload("learners", content, institution=college, actor=registrar)
    services.batch_commit(actor=registrar, batch=first)
    again = upload("learners", content, institution=college, actor=registrar)
    assert again.status == ImportBatch.Status.UNCHANGED
    assert again.message == services.MSG_UNCHANGED == "与系统中已有数据完全一致，未做任何更改"
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert LearningAccount.objects.count() == 4
    with pytest.raises(ValidationError):
        services.batch_commit(actor=registrar, batch=again)


def test_a_changed_class_is_an_update_and_a_blank_cell_keeps_the_stored_value(
    college, nursing, registrar
):
    name, number = fake_name(), new_id()
    header = ["姓名", "身份证号", "学号", "专业代码", "年级", "班级", "工作单位"]
    content = xlsx(header, [[name, number, "2024001", "520201", 2024, "护理2401班", "某医院"]])
    services.batch_commit(
        actor=registrar, batch=upload("learners", content, institution=college, actor=registrar)
    )
    changed = xlsx(header, [[name, number, "2024001", "520201", 2024, "护理2402班", None]])
    batch = upload("learners", changed, institution=college, actor=registrar)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 0)
    services.batch_commit(actor=registrar, batch=batch)
    learner = Learner.objects.get()
    assert (learner.class_name, learner.employer) == ("护理2402班", "某医院")


def test_a_known_person_keeps_their_account_and_the_name_must_match(college, nursing, registrar):
    from xbank.core.identity import parse_document

    number, name = new_id(), fake_name()
    social = learner_services.learner_register(
        actor=SYSTEM, document=parse_document(number), name=name, kind="social", institution=college
    )
    header = ["姓名", "身份证号", "类别", "学号", "专业代码", "年级"]
    wrong = xlsx(header, [["王" + name, number, "在校生", "S1", "520201", 2024]])
    batch = upload("learners", wrong, institution=college, actor=registrar)
    assert messages(batch) == [
        "第 3 行，列「姓名」：" + ERR_NAME_MISMATCH.format(existing=name, given="王" + name)
    ]
    enrol = xlsx(header, [[name, number, "在校生", "S1", "520201", 2024]])
    batch = services.batch_commit(
        actor=registrar, batch=upload("learners", enrol, institution=college, actor=registrar)
    )
    assert batch.status == ImportBatch.Status.COMMITTED
    assert LearningAccount.objects.count() == 1
    assert set(Learner.objects.values_list("account_id", "kind")) == {
        (social.account_id, "social"),
        (social.account_id, "student"),
    }


def test_a_student_number_held_by_someone_else_is_refused(college, nursing, registrar):
    header = ["姓名", "身份证号", "学号", "专业代码", "年级"]
    services.batch_commit(
        actor=registrar,
        batch=upload(
            "learners",
            xlsx(header, [[fake_name(), new_id(), "2024001", "520201", 2024]]),
            institution=college,
            actor=registrar,
        ),
    )
    batch = upload(
        "learners",
        xlsx(header, [[fake_name(), new_id(), "2024001", "520201", 2024]]),
        institution=college,
        actor=registrar,
    )
    assert messages(batch) == [
        "第 3 行，列「学号」：" + ERR_STUDENT_NO_TAKEN.format(student_no="2024001")
    ]


def test_an_unknown_area_code_is_a_warning_not_an_error(college, nursing, registrar):
    number = make_id_number(area="449999")
    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [[fake_name(), number, "1", "520201", 2024]],
    )
    batch = upload("learners", content, institution=college, actor=registrar)
    assert batch.status == ImportBatch.Status.READY
    assert warnings(batch) == ["第 3 行，列「身份证号」：" + WARN_AREA.format(code="449999")]


def test_school_staff_import_only_into_their_own_schools_majors(
    college, nursing, computing, nursing_staff
):
    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [
            [fake_name(), new_id(), "1", "520201", 2024],
            [fake_name(), new_id(), "2", "510201", 2024],
        ],
    )
    batch = upload("learners", content, institution=college, actor=nursing_staff)
    assert messages(batch) == [
        "第 4 行，列「专业代码」：" + ERR_MAJOR_SCOPE.format(major=computing)
    ]


def test_a_committed_import_is_in_the_audit_log(college, nursing, registrar):
    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"],
        [[fake_name(), new_id(), "1", "520201", 2024]],
    )
    batch = services.batch_commit(
        actor=registrar,
        batch=upload(
            "learners", content, institution=college, actor=registrar, file_name="新生.xlsx"
        ),
    )
    entry = AuditEntry.objects.get(action="imports.batch.committed")
    assert entry.actor == registrar
    assert entry.object_id == str(batch.pk)
    assert entry.data == {
        "kind": "learners",
        "file_sha256": batch.file_sha256,
        "file_name": "新生.xlsx",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rows": 1,
    }


def test_a_name_mismatch_names_the_stored_name_only_to_those_who_see_the_person(
    college, registrar, outsider
):
    """Invariant 12: a partner college's roster must not turn an ID number into a name."""
    from xbank.core.identity import parse_document

    # GB 11643-1999's published example, registered at our college under a hand-written name.
    number = "11010519491231002X"
    learner_services.learner_register(
        actor=SYSTEM,
        document=parse_document(number),
        name="林晓华",
        kind="social",
        institution=college,
    )
    roster = xlsx(["姓名", "身份证号", "类别"], [["林小华", number, "社会学员"]])

    ours = upload("learners", roster, institution=college, actor=registrar)
    assert messages(ours) == [
        "第 3 行，列「姓名」：该证件号已开户，户名为「林晓华」，与填写的「林小华」不一致"
    ]

    theirs = upload("learners", roster, institution=outsider_college(outsider), actor=outsider)
    assert messages(theirs) == [
        "第 3 行，列「姓名」：信息需人工核对：姓名与该证件号码已登记的信息不一致"
    ]
    assert "林晓华" not in " ".join(messages(theirs)) + (theirs.message or "")
    assert LearningAccount.objects.get().name == "林晓华"
    assert Learner.objects.count() == 1


def outsider_college(user):
    return user.role_assignments.get().institution


def test_the_commit_checks_again_against_what_changed_since_the_preview(
    college, nursing, registrar
):
    number, name = new_id(), fake_name()
    content = xlsx(
        ["姓名", "身份证号", "学号", "专业代码", "年级"], [[name, number, "1", "520201", 2024]]
    )
    batch = upload("learners", content, institution=college, actor=registrar)
    assert batch.status == ImportBatch.Status.READY
    # Meanwhile the same person is registered elsewhere under another spelling of the name.
    from xbank.core.identity import parse_document

    learner_services.learner_register(
        actor=SYSTEM,
        document=parse_document(number),
        name="赵" + name,
        kind="social",
        institution=college,
    )
    batch = services.batch_commit(actor=registrar, batch=batch)
    assert batch.status == ImportBatch.Status.INVALID
    assert messages(batch) == [
        "第 3 行，列「姓名」：" + ERR_NAME_MISMATCH.format(existing="赵" + name, given=name)
    ]
    assert Learner.objects.filter(kind="student").count() == 0
