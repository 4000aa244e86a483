"""Training pages: who may open what (every URL, every role), the public form, the learner's and
the staff's pages, PDFs, exports, statistics and query counts."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import missing_tool
from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.core.testing import make_id_number
from xbank.learners.models import Learner, LearningAccount, LearningOutcome, ProfileChange
from xbank.learners.tests.factories import student
from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ROLES, World, build_world
from xbank.training import services
from xbank.training.consent import CURRENT_VERSION
from xbank.training.models import Announcement, ConsentRecord, Enrollment, TrainingProgram
from xbank.training.tests.factories import new_document, program, public_registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no public POSTs counted: the memory cache outlives a test, and the
    module together posts more than the per-address limit within a minute."""
    cache.clear()


@dataclass
class TrainingWorld:
    world: World
    program_a: TrainingProgram  # college A, enrolling, two sessions, taught by teacher_a
    program_b: TrainingProgram  # college B
    draft_a: TrainingProgram
    announcement_a: Announcement
    draft_announcement_a: Announcement
    alice_enrollment: Enrollment  # the learner's own (student login)
    bob_enrollment: Enrollment  # school A2's student, registered by staff
    public_enrollment: Enrollment
    users: dict


def build_training_world() -> TrainingWorld:
    w = build_world()
    teacher_a = user_with_role(Role.TEACHER, institution=w.college_a)
    program_a = program(
        institution=w.college_a,
        certificate_type=w.certificate_type,
        capacity=10,
        sessions=2,
        instructors=[teacher_a],
        title="老年照护（初级）培训班",
    )
    program_b = program(institution=w.college_b, certificate_type=w.certificate_type)
    draft_a = program(institution=w.college_a, status="draft", title="草稿培训班")
    announcement_a = services.announcement_create(
        actor=SYSTEM,
        institution=w.college_a,
        year=2026,
        title="2026年培训公告",
        programs=[program_a],
    )
    services.announcement_publish(actor=SYSTEM, announcement=announcement_a)
    draft_announcement_a = services.announcement_create(
        actor=SYSTEM, institution=w.college_a, year=2026, title="草稿公告", programs=[draft_a]
    )
    users = {
        **w.users,
        "teacher_a": teacher_a,
        "continuing_ed_b": user_with_role(Role.CONTINUING_ED, institution=w.college_b),
    }
    alice_enrollment = services.enrollment_register_student(
        actor=users["learner"], program=program_a
    )
    bob_enrollment = services.enrollment_register_staff(
        actor=SYSTEM, program=program_a, learner=w.bob
    )
    public_enrollment = public_registration(program_a, name="林晓华")
    return TrainingWorld(
        world=w,
        program_a=program_a,
        program_b=program_b,
        draft_a=draft_a,
        announcement_a=announcement_a,
        draft_announcement_a=draft_announcement_a,
        alice_enrollment=alice_enrollment,
        bob_enrollment=bob_enrollment,
        public_enrollment=public_enrollment,
        users=users,
    )


@pytest.fixture
def tw() -> TrainingWorld:
    return build_training_world()


# --- Every URL, every role ----------------------------------------------------------------------

ANON = None
TRAINING_ROLES = [*ROLES, "teacher_a", "continuing_ed_b"]
EVERYONE = dict.fromkeys(TRAINING_ROLES, 200)
_RECORDS = {
    "sysadmin": 200,
    "bank_admin": 200,
    "academic_affairs_a": 200,
    "continuing_ed_a": 200,
    "school_staff_a1": 200,
    "school_staff_a2": 200,
    "school_staff_b1": 200,
    "major_staff_a1": 200,
    "continuing_ed_b": 200,
    "hr_a": 403,
    "learner": 403,
    "learner_without_account": 403,
}
STAFF_LIST = {ANON: 302, **_RECORDS, "teacher_a": 200}
RECORDS_ONLY = {ANON: 302, **_RECORDS, "teacher_a": 403}
# College A's program: its staff and the regional roles see it; college B's get the 404 of a
# missing row; the teacher sees what they teach.
PROGRAM_A = {**STAFF_LIST, "school_staff_b1": 404, "continuing_ed_b": 404}
# Managing it: only college A's continuing education (others who see it: 403).
MANAGE_A = {
    **{role: (403 if status == 200 else status) for role, status in PROGRAM_A.items()},
    "continuing_ed_a": 200,
}
# Attendance: the managers and the program's teacher.
ATTEND_A = {**MANAGE_A, "teacher_a": 200}
CREATE = {
    **{role: (403 if status == 200 else status) for role, status in STAFF_LIST.items()},
    "continuing_ed_a": 200,
    "continuing_ed_b": 200,
}
LOGIN = {**EVERYONE, ANON: 302}
REDIRECT = dict.fromkeys(TRAINING_ROLES, 302)
OWN_A = {**dict.fromkeys(TRAINING_ROLES, 404), ANON: 302, "learner": 302}


