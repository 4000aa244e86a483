"""Imports of learners (学习者名单) and learning outcomes (学习成果), on the shared pipeline.

Both find people by the keyed hash of their document number, for the whole file in a few
queries: one learning account per person (invariant 1), whatever the spelling of the number.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import LEVEL_RANK, CertificateType, Course, Level
from xbank.catalog.selectors import certificate_type_lookup
from xbank.catalog.services import ERR_CANCELLED
from xbank.core.identity import DocumentType, normalize_text, parse_document
from xbank.core.pinyin import name_sort_key
from xbank.core.testing import make_id_number
from xbank.imports import cleaners
from xbank.imports.bulk import insert_rows, rows_matching, update_rows
from xbank.imports.pipeline import (
    ERR_DUPLICATE_ROW,
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

from .models import (
    CERTIFICATE_OUTCOME_KINDS,
    Learner,
    LearningAccount,
    LearningOutcome,
    OutcomeKind,
)
from .services import ERR_DUPLICATE_OUTCOME, ERR_NAME_CHECK, ERR_NAME_MISMATCH, account_id_hash

ERR_NO_ACCOUNT = "该证件号码尚未开立学习账户，请先导入学习者名单"
ERR_UNKNOWN_MAJOR = "本校没有代码或名称为「{value}」的专业"
ERR_MAJOR_SCOPE = "专业「{major}」不在您的管理范围内"
ERR_OUT_OF_SCOPE = "该学习者不在您的管理范围内（须为本校{where}的学习者）"
ERR_STUDENT_NEEDS = "在校生必须填写{what}"
ERR_STUDENT_NO_TAKEN = "学号 {student_no} 已属于本校另一名学习者"
ERR_KIND_REQUIRED = "请填写成果类型（无法从证书名称或课程代码推断）"
ERR_UNKNOWN_CERTIFICATE = "证书目录中没有「{name}」，请先在证书目录中添加该证书或它的别名"
ERR_KIND_MISMATCH = "证书「{name}」是{actual}，与成果类型「{given}」不一致"
ERR_UNKNOWN_COURSE = "本校没有课程代码为「{code}」的课程"
ERR_COURSE_CODE_REQUIRED = "课程成绩必须填写课程代码"
ERR_LEVEL = "「{level}」不是该证书的等级，可填：{allowed}"
ERR_ISSUER_REQUIRED = "请填写发证机构"
ERR_NUMBER_REQUIRED = "请填写证书编号"

RESIDENT_ID = DocumentType.RESIDENT_ID.value
ID_NUMBER_SYNONYMS = (
    "身份证号",
    "身份证号码",
    "证件号",
    "身份证",
    "公民身份号码",
    "身份证件号",
    "身份证件号码",
    "证件编号",
)
DOCUMENT_TYPE_OPTIONS = {
    **{str(label): value for value, label in DocumentType.choices},
    "身份证": DocumentType.RESIDENT_ID.value,
    "港澳台居住证": DocumentType.HMT_RESIDENCE.value,
    "回乡证": DocumentType.HK_MACAO_PERMIT.value,
    "台胞证": DocumentType.TAIWAN_PERMIT.value,
}
DOCUMENT_TYPE_LABELS = tuple(str(label) for _, label in DocumentType.choices)

# A synthetic, valid ID number for the templates' example rows (never a real person's).
EXAMPLE_ID = make_id_number(
    random.Random(0), area="110101", birth=datetime.date(2005, 3, 7), female=True
)


def name_column(**kwargs) -> Column:
    return Column(
        "name",
        "姓名",
        cleaners.person_name,
        synonyms=("学生姓名", "学员姓名", "考生姓名", "持证人", "持证人姓名", "名字"),
        required=True,
        example="张三",  # the customary placeholder name on Chinese forms
        width=12,
        **kwargs,
    )


def id_type_column() -> Column:
    return Column(
        "id_type",
        "证件类型",
        cleaners.choice(DOCUMENT_TYPE_OPTIONS, shown=DOCUMENT_TYPE_LABELS),
        synonyms=("身份证件类型", "证件种类"),
        choices=DOCUMENT_TYPE_LABELS,
        example="居民身份证",
        help=_("不填时按居民身份证处理"),
        width=18,
    )


def id_number_column() -> Column:
    return Column(
        "id_number",
        "证件号码",
        cleaners.raw,
        synonyms=ID_NUMBER_SYNONYMS,
        required=True,
        example=EXAMPLE_ID,
        help=_("请保持“文本”格式，否则 Excel 会丢失 18 位号码的末尾几位"),
        text_format=True,
        width=22,
    )


def prepare_people(table: Table, report: Report, *, keep_documents: bool = True) -> None:
    """Parse each row's document with its type, and hash it, once per distinct number.

    Adds the column ``id_hash`` and, unless the import only looks people up (outcomes), the
    column ``document`` (``Document`` or None) for opening new accounts."""
    memo: dict = {}
    documents, hashes = [], []
    for row_no, id_type, raw in table.rows("id_type", "id_number"):
        if raw is None:
            documents.append(None)
            hashes.append(None)
            continue
        key = (id_type or RESIDENT_ID, raw)
        found = memo.get(key)
        if found is None:
            try:
                document = parse_document(raw, key[0])
                found = (document, account_id_hash(document))
            except ValidationError as exc:
                found = exc.messages[0]
            memo[key] = found
        if isinstance(found, str):
            report.error(row_no, "id_number", found)
            documents.append(None)
            hashes.append(None)
            continue
        document, id_hash = found
        for warning in document.warnings:
            report.warn(row_no, "id_number", warning)
        documents.append(document)
        hashes.append(id_hash)
    if keep_documents:
        table.add("document", documents)
    else:
        # The raw numbers are not needed past this point: the preview's kept rows hold only
        # the keyed hashes (see ``xbank.imports.services``).
        table.columns["id_number"] = [None] * len(table)
    table.add("id_hash", hashes)


def find_accounts(hashes) -> dict[str, tuple]:
    """id_hash → (account id, name, account number) for the accounts that exist."""
    rows = rows_matching(
        LearningAccount.objects.all(), "id_hash", hashes, ("id_hash", "id", "name", "account_no")
    )
    return {id_hash: rest for id_hash, *rest in rows}


class NameCheck:
    """The message for a row whose name disagrees with the account's.

    It names the stored name only to a user who already sees a learner record of that person
    (the scope of their roles; the command line sees all); anyone else, a partner college
    importing a roster with another college's learner on it, gets ``ERR_NAME_CHECK``, so that
    an import cannot turn an ID number into a name. Who is seen is looked up once per file, and
    only when a row disagrees.
    """

    def __init__(self, ctx: Context, accounts: dict[str, tuple]) -> None:
        self.scope = ctx.scope
        self.accounts = accounts
        self._seen: set[int] | None = None

    def sees(self, account_id: int) -> bool:
        scope = self.scope
        if scope is None or scope.regional:
            return True
        if self._seen is None:
            in_scope = Learner.objects.filter(
                scope.q(institution="institution", school="school", major="major")
            )
            ids = [entry[0] for entry in self.accounts.values()]
            rows = rows_matching(in_scope, "account_id", ids, ("account_id",))
            self._seen = {account_id for (account_id,) in rows}
        return account_id in self._seen

    def message(self, account_id: int, existing: str, given: str) -> str:
        if self.sees(account_id):
            return ERR_NAME_MISMATCH.format(existing=existing, given=given)
        return ERR_NAME_CHECK


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


# --- Learning outcomes ----------------------------------------------------------------------------

OUTCOME_KIND_OPTIONS = {
    **{str(label): value for value, label in OutcomeKind.choices},
    "成绩": OutcomeKind.COURSE_RESULT.value,
    "课程": OutcomeKind.COURSE_RESULT.value,
    "毕业证书": OutcomeKind.DIPLOMA.value,
    "毕业证": OutcomeKind.DIPLOMA.value,
    "学历": OutcomeKind.DIPLOMA.value,
    "1+X证书": OutcomeKind.SKILL_CERTIFICATE.value,
    "X证书": OutcomeKind.SKILL_CERTIFICATE.value,
    "技能等级证书": OutcomeKind.SKILL_CERTIFICATE.value,
    "职业技能等级": OutcomeKind.SKILL_CERTIFICATE.value,
    "资格证书": OutcomeKind.QUALIFICATION.value,
    "职业资格": OutcomeKind.QUALIFICATION.value,
    "培训": OutcomeKind.TRAINING.value,
    "结业证书": OutcomeKind.TRAINING.value,
    "培训证书": OutcomeKind.TRAINING.value,
}
OUTCOME_KIND_LABELS = tuple(str(label) for _, label in OutcomeKind.choices)
LEVEL_OPTIONS = {
    **{str(label): value for value, label in Level.choices},
    "五级": Level.GRADE_5.value,
    "初级工": Level.GRADE_5.value,
    "四级": Level.GRADE_4.value,
    "中级工": Level.GRADE_4.value,
    "三级": Level.GRADE_3.value,
    "高级工": Level.GRADE_3.value,
    "二级": Level.GRADE_2.value,
    "技师": Level.GRADE_2.value,
    "一级": Level.GRADE_1.value,
    "高级技师": Level.GRADE_1.value,
}
LEVEL_LABELS = tuple(str(label) for _, label in Level.choices)
LEVEL_LABEL = dict(Level.choices)
OUTCOME_KIND_OF_TYPE = {
    CertificateType.Kind.SKILL_LEVEL: OutcomeKind.SKILL_CERTIFICATE.value,
    CertificateType.Kind.QUALIFICATION: OutcomeKind.QUALIFICATION.value,
    CertificateType.Kind.DIPLOMA: OutcomeKind.DIPLOMA.value,
}
OUTCOME_KIND_LABEL = dict(OutcomeKind.choices)
# Stored fields an import compares and updates; a blank optional cell keeps the stored value.
OUTCOME_FIELDS = (
    "kind", "title", "certificate_type_id", "course_id", "issued_on",
    "level", "score", "grade", "credits",
)  # fmt: skip
# Position in OUTCOME_FIELDS → the blank value that keeps what is stored.
KEEP_IF_BLANK = {
    OUTCOME_FIELDS.index(name): blank
    for name, blank in (("level", ""), ("score", None), ("grade", ""), ("credits", None))
}


def _level_in(level: str, allowed: list[str]) -> str | None:
    """The type's own level for what the row says: 初级 on a qualification is its 五级."""
    if level in allowed:
        return level
    rank = LEVEL_RANK.get(level)
    matches = [code for code in allowed if LEVEL_RANK.get(code) == rank]
    return matches[0] if len(matches) == 1 else None


