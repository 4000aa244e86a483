"""The learner page's 相关记录 card: links to the person's records kept by the apps above
(ledger, transcript, recognition requests, training registrations, exam results), each shown
only to a role whose guard lets it open that page, and each list filtered to that person."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from xbank.assessment import services as assessment_services
from xbank.catalog.tests.factories import CurriculumFactory
from xbank.creditbank import services as credit_services
from xbank.learners.models import OutcomeKind
from xbank.learners.tests.factories import outcome, student
from xbank.testing.world import build_assessment_world
from xbank.training import services as training_services
from xbank.training.tests.factories import program

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def world():
    """The assessment world (alice a candidate of the published session, bob of the scheduled
    one) plus dora, alice's schoolmate in A1, and for alice, dora and bob a training
    registration and a recognition request each; dora also sits the scheduled session."""
    aw = build_assessment_world()
    base = aw.base
    staff = base.users["continuing_ed_a"]
    dora = student(major=base.major_a1, name="丁朵")
    outcome(
        dora.account,
        kind=OutcomeKind.SKILL_CERTIFICATE,
        title=base.certificate_type.name,
        certificate_type=base.certificate_type,
        issued_on=datetime.date(2024, 6, 30),
    )
    assessment_services.candidate_add(actor=staff, session=aw.scheduled, account=dora.account)
    CurriculumFactory(major=base.major_a2, cohort_year=2023)  # bob's, so he may apply
    course = program(institution=base.college_a, certificate_type=base.certificate_type)
    for learner in (base.alice, dora, base.bob):
        training_services.enrollment_register_staff(actor=staff, program=course, learner=learner)
        credit_services.recognition_submit(
            actor=staff,
            learner=learner,
            outcomes=list(learner.account.outcomes.all()),
            evidence_text="证书复印件",
        )
    base.dora = dora
    return base


def links_on_page(client, world, role) -> dict[str, str]:
    client.force_login(world.users[role])
    response = client.get(reverse("learners:learner-detail", args=[world.alice.pk]))
    assert response.status_code == 200
    return {link.label: link.url for link in response.context["links"]}


def account_query(world) -> str:
    return f"?account={world.alice.account_id}"


def expected_links(world) -> dict[str, str]:
    pk, query = world.alice.pk, account_query(world)
    return {
        "培训报名": "/training/enrollments/" + query,
        "考核成绩": "/assessment/candidates/" + query,
        "学分流水": f"/creditbank/learners/{pk}/ledger/",
        "成绩单": f"/creditbank/learners/{pk}/transcript/",
        "认定申请": "/creditbank/requests/" + query,
    }


def assert_opens_for_alice_only(client, url, others):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert "安丽丝" in page, url
    for name in others:
        assert name not in page, (url, name)


def test_continuing_ed_sees_every_link_and_each_list_holds_alice_only(client, world):
    links = links_on_page(client, world, "continuing_ed_a")
    assert links == expected_links(world)
    page = client.get(reverse("learners:learner-detail", args=[world.alice.pk])).content.decode()
    assert "相关记录" in page
    # Unfiltered, each list holds bob and dora too: their absence below is the filter's doing.
    for url in (links["培训报名"], links["考核成绩"], links["认定申请"]):
        unfiltered = client.get(url.split("?")[0]).content.decode()
        assert "包博" in unfiltered and "丁朵" in unfiltered, url
    for url in links.values():
        assert_opens_for_alice_only(client, url, ["包博", "丁朵"])


def test_school_staff_see_the_links_their_role_opens_but_not_exam_results(client, world):
    # School staff (二级学院) see learner records, requests and registrations of their school,
    # but assessments are the continuing education college's: no exam results link, and the
    # candidate list it would open is closed to them.
    links = links_on_page(client, world, "school_staff_a1")
    expected = expected_links(world)
    del expected["考核成绩"]
    assert links == expected
    page = client.get(reverse("learners:learner-detail", args=[world.alice.pk])).content.decode()
    assert "/assessment/candidates/" not in page
    assert client.get("/assessment/candidates/" + account_query(world)).status_code == 403
    for url in links.values():
        assert_opens_for_alice_only(client, url, ["丁朵"])


def test_hr_still_cannot_open_the_learner_page(client, world):
    client.force_login(world.users["hr_a"])
    response = client.get(reverse("learners:learner-detail", args=[world.alice.pk]))
    assert response.status_code == 403


def test_the_account_filter_stays_within_the_lists_scope(client, world):
    # bob studies in A2: school staff of A1 asking for his account get an empty list, not his rows.
    client.force_login(world.users["school_staff_a1"])
    query = f"?account={world.bob.account_id}"
    for url in ("/creditbank/requests/", "/training/enrollments/"):
        response = client.get(url + query)
        assert response.status_code == 200
        assert list(response.context["page_obj"]) == [], url
        assert "包博" not in response.content.decode()
