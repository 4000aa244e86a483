"""Every URL of the account, learner and catalogue pages, for every role: the expected status
code.

The test walks the URL resolver, so a page added without a row in EXPECTED fails here until
someone decides who may see it.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from xbank.accounts.notifications import notification_send
from xbank.audit.models import AuditEntry
from xbank.learners import services as learner_services
from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ROLES, World, build_world

pytestmark = pytest.mark.django_db

NAMESPACES = ["accounts", "learners", "catalog"]

ANON = None
_STAFF = {
    "sysadmin": 200,
    "bank_admin": 200,
    "academic_affairs_a": 200,
    "continuing_ed_a": 200,
    "school_staff_a1": 200,
    "school_staff_a2": 200,
    "school_staff_b1": 200,
    "major_staff_a1": 200,
    "hr_a": 403,
    "learner": 403,
    "learner_without_account": 403,
}
# A list page: every role with learner records gets 200 (with its own rows), others 403.
LIST = {ANON: 302, **_STAFF}
# One of alice's rows (her school A1 of college A): outsiders get the 404 of a missing row.
ALICE = {
    **LIST,
    "school_staff_a2": 404,
    "school_staff_b1": 404,
}
REVEAL = {
    **ALICE,
    "sysadmin": 403,  # sees records, may not unmask
    "school_staff_a1": 403,
    "major_staff_a1": 403,
}

# Full-ID exports: only the roles that may see full numbers; the rest get 403 as on REVEAL.
_NOT_REVEAL = {ANON: 302, **dict.fromkeys(_STAFF, 403)}
FULL_EXPORT = {
    **_NOT_REVEAL,
    "bank_admin": 200,
    "academic_affairs_a": 200,
    "continuing_ed_a": 200,
}


def _export(world: World, *, approval: bool) -> dict:
    """A full-ID export of college A asked for by its continuing-education office."""
    with override_settings(XBANK_FULL_EXPORT_APPROVAL=approval):
        export = learner_services.full_export_request(
            actor=world.users["continuing_ed_a"],
            reason="报送名单",
            filters={},
            description="全部",
            rows=2,
        )
    return {"pk": export.pk}


# The to-do list of proposed changes: continuing education of the change's college only.
CHANGES = {**dict.fromkeys(ROLES, 403), ANON: 302, "continuing_ed_a": 200}


def _change_at_college_a(w: World) -> dict:
    """A public registration at college A with alice's ID number and another name."""
    from xbank.core.identity import parse_document
    from xbank.learners.services import learner_register_public

    registration = learner_register_public(
        document=parse_document(w.alice.account.id_number),
        name="安莉丝",
        institution=w.college_a,
    )
    return {"pk": registration.change.pk}


# Every signed-in user has a workbench and notifications, whatever their roles.
SIGNED_IN = {ANON: 302, **dict.fromkeys(ROLES[1:], 200)}


def _notification_for_continuing_ed(w: World) -> dict:
    """A notification of continuing_ed_a: read by its recipient only (302 back to the list),
    everyone else gets the 404 of a missing one."""
    note = notification_send(recipient=w.users["continuing_ed_a"], title="导出申请待审批")
    return {"pk": note.pk}


# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    # The login form: the anonymous visitor gets it, a signed-in user is sent on (302).
    "accounts:login": ("get", lambda w: {}, {ANON: 200, **dict.fromkeys(ROLES[1:], 302)}),
    "accounts:logout": ("post", lambda w: {}, dict.fromkeys(ROLES, 302)),
    "accounts:workbench": ("get", lambda w: {}, SIGNED_IN),
    "accounts:notifications": ("get", lambda w: {}, SIGNED_IN),
    "accounts:notifications-read-all": ("post", lambda w: {}, dict.fromkeys(ROLES, 302)),
    "accounts:notification-read": (
        "post",
        _notification_for_continuing_ed,
        {ANON: 302, **dict.fromkeys(ROLES[1:], 404), "continuing_ed_a": 302},
    ),
    "learners:learner-list": ("get", lambda w: {}, LIST),
    "learners:learner-detail": ("get", lambda w: {"pk": w.alice.pk}, ALICE),
    "learners:learner-reveal-id": ("post", lambda w: {"pk": w.alice.pk}, REVEAL),
    "learners:full-export-list": ("get", lambda w: {}, FULL_EXPORT),
    # An empty request lacks its reason: 400 for the roles that may ask.
    "learners:full-export-create": (
        "post",
        lambda w: {},
        {**FULL_EXPORT, "bank_admin": 400, "academic_affairs_a": 400, "continuing_ed_a": 400},
    ),
    "learners:full-export-detail": ("get", lambda w: _export(w, approval=True), FULL_EXPORT),
    # The requester never decides their own request (403); an approver's empty POST is a 400.
    "learners:full-export-decide": (
        "post",
        lambda w: _export(w, approval=True),
        {**FULL_EXPORT, "bank_admin": 400, "academic_affairs_a": 400, "continuing_ed_a": 403},
    ),
    # Only the requester prepares and downloads; a download before preparing is a 400.
    "learners:full-export-prepare": (
        "post",
        lambda w: _export(w, approval=False),
        {**FULL_EXPORT, "bank_admin": 403, "academic_affairs_a": 403},
    ),
    "learners:full-export-download": (
        "post",
        lambda w: _export(w, approval=False),
        {**FULL_EXPORT, "bank_admin": 403, "academic_affairs_a": 403, "continuing_ed_a": 400},
    ),
    "learners:outcome-list": ("get", lambda w: {}, LIST),
    "learners:certificate-stats": ("get", lambda w: {}, LIST),
    "learners:my-account": (
        "get",
        lambda w: {},
        {
            ANON: 302,
            **dict.fromkeys(_STAFF, 404),
            "learner": 200,
        },
    ),
    "learners:change-list": ("get", lambda w: {}, CHANGES),
    "learners:change-detail": ("get", _change_at_college_a, CHANGES),
    "catalog:index": ("get", lambda w: {}, dict.fromkeys(ROLES, 302)),
    "catalog:certificate-list": ("get", lambda w: {}, LIST),
    "catalog:certificate-detail": ("get", lambda w: {"pk": w.certificate_type.pk}, LIST),
    "catalog:curriculum-list": ("get", lambda w: {}, LIST),
    "catalog:curriculum-detail": ("get", lambda w: {"pk": w.curriculum_a1.pk}, ALICE),
    "catalog:coverage-list": ("get", lambda w: {}, LIST),
    "catalog:coverage": ("get", lambda w: {"pk": w.curriculum_a1.pk}, ALICE),
    # Editing the course–certificate map: academic affairs and the school's own staff; an empty
    # POST then fails validation (400). Readers of other roles get 403.
    "catalog:coverage-cell": (
        "post",
        lambda w: {"pk": w.curriculum_a1.pk},
        {
            **ALICE,
            "sysadmin": 403,
            "bank_admin": 403,
            "continuing_ed_a": 403,
            "academic_affairs_a": 400,
            "school_staff_a1": 400,
            "major_staff_a1": 400,
        },
    ),
}


def _url_names() -> list[str]:
    return [name for namespace in NAMESPACES for name in url_names(namespace)]


def test_every_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names, "no URL patterns found"
    missing = [name for name in names if name not in EXPECTED]
    assert not missing, f"URL patterns without an expected status per role: {missing}"
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, world, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(world))
    got = statuses(client, world.users, ROLES, lambda c: getattr(c, method)(url))
    assert got == expected


def test_a_refused_reveal_writes_no_audit_entry(client, world):
    url = reverse("learners:learner-reveal-id", kwargs={"pk": world.alice.pk})
    for role in ["school_staff_a1", "school_staff_a2", "school_staff_b1", "sysadmin", "hr_a"]:
        client.force_login(world.users[role])
        assert client.post(url).status_code in (403, 404)
    assert not AuditEntry.objects.filter(action="learners.id_number.revealed").exists()