COURSE_RESULT = OutcomeKind.COURSE_RESULT.value
TRAINING = OutcomeKind.TRAINING.value
DIPLOMA = OutcomeKind.DIPLOMA.value


class _Refused:
    """Why a combination of certificate cells cannot be imported, and which column says so."""

    __slots__ = ("column", "message")

    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


class _Resolver:
    """What one combination of 成果类型, 证书名称, 发证机构, 等级 and 课程代码 means: the
    certificate type or course, the kind, title, issuer and level to store — or the error.

    Returns ``(certificate_type, (kind, title, issuer, type id, course id, level))`` or a
    ``_Refused``.
    """

    def __init__(self, types: dict, courses: dict, institution):
        self.types, self.courses, self.institution = types, courses, institution

    def __call__(self, kind, title, issuer, level, course_code) -> tuple:
        certificate_type = self.types.get(normalize_text(title)) if title else None
        course = None
        if kind is None:
            if course_code:
                kind = COURSE_RESULT
            elif certificate_type is not None:
                kind = OUTCOME_KIND_OF_TYPE[certificate_type.kind]
            else:
                return _Refused("kind", ERR_KIND_REQUIRED)
        if kind == COURSE_RESULT:
            certificate_type = None
            if not course_code:
                return _Refused("course_code", ERR_COURSE_CODE_REQUIRED)
            course = self.courses.get(course_code)
            if course is None:
                return _Refused("course_code", ERR_UNKNOWN_COURSE.format(code=course_code))
            title = title or course.name
            issuer = issuer or self.institution.name
        elif kind in CERTIFICATE_OUTCOME_KINDS and (kind != DIPLOMA or certificate_type):
            if certificate_type is None:
                return _Refused("title", ERR_UNKNOWN_CERTIFICATE.format(name=title or ""))
            if OUTCOME_KIND_OF_TYPE[certificate_type.kind] != kind:
                message = ERR_KIND_MISMATCH.format(
                    name=certificate_type.name,
                    actual=certificate_type.get_kind_display(),
                    given=OUTCOME_KIND_LABEL[kind],
                )
                return _Refused("kind", message)
            title = certificate_type.name
            issuer = issuer or certificate_type.issuer
        else:
            certificate_type = None
            if kind == TRAINING:
                issuer = issuer or self.institution.name
        if not title:
            return _Refused("title", cleaners.ERR_REQUIRED)
        if not issuer:
            return _Refused("issuer", ERR_ISSUER_REQUIRED)
        if level and certificate_type is not None and certificate_type.levels:
            own = _level_in(level, certificate_type.levels)
            if own is None:
                allowed = "、".join(str(LEVEL_LABEL.get(c, c)) for c in certificate_type.levels)
                message = ERR_LEVEL.format(level=LEVEL_LABEL.get(level, level), allowed=allowed)
                return _Refused("level", message)
            level = own
        values = (
            kind,
            title,
            issuer,
            certificate_type.pk if certificate_type else None,
            course.pk if course else None,
            level or "",
        )
        return certificate_type, values


