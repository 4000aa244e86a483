"""Every URL of the public verification pages, for every role: the expected status code.

Public by design: everyone, signed in or not, gets the same page (and the matrix scans it for
personal numbers in clear, which a public page must never show).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from xbank.core.actors import SYSTEM
from xbank.testing.matrix import statuses, url_names
from xbank.testing.world import ROLES, World, build_world
from xbank.verify import services
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db

EVERYONE = dict.fromkeys(ROLES, 200)


def _credential(w: World) -> dict:
    """A transcript of alice's, issued by college A."""
    credential = services.credential_issue(
        actor=SYSTEM,
        kind=Credential.Kind.TRANSCRIPT,
        title="护理专业 2023 级成绩单",
        holder_name=w.alice.account.name,
        issuer=w.college_a.name,
        details=[("已获学分", "86.0 / 140.0")],
    )
    return {"code": credential.code}


# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    "verify:home": ("get", lambda w: {}, EVERYONE),
    "verify:detail": ("get", _credential, EVERYONE),
    # An unknown code is a 404 for everyone, and says nothing more (verify/tests/test_views.py).
}


def test_every_url_has_an_expectation_for_every_role():
    names = url_names("verify")
    assert sorted(names) == sorted(EXPECTED)
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.fixture
def world() -> World:
    cache.clear()  # the pages are rate-limited per address
    yield build_world()
    cache.clear()


@pytest.mark.parametrize("name", url_names("verify"))
def test_status_per_role(client, world, name):
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(world))
    got = statuses(client, world.users, ROLES, lambda c: getattr(c, method)(url))
    assert got == expected
