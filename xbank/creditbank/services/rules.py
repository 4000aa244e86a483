"""Conversion rules and their versions (draft, published, retired), and each institution's
policy: who may write them, what a valid rule is, and how publishing retires the version in
force."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xbank.audit import services as audit
from xbank.catalog.models import CertificateType, Course, CourseModule
from xbank.catalog.services import ensure_certificate_active
from xbank.core.actors import Actor
from xbank.learners.models import CERTIFICATE_OUTCOME_KINDS, OutcomeKind
from xbank.orgs.models import Institution

from .. import selectors
from ..errors import (
    ERR_RULE_CATEGORY,
    ERR_RULE_COURSE_INSTITUTION,
    ERR_RULE_DATES,
    ERR_RULE_DRAFT_EXISTS,
    ERR_RULE_EFFECTIVE,
    ERR_RULE_FIELD,
    ERR_RULE_LEVEL,
    ERR_RULE_NO_EFFECT,
    ERR_RULE_NOT_DRAFT,
    ERR_RULE_NOT_PUBLISHED,
    ERR_RULE_RETIRE_DATE,
    ERR_RULE_TYPE_KIND,
    ERR_RULE_TYPE_REQUIRED,
    ERR_SHARE_RANGE,
)
from ..models import ConversionPolicy, ConversionRule, RuleExemption
from ..rules import outcome_kind_for
from .common import _person, _require

RULE_FIELDS = (
    "name", "description", "outcome_kind", "certificate_type", "min_level", "min_score",
    "max_age_years", "issuer", "credits", "credit_category", "exclusive_group",
    "effective_from", "effective_to",
)  # fmt: skip


def _validate_rule(
    rule: ConversionRule, exemptions: list[tuple[Course, CourseModule | None]]
) -> None:
    # Read again: the caller's copy may predate a cancellation (invariant 5).
    ct = (
        CertificateType.objects.filter(pk=rule.certificate_type_id).first()
        if rule.certificate_type_id is not None
        else None
    )
    if rule.outcome_kind in CERTIFICATE_OUTCOME_KINDS and ct is None:
        raise ValidationError(ERR_RULE_TYPE_REQUIRED, code="type_required")
    if ct is not None:
        ensure_certificate_active(ct)
        if outcome_kind_for(ct) != rule.outcome_kind:
            raise ValidationError(
                ERR_RULE_TYPE_KIND.format(name=ct.name, kind=OutcomeKind(rule.outcome_kind).label),
                code="type_kind",
            )
        if rule.min_level and ct.levels and rule.min_level not in ct.levels:
            raise ValidationError(
                ERR_RULE_LEVEL.format(name=ct.name, level=rule.get_min_level_display()),
                code="level",
            )
    for course, _module in exemptions:
        if rule.institution_id is not None and course.institution_id != rule.institution_id:
            raise ValidationError(
                ERR_RULE_COURSE_INSTITUTION.format(course=course.name), code="course_institution"
            )
    if not exemptions and not rule.credits:
        raise ValidationError(ERR_RULE_NO_EFFECT, code="no_effect")
    if rule.credits and not rule.credit_category:
        raise ValidationError(ERR_RULE_CATEGORY, code="category")
    if not rule.credits:
        rule.credit_category = ""
    if rule.effective_to is not None and rule.effective_to < rule.effective_from:
        raise ValidationError(ERR_RULE_DATES, code="dates")


def _targets(
    courses: Iterable[Course] = (), modules: Iterable[CourseModule] = ()
) -> list[tuple[Course, CourseModule | None]]:
    return [(c, None) for c in courses] + [(m.course, m) for m in modules]


def _set_exemptions(
    rule: ConversionRule, targets: list[tuple[Course, CourseModule | None]]
) -> None:
    RuleExemption.objects.filter(rule=rule).delete()
    RuleExemption.objects.bulk_create(
        RuleExemption(rule=rule, course=course, module=module) for course, module in targets
    )


def _rule_data(rule: ConversionRule) -> dict[str, object]:
    return {
        "code": rule.code,
        "version": rule.version,
        "status": rule.status,
        "certificate_type": rule.certificate_type_id,
        "min_level": rule.min_level,
        "credits": str(rule.credits),
        "exemptions": [
            [ex.course_id, ex.module_id] for ex in RuleExemption.objects.filter(rule=rule)
        ],
        "effective_from": str(rule.effective_from),
    }


@transaction.atomic
def rule_create(
    *,
    actor: Actor,
    name: str,
    outcome_kind: str,
    effective_from: datetime.date,
    institution: Institution | None = None,
    certificate_type: CertificateType | None = None,
    min_level: str = "",
    min_score: Decimal | None = None,
    max_age_years: int | None = None,
    issuer: str = "",
    credits: Decimal | int = 0,
    credit_category: str = "",
    exclusive_group: str = "",
    effective_to: datetime.date | None = None,
    courses: Iterable[Course] = (),
    modules: Iterable[CourseModule] = (),
    description: str = "",
    code: str = "",
) -> ConversionRule:
    """A new rule (version 1, draft). Regional rules (``institution=None``) are the bank's."""
    _require(selectors.may_manage_rules(actor, institution), actor)
    rule = ConversionRule(
        code=code or f"R{secrets.token_hex(3).upper()}",
        version=1,
        institution=institution,
        name=name,
        description=description,
        outcome_kind=outcome_kind,
        certificate_type=certificate_type,
        min_level=min_level,
        min_score=min_score,
        max_age_years=max_age_years,
        issuer=issuer,
        credits=Decimal(credits),
        credit_category=credit_category,
        exclusive_group=exclusive_group,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=_person(actor),
    )
    targets = _targets(courses, modules)
    _validate_rule(rule, targets)
    rule.save()
    _set_exemptions(rule, targets)
    audit.log(actor, "creditbank.rule.created", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: Actor,
    rule: ConversionRule,
    courses: Iterable[Course] | None = None,
    modules: Iterable[CourseModule] | None = None,
    **changes: object,
) -> ConversionRule:
    """Edit a draft. ``courses``/``modules``, when given, replace the exempted courses."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise ValidationError(ERR_RULE_FIELD.format(field=name), code="field")
        setattr(rule, name, value)
    rule.credits = Decimal(rule.credits)
    if courses is None and modules is None:
        targets = [(ex.course, ex.module) for ex in rule.exemptions.select_related("course")]
    else:
        targets = _targets(courses or (), modules or ())
    _validate_rule(rule, targets)
    rule.save()
    if courses is not None or modules is not None:
        _set_exemptions(rule, targets)
    audit.log(actor, "creditbank.rule.updated", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_revise(
    *,
    actor: Actor,
    rule: ConversionRule,
    effective_from: datetime.date,
    courses: Iterable[Course] | None = None,
    modules: Iterable[CourseModule] | None = None,
    **changes: object,
) -> ConversionRule:
    """Editing a published rule: a new draft version (number + 1) with its own dates, copied
    from the latest version and changed as given. Publishing it retires the current one."""
    family = list(ConversionRule.objects.select_for_update().filter(code=rule.code))
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    draft = next((r for r in family if r.is_draft), None)
    if draft is not None:
        raise ValidationError(
            ERR_RULE_DRAFT_EXISTS.format(version=draft.version), code="draft_exists"
        )
    latest = max(family, key=lambda r: r.version)
    new = ConversionRule(
        code=latest.code,
        version=latest.version + 1,
        institution=latest.institution,
        created_by=_person(actor),
        **{name: getattr(latest, name) for name in RULE_FIELDS},
    )
    new.effective_from = effective_from
    new.effective_to = None
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise ValidationError(ERR_RULE_FIELD.format(field=name), code="field")
        setattr(new, name, value)
    new.credits = Decimal(new.credits)
    if courses is None and modules is None:
        targets = [(ex.course, ex.module) for ex in latest.exemptions.select_related("course")]
    else:
        targets = _targets(courses or (), modules or ())
    _validate_rule(new, targets)
    new.save()
    _set_exemptions(new, targets)
    audit.log(
        actor,
        "creditbank.rule.revised",
        new,
        data={**_rule_data(new), "from_version": latest.version},
    )
    return new


@transaction.atomic
def rule_publish(*, actor: Actor, rule: ConversionRule) -> ConversionRule:
    """Publish a draft. The family's current version is retired from this version's first day,
    so exactly one version is in force on any day (decisions record which)."""
    family = {r.pk: r for r in ConversionRule.objects.select_for_update().filter(code=rule.code)}
    rule = family[rule.pk]
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    ensure_certificate_active(rule.certificate_type)
    current = next(
        (r for r in family.values() if r.status == ConversionRule.Status.PUBLISHED), None
    )
    if current is not None:
        if rule.effective_from <= current.effective_from:
            raise ValidationError(
                ERR_RULE_EFFECTIVE.format(date=current.effective_from), code="effective"
            )
        current.status = ConversionRule.Status.RETIRED
        ends_on = current.ends_on
        if ends_on is None or ends_on > rule.effective_from:
            current.retired_on = rule.effective_from
        current.save(update_fields=["status", "retired_on"])
        audit.log(
            actor,
            "creditbank.rule.retired",
            current,
            data={"retired_on": str(current.retired_on), "superseded_by": rule.version},
        )
    rule.status = ConversionRule.Status.PUBLISHED
    rule.published_at = timezone.now()
    rule.save(update_fields=["status", "published_at"])
    audit.log(actor, "creditbank.rule.published", rule, data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_retire(
    *, actor: Actor, rule: ConversionRule, on: datetime.date | None = None
) -> ConversionRule:
    """Stop a published rule from ``on`` (today). Cohorts enrolled while it was in force keep
    it (grandfathering); later cohorts no longer get it."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if rule.status != ConversionRule.Status.PUBLISHED:
        raise ValidationError(ERR_RULE_NOT_PUBLISHED, code="not_published")
    on = on or timezone.localdate()
    if on < rule.effective_from:
        raise ValidationError(
            ERR_RULE_RETIRE_DATE.format(date=rule.effective_from), code="retire_date"
        )
    rule.status = ConversionRule.Status.RETIRED
    rule.retired_on = on
    rule.save(update_fields=["status", "retired_on"])
    audit.log(actor, "creditbank.rule.retired", rule, data={"retired_on": str(on)})
    return rule


@transaction.atomic
def rule_discard(*, actor: Actor, rule: ConversionRule) -> None:
    """Delete a draft that will not be published (published versions are never deleted)."""
    rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
    _require(selectors.may_manage_rules(actor, rule.institution), actor)
    if not rule.is_draft:
        raise ValidationError(ERR_RULE_NOT_DRAFT, code="not_draft")
    audit.log(actor, "creditbank.rule.discarded", rule, data=_rule_data(rule))
    rule.delete()


@transaction.atomic
def policy_set(
    *, actor: Actor, institution: Institution, max_converted_share: Decimal
) -> ConversionPolicy:
    """Set an institution's cap on converted credits (share of the curriculum's total)."""
    _require(selectors.may_manage_rules(actor, institution), actor)
    share = Decimal(max_converted_share)
    if not (0 <= share <= 1):
        raise ValidationError(ERR_SHARE_RANGE, code="share")
    policy, _ = ConversionPolicy.objects.update_or_create(
        institution=institution, defaults={"max_converted_share": share}
    )
    audit.log(actor, "creditbank.policy.set", policy, data={"max_converted_share": str(share)})
    return policy