def _with(expected: dict, **changes) -> dict:
    return {**expected, **changes}


# url name → (method, kwargs, POST data, {role: status})
EXPECTED = {
    "training:announcements": ("get", lambda t: {}, None, EVERYONE),
    "training:announcement-detail": (
        "get",
        lambda t: {"code": t.announcement_a.code},
        None,
        EVERYONE,
    ),
    "training:program-detail": ("get", lambda t: {"code": t.program_a.code}, None, EVERYONE),
    "training:register": ("get", lambda t: {"code": t.program_a.code}, None, EVERYONE),
    "training:registration-status": (
        "get",
        lambda t: {"code": t.public_enrollment.code},
        None,
        EVERYONE,
    ),
    "training:registration-withdraw": (
        "post",
        lambda t: {"code": t.public_enrollment.code},
        None,
        REDIRECT,
    ),
    "training:enroll": ("post", lambda t: {"code": t.program_a.code}, None, REDIRECT),
    "training:my-enrollments": ("get", lambda t: {}, None, LOGIN),
    "training:my-withdraw": ("post", lambda t: {"pk": t.alice_enrollment.pk}, None, OWN_A),
    "training:program-list": ("get", lambda t: {}, None, STAFF_LIST),
    "training:program-create": ("get", lambda t: {}, None, CREATE),
    "training:program-manage": ("get", lambda t: {"pk": t.program_a.pk}, None, PROGRAM_A),
    "training:program-edit": ("get", lambda t: {"pk": t.program_a.pk}, None, MANAGE_A),
    "training:program-transition": (
        "post",
        lambda t: {"pk": t.program_a.pk},
        {"action": "close"},
        _with(MANAGE_A, continuing_ed_a=302),
    ),
    "training:session-create": (
        "post",
        lambda t: {"pk": t.program_a.pk},
        {},
        _with(MANAGE_A, continuing_ed_a=400),
    ),
    "training:enrollment-decide": (
        "post",
        lambda t: {"pk": t.program_a.pk},
        {"decision": "approve"},
        _with(MANAGE_A, continuing_ed_a=302),
    ),
    "training:enrollment-add": (
        "post",
        lambda t: {"pk": t.program_a.pk},
        {},
        _with(MANAGE_A, continuing_ed_a=400),
    ),
    "training:session-attendance": (
        "get",
        lambda t: {"pk": t.program_a.sessions.first().pk},
        None,
        ATTEND_A,
    ),
    "training:session-sign-in": (
        "get",
        lambda t: {"pk": t.program_a.sessions.first().pk},
        None,
        ATTEND_A,
    ),
    "training:enrollment-list": ("get", lambda t: {}, None, STAFF_LIST),
    "training:my-programs": ("get", lambda t: {}, None, STAFF_LIST),
    "training:announcement-manage-list": ("get", lambda t: {}, None, STAFF_LIST),
    "training:announcement-create": ("get", lambda t: {}, None, CREATE),
    "training:announcement-publish": (
        "post",
        lambda t: {"pk": t.draft_announcement_a.pk},
        None,
        _with(MANAGE_A, continuing_ed_a=302),
    ),
    "training:stats": ("get", lambda t: {}, None, RECORDS_ONLY),
    "training:stats-names": ("get", lambda t: {}, None, RECORDS_ONLY),
}


def _url_names() -> list[str]:
    return url_names("training")


def test_every_training_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names
    assert sorted(names) == sorted(EXPECTED)
    for name in names:
        assert set(EXPECTED[name][3]) == set(TRAINING_ROLES), name


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, tw, name):
    method, kwargs, data, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(tw))
    if method == "get":
        got = statuses(client, tw.users, TRAINING_ROLES, lambda c: c.get(url))
    else:
        got = statuses(client, tw.users, TRAINING_ROLES, lambda c: c.post(url, data or {}))
    assert got == expected


def test_a_draft_program_is_not_public(client, tw):
    assert client.get(reverse("training:program-detail", args=[tw.draft_a.code])).status_code == 404
    assert client.get(reverse("training:register", args=[tw.draft_a.code])).status_code == 404
    page = client.get(reverse("training:announcements")).content.decode()
    assert "草稿培训班" not in page and "草稿公告" not in page


