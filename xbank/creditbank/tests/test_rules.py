"""Conversion rules: validation, versions, immutability once published, invariant 5."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from xbank.audit.models import AuditEntry
from xbank.catalog.models import CertificateType
from xbank.catalog.services import ERR_CANCELLED, certificate_type_cancel
from xbank.catalog.tests.factories import CertificateTypeFactory, CourseFactory
from xbank.core.actors import SYSTEM
from xbank.creditbank import services
from xbank.creditbank.models import ERR_RULE_IMMUTABLE, ConversionRule, RuleExemption
from xbank.creditbank.tests.factories import build_credit_world
from xbank.learners.models import OutcomeKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_credit_world()


def test_a_rule_starts_as_a_draft_and_publishing_it_is_audited(world):
    rule = world.rule(publish=False)
    assert (rule.status, rule.version) == ("draft", 1)
    assert list(rule.exemptions.values_list("course__name", flat=True)) == ["老年护理"]
    rule = services.rule_publish(actor=world.users["academic_affairs"], rule=rule)
    assert rule.status == "published" and rule.published_at is not None
    actions = set(
        AuditEntry.objects.filter(object_id=str(rule.pk)).values_list("action", flat=True)
    )
    assert {"creditbank.rule.created", "creditbank.rule.published"} <= actions


def test_it_rejects_rules_for_a_cancelled_certificate(world):
    cancelled = CertificateTypeFactory(name="营养配餐员", kind=CertificateType.Kind.QUALIFICATION)
    certificate_type_cancel(actor=SYSTEM, certificate_type=cancelled)
    with pytest.raises(ValidationError) as exc:
        world.rule(
            certificate_type=cancelled,
            outcome_kind=OutcomeKind.QUALIFICATION,
            min_level="",
        )
    assert exc.value.messages == [ERR_CANCELLED.format(name="营养配餐员")]
    assert not ConversionRule.objects.exists()


def test_a_draft_of_a_certificate_cancelled_since_cannot_be_published(world):
    rule = world.rule(publish=False)
    certificate_type_cancel(actor=SYSTEM, certificate_type=world.elderly_care)
    with pytest.raises(ValidationError, match="已取消"):
        services.rule_publish(actor=world.users["academic_affairs"], rule=rule)


def test_a_published_rule_never_changes(world):
    rule = world.rule()
    with pytest.raises(ValidationError) as exc:
        services.rule_update(actor=world.users["academic_affairs"], rule=rule, name="改名")
    assert exc.value.messages == [services.ERR_RULE_NOT_DRAFT]
    # Behind the services' back, the model refuses too: fields, exempted courses, deletion.
    rule.min_level = "junior"
    with pytest.raises(ValidationError) as exc:
        rule.save()
    assert exc.value.messages == [ERR_RULE_IMMUTABLE]
    rule.refresh_from_db()
    with pytest.raises(ValidationError):
        RuleExemption.objects.create(rule=rule, course=world.courses["护理学基础"])
    with pytest.raises(ValidationError):
        rule.exemptions.first().delete()
    with pytest.raises(ValidationError):
        rule.delete()
    rule.refresh_from_db()
    assert rule.min_level == "intermediate" and rule.exemptions.count() == 1


def test_a_published_rule_may_only_be_retired_once(world):
    rule = world.rule()
    rule = services.rule_retire(
        actor=world.users["academic_affairs"], rule=rule, on=datetime.date(2025, 1, 1)
    )
    assert (rule.status, rule.retired_on) == ("retired", datetime.date(2025, 1, 1))
    rule.retired_on = datetime.date(2026, 1, 1)
    with pytest.raises(ValidationError):
        rule.save()
    with pytest.raises(ValidationError, match="只有已发布的规则可以停用"):
        services.rule_retire(actor=world.users["academic_affairs"], rule=rule)


@pytest.mark.postgresql
def test_the_database_refuses_changes_to_a_published_rule(world):
    rule = world.rule()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE creditbank_conversionrule SET min_level = 'junior' WHERE id = %s", [rule.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM creditbank_ruleexemption WHERE rule_id = %s", [rule.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM creditbank_conversionrule WHERE id = %s", [rule.pk])
    # Retiring is the one change allowed.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE creditbank_conversionrule SET status = 'retired', retired_on = %s "
            "WHERE id = %s",
            [datetime.date(2025, 1, 1), rule.pk],
        )


def test_editing_a_published_rule_makes_a_new_version(world):
    v1 = world.rule()
    aa = world.users["academic_affairs"]
    v2 = services.rule_revise(
        actor=aa,
        rule=v1,
        effective_from=datetime.date(2024, 9, 1),
        min_level="junior",
        courses=[world.courses["老年护理"], world.courses["老年照护实训"]],
    )
    assert (v2.code, v2.version, v2.status) == (v1.code, 2, "draft")
    assert v2.min_level == "junior" and v2.exemptions.count() == 2
    v1.refresh_from_db()
    assert v1.status == "published" and v1.min_level == "intermediate"  # untouched
    with pytest.raises(ValidationError, match="已有待发布的草稿"):
        services.rule_revise(actor=aa, rule=v1, effective_from=datetime.date(2024, 10, 1))
    services.rule_publish(actor=aa, rule=v2)
    v1.refresh_from_db()
    assert (v1.status, v1.retired_on) == ("retired", datetime.date(2024, 9, 1))
    assert v1.in_force_on(datetime.date(2024, 8, 31)) and not v1.in_force_on(
        datetime.date(2024, 9, 1)
    )
    assert ConversionRule.objects.filter(code=v1.code, status="published").get() == v2


def test_a_new_version_starts_after_the_current_one(world):
    v1 = world.rule(effective_from=datetime.date(2023, 9, 1))
    aa = world.users["academic_affairs"]
    v2 = services.rule_revise(actor=aa, rule=v1, effective_from=datetime.date(2023, 9, 1))
    with pytest.raises(ValidationError) as exc:
        services.rule_publish(actor=aa, rule=v2)
    assert exc.value.messages == [services.ERR_RULE_EFFECTIVE.format(date="2023-09-01")]


def test_a_draft_can_be_edited_and_discarded(world):
    rule = world.rule(publish=False)
    aa = world.users["academic_affairs"]
    rule = services.rule_update(
        actor=aa, rule=rule, credits=2, credit_category="elective", courses=[]
    )
    assert rule.credits == 2 and not rule.exemptions.exists()
    services.rule_discard(actor=aa, rule=rule)
    assert not ConversionRule.objects.exists()
    assert AuditEntry.objects.filter(action="creditbank.rule.discarded").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"courses": []}, services.ERR_RULE_NO_EFFECT),
        ({"courses": [], "credits": 2}, services.ERR_RULE_CATEGORY),
        ({"min_level": "grade3"}, "没有「三级/高级工」这一等级"),
        ({"certificate_type": None}, services.ERR_RULE_TYPE_REQUIRED),
        ({"outcome_kind": OutcomeKind.QUALIFICATION}, "与成果类型「职业资格证书」不符"),
        ({"effective_to": datetime.date(2019, 1, 1)}, services.ERR_RULE_DATES),
    ],
)
def test_it_validates_a_rule(world, changes, message):
    with pytest.raises(ValidationError) as exc:
        world.rule(**changes)
    assert message in exc.value.messages[0]


def test_an_institution_rule_exempts_only_its_own_courses(world):
    foreign = CourseFactory(name="外校课程")
    with pytest.raises(ValidationError) as exc:
        services.rule_create(
            actor=world.users["academic_affairs"],
            name="外校课程免修",
            outcome_kind=OutcomeKind.SKILL_CERTIFICATE,
            certificate_type=world.elderly_care,
            effective_from=datetime.date(2024, 1, 1),
            institution=world.college,
            courses=[foreign],
        )
    assert exc.value.messages == [services.ERR_RULE_COURSE_INSTITUTION.format(course="外校课程")]


def test_who_may_manage_rules(world):
    params = {
        "name": "规则",
        "outcome_kind": OutcomeKind.SKILL_CERTIFICATE,
        "certificate_type": world.elderly_care,
        "effective_from": datetime.date(2024, 1, 1),
        "courses": [world.courses["老年护理"]],
    }
    for who in ("school_staff", "continuing_ed", "outsider"):
        with pytest.raises(ValidationError) as exc:
            services.rule_create(actor=world.users[who], institution=world.college, **params)
        assert exc.value.messages == [services.ERR_NOT_ALLOWED]
    # Regional (mutual-recognition) rules are the bank's, not one college's academic affairs.
    with pytest.raises(ValidationError):
        services.rule_create(actor=world.users["academic_affairs"], institution=None, **params)
    assert services.rule_create(actor=world.users["bank_admin"], institution=None, **params)
    assert services.rule_create(
        actor=world.users["academic_affairs"], institution=world.college, **params
    )


def test_a_person_without_the_role_is_refused_where_the_system_is_let_through(world):
    draft = world.rule(publish=False)
    for who in ("school_staff", "continuing_ed", "outsider"):
        with pytest.raises(ValidationError) as exc:
            services.rule_publish(actor=world.users[who], rule=draft)
        assert exc.value.messages == [services.ERR_NOT_ALLOWED]
    draft.refresh_from_db()
    assert draft.status == "draft"
    # The system (the demo loader, a task) holds no role: it passes because it is the system.
    published = services.rule_publish(actor=SYSTEM, rule=draft)
    assert published.status == "published"
    entry = AuditEntry.objects.get(action="creditbank.rule.published", object_id=str(draft.pk))
    assert entry.actor_id is None


def test_a_service_called_without_an_actor_fails_instead_of_skipping_its_checks(world):
    draft = world.rule(publish=False)
    with pytest.raises(TypeError):
        services.rule_publish(actor=None, rule=draft)
    with pytest.raises(TypeError):
        services.rule_publish(rule=draft)  # actor is a required keyword
    with pytest.raises(TypeError):
        services.course_credits_sync(actor=None)  # no check of its own, still refused
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_policy_share_is_validated_and_audited(world):
    aa = world.users["academic_affairs"]
    with pytest.raises(ValidationError):
        services.policy_set(actor=aa, institution=world.college, max_converted_share=2)
    policy = services.policy_set(actor=aa, institution=world.college, max_converted_share="0.3")
    policy.refresh_from_db()
    assert policy.max_converted_share == Decimal("0.30")
    assert AuditEntry.objects.filter(action="creditbank.policy.set").exists()
