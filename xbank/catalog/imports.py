"""Imports of courses (课程, with their teaching modules) and curricula (人才培养方案).

Both are additive: a course, module or curriculum course that is not in the file is kept, and a
blank cell keeps the stored value. Rows that repeat a course (one row per module) or a curriculum
(one row per course) must agree with the first row that gave the shared values; Excel's merged
cells are filled in by the reader, so a merged 专业/年级 block reads as repeated values.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xbank.core.identity import normalize_text
from xbank.imports import cleaners
from xbank.imports.bulk import insert_rows, update_rows
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
from xbank.orgs.models import Major

from .models import Course, CourseModule, Curriculum, CurriculumCourse
from .selectors import certificate_type_lookup
from .services import ERR_CANCELLED

ERR_CONFLICT = "与第 {other} 行（同一{what}）填写的不一致：「{given}」≠「{first}」"
ERR_MODULE_NAME_REQUIRED = "填写了模块编号时必须填写模块名称"
ERR_MODULE_CODE_REQUIRED = "填写了模块名称时必须填写模块编号"
ERR_NEW_COURSE_NEEDS = "新课程必须填写{what}"
ERR_UNKNOWN_MAJOR = "本校没有代码或名称为「{value}」的专业"
ERR_MAJOR_SCOPE = "专业「{major}」不在您的管理范围内"
ERR_UNKNOWN_COURSE = "本校没有课程代码为「{code}」的课程，请先导入课程"
ERR_UNKNOWN_CERTIFICATE = "证书目录中没有「{name}」，请先在证书目录中添加该证书或它的别名"
ERR_NEW_CURRICULUM_NEEDS = "新的人才培养方案必须填写毕业总学分"
ERR_SEMESTER = "「{value}」不是有效的学期，请填写 1 到 12 的数字"


def _semester(value: object) -> int:
    """开课学期: 3, "3", "第3学期", "第三学期"."""
    text = cleaners.squash(str(value)).removeprefix("第").removesuffix("学期")
    text = text.removesuffix(".0")
    numerals = "一二三四五六七八九十"
    if text in numerals:
        text = str(numerals.index(text) + 1)
    elif text in ("十一", "十二"):
        text = str(10 + numerals.index(text[1]) + 1)
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 12:
        raise ValidationError(ERR_SEMESTER.format(value=value))
    return int(text)


def _conflict(report: Report, row_no: int, key: str, first_row: int, what: str, given, first):
    report.error(
        row_no, key, ERR_CONFLICT.format(other=first_row, what=what, given=given, first=first)
    )


def _group(
    table: Table,
    report: Report,
    group_key: str,
    shared: tuple[str, ...],
    what: str,
    skip: set[int],
) -> dict:
    """Rows that share ``group_key`` (a course code; a major and year) must agree on the
    ``shared`` columns; the first non-blank value of each is the group's. Returns
    group → {"row": first row, column: value…}."""
    groups: dict = {}
    for row_no, group, *values in table.rows(group_key, *shared, skip=skip):
        if group is None:
            continue
        entry = groups.setdefault(group, {"row": row_no, "rows": {}})
        for key, value in zip(shared, values, strict=True):
            if value is None:
                continue
            if key not in entry:
                entry[key] = value
                entry["rows"][key] = row_no
            elif entry[key] != value:
                shown = "、".join(value) if isinstance(value, tuple) else value
                first = "、".join(entry[key]) if isinstance(entry[key], tuple) else entry[key]
                _conflict(report, row_no, key, entry["rows"][key], what, shown, first)
    return groups


@register
class CourseImport(ImportSpec):
    """Courses of one institution, with an optional teaching module (教学模块) per row."""

    kind = "courses"
    title = _("课程")
    columns = (
        Column(
            "code",
            "课程代码",
            cleaners.code(30),
            synonyms=("课程编码", "课程编号", "课程号"),
            required=True,
            example="ZY2401",
            text_format=True,
        ),
        Column(
            "name",
            "课程名称",
            cleaners.text(100),
            synonyms=("课程", "课程名"),
            example="老年照护技术",
            width=24,
        ),
        Column(
            "credits",
            "学分",
            cleaners.decimal(places=1),
            synonyms=("课程学分",),
            example="4",
            width=8,
        ),
        Column(
            "hours",
            "学时",
            cleaners.integer(max_value=10000),
            synonyms=("总学时", "课时", "学时数"),
            example="64",
            width=8,
        ),
        Column(
            "module_code",
            "模块编号",
            cleaners.code(30),
            synonyms=("模块代码", "模块序号"),
            example="M1",
            text_format=True,
        ),
        Column(
            "module_name",
            "模块名称",
            cleaners.text(100),
            synonyms=("教学模块", "模块"),
            example="生活照护",
            width=20,
        ),
        Column(
            "module_hours",
            "模块学时",
            cleaners.integer(max_value=10000),
            synonyms=("模块课时",),
            example="16",
            width=8,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        rows = table.rows("code", "module_code", "module_name")
        for row_no, _code, module_code, module_name in rows:
            if module_code and not module_name:
                report.error(row_no, "module_name", ERR_MODULE_NAME_REQUIRED)
            elif module_name and not module_code:
                report.error(row_no, "module_code", ERR_MODULE_CODE_REQUIRED)
        keys = [
            (code, module) if module else None
            for code, module in zip(
                table.columns["code"], table.columns["module_code"], strict=True
            )
        ]
        table.add("module_key", keys)
        first: dict = {}
        for row_no, key in table.rows("module_key"):
            if key is not None and first.setdefault(key, row_no) != row_no:
                report.error(row_no, "module_code", ERR_DUPLICATE_ROW.format(other=first[key]))

    def check(self, table: Table, ctx: Context) -> Plan:
        report = ctx.report
        skip = set(report.bad_rows)
        groups = _group(table, report, "code", ("name", "credits", "hours"), "课程", skip)
        stored = {
            row["code"]: row
            for row in Course.objects.filter(institution=ctx.institution).values(
                "id", "code", "name", "credits", "hours"
            )
        }
        plan = Plan()
        new_courses, course_updates = [], []
        for code, entry in groups.items():
            old = stored.get(code)
            if old is None:
                missing = [
                    label
                    for key, label in (("name", "课程名称"), ("credits", "学分"))
                    if key not in entry
                ]
                if missing:
                    what = "、".join(missing)
                    report.error(entry["row"], "code", ERR_NEW_COURSE_NEEDS.format(what=what))
                    continue
                new_courses.append((code, entry["name"], entry["credits"], entry.get("hours", 0)))
                plan.created += 1
                continue
            values = tuple(entry.get(key, old[key]) for key in ("name", "credits", "hours"))
            if values == (old["name"], old["credits"], old["hours"]):
                plan.unchanged += 1
            else:
                course_updates.append((old["id"], *values))
                plan.updated += 1

        stored_modules = {
            (row["course__code"], row["code"]): row
            for row in CourseModule.objects.filter(course__institution=ctx.institution).values(
                "id", "course__code", "code", "name", "hours"
            )
        }
        new_modules, module_updates = [], []
        rows = table.rows("code", "module_code", "module_name", "module_hours", skip=skip)
        for _row_no, code, module_code, module_name, hours in rows:
            if not module_code:
                continue
            old = stored_modules.get((code, module_code))
            if old is None:
                new_modules.append((code, module_code, module_name, hours or 0))
                plan.created += 1
            elif (module_name, hours if hours is not None else old["hours"]) == (
                old["name"],
                old["hours"],
            ):
                plan.unchanged += 1
            else:
                module_updates.append(
                    (old["id"], module_name, hours if hours is not None else old["hours"])
                )
                plan.updated += 1
        plan.data = {
            "new_courses": new_courses,
            "course_updates": course_updates,
            "new_modules": new_modules,
            "module_updates": module_updates,
        }
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        data = plan.data
        institution_id = ctx.institution.pk
        insert_rows(
            Course,
            ("institution_id", "code", "name", "credits", "hours"),
            ((institution_id, *row) for row in data["new_courses"]),
        )
        update_rows(Course, ("name", "credits", "hours"), data["course_updates"])
        if data["new_modules"]:
            ids = dict(
                Course.objects.filter(institution_id=institution_id).values_list("code", "id")
            )
            insert_rows(
                CourseModule,
                ("course_id", "code", "name", "hours"),
                ((ids[code], *rest) for code, *rest in data["new_modules"]),
            )
        update_rows(CourseModule, ("name", "hours"), data["module_updates"])


REQUIRED_OPTIONS = {"必修": True, "选修": False, "是": True, "否": False, "限选": False}
CATEGORY_OPTIONS = {str(label): value for value, label in CurriculumCourse.Category.choices}
CATEGORY_LABELS = tuple(CATEGORY_OPTIONS)


@register
class CurriculumImport(ImportSpec):
    """Curricula (人才培养方案), one row per course of a plan; the plan is its major and cohort
    year. The certificates a graduate must hold at least one of (毕业须持证书) are resolved by
    name or alias; a cancelled certificate type (已取消) cannot be required (invariant 5)."""

    kind = "curricula"
    title = _("人才培养方案")
    columns = (
        Column(
            "major",
            "专业代码",
            cleaners.text(100),
            synonyms=("专业", "专业名称", "专业编码", "专业编号"),
            required=True,
            example="520802",
            help=_("填写专业代码或专业名称"),
            text_format=True,
            width=12,
        ),
        Column(
            "cohort_year",
            "年级",
            cleaners.year,
            synonyms=("入学年份", "入学年级", "适用年级"),
            required=True,
            example="2024",
            width=8,
        ),
        Column(
            "name",
            "方案名称",
            cleaners.text(150),
            synonyms=("人才培养方案", "人才培养方案名称", "方案"),
            example="护理专业2024级人才培养方案",
            width=28,
        ),
        Column(
            "total_credits",
            "毕业总学分",
            cleaners.decimal(places=1, max_value=Decimal("9999")),
            synonyms=("总学分", "毕业学分", "毕业最低学分"),
            example="140",
            width=10,
        ),
        Column(
            "course_code",
            "课程代码",
            cleaners.code(30),
            synonyms=("课程编码", "课程编号", "课程号"),
            required=True,
            example="ZY2401",
            text_format=True,
        ),
        Column(
            "semester",
            "开课学期",
            _semester,
            synonyms=("学期", "开设学期", "建议修读学期"),
            required=True,
            example="3",
            width=8,
        ),
        Column(
            "credits",
            "学分",
            cleaners.decimal(places=1),
            synonyms=("课程学分",),
            example="4",
            help=_("不填时取课程的学分"),
            width=8,
        ),
        Column(
            "required",
            "必修/选修",
            cleaners.choice(REQUIRED_OPTIONS, shown=("必修", "选修")),
            synonyms=("课程性质", "修读性质", "是否必修", "修读类型", "必修选修"),
            choices=("必修", "选修"),
            example="必修",
            width=10,
        ),
        Column(
            "category",
            "课程类别",
            cleaners.choice(CATEGORY_OPTIONS, shown=CATEGORY_LABELS),
            synonyms=("课程类型", "课程模块"),
            choices=CATEGORY_LABELS,
            example="专业核心课",
            width=12,
        ),
        Column(
            "certificates",
            "毕业须持证书",
            cleaners.name_list,
            synonyms=("证书要求", "须持证书", "毕业证书要求", "职业技能等级证书", "可选证书"),
            example="老年照护、失智老年人照护",
            help=_("至少持有其中一项方可毕业；多个证书用顿号隔开；每个方案填一次即可"),
            width=30,
        ),
    )

    def prepare(self, table: Table, report: Report) -> None:
        plans = [
            (major, year) if major is not None and year is not None else None
            for major, year in zip(
                table.columns["major"], table.columns["cohort_year"], strict=True
            )
        ]
        table.add("plan", plans)
        first: dict = {}
        for row_no, plan, course_code in table.rows("plan", "course_code"):
            key = (plan, course_code)
            if plan is not None and course_code and first.setdefault(key, row_no) != row_no:
                report.error(row_no, "course_code", ERR_DUPLICATE_ROW.format(other=first[key]))

    def check(self, table: Table, ctx: Context) -> Plan:
        report, institution = ctx.report, ctx.institution
        skip = set(report.bad_rows)
        majors: dict[str, Major] = {}
        for major in Major.objects.filter(institution=institution):
            majors.setdefault(normalize_text(major.name), major)
        for major in Major.objects.filter(institution=institution):
            majors[normalize_text(major.code)] = major
        courses = {
            row["code"]: row
            for row in Course.objects.filter(institution=institution).values(
                "id", "code", "credits"
            )
        }
        types = certificate_type_lookup()
        groups = _group(
            table, report, "plan", ("name", "total_credits", "certificates"), "方案", skip
        )
        skip = set(report.bad_rows)

        stored = {
            (row["major_id"], row["cohort_year"]): row
            for row in Curriculum.objects.filter(major__institution=institution).values(
                "id", "major_id", "cohort_year", "name", "total_credits"
            )
        }
        through = Curriculum.required_certificates.through
        stored_certs: dict[int, set[int]] = {}
        for curriculum_id, type_id in through.objects.filter(
            curriculum__major__institution=institution
        ).values_list("curriculum_id", "certificatetype_id"):
            stored_certs.setdefault(curriculum_id, set()).add(type_id)
        stored_courses = {
            (row["curriculum_id"], row["course_id"]): row
            for row in CurriculumCourse.objects.filter(
                curriculum__major__institution=institution
            ).values(
                "id", "curriculum_id", "course_id", "semester", "credits", "required", "category"
            )
        }

        plan = Plan()
        resolved: dict = {}  # plan → (major, stored curriculum row or None, certificate ids)
        new_curricula, curriculum_updates, certificate_sets = [], [], []
        for key, entry in groups.items():
            major_text, year = key
            major = majors.get(normalize_text(major_text))
            if major is None:
                report.error(entry["row"], "major", ERR_UNKNOWN_MAJOR.format(value=major_text))
                continue
            if not ctx.covers_major(major):
                report.error(entry["row"], "major", ERR_MAJOR_SCOPE.format(major=major))
                continue
            type_ids = None
            if "certificates" in entry:
                type_ids = set()
                for name in entry["certificates"]:
                    certificate_type = types.get(normalize_text(name))
                    row_no = entry["rows"]["certificates"]
                    if certificate_type is None:
                        message = ERR_UNKNOWN_CERTIFICATE.format(name=name)
                        report.error(row_no, "certificates", message)
                    elif certificate_type.is_cancelled:
                        message = ERR_CANCELLED.format(name=certificate_type.name)
                        report.error(row_no, "certificates", message)
                    else:
                        type_ids.add(certificate_type.pk)
            old = stored.get((major.pk, year))
            resolved[key] = (major, old)
            if old is None:
                if "total_credits" not in entry:
                    report.error(entry["row"], "total_credits", ERR_NEW_CURRICULUM_NEEDS)
                    continue
                new_curricula.append(
                    (major.pk, year, entry.get("name", ""), entry["total_credits"])
                )
                if type_ids:
                    certificate_sets.append(((major.pk, year), type_ids, set()))
                plan.created += 1
                continue
            values = (
                entry.get("name", old["name"]),
                entry.get("total_credits", old["total_credits"]),
            )
            old_types = stored_certs.get(old["id"], set())
            changed = values != (old["name"], old["total_credits"])
            if type_ids is not None and type_ids != old_types:
                certificate_sets.append(((major.pk, year), type_ids, old_types))
                changed = True
            if changed:
                curriculum_updates.append((old["id"], *values))
                plan.updated += 1
            else:
                plan.unchanged += 1

        new_rows, row_updates = [], []
        rows = table.rows(
            "plan", "course_code", "semester", "credits", "required", "category", skip=skip
        )
        for row_no, key, course_code, semester, credits, required, category in rows:
            if key not in resolved:
                continue
            course = courses.get(course_code)
            if course is None:
                report.error(row_no, "course_code", ERR_UNKNOWN_COURSE.format(code=course_code))
                continue
            major, old_plan = resolved[key]
            old = stored_courses.get((old_plan["id"], course["id"])) if old_plan else None
            if old is None:
                new_rows.append(
                    (
                        (major.pk, key[1]),
                        course["id"],
                        semester,
                        credits if credits is not None else course["credits"],
                        True if required is None else required,
                        category or CurriculumCourse.Category.PROFESSIONAL.value,
                    )
                )
                plan.created += 1
                continue
            values = (
                semester,
                credits if credits is not None else old["credits"],
                old["required"] if required is None else required,
                category or old["category"],
            )
            if values == (old["semester"], old["credits"], old["required"], old["category"]):
                plan.unchanged += 1
            else:
                row_updates.append((old["id"], *values))
                plan.updated += 1
        plan.data = {
            "new_curricula": new_curricula,
            "curriculum_updates": curriculum_updates,
            "certificate_sets": certificate_sets,
            "new_rows": new_rows,
            "row_updates": row_updates,
        }
        return plan

    def write(self, plan: Plan, ctx: Context) -> None:
        data = plan.data
        insert_rows(
            Curriculum, ("major_id", "cohort_year", "name", "total_credits"), data["new_curricula"]
        )
        update_rows(Curriculum, ("name", "total_credits"), data["curriculum_updates"])
        ids = {
            (major_id, year): pk
            for pk, major_id, year in Curriculum.objects.filter(
                major__institution=ctx.institution
            ).values_list("id", "major_id", "cohort_year")
        }
        through = Curriculum.required_certificates.through
        for plan_key, wanted, old in data["certificate_sets"]:
            curriculum_id = ids[plan_key]
            through.objects.filter(
                curriculum_id=curriculum_id, certificatetype_id__in=old - wanted
            ).delete()
            insert_rows(
                through,
                ("curriculum_id", "certificatetype_id"),
                ((curriculum_id, type_id) for type_id in sorted(wanted - old)),
            )
        insert_rows(
            CurriculumCourse,
            ("curriculum_id", "course_id", "semester", "credits", "required", "category"),
            ((ids[plan_key], *rest) for plan_key, *rest in data["new_rows"]),
        )
        update_rows(
            CurriculumCourse, ("semester", "credits", "required", "category"), data["row_updates"]
        )