def test_public_pages_show_no_person(client, tw):
    page = client.get(reverse("training:program-detail", args=[tw.program_a.code])).content
    assert "林晓华".encode() not in page and "安丽丝".encode() not in page


def test_school_staff_see_only_their_schools_registrations(client, tw):
    client.force_login(tw.users["school_staff_a1"])
    page = client.get(reverse("training:enrollment-list")).content.decode()
    assert "安丽丝" in page and "包博" not in page and "林晓华" not in page
    page = client.get(reverse("training:program-manage", args=[tw.program_a.pk])).content.decode()
    assert "安丽丝" in page and "包博" not in page
    client.force_login(tw.users["continuing_ed_a"])
    page = client.get(reverse("training:enrollment-list")).content.decode()
    assert {"安丽丝", "包博", "林晓华"} <= {n for n in ["安丽丝", "包博", "林晓华"] if n in page}


def test_the_learner_sees_and_withdraws_their_own_registrations(client, tw):
    client.force_login(tw.users["learner"])
    page = client.get(reverse("training:my-enrollments")).content.decode()
    assert "老年照护（初级）培训班" in page
    assert (
        client.post(reverse("training:my-withdraw", args=[tw.bob_enrollment.pk])).status_code == 404
    )
    client.post(reverse("training:my-withdraw", args=[tw.alice_enrollment.pk]))
    tw.alice_enrollment.refresh_from_db()
    assert tw.alice_enrollment.status == "withdrawn"


