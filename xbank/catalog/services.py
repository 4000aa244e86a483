from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xbank.audit import services as audit
from xbank.core.actors import acting

from .models import (
    CertificateType,
    Course,
    CourseModule,
    CourseStandardMap,
    Curriculum,
    CurriculumCourse,
    StandardModule,
)

if TYPE_CHECKING:
    from xbank.core.actors import Actor

ERR_CANCELLED = "证书「{name}」已取消，不能再新增相关记录"


def ensure_certificate_active(certificate_type: CertificateType | None) -> None:
    """A cancelled certificate type (已取消) accepts no new records anywhere (seed 四(二)2)."""
    if certificate_type is not None and certificate_type.is_cancelled:
        raise ValidationError(ERR_CANCELLED.format(name=certificate_type.name), code="cancelled")


@transaction.atomic
def certificate_type_cancel(*, actor: Actor, certificate_type: CertificateType) -> CertificateType:
    acting(actor)
    ct = CertificateType.objects.select_for_update().get(pk=certificate_type.pk)
    if ct.is_cancelled:
        return ct
    ct.status = CertificateType.Status.CANCELLED
    ct.cancelled_on = timezone.localdate()
    ct.save(update_fields=["status", "cancelled_on"])
    audit.log(actor, "catalog.certificate_type.cancelled", ct)
    return ct


# --- Course–certificate integration (课证融合) ---------------------------------------------------

ERR_COURSE_NOT_IN_CURRICULUM = "课程「{course}」不在该人才培养方案中"
ERR_MODULE_NOT_OF_COURSE = "教学模块「{module}」不属于课程「{course}」"


def course_standard_map_set(
    *,
    actor: Actor,
    curriculum: Curriculum,
    course: Course,
    standard_module: StandardModule,
    mapped: bool,
    course_module: CourseModule | None = None,
) -> bool:
    """Say whether ``course`` teaches ``standard_module`` in ``curriculum``; True if it changed.

    Idempotent (a second identical request changes nothing and logs nothing), so a double click
    on a cell of the coverage matrix cannot undo itself. A cancelled certificate takes no new maps.
    """
    acting(actor)
    if not CurriculumCourse.objects.filter(curriculum=curriculum, course=course).exists():
        raise ValidationError(
            ERR_COURSE_NOT_IN_CURRICULUM.format(course=course.name), code="course_not_in_curriculum"
        )
    if course_module is not None and course_module.course_id != course.pk:
        raise ValidationError(
            ERR_MODULE_NOT_OF_COURSE.format(module=course_module.name, course=course.name),
            code="module_not_of_course",
        )
    data = {
        "curriculum": curriculum.pk,
        "course": course.code,
        "standard_module": standard_module.pk,
        "certificate_type": standard_module.certificate_type_id,
    }
    with transaction.atomic():
        if not mapped:
            deleted, _ = CourseStandardMap.objects.filter(
                curriculum=curriculum, course=course, standard_module=standard_module
            ).delete()
            if deleted:
                audit.log(actor, "catalog.course_standard_map.removed", curriculum, data=data)
            return bool(deleted)
        ensure_certificate_active(standard_module.certificate_type)
        row, created = CourseStandardMap.objects.get_or_create(
            curriculum=curriculum,
            course=course,
            standard_module=standard_module,
            defaults={"course_module": course_module},
        )
        if not created and row.course_module_id == getattr(course_module, "pk", None):
            return False
        if not created:
            row.course_module = course_module
            row.save(update_fields=["course_module"])
        if course_module is not None:
            data["course_module"] = course_module.code
        audit.log(
            actor,
            "catalog.course_standard_map.added"
            if created
            else "catalog.course_standard_map.changed",
            curriculum,
            data=data,
        )
        return True
