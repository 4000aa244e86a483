"""Invariant 12: an anonymous registration never reveals or changes what is stored about a
person. Differences become proposed changes (信息变更申请) that continuing-education staff accept
or reject; blank values never erase stored ones.

ID numbers are hand-checked literals, not made by the code under test: GB 11643-1999's published
example ``11010519491231002X``, and ``440106199003071231`` (weights 7 9 10 5 8 4 2 1 6 3 7 9 10
5 8 4 2 over 44010619900307123 sum to 242 = 22 × 11, remainder 0, check character "1").
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from xbank.accounts.models import Notification, Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners import services
from xbank.learners.models import Learner, LearningAccount, ProfileChange
from xbank.orgs.tests.factories import InstitutionFactory, MajorFactory

pytestmark = pytest.mark.django_db

PUBLISHED_ID = "11010519491231002X"
OTHER_ID = "440106199003071231"


def register(number=PUBLISHED_ID, *, name="林晓华", institution, **details):
    return services.learner_register_public(
        document=parse_document(number),
        name=name,
        institution=institution,
        context="培训项目「养老护理员（四级）」公开报名",
        **details,
    )


def stored(number=PUBLISHED_ID):
    """What the database holds for the person, read back fresh."""
    account = LearningAccount.objects.get(id_hash=_hash(number))
    return account, {
        learner.institution_id: (learner.education, learner.employer)
        for learner in Learner.objects.filter(account=account)
    }


def _hash(number):
    return services.account_id_hash(parse_document(number))


@pytest.fixture
def college():
    return InstitutionFactory(name="岭南职业技术学院")


def test_a_new_person_is_registered_with_what_they_typed(college):
    registration = register(
        institution=college, phone="13800138000", education="高中", employer="颐康养老中心"
    )
    assert registration.opened and registration.change is None and not registration.needs_check
    account, records = stored()
    assert (account.name, account.phone) == ("林晓华", "13800138000")
    assert records == {college.pk: ("高中", "颐康养老中心")}


def test_another_name_changes_nothing_and_goes_to_continuing_education_as_a_to_do(college):
    register(institution=college, phone="13800138000", education="高中", employer="颐康养老中心")
    staff = user_with_role(Role.CONTINUING_ED, institution=college)
    elsewhere = user_with_role(Role.CONTINUING_ED, institution=InstitutionFactory())
    other_college = InstitutionFactory()

    registration = register(
        name="林小华",
        institution=other_college,
        phone="13900139000",
        education="大专",
        employer="南方康养集团",
    )

    assert registration.needs_check
    account, records = stored()
    assert (account.name, account.phone) == ("林晓华", "13800138000")
    # Not linked to the other college before the check: whoever typed it may not be the holder.
    assert records == {college.pk: ("高中", "颐康养老中心")}
    assert registration.learner is None
    change = ProfileChange.objects.get()
    assert (change.name, change.phone, change.education, change.employer) == (
        "林小华",
        "13900139000",
        "大专",
        "南方康养集团",
    )
    assert (change.institution, change.status) == (other_college, "pending")
    # The to-do goes to continuing education of the college registered with, nobody else.
    assert not Notification.objects.filter(recipient__in=[staff, elsewhere]).exists()
    other_staff = user_with_role(Role.CONTINUING_ED, institution=other_college)
    register(name="林小华", institution=other_college, employer="另一家单位")
    note = Notification.objects.get(recipient=other_staff)
    assert note.title == "公开报名信息需人工核对"
    assert "林晓华" not in note.title + note.body  # no stored name in a notification
    entry = AuditEntry.objects.filter(action="learners.profile_change.proposed").first()
    assert entry.actor is None


def test_blank_values_never_erase_and_equal_values_propose_nothing(college):
    register(institution=college, phone="13800138000", education="高中", employer="颐康养老中心")
    registration = register(institution=college, phone="", education="", employer="")
    assert registration.change is None and not registration.needs_check
    account, records = stored()
    assert account.phone == "13800138000"
    assert records == {college.pk: ("高中", "颐康养老中心")}
    assert not ProfileChange.objects.exists()


def test_a_different_employer_is_proposed_not_written(college):
    register(institution=college, employer="颐康养老中心")
    registration = register(institution=college, employer="南方康养集团")
    assert not registration.needs_check  # the name matched: no manual check of the person
    assert stored()[1] == {college.pk: ("", "颐康养老中心")}
    assert ProfileChange.objects.get().proposed() == {"employer": "南方康养集团"}
    # The same proposal again (a second program) is one to-do, not two.
    register(institution=college, employer="南方康养集团")
    assert ProfileChange.objects.count() == 1


def test_a_first_record_at_another_college_stores_what_was_typed(college):
    register(institution=college, employer="颐康养老中心")
    other = InstitutionFactory()
    registration = register(institution=other, employer="南方康养集团")
    assert registration.change is None
    assert stored()[1] == {college.pk: ("", "颐康养老中心"), other.pk: ("", "南方康养集团")}


def test_the_proposed_phone_is_encrypted_at_rest(college):
    register(institution=college, phone="13800138000")
    register(institution=college, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM learners_profilechange")
        (raw,) = cursor.fetchone()
    assert raw and "13912345678" not in raw and "5678" not in raw
    assert ProfileChange.objects.get().phone == "13912345678"


def test_accepting_applies_the_change_with_the_staff_member_as_actor(college):
    register(institution=college, phone="13800138000", employer="颐康养老中心")
    other = InstitutionFactory()
    register(name="林小华", institution=other, phone="13900139000", employer="南方康养集团")
    staff = user_with_role(Role.CONTINUING_ED, institution=other)
    change = ProfileChange.objects.get()

    services.profile_change_accept(actor=staff, change=change, note="已电话核实")

    account, records = stored()
    assert (account.name, account.phone) == ("林小华", "13900139000")
    # The record at the other college is created now, with the proposed details.
    assert records == {college.pk: ("", "颐康养老中心"), other.pk: ("", "南方康养集团")}
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.note) == ("accepted", staff, "已电话核实")
    actors = {
        e.action: e.actor_id
        for e in AuditEntry.objects.filter(
            action__in=[
                "learners.profile_change.accepted",
                "learners.account.updated",
                "learners.learner.registered",
            ],
            actor__isnull=False,
        )
    }
    assert actors == {
        "learners.profile_change.accepted": staff.pk,
        "learners.account.updated": staff.pk,
        "learners.learner.registered": staff.pk,
    }
    with pytest.raises(ValidationError) as exc:
        services.profile_change_reject(actor=staff, change=change)
    assert exc.value.messages == [services.ERR_CHANGE_DECIDED.format(status="已采纳")]


def test_rejecting_keeps_what_is_stored(college):
    register(institution=college, employer="颐康养老中心")
    register(institution=college, employer="南方康养集团")
    staff = user_with_role(Role.CONTINUING_ED, institution=college)
    change = services.profile_change_reject(
        actor=staff, change=ProfileChange.objects.get(), note="单位未变"
    )
    assert (change.status, change.decided_by) == ("rejected", staff)
    assert stored()[1] == {college.pk: ("", "颐康养老中心")}
    assert AuditEntry.objects.get(action="learners.profile_change.rejected").actor == staff


# --- Staff and import paths: learner_register ----------------------------------------------------


def test_staff_registration_keeps_stored_values_for_blank_ones():
    major = MajorFactory()
    first = services.learner_register(
        actor=SYSTEM,
        document=parse_document(OTHER_ID),
        name="周雨桐",
        kind=Learner.Kind.STUDENT,
        institution=major.institution,
        major=major,
        cohort_year=2024,
        student_no="2024520101",
        class_name="护理2401班",
        employer="某医院",
    )
    again = services.learner_register(
        actor=SYSTEM,
        document=parse_document(OTHER_ID),
        name="周雨桐",
        kind=Learner.Kind.STUDENT,
        institution=major.institution,
        class_name="护理2402班",
    )
    assert again.pk == first.pk
    row = Learner.objects.get(pk=first.pk)
    assert (row.major, row.cohort_year, row.student_no, row.class_name, row.employer) == (
        major,
        2024,
        "2024520101",
        "护理2402班",
        "某医院",
    )


def test_staff_registration_under_another_name_is_refused_without_the_stored_name(college):
    register(number=OTHER_ID, name="周雨桐", institution=college)
    with pytest.raises(ValidationError) as exc:
        services.learner_register(
            actor=SYSTEM,
            document=parse_document(OTHER_ID),
            name="周宇桐",
            kind=Learner.Kind.SOCIAL,
            institution=InstitutionFactory(),
        )
    assert exc.value.messages == ["信息需人工核对：姓名与该证件号码已登记的信息不一致"]
    assert "周雨桐" not in exc.value.messages[0]
