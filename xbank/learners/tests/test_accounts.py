"""Invariant 1: one learning account per person across the whole bank.
Invariant 9: ID numbers encrypted at rest, found through a keyed hash, shown masked."""

import pytest
from django.db import IntegrityError, connection

from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners import services
from xbank.learners.models import Learner, LearningAccount
from xbank.learners.tests.factories import new_document, student
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory

pytestmark = pytest.mark.django_db


def test_a_social_learner_who_enrols_keeps_the_same_account():
    doc = new_document()
    college = InstitutionFactory()
    social = services.learner_register(
        actor=SYSTEM, document=doc, name="王小明", kind=Learner.Kind.SOCIAL, institution=college
    )
    major = MajorFactory(school__institution=college)
    # Same person, number typed differently (lower-case x / spaces) when enrolling.
    retyped = parse_document(" ".join([doc.number[:6], doc.number[6:]]).lower())
    enrolled = services.learner_register(
        actor=SYSTEM,
        document=retyped,
        name="王小明",
        kind=Learner.Kind.STUDENT,
        institution=college,
        major=major,
        cohort_year=2024,
        student_no="2024000001",
    )
    assert enrolled.account_id == social.account_id
    assert LearningAccount.objects.count() == 1
    assert Learner.objects.filter(account=social.account).count() == 2


def test_the_same_person_at_a_partner_college_keeps_the_same_account():
    first = student()
    other = MajorFactory()
    again = services.learner_register(
        actor=SYSTEM,
        document=parse_document(first.account.id_number),
        name=first.account.name,
        kind=Learner.Kind.STUDENT,
        institution=other.institution,
        major=other,
        cohort_year=2025,
        student_no="X1",
    )
    assert again.account_id == first.account_id


def test_the_database_refuses_a_second_account_for_one_id_hash():
    learner = student()
    with pytest.raises(IntegrityError):
        LearningAccount.objects.create(
            name="重复", id_number=learner.account.id_number, id_hash=learner.account.id_hash
        )


def test_id_numbers_and_phones_are_encrypted_at_rest():
    learner = student()
    account = learner.account
    LearningAccount.objects.filter(pk=account.pk).update(phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone FROM learners_learningaccount WHERE id = %s", [account.pk]
        )
        stored_id, stored_phone = cursor.fetchone()
    assert account.id_number not in stored_id
    assert stored_id.startswith("v1:")
    assert "13812345678" not in stored_phone
    reloaded = LearningAccount.objects.get(pk=account.pk)
    assert reloaded.id_number == account.id_number
    assert reloaded.phone_masked == "138****5678"
    assert reloaded.id_number_masked == account.id_number[:6] + "********" + account.id_number[-4:]


def test_the_account_number_carries_a_luhn_check_digit():
    from stdnum import luhn

    account = student().account
    assert len(account.account_no) == 16
    assert luhn.is_valid(account.account_no)
