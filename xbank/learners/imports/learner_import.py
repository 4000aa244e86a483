"""The learner import (学习者名单): students (在校生) and social learners (社会学员) of one
institution, opening learning accounts for people not yet known.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xbank.core.identity import normalize_text
from xbank.core.pinyin import name_sort_key
from xbank.imports import cleaners
from xbank.imports.bulk import insert_rows, rows_matching, update_rows
from xbank.imports.pipeline import (
    Column,
    Context,
    ImportSpec,
    Plan,
    Report,
    Table,
    duplicates,
    register,
)
from xbank.orgs.models import Major

from ..models import Learner, LearningAccount
from .people import (
    NameCheck,
    find_accounts,
    id_number_column,
    id_type_column,
    name_column,
    prepare_people,
)

ERR_UNKNOWN_MAJOR = "本校没有代码或名称为「{value}」的专业"
ERR_MAJOR_SCOPE = "专业「{major}」不在您的管理范围内"
ERR_STUDENT_NEEDS = "在校生必须填写{what}"
ERR_STUDENT_NO_TAKEN = "学号 {student_no} 已属于本校另一名学习者"


def majors_of(institution) -> dict[str, Major]:
    """Majors of the institution by code and by name (a file may give either)."""
    table: dict[str, Major] = {}
    majors = list(Major.objects.filter(institution=institution))
    for major in majors:
        table[normalize_text(major.name)] = major
    for major in majors:
        table[normalize_text(major.code)] = major
    return table


def major_column(**kwargs) -> Column:
    return Column(
        "major",
        "专业代码",
        cleaners.text(100),
        synonyms=("专业", "专业名称", "专业编码", "所学专业", "专业编号"),
        example="520802",
        help=_("填写专业代码或专业名称"),
        text_format=True,
        width=12,
        **kwargs,
    )


def cohort_column(**kwargs) -> Column:
    return Column(
        "cohort_year",
        "年级",
        cleaners.year,
        synonyms=("入学年份", "入学年级", "入学年度"),
        example="2024",
        help=_("入学年份，如 2024"),
        width=8,
        **kwargs,
    )


@register
class LearnerImport(ImportSpec):
    """Students (在校生) and social learners (社会学员) of one institution.

    A person already known anywhere in the bank keeps their one learning account; the name in
    the file must match it. A blank cell keeps what is stored (a sparse file never wipes data).
    The phone number is stored when an account is opened; an existing account's phone is
    changed on the account page, not by a roster.
    """

    kind = "learners"
    title = _("学习者")
    columns = (
        name_column(),
        id_type_column(),
        id_number_column(),
        Column(
            "kind",
            "类别",
            cleaners.choice(
                {
                    "在校生": "student",
                    "学生": "student",
                    "社会学员": "social",
                    "社会人员": "social",
                },
                shown=("在校生", "社会学员"),
            ),
            synonyms=("学员类别", "学习者类别", "学生类别", "人员类别"),
            choices=("在校生", "社会学员"),
            example="在校生",
            help=_("不填时：有学号为在校生，否则为社会学员"),
            width=10,
        ),
        Column(
            "student_no",
            "学号",
            cleaners.code(30),
            synonyms=("学籍号", "学生学号"),
            example="2024520801",
            text_format=True,
        ),
        major_column(),
        cohort_column(),
        Column(
            "class_name",
            "班级",
            cleaners.text(50),
            synonyms=("班级名称", "行政班"),
            example="护理2401班",
        ),
        Column(
            "phone",
            "手机号",
            cleaners.phone,
            synonyms=("手机", "手机号码", "联系电话", "电话", "联系方式"),
            example="13800138000",
            text_format=True,
        ),
        Column(
            "education", "学历", cleaners.text(20), synonyms=("文化程度", "最高学历"), example=""
        ),
        Column(
            "employer",
            "工作单位",
            cleaners.text(100),
            synonyms=("单位", "所在单位", "工作单位名称", "单位名称"),
            example="",
            width=20,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        prepare_people(table, report)
        kinds = []
        for row_no, kind, student_no, major, cohort in table.rows(
            "kind", "student_no", "major", "cohort_year"
        ):
            kind = kind or ("student" if student_no else "social")
            kinds.append(kind)
            if kind == "student":  # a cell already refused is not also "missing"
                if major is None and (row_no, "major") not in report.bad_cells:
                    report.error(row_no, "major", ERR_STUDENT_NEEDS.format(what="专业"))
                if cohort is None and (row_no, "cohort_year") not in report.bad_cells:
                    report.error(row_no, "cohort_year", ERR_STUDENT_NEEDS.format(what="年级"))
        table.add("kind", kinds)
        duplicates(table.rows("id_hash"), report, "id_number")
        duplicates(table.rows("student_no"), report, "student_no")

    def check(self, table: Table, ctx: Context) -> Plan:
        report, institution = ctx.report, ctx.institution
        skip, skip_cells = set(report.bad_rows), set(report.bad_cells)
        majors = majors_of(institution)
        accounts = find_accounts(table.columns["id_hash"])
        name_check = NameCheck(ctx, accounts)
        account_ids = [entry[0] for entry in accounts.values()]
        fields = ("school_id", "major_id", "cohort_year", "student_no", "class_name")
        fields += ("education", "employer")
        learners = Learner.objects.filter(institution=institution)
        existing: dict[tuple, dict] = {}
        columns = ("account_id", "kind", "id", *fields)
        for row in rows_matching(learners, "account_id", account_ids, columns):
            existing[row[:2]] = dict(zip(columns, row, strict=True))
        holders = dict(
            rows_matching(
                learners, "student_no", table.columns["student_no"], ("student_no", "account_id")
            )
        )

        plan = Plan()
        new_accounts: dict[str, tuple] = {}
        new_learners, updates = [], []
        rows = table.rows(
            "name", "document", "id_hash", "kind", "student_no", "major", "cohort_year",
            "class_name", "phone", "education", "employer",
        )  # fmt: skip
        for row_no, name, document, id_hash, kind, student_no, major_text, cohort, *rest in rows:
            class_name, phone, education, employer = rest
            # Every check whose cells are sound runs, so that one upload lists every problem.
            sound = row_no not in skip
            major = None
            if major_text is not None:
                major = majors.get(normalize_text(major_text))
                if major is None:
                    report.error(row_no, "major", ERR_UNKNOWN_MAJOR.format(value=major_text))
                    sound = False
            if ctx.restricted and major_text is None and (row_no, "major") not in skip_cells:
                report.error(row_no, "major", ERR_MAJOR_SCOPE.format(major="（未填写）"))
                sound = False
            elif major is not None and not ctx.covers_major(major):
                report.error(row_no, "major", ERR_MAJOR_SCOPE.format(major=major))
                sound = False
            account = accounts.get(id_hash) if id_hash is not None else None
            if account is not None and name is not None and account[1] != name:
                message = name_check.message(account[0], account[1], name)
                report.error(row_no, "name", message)
                sound = False
            account_id = account[0] if account else None
            if student_no and holders.get(student_no, account_id) != account_id:
                report.error(
                    row_no, "student_no", ERR_STUDENT_NO_TAKEN.format(student_no=student_no)
                )
                sound = False
            if not sound:
                continue
            values = {
                "school_id": major.school_id if major else None,
                "major_id": major.pk if major else None,
                "cohort_year": cohort,
                "student_no": student_no,
                "class_name": class_name,
                "education": education,
                "employer": employer,
            }
            stored = existing.get((account_id, kind)) if account_id else None
            if stored is None:
                if account is None:
                    new_accounts[id_hash] = (name, document, phone or "")
                row = tuple(values[f] if values[f] is not None else _blank(f) for f in fields)
                new_learners.append((id_hash, account_id, kind, *row))
                plan.created += 1
                continue
            # A blank cell keeps the stored value.
            merged = tuple(values[f] if values[f] is not None else stored[f] for f in fields)
            if merged == tuple(stored[f] for f in fields):
                plan.unchanged += 1
            else:
                updates.append((stored["id"], *merged))
                plan.updated += 1
        plan.data = {
            "new_accounts": new_accounts,
            "new_learners": new_learners,
            "updates": updates,
            "fields": fields,
        }
        if new_accounts:
            plan.data["note"] = f"其中新开立学习账户 {len(new_accounts)} 个"
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        data = plan.data
        insert_rows(
            LearningAccount,
            ("name", "name_pinyin", "id_type", "id_number", "id_hash", "birth_date", "gender")
            + ("phone",),
            (
                (name, name_sort_key(name), doc.type, doc.number, id_hash)
                + (doc.birth_date, doc.gender, phone)
                for id_hash, (name, doc, phone) in data["new_accounts"].items()
            ),
        )
        account_ids = find_accounts(data["new_accounts"]) if data["new_accounts"] else {}
        insert_rows(
            Learner,
            ("account_id", "kind", "institution_id", *data["fields"]),
            (
                (account_id or account_ids[id_hash][0], kind, ctx.institution.pk, *values)
                for id_hash, account_id, kind, *values in data["new_learners"]
            ),
        )
        update_rows(Learner, data["fields"], data["updates"])


def _blank(field: str):
    return None if field in ("school_id", "major_id", "cohort_year") else ""
