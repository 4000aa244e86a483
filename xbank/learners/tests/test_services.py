"""Outcome services: invariant 2 (unique by issuer and number) and 5 (cancelled types)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xbank.audit.models import AuditEntry
from xbank.catalog.models import CertificateType
from xbank.catalog.services import certificate_type_cancel
from xbank.core.actors import SYSTEM
from xbank.learners.models import LearningOutcome, OutcomeKind
from xbank.learners.tests.factories import outcome, student

pytestmark = pytest.mark.django_db


def test_recording_the_same_certificate_twice_keeps_one_row():
    account = student().account
    first = outcome(account, number="HS2024-0001", issuer="国家卫生健康委员会")
    again = outcome(account, number="HS2024-0001", issuer="国家卫生健康委员会")
    assert again.pk == first.pk
    assert LearningOutcome.objects.count() == 1


def test_a_certificate_number_of_one_issuer_cannot_be_given_to_another_person():
    outcome(student().account, number="HS2024-0002", issuer="国家卫生健康委员会")
    with pytest.raises(ValidationError) as exc:
        outcome(student().account, number="HS2024-0002", issuer="国家卫生健康委员会")
    assert "HS2024-0002 已登记在其他学习账户中" in exc.value.messages[0]


def test_the_same_number_from_another_issuer_is_another_outcome():
    account = student().account
    outcome(account, number="0001", issuer="发证机构甲")
    outcome(account, number="0001", issuer="发证机构乙")
    assert account.outcomes.count() == 2


def test_it_rejects_outcomes_of_a_cancelled_certificate_type():
    ct = CertificateType.objects.create(
        name="营养配餐员", kind=CertificateType.Kind.QUALIFICATION, issuer_name="人社部门"
    )
    certificate_type_cancel(actor=SYSTEM, certificate_type=ct)
    ct.refresh_from_db()
    assert ct.status == "cancelled" and ct.cancelled_on is not None
    assert AuditEntry.objects.filter(action="catalog.certificate_type.cancelled").exists()
    with pytest.raises(ValidationError) as exc:
        outcome(
            student().account,
            kind=OutcomeKind.QUALIFICATION,
            title=ct.name,
            certificate_type=ct,
            issued_on=datetime.date(2025, 1, 1),
        )
    assert "证书「营养配餐员」已取消" in exc.value.messages[0]
    assert LearningOutcome.objects.count() == 0


def test_recording_an_outcome_is_audited():
    account = student().account
    recorded = outcome(account)
    entry = AuditEntry.objects.get(action="learners.outcome.recorded")
    assert entry.object_id == str(recorded.pk)
