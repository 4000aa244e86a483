"""The shared owner / colleague / outsider set-up of the accounts app, with assessments added.

College A runs two sessions of the world's certificate type: ``published`` (alice passed and
holds the certificate; ``examiner_assigned`` examined her room) and ``scheduled`` (bob is
signed up). ``continuing_ed_b`` runs assessments of college B and sees none of A's;
``examiner_other`` is qualified but assigned to nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.accounts.tests.world import ROLES as WORLD_ROLES
from xbank.accounts.tests.world import World, build_world
from xbank.assessment import services
from xbank.assessment.models import (
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExaminerQualification,
    ExamRoom,
    ExamSession,
    ExamSite,
    SessionExaminer,
    SessionIncident,
    SessionRoom,
)
from xbank.assessment.tests import factories as f

ROLES = [*WORLD_ROLES, "continuing_ed_b", "examiner_assigned", "examiner_other"]


@dataclass
class AssessmentWorld:
    base: World
    site: ExamSite
    room: ExamRoom
    published: ExamSession
    scheduled: ExamSession
    alice_candidate: Candidate
    bob_candidate: Candidate
    award: CertificateAward
    qualification: ExaminerQualification
    session_room: SessionRoom
    assignment: SessionExaminer
    step: ConfidentialityStep
    incident: SessionIncident

    @property
    def users(self):
        return self.base.users


def build_assessment_world() -> AssessmentWorld:
    base = build_world()
    college_a, ct = base.college_a, base.certificate_type
    users = base.users
    users["continuing_ed_b"] = user_with_role(Role.CONTINUING_ED, institution=base.college_b)
    staff = users["continuing_ed_a"]
    assigned = f.examiner(certificate_type=ct, institution=college_a, name="郭考评")
    colleague = f.examiner(certificate_type=ct, institution=college_a, name="沈考评")
    users["examiner_assigned"] = assigned
    users["examiner_other"] = f.examiner(certificate_type=ct, institution=college_a, name="闲考评")

    site = f.site(institution=college_a, name="甲学院实训楼考点")
    room = f.room(site_=site, name="301 考场", capacity=30)
    published = f.session(
        institution=college_a, certificate_type=ct, actor=staff, title="2025 年第一批"
    )
    session_room = services.session_room_add(actor=staff, session=published, room=room)
    for examiner in (assigned, colleague):
        services.session_examiner_add(actor=staff, session_room=session_room, examiner=examiner)
    published = services.session_schedule(actor=staff, session=published)
    alice_candidate = services.candidate_add(
        actor=staff, session=published, account=base.alice.account
    )
    published = services.session_start(actor=staff, session=published)
    services.result_enter(
        actor=assigned,
        candidate=alice_candidate,
        theory_score=Decimal(88),
        practical_score=Decimal(82),
    )
    published = services.session_finish_scoring(actor=staff, session=published)
    f.complete_confidentiality(published, assigned, colleague)
    step = published.confidentiality_steps.first()
    incident = services.incident_report(
        actor=assigned,
        session=published,
        occurred_at=datetime.datetime(2025, 6, 20, 9, 10, tzinfo=datetime.UTC),
        description="监控一路短暂中断",
    )
    services.incident_resolve(actor=colleague, incident=incident, handling="已切换备用录像")
    published = services.session_publish(actor=staff, session=published)
    alice_candidate.refresh_from_db()
    award = services.award_issue(
        actor=staff,
        candidate=alice_candidate,
        certificate_no="W-2025-0001",
        issued_on=datetime.date(2025, 7, 15),
    )

    scheduled = f.session(
        institution=college_a,
        certificate_type=ct,
        actor=staff,
        title="2025 年第二批",
        date=datetime.date(2025, 6, 21),
    )
    other_room = f.room(site_=site, name="302 考场", capacity=30)
    scheduled_room = services.session_room_add(actor=staff, session=scheduled, room=other_room)
    for _ in range(2):
        services.session_examiner_add(
            actor=staff,
            session_room=scheduled_room,
            examiner=f.examiner(certificate_type=ct, institution=college_a),
        )
    scheduled = services.session_schedule(actor=staff, session=scheduled)
    bob_candidate = services.candidate_add(actor=staff, session=scheduled, account=base.bob.account)
    return AssessmentWorld(
        base=base,
        site=site,
        room=room,
        published=published,
        scheduled=scheduled,
        alice_candidate=alice_candidate,
        bob_candidate=bob_candidate,
        award=award,
        qualification=assigned.examiner_qualifications.get(),
        session_room=scheduled_room,
        assignment=scheduled_room.examiners.first(),
        step=step,
        incident=incident,
    )
