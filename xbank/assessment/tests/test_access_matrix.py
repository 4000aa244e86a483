"""Every URL of the assessment pages, for every role: the expected status code.

The test walks the URL resolver, so a page added without a row in EXPECTED fails here until
someone decides who may see it. Outside a user's scope a row is the 404 of a missing one.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ASSESSMENT_ROLES as ROLES
from xbank.testing.world import AssessmentWorld, build_assessment_world

pytestmark = pytest.mark.django_db

ANON = None
EVERYONE = [role for role in ROLES if role is not None]


def answers(default: int, **given) -> dict:
    """{role: status}: anonymous visitors go to the login page, everyone else ``default``
    unless ``given`` says otherwise."""
    table = {ANON: 302, **dict.fromkeys(EVERYONE, default)}
    table.update(given)
    return table


# Read the assessments of an institution: continuing education, academic affairs, the bank.
VIEW = answers(
    403, bank_admin=200, academic_affairs_a=200, continuing_ed_a=200, continuing_ed_b=200
)
# One of college A's rows: continuing education of college B gets the 404 of a missing row.
VIEW_A = {**VIEW, "continuing_ed_b": 404}
# Run assessments: continuing education only.
MANAGE = answers(403, continuing_ed_a=200, continuing_ed_b=200)
MANAGE_A = {**MANAGE, "continuing_ed_b": 404}
# A form posted by continuing education of A is handled and redirected back.
POST_A = {**MANAGE_A, "continuing_ed_a": 302}
# Examiner qualifications: HR too, and the regional bank administrator.
QUALIFICATIONS = {**VIEW, "hr_a": 200}
QUALIFICATIONS_MANAGE = answers(
    403, hr_a=200, continuing_ed_a=200, continuing_ed_b=200, bank_admin=200
)
QUALIFICATION_A = {**QUALIFICATIONS_MANAGE, "continuing_ed_b": 404}
# The confidentiality record: the session's staff and its examiners; anyone else a 404.
CONFIDENTIAL = answers(404, continuing_ed_a=200, examiner_assigned=200)
CONFIDENTIAL_POST = answers(404, continuing_ed_a=302, examiner_assigned=302)
# Score entry: the session's examiners only (invariant 7).
SCORING = answers(404, examiner_assigned=200)

# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    "assessment:index": ("get", lambda w: {}, answers(302)),
    "assessment:site-list": ("get", lambda w: {}, VIEW),
    "assessment:site-create": ("get", lambda w: {}, MANAGE),
    "assessment:site-detail": ("get", lambda w: {"pk": w.site.pk}, VIEW_A),
    "assessment:site-edit": ("get", lambda w: {"pk": w.site.pk}, MANAGE_A),
    "assessment:room-create": ("get", lambda w: {"pk": w.site.pk}, MANAGE_A),
    "assessment:room-list": ("get", lambda w: {}, VIEW),
    "assessment:room-edit": ("get", lambda w: {"pk": w.room.pk}, MANAGE_A),
    "assessment:qualification-list": ("get", lambda w: {}, QUALIFICATIONS),
    "assessment:qualification-create": ("get", lambda w: {}, QUALIFICATIONS_MANAGE),
    "assessment:qualification-edit": ("get", lambda w: {"pk": w.qualification.pk}, QUALIFICATION_A),
    "assessment:pass-mark-list": ("get", lambda w: {}, VIEW),
    # Pass marks belong to a certificate type, not to a college.
    "assessment:pass-mark-edit": ("get", lambda w: {"pk": w.base.certificate_type.pk}, MANAGE),
    "assessment:session-list": ("get", lambda w: {}, VIEW),
    "assessment:session-create": ("get", lambda w: {}, MANAGE),
    "assessment:session-detail": ("get", lambda w: {"pk": w.published.pk}, VIEW_A),
    "assessment:session-edit": ("get", lambda w: {"pk": w.scheduled.pk}, MANAGE_A),
    "assessment:session-room-add": ("post", lambda w: {"pk": w.scheduled.pk}, POST_A),
    "assessment:session-room-remove": (
        "post",
        lambda w: {"pk": w.scheduled.pk, "room_pk": w.session_room.pk},
        POST_A,
    ),
    "assessment:session-examiner-add": ("post", lambda w: {"pk": w.scheduled.pk}, POST_A),
    "assessment:session-examiner-remove": (
        "post",
        lambda w: {"pk": w.scheduled.pk, "assignment_pk": w.assignment.pk},
        POST_A,
    ),
    "assessment:session-transition": (
        "post",
        lambda w: {"pk": w.scheduled.pk, "action": "unschedule"},
        POST_A,
    ),
    "assessment:candidate-add": ("get", lambda w: {"pk": w.scheduled.pk}, MANAGE_A),
    "assessment:candidate-add-program": ("post", lambda w: {"pk": w.scheduled.pk}, POST_A),
    "assessment:tickets-pdf": ("get", lambda w: {"pk": w.published.pk}, VIEW_A),
    "assessment:signin-sheet-pdf": ("get", lambda w: {"pk": w.published.pk}, VIEW_A),
    "assessment:confidentiality": ("get", lambda w: {"pk": w.published.pk}, CONFIDENTIAL),
    "assessment:confidentiality-countersign": (
        "post",
        lambda w: {"pk": w.published.pk, "step_pk": w.step.pk},
        CONFIDENTIAL_POST,
    ),
    "assessment:incident-add": ("post", lambda w: {"pk": w.published.pk}, CONFIDENTIAL_POST),
    "assessment:incident-resolve": (
        "post",
        lambda w: {"pk": w.published.pk, "incident_pk": w.incident.pk},
        CONFIDENTIAL_POST,
    ),
    "assessment:candidate-list": ("get", lambda w: {}, VIEW),
    "assessment:candidate-remove": ("post", lambda w: {"pk": w.bob_candidate.pk}, POST_A),
    "assessment:ticket-pdf": ("get", lambda w: {"pk": w.alice_candidate.pk}, VIEW_A),
    "assessment:award-create": ("get", lambda w: {"pk": w.alice_candidate.pk}, MANAGE_A),
    "assessment:stats": ("get", lambda w: {}, VIEW),
    "assessment:award-list": ("get", lambda w: {}, VIEW),
    "assessment:award-revoke": ("get", lambda w: {"pk": w.award.pk}, MANAGE_A),
    "assessment:my-sessions": ("get", lambda w: {}, answers(200)),
    "assessment:score-sheet": ("get", lambda w: {"pk": w.published.pk}, SCORING),
    "assessment:my-results": ("get", lambda w: {}, answers(200)),
    "assessment:my-ticket": (
        "get",
        lambda w: {"pk": w.alice_candidate.pk},
        answers(404, learner=200),
    ),
}


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


def _url_names() -> list[str]:
    return url_names("assessment")


def test_every_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names, "no URL patterns found"
    missing = [name for name in names if name not in EXPECTED]
    assert not missing, f"URL patterns without an expected status per role: {missing}"
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def world() -> AssessmentWorld:
    return build_assessment_world()


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, world, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(world))
    got = statuses(client, world.users, ROLES, lambda c: getattr(c, method)(url))
    assert got == expected
