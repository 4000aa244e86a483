"""Recognition requests: two-level review by three different people, rejection with a reason,
one appeal, batches for a cohort, notifications and history for the learner, the audit log."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from xbank.accounts.models import Notification, Role, RoleAssignment
from xbank.accounts.notifications import notification_list
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.creditbank import selectors, services
from xbank.creditbank.models import CreditEntry, RecognitionRequest, RequestEvent
from xbank.creditbank.tests.factories import TODAY, build_credit_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_credit_world()
    w.rule()
    return w


def titles(user):
    return list(notification_list(user=user).order_by("id").values_list("title", flat=True))


def test_the_learner_follows_every_step_in_notifications_and_history(world):
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    assert request.status == RecognitionRequest.Status.APPROVED
    assert titles(learner.account.user) == [
        "学分认定申请已提交",
        "学分认定申请已通过二级学院初审",
        "学分认定申请已通过",
    ]
    assert "免修课程 1 门（老年护理）" in notification_list(user=learner.account.user).first().body
    history = list(request.events.values_list("action", "actor__full_name", "to_status"))
    assert history == [
        ("submitted", learner.account.user.full_name, "submitted"),
        ("school_approved", "初审人", "school_approved"),
        ("approved", "终审人", "approved"),
    ]
    # Reviewers are told when a request waits for them.
    assert titles(world.users["school_staff"]) == ["有新的学分认定申请待初审"]
    assert "有学分认定申请待教务处终审" in titles(world.users["academic_affairs"])


def test_every_decision_is_in_the_audit_log(world):
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    entries = AuditEntry.objects.filter(
        object_id=str(request.pk), object_type="creditbank.recognitionrequest"
    )
    assert list(entries.order_by("id").values_list("action", "actor")) == [
        ("creditbank.request.submitted", learner.account.user.pk),
        ("creditbank.request.school_approved", world.users["school_staff"].pk),
        ("creditbank.request.approved", world.users["academic_affairs"].pk),
    ]


def test_the_school_reviews_before_academic_affairs(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    with pytest.raises(ValidationError) as exc:
        world.approve(request)
    assert exc.value.messages == [services.ERR_STATE.format(status="待二级学院初审")]
    # Academic affairs cannot do the school's review, nor the school the final one.
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_school_approve(actor=world.users["academic_affairs"], request=request)
    world.school_approve(request)
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_approve(actor=world.users["school_staff"], request=request)


def test_staff_of_another_school_cannot_review(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    stranger = user_with_role(Role.SCHOOL_STAFF, school=world.school.__class__.objects.create(
        institution=world.college, code="S99", name="药学院"))  # fmt: skip
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_school_approve(actor=stranger, request=request)


def test_submitter_school_reviewer_and_final_approver_are_three_people(world):
    learner = world.learner(with_login=False)
    staff = world.users["school_staff"]
    # School staff submit for a learner without a login: they may not then review it.
    request = services.recognition_submit(
        actor=staff, learner=learner, outcomes=[world.certificate(learner)], on=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        services.recognition_school_approve(actor=staff, request=request)
    assert exc.value.messages == [services.ERR_SAME_PERSON]
    # A person who is both school staff and academic affairs may do one of the two reviews.
    both = user_with_role(Role.SCHOOL_STAFF, school=world.school)
    RoleAssignment.objects.create(user=both, role=Role.ACADEMIC_AFFAIRS, institution=world.college)
    services.recognition_school_approve(actor=both, request=request)
    with pytest.raises(ValidationError) as exc:
        services.recognition_approve(actor=both, request=request)
    assert exc.value.messages == [services.ERR_SAME_PERSON]
    # Academic affairs who submitted cannot approve either.
    aa = world.users["academic_affairs"]
    other_learner = world.learner(with_login=False)
    request2 = services.recognition_submit(
        actor=aa, learner=other_learner, outcomes=[world.certificate(other_learner)], on=TODAY
    )
    world.school_approve(request2)
    with pytest.raises(ValidationError, match=services.ERR_SAME_PERSON):
        services.recognition_approve(actor=aa, request=request2)
    assert (
        services.recognition_approve(
            actor=world.users["academic_affairs_2"], request=request2
        ).status
        == "approved"
    )
    # The first request, by a third person, goes through.
    assert world.approve(request).status == "approved"


def test_the_database_refuses_one_person_in_two_roles(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionRequest.objects.filter(pk=request.pk).update(
            school_reviewer=request.submitted_by
        )
    world.school_approve(request)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionRequest.objects.filter(pk=request.pk).update(
            final_approver=world.users["school_staff"]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionRequest.objects.filter(pk=request.pk).update(status="rejected")  # no reason


def test_rejection_needs_a_reason(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.recognition_reject(
                actor=world.users["school_staff"], request=request, reason=reason
            )
        assert exc.value.messages == [services.ERR_REASON_REQUIRED]
    request = services.recognition_reject(
        actor=world.users["school_staff"], request=request, reason="证书编号无法核验"
    )
    assert (request.status, request.rejection_reason) == ("rejected", "证书编号无法核验")
    assert request.events.last().action == RequestEvent.Action.SCHOOL_REJECTED
    last = notification_list(user=learner.account.user).first()
    assert last.title == "学分认定申请未通过"
    assert "证书编号无法核验" in last.body and "一次申诉" in last.body


def test_the_learner_may_appeal_once_with_new_evidence(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    world.school_approve(request)
    services.recognition_reject(
        actor=world.users["academic_affairs"], request=request, reason="缺少证书原件扫描件"
    )
    with pytest.raises(ValidationError) as exc:
        services.recognition_appeal(actor=learner.account.user, request=request, text="")
    assert exc.value.messages == [services.ERR_APPEAL_EVIDENCE]
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_appeal(actor=world.users["outsider"], request=request, text="补充材料")
    request = services.recognition_appeal(
        actor=learner.account.user, request=request, text="已补充证书扫描件及查询截图"
    )
    assert (request.status, request.appeal_count) == ("submitted", 1)
    assert request.school_reviewer is None and request.rejection_reason == ""
    # Back to review: the school and academic affairs decide again; this time, no.
    world.school_approve(request)
    services.recognition_reject(
        actor=world.users["academic_affairs"], request=request, reason="扫描件不清晰"
    )
    with pytest.raises(ValidationError) as exc:
        services.recognition_appeal(actor=learner.account.user, request=request, text="再次申诉")
    assert exc.value.messages == [services.ERR_APPEAL_ONCE]
    assert list(request.events.values_list("action", flat=True)) == [
        "submitted", "school_approved", "rejected", "appealed", "school_approved", "rejected",
    ]  # fmt: skip
    assert "申诉已提交" in titles(learner.account.user)
    # The database backs "once" too.
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionRequest.objects.filter(pk=request.pk).update(appeal_count=2)


def test_an_appeal_can_end_in_approval(world):
    learner = world.learner()
    request = world.submit(learner, [world.certificate(learner)])
    services.recognition_reject(
        actor=world.users["school_staff"], request=request, reason="材料不全"
    )
    services.recognition_appeal(actor=learner.account.user, request=request, text="补交材料")
    world.school_approve(request)
    assert world.approve(request).status == "approved"
    assert CreditEntry.objects.filter(request=request).count() == 1


def test_a_request_is_decided_once(world):
    learner = world.learner()
    request = world.decide(learner, [world.certificate(learner)])
    with pytest.raises(ValidationError, match="已通过"):
        world.approve(request, by="academic_affairs_2")
    with pytest.raises(ValidationError):
        services.recognition_reject(
            actor=world.users["academic_affairs"], request=request, reason="改主意"
        )
    assert CreditEntry.objects.count() == 1


def test_an_outcome_is_in_one_open_request_at_a_time(world):
    learner = world.learner()
    cert = world.certificate(learner)
    request = world.submit(learner, [cert])
    with pytest.raises(ValidationError, match=request.code):
        world.submit(learner, [cert])
    services.recognition_withdraw(actor=learner.account.user, request=request)
    assert world.submit(learner, [cert]).status == "submitted"


def test_who_may_submit(world):
    learner = world.learner()
    cert = world.certificate(learner)
    someone = world.learner()
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_submit(actor=someone.account.user, learner=learner, outcomes=[cert])
    with pytest.raises(ValidationError, match=services.ERR_OUTCOME_NOT_OWN):
        services.recognition_submit(actor=someone.account.user, learner=someone, outcomes=[cert])
    with pytest.raises(ValidationError, match=services.ERR_NO_OUTCOMES):
        services.recognition_submit(actor=learner.account.user, learner=learner, outcomes=[])
    course_result = world.course_result(learner, "老年护理")
    with pytest.raises(ValidationError, match=services.ERR_OUTCOME_COURSE_RESULT):
        services.recognition_submit(
            actor=learner.account.user, learner=learner, outcomes=[course_result]
        )


def test_a_batch_makes_one_request_per_holder_in_the_cohort(world):
    holders = [world.learner(with_login=False) for _ in range(3)]
    for lr in holders:
        world.certificate(lr, "intermediate")
    junior_only = world.learner()
    world.certificate(junior_only, "junior")
    already = world.learner()
    world.submit(already, [world.certificate(already)])
    batch = services.recognition_batch_start(
        actor=world.users["continuing_ed"],
        curriculum=world.curriculum,
        certificate_type=world.elderly_care,
        min_level="intermediate",
        evidence_text="2024 年老年照护中级考核合格名单",
        on=TODAY,
    )
    assert batch.request_count == 3
    requests = RecognitionRequest.objects.filter(batch=batch)
    assert {r.learner_id for r in requests} == {lr.pk for lr in holders}
    assert {r.origin for r in requests} == {"batch"}
    assert {r.submitted_by for r in requests} == {world.users["continuing_ed"]}
    for request in requests:
        assert [line.result for line in request.lines.all()] == ["granted"]
        world.school_approve(request)
        world.approve(request)
    assert CreditEntry.objects.filter(request__batch=batch).count() == 3
    with pytest.raises(ValidationError) as exc:
        services.recognition_batch_start(
            actor=world.users["continuing_ed"],
            curriculum=world.curriculum,
            certificate_type=world.elderly_care,
            min_level="intermediate",
        )
    assert exc.value.messages == [services.ERR_BATCH_EMPTY]


def test_a_batch_needs_staff_of_the_cohort(world):
    with pytest.raises(ValidationError, match=services.ERR_NOT_ALLOWED):
        services.recognition_batch_start(
            actor=world.users["outsider"],
            curriculum=world.curriculum,
            certificate_type=world.elderly_care,
        )


def test_a_learner_without_a_curriculum_cannot_apply(world):
    learner = world.learner(cohort_year=2030)
    with pytest.raises(ValidationError) as exc:
        world.submit(learner, [world.certificate(learner)])
    assert exc.value.messages == [services.ERR_NO_CURRICULUM]


def test_notifications_are_the_recipients_own(world):
    learner = world.learner()
    world.submit(learner, [world.certificate(learner)])
    note = Notification.objects.filter(recipient=learner.account.user).first()
    from django.core.exceptions import PermissionDenied

    from xbank.accounts.notifications import (
        notification_mark_read,
        notification_unread_count,
        notifications_mark_all_read,
    )

    with pytest.raises(PermissionDenied):
        notification_mark_read(actor=world.users["outsider"], notification=note)
    assert notification_unread_count(user=learner.account.user) == 1
    notification_mark_read(actor=learner.account.user, notification=note)
    assert notification_unread_count(user=learner.account.user) == 0
    assert notifications_mark_all_read(actor=world.users["school_staff"]) == 1


# --- Outcomes already recognised or under review are neither offered nor accepted ---------------


def offered_on_the_apply_page(client, learner):
    client.force_login(learner.account.user)
    page = client.get(reverse("creditbank:request-apply"))
    return [int(v) for v in re.findall(r'name="outcomes" value="(\d+)"', page.content.decode())]


def test_a_recognised_outcome_is_not_offered_and_posting_it_is_refused_by_name(world, client):
    learner = world.learner()
    recognised = world.certificate(learner)
    world.decide(learner, [recognised])
    fresh = world.certificate(learner, level="advanced")
    assert offered_on_the_apply_page(client, learner) == [fresh.pk]
    assert list(selectors.outcomes_for_request(learner=learner)) == [fresh]
    requests, entries = RecognitionRequest.objects.count(), CreditEntry.objects.count()
    response = client.post(
        reverse("creditbank:request-apply"),
        {"outcomes": [recognised.pk, fresh.pk], "action": "submit"},
    )
    assert response.status_code == 200
    assert f"「{recognised.title}」已认定过，不能重复申请" in response.content.decode()
    assert (RecognitionRequest.objects.count(), CreditEntry.objects.count()) == (requests, entries)
    with pytest.raises(ValidationError, match=f"「{recognised.title}」已认定过，不能重复申请"):
        world.submit(learner, [recognised])
    assert (RecognitionRequest.objects.count(), CreditEntry.objects.count()) == (requests, entries)


def test_an_outcome_under_review_is_not_offered_and_posting_it_names_the_request(world, client):
    learner = world.learner()
    cert = world.certificate(learner)
    request = world.submit(learner, [cert])
    assert offered_on_the_apply_page(client, learner) == []
    response = client.post(
        reverse("creditbank:request-apply"), {"outcomes": [cert.pk], "action": "submit"}
    )
    assert f"成果「{cert.title}」已在办理中的申请（{request.code}）里" in response.content.decode()
    assert RecognitionRequest.objects.count() == 1
    services.recognition_withdraw(actor=learner.account.user, request=request)
    assert offered_on_the_apply_page(client, learner) == [cert.pk]


def test_a_request_code_never_starts_with_a_character_excel_reads_as_a_formula():
    from xbank.creditbank.models.recognition import new_request_code

    codes = [new_request_code() for _ in range(2000)]  # about 62 would start with - or _ before
    assert not [c for c in codes if c[0] in "-_=+@"]
    assert all(len(c) == 12 for c in codes)