@register
class OutcomeImport(ImportSpec):
    """Learning outcomes (学习成果) of people who already hold a learning account.

    Unique by (issuer, number) (invariant 2): the same row imported again is unchanged, the same
    certificate number of the same issuer on another person's account is refused. A course
    result has no certificate number, so a stable one is derived from the student number (or
    account number), the course code and the date. A cancelled certificate type (已取消) accepts
    no new or changed outcomes (invariant 5); rows already stored unchanged still pass, so an old
    roster can be imported again.
    """

    kind = "outcomes"
    title = _("学习成果")
    columns = (
        name_column(),
        id_type_column(),
        id_number_column(),
        Column(
            "kind",
            "成果类型",
            cleaners.choice(OUTCOME_KIND_OPTIONS, shown=OUTCOME_KIND_LABELS),
            synonyms=("成果类别", "类型", "证书类型", "证书类别"),
            choices=OUTCOME_KIND_LABELS,
            example="职业技能等级证书",
            help=_("不填时按证书名称或课程代码推断"),
            width=18,
        ),
        Column(
            "title",
            "证书名称",
            cleaners.text(150),
            synonyms=("课程名称", "成果名称", "名称", "证书", "职业技能等级证书名称", "证书全称"),
            example="老年照护职业技能等级证书",
            help=_("证书填写证书目录中的名称或简称；课程成绩可不填（取课程名称）"),
            width=28,
        ),
        Column(
            "issuer",
            "发证机构",
            cleaners.text(100),
            synonyms=("颁证机构", "发证单位", "培训评价组织", "认定机构", "发证机关", "颁发机构"),
            help=_("不填时：证书取证书目录中的发证机构，课程成绩取本校名称"),
            width=24,
        ),
        Column(
            "number",
            "证书编号",
            cleaners.code(64),
            synonyms=("证书号", "证书编码", "编号", "记录编号", "证书号码"),
            example="Y000011010152401",
            help=_("课程成绩可不填（自动生成）"),
            text_format=True,
            width=20,
        ),
        Column(
            "issued_on",
            "取得日期",
            cleaners.date(past_only=True),
            synonyms=(
                "发证日期",
                "获证日期",
                "颁证日期",
                "考试日期",
                "获得日期",
                "日期",
                "取证日期",
            ),
            required=True,
            example=datetime.date(2024, 6, 30),
            date_format=True,
            width=12,
        ),
        Column(
            "level",
            "等级",
            cleaners.choice(LEVEL_OPTIONS, shown=LEVEL_LABELS),
            synonyms=("证书等级", "级别", "技能等级"),
            choices=LEVEL_LABELS,
            example="初级",
            width=10,
        ),
        Column(
            "score",
            "分数",
            cleaners.decimal(places=1, max_value=Decimal(1000)),
            synonyms=("成绩", "总分", "考试成绩", "总成绩"),
            example="86",
            width=8,
        ),
        Column("grade", "等第", cleaners.text(10), synonyms=("成绩等第", "等级成绩"), width=8),
        Column("credits", "学分", cleaners.decimal(places=1), synonyms=("课程学分",), width=8),
        Column(
            "course_code",
            "课程代码",
            cleaners.code(30),
            synonyms=("课程编码", "课程编号", "课程号"),
            help=_("课程成绩必填"),
            text_format=True,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        prepare_people(table, report, keep_documents=False)

    def template_options(self) -> dict[str, list[str]]:
        names = CertificateType.objects.filter(status=CertificateType.Status.ACTIVE)
        return {"title": list(names.order_by("kind", "name").values_list("name", flat=True))}

    def check(self, table: Table, ctx: Context) -> Plan:
        report, institution = ctx.report, ctx.institution
        skip = set(report.bad_rows)
        types = certificate_type_lookup()
        accounts = find_accounts(table.columns["id_hash"])
        name_check = NameCheck(ctx, accounts)
        allowed = self._accounts_in_scope(ctx, [entry[0] for entry in accounts.values()])
        course_codes = {c for c in table.columns["course_code"] if c}
        courses = {}
        if course_codes:
            courses = {
                c.code: c
                for c in Course.objects.filter(institution=institution, code__in=course_codes)
            }
        student_nos: dict[int, str] = {}
        kinds = table.columns["kind"]
        if courses or COURSE_RESULT in kinds:
            students = Learner.objects.filter(institution=institution, kind=Learner.Kind.STUDENT)
            ids = [entry[0] for entry in accounts.values()]
            student_nos = dict(
                rows_matching(students, "account_id", ids, ("account_id", "student_no"))
            )

        resolve = _Resolver(types, courses, institution)
        memo: dict[tuple, tuple] = {}
        restricted = ctx.restricted
        candidates = []
        first_row: dict[tuple[str, str], int] = {}
        rows = table.rows(
            "name", "id_hash", "kind", "title", "issuer", "number", "issued_on", "level",
            "score", "grade", "credits", "course_code",
        )  # fmt: skip
        for row_no, name, id_hash, kind, title, issuer, number, issued_on, *rest in rows:
            level, score, grade, credits, course_code = rest
            # The person is checked even on a row with another bad cell, so that one upload
            # lists every problem; the rest needs sound cells.
            if id_hash is None:
                continue
            account = accounts.get(id_hash)
            if account is None:
                report.error(row_no, "id_number", ERR_NO_ACCOUNT)
                continue
            account_id, account_name, account_no = account
            if name is not None and account_name != name:
                message = name_check.message(account_id, account_name, name)
                report.error(row_no, "name", message)
                continue
            if allowed is not None and account_id not in allowed:
                where = "您管理的专业" if restricted else ""
                report.error(row_no, "id_number", ERR_OUT_OF_SCOPE.format(where=where))
                continue
            if row_no in skip:
                continue
            # What the certificate columns mean depends only on these five cells: a roster
            # repeats a handful of combinations, so each is resolved once.
            combination = (kind, title, issuer, level, course_code)
            resolved = memo.get(combination)
            if resolved is None:
                resolved = memo[combination] = resolve(*combination)
            if resolved.__class__ is _Refused:
                report.error(row_no, resolved.column, resolved.message)
                continue
            certificate_type, values = resolved
            issuer = values[2]
            if not number:
                if values[0] != COURSE_RESULT:
                    report.error(row_no, "number", ERR_NUMBER_REQUIRED)
                    continue
                prefix = student_nos.get(account_id) or account_no
                number = f"{prefix}-{course_code}-{issued_on:%Y%m%d}"
            key = (issuer, number)
            seen = first_row.setdefault(key, row_no)
            if seen != row_no:
                report.error(row_no, "number", ERR_DUPLICATE_ROW.format(other=seen))
                continue
            kind, title, issuer, type_id, course_id, level = values
            candidates.append(
                (
                    row_no,
                    account_id,
                    certificate_type,
                    issuer,
                    number,
                    (
                        kind,
                        title,
                        type_id,
                        course_id,
                        issued_on,
                        level,
                        score,
                        grade or "",
                        credits,
                    ),
                )
            )

        stored = self._stored(candidates)
        plan = Plan()
        new, updates = [], []
        for row_no, account_id, certificate_type, issuer, number, values in candidates:
            existing = stored.get((issuer, number))
            if existing is not None:
                if existing[0] != account_id:
                    report.error(
                        row_no, "number", ERR_DUPLICATE_OUTCOME.format(issuer=issuer, number=number)
                    )
                    continue
                old = existing[2]
                merged = tuple(
                    old[i] if i in KEEP_IF_BLANK and value == KEEP_IF_BLANK[i] else value
                    for i, value in enumerate(values)
                )
                if merged == old:
                    plan.unchanged += 1
                    continue
            if certificate_type is not None and certificate_type.is_cancelled:
                report.error(row_no, "title", ERR_CANCELLED.format(name=certificate_type.name))
                continue
            if existing is None:
                new.append((account_id, issuer, number, *values))
                plan.created += 1
            else:
                updates.append((existing[1], *merged))
                plan.updated += 1
        plan.data = {"new": new, "updates": updates}
        return plan

    @staticmethod
    def _accounts_in_scope(ctx: Context, account_ids: list[int]) -> set[int] | None:
        """Accounts the actor may add outcomes to: None when unrestricted (the command line,
        regional roles); else people registered as learners of the institution, and for school
        staff, of their own school's or majors' students."""
        scope = ctx.scope
        if scope is None or scope.regional:
            return None
        where = Q(institution=ctx.institution)
        if ctx.restricted:
            where &= Q(school_id__in=scope.school_ids) | Q(major_id__in=scope.major_ids)
        rows = rows_matching(
            Learner.objects.filter(where), "account_id", account_ids, ("account_id",)
        )
        return {account_id for (account_id,) in rows}

    @staticmethod
    def _stored(candidates: list) -> dict[tuple[str, str], tuple]:
        """(issuer, number) → (account id, outcome id, stored values) for the file's
        certificates, queried per issuer so that the (issuer, number) unique index is used."""
        by_issuer: dict[str, list[str]] = {}
        for _row, _account, _type, issuer, number, _values in candidates:
            by_issuer.setdefault(issuer, []).append(number)
        stored = {}
        for issuer, numbers in by_issuer.items():
            rows = rows_matching(
                LearningOutcome.objects.filter(issuer=issuer),
                "number",
                numbers,
                ("number", "account_id", "id", *OUTCOME_FIELDS),
            )
            for number, account_id, pk, *values in rows:
                stored[(issuer, number)] = (account_id, pk, tuple(values))
        return stored

    def write(self, plan: Plan, ctx: Context) -> None:
        batch_id = ctx.batch.pk if ctx.batch is not None else None
        insert_rows(
            LearningOutcome,
            ("account_id", "issuer", "number", *OUTCOME_FIELDS, "source", "import_batch_id"),
            ((*row, LearningOutcome.Source.IMPORT.value, batch_id) for row in plan.data["new"]),
        )
        update_rows(LearningOutcome, OUTCOME_FIELDS, plan.data["updates"])
