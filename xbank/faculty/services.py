"""Writes of the teacher team: the roster (教师名册), teachers' certificates and teacher training,
each in one transaction with an audit entry. The HR office (人事处) calls them; the teachers'
import (``imports.py``) checks the same rules for a whole file.

Examiner qualifications are registered through ``xbank.assessment.services`` (the same records
the assessment pipeline checks); ``qualification_register`` only adds the teacher's side.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xbank.assessment import services as assessment_services
from xbank.assessment.models import ExaminerQualification
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor, is_system
from xbank.core.pinyin import name_sort_key
from xbank.orgs.models import Institution, Major, School

from .access import access_for
from .models import Teacher, TeacherCertificate, TeacherTraining, rank_of_title

ERR_SCHOOL_INSTITUTION = "二级学院「{school}」不属于{institution}"
ERR_MAJOR_SCHOOL = "专业「{major}」不属于二级学院「{school}」"
ERR_STAFF_NO_TAKEN = "工号 {staff_no} 已属于本校教师「{name}」"
ERR_USER_TAKEN = "登录账号 {username} 已关联本校教师「{name}」"
ERR_EMPLOYER_REQUIRED = "兼职教师须填写工作单位"
ERR_LEFT_ON_REQUIRED = "离职教师须填写离职日期"
ERR_LEFT_ON_ACTIVE = "在职教师不能有离职日期"
ERR_DUAL_DATE = "未认定为双师型教师时不能填写认定日期"
ERR_DATES = "有效期至不能早于发证日期"
ERR_CERTIFICATE_NO_TAKEN = "发证机构「{issuer}」的证书编号 {number} 已登记"
ERR_TRAINING_DATES = "结束日期不能早于开始日期"
ERR_HOURS = "学时应大于 0"
ERR_NO_LOGIN = "教师「{name}」没有关联登录账号，不能登记考评员资格（考评员须登录系统录入成绩）"
ERR_NOT_HR = "只有本院校人事处可以维护教师名册"

# Fields of the roster a form or an import may set (institution and pinyin are not).
TEACHER_FIELDS = (
    "school",
    "major",
    "name",
    "staff_no",
    "user",
    "kind",
    "employer",
    "employer_kind",
    "title",
    "title_rank",
    "dual_qualified",
    "dual_basis",
    "dual_recognized_on",
    "phone",
    "status",
    "left_on",
    "note",
)
# Changes logged by name only: the value is personal data.
PRIVATE_FIELDS = {"phone"}


def _ensure_keeps_roster(actor: Actor, institution_id: int) -> None:
    """A person must be the HR office (人事处) of the college; the system (the import command,
    the demo) keeps every roster."""
    if is_system(actor):
        return
    if not access_for(actor).manages_institution(institution_id):
        raise PermissionDenied(ERR_NOT_HR)


def _plain(value: object) -> object:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def teacher_problems(
    *,
    institution: Institution,
    school: School | None,
    major: Major | None,
    kind: str,
    employer: str,
    status: str,
    left_on: datetime.date | None,
    dual_qualified: bool,
    dual_recognized_on: datetime.date | None,
) -> list[tuple[str, str]]:
    """What is wrong with a roster row, as (field, message) pairs: the rules that need no
    other teacher (the import calls it per row, the services before writing)."""
    problems: list[tuple[str, str]] = []
    if school is not None and school.institution_id != institution.pk:
        problems.append(
            ("school", ERR_SCHOOL_INSTITUTION.format(school=school.name, institution=institution))
        )
    if major is not None and school is not None and major.school_id != school.pk:
        problems.append(("major", ERR_MAJOR_SCHOOL.format(major=major.name, school=school.name)))
    if kind == Teacher.Kind.PART_TIME and not employer:
        problems.append(("employer", ERR_EMPLOYER_REQUIRED))
    if status == Teacher.Status.LEFT and left_on is None:
        problems.append(("left_on", ERR_LEFT_ON_REQUIRED))
    if status == Teacher.Status.ACTIVE and left_on is not None:
        problems.append(("left_on", ERR_LEFT_ON_ACTIVE))
    if not dual_qualified and dual_recognized_on is not None:
        problems.append(("dual_recognized_on", ERR_DUAL_DATE))
    return problems


def _check_teacher(teacher: Teacher) -> None:
    problems = teacher_problems(
        institution=teacher.institution,
        school=teacher.school,
        major=teacher.major,
        kind=teacher.kind,
        employer=teacher.employer,
        status=teacher.status,
        left_on=teacher.left_on,
        dual_qualified=teacher.dual_qualified,
        dual_recognized_on=teacher.dual_recognized_on,
    )
    others = Teacher.objects.filter(institution_id=teacher.institution_id).exclude(pk=teacher.pk)
    holder = others.filter(staff_no=teacher.staff_no).first()
    if holder is not None:
        problems.append(
            ("staff_no", ERR_STAFF_NO_TAKEN.format(staff_no=teacher.staff_no, name=holder.name))
        )
    if teacher.user_id is not None:
        holder = others.filter(user_id=teacher.user_id).first()
        if holder is not None:
            problems.append(
                (
                    "user",
                    ERR_USER_TAKEN.format(
                        username=teacher.user.username if teacher.user else "", name=holder.name
                    ),
                )
            )
    if problems:
        errors: dict[str, list[str]] = {}
        for name, message in problems:
            errors.setdefault(name, []).append(message)
        raise ValidationError(errors)


def _normalise(teacher: Teacher) -> None:
    teacher.name_pinyin = name_sort_key(teacher.name)
    # A known title has one rank (讲师 is 中级 whatever the form said); others keep the one given.
    teacher.title_rank = rank_of_title(teacher.title) or teacher.title_rank
    if teacher.kind == Teacher.Kind.FULL_TIME:
        teacher.employer_kind = ""
    if not teacher.dual_qualified:
        teacher.dual_basis = ""


@transaction.atomic
def teacher_create(*, actor: Actor, institution: Institution, **values: Any) -> Teacher:
    """Put a teacher on the roster (教师名册) of ``institution``."""
    _ensure_keeps_roster(actor, institution.pk)
    unknown = set(values) - set(TEACHER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown teacher fields: {sorted(unknown)}")
    teacher = Teacher(institution=institution, **values)
    _normalise(teacher)
    _check_teacher(teacher)
    teacher.save()
    audit.log(actor, "faculty.teacher.created", teacher)
    return teacher


@transaction.atomic
def teacher_update(*, actor: Actor, teacher: Teacher, **values: Any) -> Teacher:
    """Change roster fields; leaving (离职) is a change of ``status`` with ``left_on``."""
    _ensure_keeps_roster(actor, teacher.institution_id)
    unknown = set(values) - set(TEACHER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown teacher fields: {sorted(unknown)}")
    teacher = Teacher.objects.select_for_update().get(pk=teacher.pk)
    before = _stored(teacher)
    for name, value in values.items():
        setattr(teacher, name, value)
    _normalise(teacher)
    after = _stored(teacher)
    changed = {name: value for name, value in after.items() if before[name] != value}
    if not changed:
        return teacher
    _check_teacher(teacher)
    teacher.save()
    audit.log(
        actor,
        "faculty.teacher.updated",
        teacher,
        data={
            "changed": {
                name: "***" if name in PRIVATE_FIELDS else _plain(value)
                for name, value in changed.items()
            }
        },
    )
    return teacher


def _stored(teacher: Teacher) -> dict[str, object]:
    """The roster values as stored (foreign keys as ids), to tell what an update changes."""
    names = {*TEACHER_FIELDS, "title_rank"}
    return {
        field.name: getattr(teacher, field.attname)
        for field in Teacher._meta.concrete_fields
        if field.name in names
    }


# --- Examiner qualifications (the assessment app's records) ------------------------------------


def qualification_register(
    *,
    actor: Actor,
    teacher: Teacher,
    certificate_type: CertificateType,
    level: str,
    certificate_no: str,
    issuer: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> ExaminerQualification:
    """Register an examiner qualification (考评员资格) of a teacher: an ``ExaminerQualification``
    of the teacher's login, kept by the teacher's college, written by the assessment service."""
    _ensure_keeps_roster(actor, teacher.institution_id)
    if teacher.user is None:
        raise ValidationError(ERR_NO_LOGIN.format(name=teacher.name), code="no_login")
    return assessment_services.qualification_create(
        actor=actor,
        user=teacher.user,
        institution=teacher.institution,
        certificate_type=certificate_type,
        level=level,
        certificate_no=certificate_no,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
    )


# --- Certificates -------------------------------------------------------------------------------

CERTIFICATE_FIELDS = (
    "kind",
    "certificate_type",
    "name",
    "number",
    "issuer",
    "valid_from",
    "valid_until",
)


def _check_certificate(certificate: TeacherCertificate) -> None:
    if (
        certificate.valid_from is not None
        and certificate.valid_until is not None
        and certificate.valid_until < certificate.valid_from
    ):
        raise ValidationError({"valid_until": ERR_DATES})
    if certificate.number:
        taken = (
            TeacherCertificate.objects.filter(issuer=certificate.issuer, number=certificate.number)
            .exclude(pk=certificate.pk)
            .exists()
        )
        if taken:
            raise ValidationError(
                {
                    "number": ERR_CERTIFICATE_NO_TAKEN.format(
                        issuer=certificate.issuer, number=certificate.number
                    )
                }
            )


@transaction.atomic
def certificate_create(*, actor: Actor, teacher: Teacher, **values: Any) -> TeacherCertificate:
    """Record a trainer certificate (培训师资证书) or another certificate of a teacher."""
    _ensure_keeps_roster(actor, teacher.institution_id)
    certificate = TeacherCertificate(teacher=teacher, **values)
    _check_certificate(certificate)
    certificate.save()
    audit.log(actor, "faculty.certificate.created", certificate, data={"teacher": teacher.pk})
    return certificate


@transaction.atomic
def certificate_update(
    *, actor: Actor, certificate: TeacherCertificate, **values: Any
) -> TeacherCertificate:
    certificate = TeacherCertificate.objects.select_for_update().get(pk=certificate.pk)
    _ensure_keeps_roster(actor, certificate.teacher.institution_id)
    changed: dict[str, object] = {}
    for name in CERTIFICATE_FIELDS:
        if name in values and getattr(certificate, name) != values[name]:
            setattr(certificate, name, values[name])
            changed[name] = _plain(values[name])
    if not changed:
        return certificate
    _check_certificate(certificate)
    certificate.save(update_fields=[f for f in changed])
    audit.log(actor, "faculty.certificate.updated", certificate, data={"changed": changed})
    return certificate


@transaction.atomic
def certificate_delete(*, actor: Actor, certificate: TeacherCertificate) -> None:
    _ensure_keeps_roster(actor, certificate.teacher.institution_id)
    audit.log(
        actor,
        "faculty.certificate.deleted",
        certificate,
        data={
            "teacher": certificate.teacher_id,
            "name": certificate.name,
            "number": certificate.number,
            "issuer": certificate.issuer,
        },
    )
    certificate.delete()


# --- Teacher training ---------------------------------------------------------------------------

TRAINING_FIELDS = (
    "programme",
    "organiser",
    "certificate_type",
    "start_date",
    "end_date",
    "hours",
    "certificate_no",
    "note",
)


def _check_training(training: TeacherTraining) -> None:
    errors: dict[str, str] = {}
    if training.end_date < training.start_date:
        errors["end_date"] = ERR_TRAINING_DATES
    if training.hours is None or training.hours <= 0:
        errors["hours"] = ERR_HOURS
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def training_create(*, actor: Actor, teacher: Teacher, **values: Any) -> TeacherTraining:
    """Record teacher training attended (师资培训)."""
    _ensure_keeps_roster(actor, teacher.institution_id)
    training = TeacherTraining(teacher=teacher, **values)
    _check_training(training)
    training.save()
    audit.log(actor, "faculty.training.created", training, data={"teacher": teacher.pk})
    return training


@transaction.atomic
def training_update(*, actor: Actor, training: TeacherTraining, **values: Any) -> TeacherTraining:
    training = TeacherTraining.objects.select_for_update().get(pk=training.pk)
    _ensure_keeps_roster(actor, training.teacher.institution_id)
    changed: dict[str, object] = {}
    for name in TRAINING_FIELDS:
        if name in values and getattr(training, name) != values[name]:
            setattr(training, name, values[name])
            changed[name] = _plain(values[name])
    if not changed:
        return training
    _check_training(training)
    training.save(update_fields=list(changed))
    audit.log(actor, "faculty.training.updated", training, data={"changed": changed})
    return training


@transaction.atomic
def training_delete(*, actor: Actor, training: TeacherTraining) -> None:
    _ensure_keeps_roster(actor, training.teacher.institution_id)
    audit.log(
        actor,
        "faculty.training.deleted",
        training,
        data={"teacher": training.teacher_id, "programme": training.programme},
    )
    training.delete()
