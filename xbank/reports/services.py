"""Writes of the reports: performance indicators (绩效指标) and their yearly targets (年度目标).
Only targets are typed in; actual figures are always computed (``figures.performance_rows``).
Each function is one transaction and writes an audit entry; who may call it is decided by the
views (``access.performance_scope``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xbank.accounts.models import User
from xbank.audit import services as audit
from xbank.catalog.models import CertificateType
from xbank.core.actors import Actor, acting
from xbank.orgs.models import Department, Institution
from xbank.pilot.models import PilotMajor

from .models import RATE_METRICS, CertificateScope, Indicator, IndicatorTarget, Metric

ERR_ONE_OWNER = "请选择一个职能部门或一个试点专业（二者选一）"
ERR_OTHER_INSTITUTION = "「{owner}」不属于{institution}"
ERR_TARGET_NUMBER = "目标值须为不超过一位小数的非负数"
ERR_RATE_RANGE = "合格率目标须在 0 到 100 之间"
ERR_YEAR = "年度须在 2000 到 2100 之间"
ERR_TARGET_EXISTS = "{owner} {year} 年「{indicator}」的目标已存在"
ERR_INDICATOR_NAME_TAKEN = "指标名称「{name}」已存在"
ERR_CERTIFICATE_KIND = "限定证书须为职业技能等级证书或职业资格证书"
ERR_INACTIVE_INDICATOR = "指标「{name}」已停用，不能填报新目标"


def _target_value(value: object) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(ERR_TARGET_NUMBER, code="number") from None
    if number < 0 or number != Decimal(str(value)):
        raise ValidationError(ERR_TARGET_NUMBER, code="number")
    return number


def _check_certificate(certificate_type: CertificateType | None) -> None:
    if certificate_type is not None and certificate_type.kind not in (
        CertificateType.Kind.SKILL_LEVEL,
        CertificateType.Kind.QUALIFICATION,
    ):
        raise ValidationError(ERR_CERTIFICATE_KIND, code="certificate")


@transaction.atomic
def indicator_create(
    *,
    actor: Actor,
    institution: Institution,
    name: str,
    metric: str,
    certificate_scope: str = CertificateScope.ALL,
    certificate_type: CertificateType | None = None,
    position: int = 0,
    description: str = "",
    is_active: bool = True,
) -> Indicator:
    """A new performance indicator (绩效指标) of a college."""
    acting(actor)
    name = name.strip()
    Metric(metric)
    CertificateScope(certificate_scope)
    _check_certificate(certificate_type)
    if Indicator.objects.filter(institution=institution, name=name).exists():
        raise ValidationError(ERR_INDICATOR_NAME_TAKEN.format(name=name), code="duplicate")
    indicator = Indicator.objects.create(
        institution=institution,
        name=name,
        metric=metric,
        certificate_scope=certificate_scope,
        certificate_type=certificate_type,
        position=position,
        description=description,
        is_active=is_active,
    )
    audit.log(
        actor,
        "reports.indicator.created",
        indicator,
        data={"metric": metric, "certificate_scope": certificate_scope},
    )
    return indicator


@transaction.atomic
def indicator_update(*, actor: Actor, indicator: Indicator, **values: Any) -> Indicator:
    """Change an indicator's name, definition, order or whether it is in use."""
    acting(actor)
    allowed = {
        "name",
        "metric",
        "certificate_scope",
        "certificate_type",
        "position",
        "description",
        "is_active",
    }
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in allowed:
            raise TypeError(key)
        if key == "name":
            value = value.strip()
        if getattr(indicator, key) != value:
            changes[key] = value
    if not changes:
        return indicator
    if "name" in changes and (
        Indicator.objects.filter(institution=indicator.institution_id, name=changes["name"])
        .exclude(pk=indicator.pk)
        .exists()
    ):
        raise ValidationError(
            ERR_INDICATOR_NAME_TAKEN.format(name=changes["name"]), code="duplicate"
        )
    _check_certificate(changes.get("certificate_type"))
    old = {key: _plain(getattr(indicator, key)) for key in changes}
    for key, value in changes.items():
        setattr(indicator, key, value)
    indicator.save(update_fields=list(changes))
    audit.log(
        actor,
        "reports.indicator.updated",
        indicator,
        data={"old": old, "new": {k: _plain(v) for k, v in changes.items()}},
    )
    return indicator


def _plain(value: object) -> object:
    return getattr(value, "pk", value)


def _owner_institution(department: Department | None, pilot_major: PilotMajor | None) -> int:
    if department is not None:
        return department.institution_id
    assert pilot_major is not None  # target_set has checked that exactly one owner is given
    return pilot_major.major.institution_id


@transaction.atomic
def target_set(
    *,
    actor: Actor,
    indicator: Indicator,
    year: int,
    target: object,
    department: Department | None = None,
    pilot_major: PilotMajor | None = None,
    note: str = "",
    instance: IndicatorTarget | None = None,
) -> IndicatorTarget:
    """Type in (or correct) the yearly target of an indicator for one department or one pilot
    major of the indicator's college. ``instance`` is the target being corrected."""
    acting(actor)
    if (department is None) == (pilot_major is None):
        raise ValidationError(ERR_ONE_OWNER, code="owner")
    owner = department or pilot_major
    if _owner_institution(department, pilot_major) != indicator.institution_id:
        raise ValidationError(
            ERR_OTHER_INSTITUTION.format(owner=owner, institution=indicator.institution),
            code="institution",
        )
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(ERR_YEAR, code="year")
    if not indicator.is_active and (instance is None or instance.indicator_id != indicator.pk):
        raise ValidationError(ERR_INACTIVE_INDICATOR.format(name=indicator.name), code="inactive")
    value = _target_value(target)
    if indicator.metric in RATE_METRICS and value > 100:
        raise ValidationError(ERR_RATE_RANGE, code="rate")
    clash = IndicatorTarget.objects.filter(
        indicator=indicator, year=year, department=department, pilot_major=pilot_major
    )
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(
            ERR_TARGET_EXISTS.format(owner=owner, year=year, indicator=indicator.name),
            code="duplicate",
        )
    old = None
    if instance is None:
        instance = IndicatorTarget()
    else:
        old = {"target": str(instance.target), "year": instance.year, "note": instance.note}
    instance.indicator = indicator
    instance.year = year
    instance.department = department
    instance.pilot_major = pilot_major
    instance.target = value
    instance.note = note.strip()
    instance.updated_by = actor if isinstance(actor, User) and actor.is_authenticated else None
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:  # a concurrent identical target
        raise ValidationError(
            ERR_TARGET_EXISTS.format(owner=owner, year=year, indicator=indicator.name),
            code="duplicate",
        ) from None
    audit.log(
        actor,
        "reports.target.updated" if old else "reports.target.created",
        instance,
        data={"old": old, "target": str(value), "year": year, "indicator": indicator.pk},
    )
    return instance


@transaction.atomic
def target_delete(*, actor: Actor, target: IndicatorTarget) -> None:
    acting(actor)
    audit.log(
        actor,
        "reports.target.deleted",
        target,
        data={"target": str(target.target), "year": target.year, "indicator": target.indicator_id},
    )
    target.delete()
