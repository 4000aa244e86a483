"""The teachers' import (教师名册, kind ``teachers``) on the shared pipeline.

One row per teacher, keyed by the staff number (工号) within the importing college: a new
number adds a teacher, a known one updates them, and a blank cell keeps what is stored (a sparse
file never wipes data). The roster rules are those of ``services.teacher_problems`` (a part-time
teacher names an employer, a teacher who left has a date…), checked on the merged row. Like every
import, a file is written whole or not at all (invariant 8), and every problem is reported as
"第 N 行，列「工号」：…".

Only the HR office (人事处) of the college imports its roster (``TeacherImport.roles``; the
system, e.g. the command line without ``--user``, may too). HR uploads on the shared import
pages (``/imports/new/teachers/``) like every other office; the check below refuses a batch
whose uploader no longer keeps the college's roster when it is validated or committed.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xbank.accounts.models import User
from xbank.core.actors import is_system
from xbank.core.identity import normalize_text
from xbank.core.pinyin import name_sort_key
from xbank.imports import cleaners
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
from xbank.learners.imports.people import importer
from xbank.orgs.models import Major, School

from .access import MANAGE_ROLES, access_for
from .models import Teacher, TitleRank, rank_of_title
from .selectors import IMPORT_KIND
from .services import TEACHER_FIELDS, teacher_problems

ERR_ROLE = "只有本院校人事处可以导入教师名册"
ERR_UNKNOWN_SCHOOL = "本校没有名称或代码为「{value}」的二级学院"
ERR_UNKNOWN_MAJOR = "本校没有代码或名称为「{value}」的专业"
ERR_SCHOOL_REQUIRED = "新教师须填写二级学院（或填写专业，由专业确定二级学院）"
ERR_UNKNOWN_USER = "系统中没有用户名为「{value}」的登录账号"
ERR_USER_TAKEN = "登录账号 {value} 已关联本校教师（工号 {staff_no}）"

KIND_OPTIONS = {
    "专任教师": Teacher.Kind.FULL_TIME.value,
    "专任": Teacher.Kind.FULL_TIME.value,
    "专职": Teacher.Kind.FULL_TIME.value,
    "专职教师": Teacher.Kind.FULL_TIME.value,
    "校内教师": Teacher.Kind.FULL_TIME.value,
    "全职": Teacher.Kind.FULL_TIME.value,
    "兼职教师": Teacher.Kind.PART_TIME.value,
    "兼职": Teacher.Kind.PART_TIME.value,
    "外聘": Teacher.Kind.PART_TIME.value,
    "外聘教师": Teacher.Kind.PART_TIME.value,
    "校外兼职教师": Teacher.Kind.PART_TIME.value,
    "企业兼职教师": Teacher.Kind.PART_TIME.value,
}
KIND_LABELS = ("专任教师", "兼职教师")
EMPLOYER_KIND_OPTIONS = {
    "行业企业": Teacher.EmployerKind.COMPANY.value,
    "企业": Teacher.EmployerKind.COMPANY.value,
    "行业": Teacher.EmployerKind.COMPANY.value,
    "培训评价组织": Teacher.EmployerKind.EVALUATION_ORG.value,
    "评价组织": Teacher.EmployerKind.EVALUATION_ORG.value,
    "其他单位": Teacher.EmployerKind.OTHER.value,
    "其他": Teacher.EmployerKind.OTHER.value,
}
EMPLOYER_KIND_LABELS = ("行业企业", "培训评价组织", "其他单位")
RANK_OPTIONS = {
    **{str(label): value for value, label in TitleRank.choices},
    "副高": TitleRank.ASSOCIATE.value,
    "正高": TitleRank.SENIOR.value,
    # 高级职称 starts at 副高级: a file that says only 高级 means at least that.
    "高级": TitleRank.ASSOCIATE.value,
}
RANK_LABELS = tuple(str(label) for _, label in TitleRank.choices)
YES_NO = {"是": True, "否": False, "Y": True, "N": False, "√": True, "×": False}
STATUS_OPTIONS = {
    "在职": Teacher.Status.ACTIVE.value,
    "离职": Teacher.Status.LEFT.value,
    "调离": Teacher.Status.LEFT.value,
    "退休": Teacher.Status.LEFT.value,
}
STATUS_LABELS = ("在职", "离职")

# Roster field → import column key, for the messages of ``teacher_problems``.
FIELD_COLUMN = {
    "school": "school",
    "major": "major",
    "employer": "employer",
    "left_on": "left_on",
    "dual_recognized_on": "dual_on",
}
# Stored fields compared and written (foreign keys by id).
STORED = (
    "school_id", "major_id", "name", "user_id", "kind", "employer", "employer_kind", "title",
    "title_rank", "dual_qualified", "dual_basis", "dual_recognized_on", "phone", "status",
    "left_on",
)  # fmt: skip
assert {f.removesuffix("_id") for f in STORED} <= set(TEACHER_FIELDS)


def _lookup(rows, *keys) -> dict:
    table = {}
    for row in rows:
        for key in keys:
            value = getattr(row, key)
            if value:
                table.setdefault(normalize_text(value), row)
    return table


@register
class TeacherImport(ImportSpec):
    """The roster of a college's teachers (教师名册), full-time and part-time."""

    kind = IMPORT_KIND
    title = _("教师名册")
    roles = frozenset(MANAGE_ROLES)
    columns = (
        Column(
            "staff_no",
            "工号",
            cleaners.code(30),
            synonyms=("教工号", "职工号", "教师工号", "人事编号", "工作证号", "编号"),
            required=True,
            example="T2019001",
            text_format=True,
            width=12,
        ),
        Column(
            "name",
            "姓名",
            cleaners.person_name,
            synonyms=("教师姓名", "名字"),
            required=True,
            example="张三",
            width=10,
        ),
        Column(
            "school",
            "二级学院",
            cleaners.text(100),
            synonyms=("所在学院", "学院", "院系", "所在院系", "所在部门", "二级学院名称"),
            example="护理学院",
            help=_("二级学院名称或代码；新教师填写了专业时可不填"),
            width=16,
        ),
        Column(
            "major",
            "专业",
            cleaners.text(100),
            synonyms=("专业代码", "专业名称", "所属专业", "任教专业", "专业编码"),
            example="520201",
            help=_("所属专业的代码或名称；计入该专业的考评员达标人数"),
            text_format=True,
            width=12,
        ),
        Column(
            "kind",
            "教师类别",
            cleaners.choice(KIND_OPTIONS, shown=KIND_LABELS),
            synonyms=("类别", "教师类型", "人员类别", "专兼职", "专兼职类别"),
            choices=KIND_LABELS,
            example="专任教师",
            help=_("不填时：填了工作单位为兼职教师，否则为专任教师"),
            width=12,
        ),
        Column(
            "employer",
            "工作单位",
            cleaners.text(100),
            synonyms=("兼职单位", "所在单位", "单位名称", "聘任单位", "单位"),
            example="",
            help=_("兼职教师必填：所在企业或培训评价组织"),
            width=24,
        ),
        Column(
            "employer_kind",
            "单位类型",
            cleaners.choice(EMPLOYER_KIND_OPTIONS, shown=EMPLOYER_KIND_LABELS),
            synonyms=("单位性质", "兼职单位类型", "来源"),
            choices=EMPLOYER_KIND_LABELS,
            example="",
            width=14,
        ),
        Column(
            "title",
            "职称",
            cleaners.text(30),
            synonyms=("专业技术职称", "职称名称", "专业技术职务"),
            example="副教授",
            width=12,
        ),
        Column(
            "title_rank",
            "职称等级",
            cleaners.choice(RANK_OPTIONS, shown=RANK_LABELS),
            synonyms=("职称级别", "职称层次"),
            choices=RANK_LABELS,
            example="副高级",
            help=_("常见职称自动确定等级（讲师为中级，副教授为副高级…）；「高级」按副高级处理"),
            width=10,
        ),
        Column(
            "dual",
            "双师型",
            cleaners.choice(YES_NO, shown=("是", "否")),
            synonyms=("是否双师型", "双师型教师", "双师素质", "是否双师"),
            choices=("是", "否"),
            example="是",
            width=8,
        ),
        Column(
            "dual_basis",
            "双师认定依据",
            cleaners.text(200),
            synonyms=("双师型认定依据", "认定依据"),
            example="护士执业资格证书及养老机构实践经历",
            width=28,
        ),
        Column(
            "dual_on",
            "双师认定日期",
            cleaners.date(past_only=True, min_year=1990),
            synonyms=("双师型认定日期", "认定日期"),
            example="2021-09-01",
            date_format=True,
            width=12,
        ),
        Column(
            "phone",
            "手机号",
            cleaners.phone,
            synonyms=("手机", "手机号码", "联系电话", "电话", "联系方式"),
            example="13800138000",
            text_format=True,
            width=14,
        ),
        Column(
            "username",
            "登录账号",
            cleaners.code(150),
            synonyms=("用户名", "账号", "系统账号"),
            example="",
            help=_("已在系统中开通的用户名；考评员须关联登录账号"),
            width=14,
        ),
        Column(
            "status",
            "状态",
            cleaners.choice(STATUS_OPTIONS, shown=STATUS_LABELS),
            synonyms=("在职状态", "人员状态"),
            choices=STATUS_LABELS,
            example="在职",
            help=_("不填时：填了离职日期为离职，否则为在职"),
            width=8,
        ),
        Column(
            "left_on",
            "离职日期",
            cleaners.date(min_year=1990),
            synonyms=("调离日期", "离校日期"),
            example="",
            date_format=True,
            width=12,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        duplicates(table.rows("staff_no"), report, "staff_no")
        duplicates(table.rows("username"), report, "username")

    def check(self, table: Table, ctx: Context) -> Plan:
        plan = Plan()
        report, institution = ctx.report, ctx.institution
        actor = importer(ctx)
        if not is_system(actor) and not access_for(actor).manages_institution(institution.pk):
            report.error(None, None, ERR_ROLE)
            return plan
        skip = set(report.bad_rows)
        schools = _lookup(School.objects.filter(institution=institution), "name", "code")
        majors = _lookup(Major.objects.filter(institution=institution), "name", "code")
        schools_by_id = {s.pk: s for s in schools.values()}
        majors_by_id = {m.pk: m for m in majors.values()}
        staff_nos = {n for n in table.columns["staff_no"] if n}
        stored = {
            t.staff_no: t
            for t in Teacher.objects.filter(institution=institution, staff_no__in=staff_nos)
        }
        usernames = {u for u in table.columns["username"] if u}
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        holders = dict(
            Teacher.objects.filter(
                institution=institution, user_id__in=[u.pk for u in users.values()]
            ).values_list("user_id", "staff_no")
        )

        creates, updates = [], []
        keys = [column.key for column in self.columns]
        for row_no, *cells in table.rows(*keys):
            row = dict(zip(keys, cells, strict=True))
            sound = row_no not in skip
            teacher = stored.get(row["staff_no"])
            school = major = user = None
            if row["school"] is not None:
                school = schools.get(normalize_text(row["school"]))
                if school is None:
                    report.error(row_no, "school", ERR_UNKNOWN_SCHOOL.format(value=row["school"]))
                    sound = False
            if row["major"] is not None:
                major = majors.get(normalize_text(row["major"]))
                if major is None:
                    report.error(row_no, "major", ERR_UNKNOWN_MAJOR.format(value=row["major"]))
                    sound = False
            if row["username"] is not None:
                user = users.get(row["username"])
                if user is None:
                    report.error(row_no, "username", ERR_UNKNOWN_USER.format(value=row["username"]))
                    sound = False
                elif holders.get(user.pk, row["staff_no"]) != row["staff_no"]:
                    message = ERR_USER_TAKEN.format(
                        value=row["username"], staff_no=holders[user.pk]
                    )
                    report.error(row_no, "username", message)
                    sound = False
            if not sound:
                continue
            values = _merge(row, teacher, school=school, major=major, user=user)
            if values["school_id"] is None:
                report.error(row_no, "school", ERR_SCHOOL_REQUIRED)
                continue
            problems = teacher_problems(
                institution=institution,
                school=schools_by_id[values["school_id"]],
                major=majors_by_id.get(values["major_id"]),
                kind=values["kind"],
                employer=values["employer"],
                status=values["status"],
                left_on=values["left_on"],
                dual_qualified=values["dual_qualified"],
                dual_recognized_on=values["dual_recognized_on"],
            )
            for name, message in problems:
                report.error(row_no, FIELD_COLUMN[name], message)
            if problems:
                continue
            if teacher is None:
                creates.append({"staff_no": row["staff_no"], **values})
                plan.created += 1
            elif all(getattr(teacher, name) == values[name] for name in STORED):
                plan.unchanged += 1
            else:
                updates.append((teacher.pk, values))
                plan.updated += 1
        plan.data = {"creates": creates, "updates": updates}
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        now = timezone.now()
        Teacher.objects.bulk_create(
            [
                Teacher(institution=ctx.institution, name_pinyin=name_sort_key(v["name"]), **v)
                for v in plan.data["creates"]
            ]
        )
        changed = []
        for pk, values in plan.data["updates"]:
            teacher = Teacher(
                pk=pk, name_pinyin=name_sort_key(values["name"]), updated_at=now, **values
            )
            changed.append(teacher)
        if changed:
            Teacher.objects.bulk_update(changed, [*STORED, "name_pinyin", "updated_at"])


def _merge(row: dict, teacher: Teacher | None, *, school, major, user) -> dict:
    """The row's values over the stored ones (a blank cell keeps what is stored), with the
    defaults of a new teacher; foreign keys by id."""
    base = {name: getattr(teacher, name) for name in STORED} if teacher else {}

    def pick(name: str, given, default):
        if given is not None:
            return given
        return base.get(name, default)

    school_id = school.pk if school else base.get("school_id")
    if school_id is None and major is not None:
        school_id = major.school_id
    employer = pick("employer", row["employer"], "")
    kind = pick("kind", row["kind"], None)
    if kind is None:
        kind = Teacher.Kind.PART_TIME.value if employer else Teacher.Kind.FULL_TIME.value
    title = pick("title", row["title"], "")
    title_rank = rank_of_title(title) or row["title_rank"]
    status = row["status"]
    if status is None:
        status = Teacher.Status.LEFT.value if row["left_on"] else base.get("status", "active")
    # Back at work: the stored date of leaving goes, unless the row gives one (an error).
    left_on = row["left_on"] if status == "active" else pick("left_on", row["left_on"], None)
    dual = pick("dual_qualified", row["dual"], False)
    dual_on = row["dual_on"]
    if dual_on is None and dual:
        dual_on = base.get("dual_recognized_on")
    return {
        "school_id": school_id,
        "major_id": major.pk if major else base.get("major_id"),
        "name": row["name"],
        "user_id": user.pk if user else base.get("user_id"),
        "kind": kind,
        "employer": employer,
        "employer_kind": ""
        if kind == Teacher.Kind.FULL_TIME
        else pick("employer_kind", row["employer_kind"], ""),
        "title": title,
        "title_rank": pick("title_rank", title_rank, ""),
        "dual_qualified": dual,
        "dual_basis": pick("dual_basis", row["dual_basis"], "") if dual else "",
        "dual_recognized_on": dual_on,
        "phone": pick("phone", row["phone"], ""),
        "status": status,
        "left_on": left_on,
    }
