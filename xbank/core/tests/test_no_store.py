"""Pages with personal data are never kept by a browser or a proxy: ``Cache-Control: no-store``."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from xbank.core.middleware import NoStoreMiddleware
from xbank.testing.world import World, build_world
from xbank.training.tests.factories import program, public_registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def world() -> World:
    return build_world()


def assert_no_store(response):
    assert response.status_code == 200, response.status_code
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in directives, response["Cache-Control"]
    assert "private" in directives


def test_staff_pages_that_show_people_are_not_stored(client, world):
    client.force_login(world.users["academic_affairs_a"])
    for url in [
        reverse("learners:learner-list"),
        reverse("learners:learner-list") + "?export=xlsx",
        reverse("learners:learner-detail", args=[world.alice.pk]),
        reverse("learners:outcome-list"),
        reverse("learners:full-export-list"),
        reverse("accounts:workbench"),
    ]:
        assert_no_store(client.get(url))
    assert_no_store(client.post(reverse("learners:learner-reveal-id", args=[world.alice.pk])))


def test_a_full_id_export_and_its_password_page_are_not_stored(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    client.force_login(world.users["academic_affairs_a"])
    page = client.post(reverse("learners:full-export-create"), {"reason": "报送名单"})
    assert_no_store(page)
    export_pk = page.context["export"].pk
    assert_no_store(client.post(reverse("learners:full-export-download", args=[export_pk])))


def test_the_learners_own_account_is_not_stored(client, world):
    client.force_login(world.users["learner"])
    assert_no_store(client.get(reverse("learners:my-account")))


def test_public_registration_pages_are_not_stored(client):
    p = program()
    enrollment = public_registration(p)
    assert_no_store(client.get(reverse("training:register", args=[p.code])))
    assert_no_store(client.get(reverse("training:registration-status", args=[enrollment.code])))
    assert_no_store(client.get(reverse("accounts:login")))


def test_a_view_that_chose_its_own_caching_keeps_it():
    def view(request):
        response = HttpResponse("public announcement")
        response["Cache-Control"] = "public, max-age=300"
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "public, max-age=300"
    plain = NoStoreMiddleware(lambda request: HttpResponse("x"))(RequestFactory().get("/"))
    assert "no-store" in plain["Cache-Control"] and plain["Pragma"] == "no-cache"
