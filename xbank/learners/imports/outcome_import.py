"""The learning outcome import (学习成果): certificates, diplomas, course results and training
completions, recorded in the learning accounts of people already known.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xbank.catalog.models import LEVEL_RANK, CertificateType, Course, Level
from xbank.catalog.selectors import certificate_type_lookup
from xbank.catalog.services import ERR_CANCELLED
from xbank.core.identity import normalize_text
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
    register,
)

from ..models import CERTIFICATE_OUTCOME_KINDS, Learner, LearningOutcome, OutcomeKind
from ..services import ERR_DUPLICATE_OUTCOME
from .people import (
    NameCheck,
    find_accounts,
    id_number_column,
    id_type_column,
    name_column,
    prepare_people,
    sees_all_learners,
)

ERR_NO_ACCOUNT = "该证件号码尚未开立学习账户，请先导入学习者名单"
ERR_OUT_OF_SCOPE = "该学习者不在您的管理范围内（须为本校{where}的学习者）"
ERR_KIND_REQUIRED = "请填写成果类型（无法从证书名称或课程代码推断）"
ERR_UNKNOWN_CERTIFICATE = "证书目录中没有「{name}」，请先在证书目录中添加该证书或它的别名"
ERR_KIND_MISMATCH = "证书「{name}」是{actual}，与成果类型「{given}」不一致"
ERR_UNKNOWN_COURSE = "本校没有课程代码为「{code}」的课程"
ERR_COURSE_CODE_REQUIRED = "课程成绩必须填写课程代码"
ERR_LEVEL = "「{level}」不是该证书的等级，可填：{allowed}"
ERR_ISSUER_REQUIRED = "请填写发证机构"
ERR_NUMBER_REQUIRED = "请填写证书编号"


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
        if sees_all_learners(ctx):
            return None
        scope = ctx.scope
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
