"""Every URL of the import pages, for every role: the expected status code.

Importers are the roles of ``IMPORT_ROLES`` (credit bank administrator, academic affairs,
continuing education, school staff) and, for teachers only, HR; the system administrator and
learners get 403, the anonymous visitor the login page. A batch is seen by its uploader and by the institution-wide
importers of its college (and the regional ones); school staff of any school get the 404 of a
missing batch, since it is not theirs.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from xbank.imports.tests.helpers import upload
from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ROLES, World, build_world

pytestmark = pytest.mark.django_db

ANON = None
IMPORTERS = {
    ANON: 302,
    "sysadmin": 403,
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
# HR imports teachers only (faculty.imports.TeacherImport): it reaches the list of batches.
LIST = {**IMPORTERS, "hr_a": 200}
# A learner batch of college A uploaded by its continuing-education office.
BATCH = {
    **IMPORTERS,
    "hr_a": 404,
    "school_staff_a1": 404,
    "school_staff_a2": 404,
    "school_staff_b1": 404,
    "major_staff_a1": 404,
}
# Committing or cancelling answers with a redirect back to the batch (and a message).
BATCH_ACTION = {k: (302 if v == 200 else v) for k, v in BATCH.items()}


def _batch(w: World) -> dict:
    batch = upload(
        "learners",
        "姓名,身份证号\r\n".encode(),
        institution=w.college_a,
        actor=w.users["continuing_ed_a"],
        file_name="名单.csv",
    )
    return {"code": batch.code}


# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    "imports:batch-list": ("get", lambda w: {}, LIST),
    "imports:batch-new": ("get", lambda w: {"kind": "learners"}, IMPORTERS),
    "imports:template": ("get", lambda w: {"kind": "learners"}, IMPORTERS),
    "imports:batch-detail": ("get", _batch, BATCH),
    "imports:batch-progress": ("get", _batch, BATCH),
    "imports:batch-commit": ("post", _batch, BATCH_ACTION),
    "imports:batch-cancel": ("post", _batch, BATCH_ACTION),
}


def test_every_url_has_an_expectation_for_every_role():
    names = url_names("imports")
    assert sorted(names) == sorted(EXPECTED)
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("name", url_names("imports"))
def test_status_per_role(client, world, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(world))
    got = statuses(client, world.users, ROLES, lambda c: getattr(c, method)(url), rollback=True)
    assert got == expected