def test_a_student_registers_from_the_program_page(client, tw):
    other = program(institution=tw.world.college_a, audience="students")
    client.force_login(tw.users["learner"])
    page = client.get(reverse("training:program-detail", args=[other.code])).content.decode()
    assert 'id="register-student"' in page
    response = client.post(reverse("training:enroll", args=[other.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("training:my-enrollments")
    enrollment = Enrollment.objects.get(program=other)
    assert (enrollment.account, enrollment.channel) == (tw.world.alice.account, "student")
    page = client.get(reverse("training:program-detail", args=[other.code])).content.decode()
    assert "data-own-enrollment" in page and 'id="register-student"' not in page


# --- The public form ----------------------------------------------------------------------------


def form_data(**changes) -> dict:
    return {
        "name": "周雨桐",
        "id_type": "resident_id",
        "id_number": make_id_number(),
        "phone": "13800138000",
        "education": "高中",
        "employer": "某养老院",
        "consent": "on",
        "consent_version": CURRENT_VERSION,
        **changes,
    }


def test_the_consent_box_is_separate_unticked_and_versioned(client):
    p = program()
    page = client.get(reverse("training:register", args=[p.code])).content.decode()
    box = page[page.index('id="id_consent"') - 80 : page.index('id="id_consent"') + 40]
    assert 'type="checkbox"' in box and "checked" not in box
    assert f'value="{CURRENT_VERSION}"' in page and f"版本 {CURRENT_VERSION}" in page
    assert "证件号码加密存储" in page  # the text itself is shown
    for field_id in ["id_name", "id_id_type", "id_id_number", "id_phone", "id_education"]:
        assert f'id="{field_id}"' in page


def test_a_public_registration_shows_its_confirmation_and_stores_the_consent(client):
    p = program()
    response = client.post(reverse("training:register", args=[p.code]), form_data())
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(program=p)
    assert response["Location"] == reverse("training:registration-status", args=[enrollment.code])
    page = client.get(response["Location"]).content.decode()
    assert "报名成功，等待审核" in page and "周雨桐" in page
    consent = ConsentRecord.objects.get()
    assert (consent.version, consent.ip) == (CURRENT_VERSION, "127.0.0.1")
    assert enrollment.consent == consent


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "请填写姓名"),
        ({"id_number": ""}, "id_number", "请填写证件号码"),
        ({"id_number": "44010619900101123"}, "id_number", "证件号码应为 18 位"),
        ({"id_number": "440106199001011230"}, "id_number", "证件号码校验位不正确"),
        ({"id_type": "passport", "id_number": "E1"}, "id_number", "证件号码护照号应为"),
        ({"phone": "12345"}, "phone", "手机号应为 11 位"),
        ({"education": ""}, "education", "请选择学历"),
        ({"consent": ""}, "consent", "请阅读并勾选同意个人信息处理说明"),
        ({"consent_version": "2019.1"}, "consent", "个人信息处理说明已更新"),
    ],
)
def test_public_form_errors_name_the_field_in_chinese(client, changes, field, message):
    p = program()
    data = form_data(**changes)
    if data["consent"] == "":
        del data["consent"]
    response = client.post(reverse("training:register", args=[p.code]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    assert message in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_second_registration_of_the_same_person_is_refused_on_the_form(client):
    p = program()
    number = make_id_number()
    client.post(reverse("training:register", args=[p.code]), form_data(id_number=number))
    response = client.post(reverse("training:register", args=[p.code]), form_data(id_number=number))
    assert response.status_code == 200
    assert services.ERR_DUPLICATE in response.content.decode()
    assert Enrollment.objects.count() == 1


# GB 11643-1999's own published example (check character X): not computed by the code under test.
PUBLISHED_ID = "11010519491231002X"
NEUTRAL = "信息需人工核对，工作人员会与您联系"


def test_a_known_number_under_another_name_reveals_and_changes_nothing(client):
    """Invariant 12: the public page never turns an ID number into its holder's name."""
    p = program(requires_approval=False)  # would approve at once, but not an unchecked name
    public_registration(
        p,
        name="林晓华",
        document=parse_document(PUBLISHED_ID),
        phone="13800138000",
        education="高中",
        employer="岭南颐康养老服务中心",
    )
    other = program(institution=p.institution, requires_approval=False)
    response = client.post(
        reverse("training:register", args=[other.code]),
        form_data(
            name="林小华",
            id_number=PUBLISHED_ID,
            phone="13900139000",
            education="大专",
            employer="",
        ),
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert NEUTRAL in page
    assert "林晓华" not in page and "晓华" not in page  # not whole, not in part
    assert "林小华" in page  # the name the registrant typed
    # Nothing stored changed, read back from the database.
    account = LearningAccount.objects.get()
    assert (account.name, account.phone) == ("林晓华", "13800138000")
    social = Learner.objects.get()
    assert (social.education, social.employer) == ("高中", "岭南颐康养老服务中心")
    # The registration is taken, waiting for the check; the difference is a proposed change.
    registration = Enrollment.objects.get(program=other)
    assert (registration.status, registration.needs_check) == ("pending", True)
    change = ProfileChange.objects.get()
    assert (change.name, change.phone, change.education, change.employer, change.status) == (
        "林小华",
        "13900139000",
        "大专",
        "",
        "pending",
    )


def test_the_neutral_message_is_in_english_too(client):
    p = program()
    public_registration(p, name="林晓华", document=parse_document(PUBLISHED_ID))
    other = program(institution=p.institution)
    response = client.post(
        reverse("training:register", args=[other.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert "Your details need to be checked by hand; our staff will contact you" in page
    assert "林晓华" not in page


def test_a_form_error_never_shows_the_stored_name_either(client):
    p = program()
    public_registration(p, name="林晓华", document=parse_document(PUBLISHED_ID))
    # Refused for another reason (no consent) after the number was recognised.
    response = client.post(
        reverse("training:register", args=[p.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID, consent=""),
    )
    assert response.status_code == 200
    assert "林晓华" not in response.content.decode()
    # Registered again for the same program: refused as a duplicate, still without the name.
    response = client.post(
        reverse("training:register", args=[p.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID),
    )
    assert services.ERR_DUPLICATE in response.content.decode()
    assert "林晓华" not in response.content.decode()
    assert not ProfileChange.objects.exists()


def test_continuing_education_staff_accept_the_change_and_are_the_audited_actor(client):
    p = program()
    public_registration(
        p, name="林晓华", document=parse_document(PUBLISHED_ID), employer="岭南颐康养老服务中心"
    )
    client.post(
        reverse("training:register", args=[p.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID, employer="南方康养集团"),
    )
    # Registered twice for one program: refused, nothing proposed. For another one: proposed.
    assert not ProfileChange.objects.exists()
    other = program(institution=p.institution)
    client.post(
        reverse("training:register", args=[other.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID, employer="南方康养集团"),
    )
    change = ProfileChange.objects.get()
    staff = user_with_role(Role.CONTINUING_ED, institution=p.institution)
    outsider = user_with_role(Role.CONTINUING_ED, institution=program().institution)
    url = reverse("learners:change-detail", args=[change.pk])

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "accept"}).status_code == 404

    client.force_login(staff)
    listing = client.get(reverse("learners:change-list")).content.decode()
    assert url in listing and "姓名不一致" in listing
    detail = client.get(url).content.decode()
    assert "林晓华" in detail and "林小华" in detail  # staff compare stored and proposed
    response = client.post(url, {"action": "accept", "note": "电话核实，已改名"})
    assert response.status_code == 302
    account = LearningAccount.objects.get()
    assert account.name == "林小华"
    assert Learner.objects.get().employer == "南方康养集团"
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.note) == (
        "accepted",
        staff,
        "电话核实，已改名",
    )
    entries = AuditEntry.objects.filter(
        action__in=[
            "learners.profile_change.accepted",
            "learners.account.updated",
            "learners.learner.updated",
        ]
    )
    assert {e.action for e in entries} == {
        "learners.profile_change.accepted",
        "learners.account.updated",
        "learners.learner.updated",
    }
    assert {e.actor_id for e in entries} == {staff.pk}
    # Decided once only.
    client.post(url, {"action": "reject"})
    change.refresh_from_db()
    assert change.status == "accepted"


def test_a_full_program_waitlists_and_says_so(client):
    p = program(capacity=1)
    public_registration(p)
    page = client.get(reverse("training:register", args=[p.code])).content.decode()
    assert "名额已满" in page
    response = client.post(reverse("training:register", args=[p.code]), form_data(), follow=True)
    assert "候补第 1 位" in response.content.decode()


def test_the_form_is_closed_when_the_program_is_not_open(client):
    p = program(status="closed")
    response = client.post(reverse("training:register", args=[p.code]), form_data())
    assert response.status_code == 200
    assert "不在报名期内" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_public_registration_is_rate_limited(client, settings):
    settings.XBANK_TRAINING_REGISTER_RATE = "2/m"
    p = program()
    codes = [
        client.post(reverse("training:register", args=[p.code]), form_data()).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]


def test_a_refused_registration_says_when_to_retry(client, settings):
    """Within the minute's window of the 2-per-minute limit: between 1 and 60 seconds."""
    settings.XBANK_TRAINING_REGISTER_RATE = "2/m"
    p = program()
    for _ in range(2):
        client.post(reverse("training:register", args=[p.code]), form_data())
    response = client.post(reverse("training:register", args=[p.code]), form_data())
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_public_pages_speak_english(client):
    p = program(title="老年照护培训班")
    a = services.announcement_create(
        actor=SYSTEM, institution=p.institution, year=2026, title="公告", programs=[p]
    )
    services.announcement_publish(actor=SYSTEM, announcement=a)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(reverse("training:announcements"), **english).content.decode()
    assert "Training announcements" in page and "培训公告" not in page
    page = client.get(reverse("training:register", args=[p.code]), **english).content.decode()
    assert "Register as a member of the public" in page
    assert "Translation for reference" in page and "证件号码加密存储" in page
    assert page.count("I have read and agree to the processing") == 1
    response = client.post(
        reverse("training:register", args=[p.code]), form_data(name=""), **english
    )
    assert "Please enter your name" in response.content.decode()


# --- Staff pages ----------------------------------------------------------------------------------


def test_staff_approve_in_bulk_with_htmx(client, tw):
    client.force_login(tw.users["continuing_ed_a"])
    response = client.post(
        reverse("training:enrollment-decide", args=[tw.program_a.pk]),
        {
            "decision": "approve",
            "enrollment": [tw.alice_enrollment.pk, tw.bob_enrollment.pk],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="enrollments">')
    assert "已录取 2 人" in page
    assert set(Enrollment.objects.filter(status="approved").values_list("pk", flat=True)) == {
        tw.alice_enrollment.pk,
        tw.bob_enrollment.pk,
    }


def test_attendance_then_finishing_records_outcomes_through_the_pages(client, tw):
    client.force_login(tw.users["continuing_ed_a"])
    ids = [tw.alice_enrollment.pk, tw.bob_enrollment.pk, tw.public_enrollment.pk]
    client.post(
        reverse("training:enrollment-decide", args=[tw.program_a.pk]),
        {"decision": "approve", "enrollment": ids},
    )
    client.post(reverse("training:program-transition", args=[tw.program_a.pk]), {"action": "close"})
    client.force_login(tw.users["teacher_a"])  # the teacher takes attendance
    for session in tw.program_a.sessions.all():
        url = reverse("training:session-attendance", args=[session.pk])
        page = client.get(url).content.decode()
        assert 'id="attendance-grid"' in page and "安丽丝" in page
        response = client.post(url, {"present": [tw.alice_enrollment.pk, tw.bob_enrollment.pk]})
        assert response.status_code == 302
    client.force_login(tw.users["continuing_ed_a"])
    client.post(
        reverse("training:program-transition", args=[tw.program_a.pk]), {"action": "finish"}
    )
    statuses = dict(Enrollment.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {
        tw.alice_enrollment.pk: "completed",
        tw.bob_enrollment.pk: "completed",
        tw.public_enrollment.pk: "not_completed",
    }
    outcome = LearningOutcome.objects.get(account=tw.world.alice.account, kind="training")
    assert outcome.number == f"TR-{tw.program_a.code}-{tw.alice_enrollment.pk}"
    client.force_login(tw.users["learner"])
    page = client.get(reverse("learners:my-account")).content.decode()
    assert "老年照护（初级）培训班（培训结业）" in page


def test_staff_create_a_program_and_refuse_a_cancelled_certificate(client, tw):
    from xbank.catalog.services import certificate_type_cancel

    client.force_login(tw.users["continuing_ed_a"])
    data = {
        "institution": tw.world.college_a.pk,
        "certificate_type": tw.world.certificate_type.pk,
        "level": "junior",
        "title": "新培训班",
        "audience": "both",
        "start_date": "2026-12-01",
        "end_date": "2026-12-20",
        "place_kind": "off_site",
        "place": "清远市某镇",
        "capacity": 30,
        "fee": "800.00",
        "completion_min_attendance": 80,
        "requires_approval": "on",
    }
    response = client.post(reverse("training:program-create"), data)
    assert response.status_code == 302
    created = TrainingProgram.objects.get(title="新培训班")
    assert (created.status, created.place, created.created_by) == (
        "draft",
        "清远市某镇",
        tw.users["continuing_ed_a"],
    )
    certificate_type_cancel(actor=SYSTEM, certificate_type=tw.world.certificate_type)
    response = client.post(reverse("training:program-create"), {**data, "title": "又一个"})
    assert response.status_code == 200
    assert not TrainingProgram.objects.filter(title="又一个").exists()


def test_staff_register_a_learner_of_their_scope(client, tw):
    p = program(institution=tw.world.college_a)
    client.force_login(tw.users["continuing_ed_a"])
    url = reverse("training:enrollment-add", args=[p.pk])
    assert client.post(url, {"student_no": tw.world.carol.student_no}).status_code == 400
    response = client.post(url, {"student_no": tw.world.bob.student_no})
    assert response.status_code == 302
    assert Enrollment.objects.get(program=p).learner == tw.world.bob


def test_the_sign_in_sheet_pdf_has_the_chinese_names_embedded(client, tw, tmp_path):
    pdftotext, pdffonts = shutil.which("pdftotext"), shutil.which("pdffonts")
    if not (pdftotext and pdffonts):
        missing_tool("pdftotext/pdffonts are not installed (apt-get install poppler-utils)")
    services.enrollments_decide(
        actor=SYSTEM,
        program=tw.program_a,
        enrollment_ids=[tw.alice_enrollment.pk, tw.public_enrollment.pk],
        approve=True,
    )
    client.force_login(tw.users["teacher_a"])
    session = tw.program_a.sessions.first()
    response = client.get(reverse("training:session-sign-in", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True).stdout
    assert "签到表" in text and "安丽丝" in text and "林晓华" in text
    assert "包博" not in text  # not admitted
    fonts = subprocess.run([pdffonts, str(path)], capture_output=True, text=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in row for row in rows), fonts


def read_xlsx(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_lists_export_to_excel(client, tw):
    client.force_login(tw.users["continuing_ed_a"])
    rows = read_xlsx(client.get(reverse("training:program-list") + "?export=xlsx").content)
    assert rows[0][:2] == ["编号", "名称"]
    assert {r[1] for r in rows[1:]} == {"老年照护（初级）培训班", "草稿培训班"}
    response = client.get(reverse("training:enrollment-list") + "?status=pending&export=xlsx")
    rows = read_xlsx(response.content)
    assert {r[0] for r in rows[1:]} == {"安丽丝", "包博", "林晓华"}
    assert all("*" in r[2] for r in rows[1:])  # ID numbers masked
    by_name = {r[0]: r[5:10] for r in rows[1:]}  # 类别, 二级学院, 专业, 学号, 工作单位
    bob = Learner.objects.get(account__name="包博")  # his student number comes from a sequence
    assert by_name["包博"] == ["在校生", "信息工程学院", "软件技术", bob.student_no, ""]
    assert by_name["林晓华"] == ["社会学员", "", "", "", ""]


# --- Statistics -----------------------------------------------------------------------------------


def _completed(p, people: list, *, actor=SYSTEM):
    """Register, admit and complete ``people`` (documents) in program ``p``."""
    rows = [public_registration(p, name=name, document=doc) for name, doc in people]
    services.enrollments_decide(
        actor=actor, program=p, enrollment_ids=[r.pk for r in rows], approve=True
    )
    p = services.program_transition(actor=actor, program=p, action="close")
    for session in p.sessions.all():
        services.attendance_record(actor=actor, session=session, present_ids={r.pk for r in rows})
    services.program_finish(actor=actor, program=p)
    return rows


def test_statistics_keep_persons_and_person_times_apart_and_drill_down_to_names(client):
    staff = user_with_role(Role.CONTINUING_ED, institution=None or program().institution)
    inst = staff.role_assignments.get().institution
    people = [(f"学员{i}", new_document()) for i in range(5)]
    first = program(institution=inst, sessions=1, end_date=datetime.date(2026, 4, 30))
    second = program(institution=inst, sessions=1, end_date=datetime.date(2026, 5, 30))
    _completed(first, people[:4])
    _completed(second, people[2:])  # two people complete both programs
    client.force_login(staff)
    response = client.get(reverse("training:stats"))
    stats = response.context["stats"]
    assert (stats.person_times, stats.persons) == (7, 5)
    assert [(r.key, r.person_times, r.persons) for r in stats.rows] == [("2026", 7, 5)]
    by_program = client.get(reverse("training:stats"), {"group": "program"}).context["stats"]
    assert sorted((r.person_times, r.persons) for r in by_program.rows) == [(3, 3), (4, 4)]
    assert sum(r.persons for r in by_program.rows) == 7 != by_program.persons == 5
    # Each count drills down to exactly the registrations it counts.
    for row, url in client.get(reverse("training:stats"), {"group": "program"}).context["rows"]:
        names = client.get(url)
        assert (names.context["person_times"], names.context["persons"]) == (
            row.person_times,
            row.persons,
        )
    total = client.get(response.context["total_url"])
    assert (total.context["person_times"], total.context["persons"]) == (7, 5)
    rows = read_xlsx(client.get(reverse("training:stats") + "?export=xlsx").content)
    assert rows[-1][0] == "合计" and rows[-1][2:] == [7, 5]


def test_statistics_filters_narrow_the_counts(client):
    inst = program().institution
    staff = user_with_role(Role.CONTINUING_ED, institution=inst)
    off = program(institution=inst, sessions=1, place_kind="off_site", place="清远市某镇")
    on = program(institution=inst, sessions=1)
    _completed(off, [(f"村民{i}", new_document()) for i in range(3)])
    _completed(on, [(f"学生{i}", new_document()) for i in range(2)])
    client.force_login(staff)
    stats = client.get(reverse("training:stats"), {"place_kind": "off_site"}).context["stats"]
    assert (stats.person_times, stats.persons) == (3, 3)


# --- Query counts ---------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_make_the_same_number_of_queries_however_many_rows(client, tw):
    """Each list page: session + user + role assignments (scope), the count for the paginator,
    one page of rows with their related rows joined, and the filter bar's choices — the same
    whether the page shows three rows or thirty."""
    staff = tw.users["continuing_ed_a"]
    pages = [
        (staff, reverse("training:program-list")),
        (staff, reverse("training:enrollment-list")),
        (staff, reverse("training:announcement-manage-list")),
        (staff, reverse("training:stats")),
        (staff, reverse("training:stats-names")),
        (tw.users["learner"], reverse("training:my-enrollments")),
        (None, reverse("training:announcements")),
        (staff, reverse("training:program-manage", args=[tw.program_a.pk])),
    ]

    def measure():
        counts = []
        for user, url in pages:
            client.logout()
            if user is not None:
                client.force_login(user)
            counts.append(count_queries(client, url))
        return counts

    # At least one row everywhere (an empty page skips its row query).
    _completed(program(institution=tw.world.college_a, sessions=1), [("学员", new_document())])
    before = measure()
    # More of everything: programs, announcements, registrations, completions.
    more = [program(institution=tw.world.college_a, sessions=1) for _ in range(3)]
    a = services.announcement_create(
        actor=SYSTEM, institution=tw.world.college_a, year=2026, title="第二批", programs=more
    )
    services.announcement_publish(actor=SYSTEM, announcement=a)
    for p in more:
        _completed(p, [(f"学员{i}", new_document()) for i in range(4)])
    for _ in range(5):
        public_registration(tw.program_a)
    alice_again = program(institution=tw.world.college_a)
    services.enrollment_register_student(actor=tw.users["learner"], program=alice_again)
    assert measure() == before


def test_a_student_of_the_partner_is_not_seen_by_the_other_college(client, tw):
    carol_program = program(institution=tw.world.college_b)
    services.enrollment_register_staff(actor=SYSTEM, program=carol_program, learner=tw.world.carol)
    client.force_login(tw.users["continuing_ed_a"])
    page = client.get(reverse("training:enrollment-list")).content.decode()
    assert "蔡可" not in page


def test_a_students_only_program_has_no_public_form(client):
    s = student()
    p = program(institution=s.institution, audience="students")
    page = client.get(reverse("training:program-detail", args=[p.code])).content.decode()
    assert 'id="register-public"' not in page
    response = client.post(reverse("training:register", args=[p.code]), form_data())
    assert response.status_code == 200 and not Enrollment.objects.exists()


def test_a_programs_export_link_exports_only_its_registrations(client, tw):
    other = program(institution=tw.world.college_a)
    public_registration(other, name="冯可欣")
    client.force_login(tw.users["continuing_ed_a"])
    url = reverse("training:enrollment-list") + f"?program_id={tw.program_a.pk}&export=xlsx"
    rows = read_xlsx(client.get(url).content)
    assert {r[0] for r in rows[1:]} == {"安丽丝", "包博", "林晓华"}


def test_the_catalog_filler_replaces_a_rewrapped_translation_whole():
    """makemessages re-wraps a long translation over several lines on its next run; filling
    again must replace it, not prepend to it."""
    import importlib.util
    from pathlib import Path

    import xbank

    path = Path(xbank.__file__).parent / "locale" / "translate_en.py"
    spec = importlib.util.spec_from_file_location("translate_en", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wrapped = 'msgid "提交报名"\nmsgstr ""\n"Regis"\n"ter"\n\nmsgid "x"\nmsgstr ""\n'
    assert module.fill(wrapped) == 'msgid "提交报名"\nmsgstr "Register"\n\nmsgid "x"\nmsgstr ""\n'


def test_editing_cannot_shrink_the_capacity_below_the_seats_taken(client, tw):
    client.force_login(tw.users["continuing_ed_a"])
    url = reverse("training:program-edit", args=[tw.program_a.pk])
    data = {
        "level": "junior",
        "title": "老年照护（初级）培训班",
        "audience": "both",
        "start_date": tw.program_a.start_date.isoformat(),
        "end_date": tw.program_a.end_date.isoformat(),
        "place_kind": "on_campus",
        "place": "实训楼 301",
        "capacity": 2,
        "fee": "0",
        "completion_min_attendance": 80,
        "requires_approval": "on",
        "instructors": [tw.users["teacher_a"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert services.ERR_CAPACITY_BELOW_SEATED.format(seated=3) in response.content.decode()
    response = client.post(url, {**data, "capacity": 12, "fee": "300"})
    assert response.status_code == 302
    tw.program_a.refresh_from_db()
    assert (tw.program_a.capacity, str(tw.program_a.fee)) == (12, "300.00")


def test_the_teacher_sees_the_programs_they_teach(client, tw):
    client.force_login(tw.users["teacher_a"])
    page = client.get(reverse("training:my-programs")).content.decode()
    assert "老年照护（初级）培训班" in page
    page = client.get(reverse("training:program-list")).content.decode()
    assert "老年照护（初级）培训班" in page and "草稿培训班" not in page


def test_only_continuing_education_gets_the_link_to_check_a_mismatch(client):
    p = program()
    public_registration(p, name="林晓华", document=parse_document(PUBLISHED_ID))
    other = program(institution=p.institution)
    client.post(
        reverse("training:register", args=[other.code]),
        form_data(name="林小华", id_number=PUBLISHED_ID),
    )
    change = ProfileChange.objects.get()
    link = reverse("learners:change-detail", args=[change.pk])
    manage = reverse("training:program-manage", args=[other.pk])

    client.force_login(user_with_role(Role.CONTINUING_ED, institution=p.institution))
    page = client.get(manage).content.decode()
    assert "信息待核对" in page and link in page

    # Academic affairs of the same college see the badge, not a link that would answer 403.
    client.force_login(user_with_role(Role.ACADEMIC_AFFAIRS, institution=p.institution))
    response = client.get(manage)
    assert response.status_code == 200
    assert "信息待核对" in response.content.decode() and link not in response.content.decode()
    assert client.get(link).status_code in (403, 404)
