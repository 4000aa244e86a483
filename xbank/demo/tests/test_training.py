"""The training demo reproduces the seed's training figures on the statistics page, and is
idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from xbank.accounts.models import User
from xbank.demo import data
from xbank.demo.training import CANDIDATES_2024, FIGURES, NANYUE
from xbank.learners.models import LearningAccount, LearningOutcome, OutcomeKind
from xbank.training import selectors
from xbank.training.models import Announcement, Enrollment, TrainingProgram

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def by_year(user) -> dict[str, tuple[int, int]]:
    stats = selectors.training_stats(enrollments=selectors.stats_base(user=user), group="year")
    return {row.key: (row.person_times, row.persons) for row in stats.rows}


def test_the_statistics_reproduce_the_seed_figures():
    user = User.objects.get(username="continuing_ed")
    years = by_year(user)
    for year, figures in FIGURES.items():
        assert years[str(year)] == figures
    assert years["2021"][0] == 550  # 培训人次 550 人次
    assert years["2022"][0] == 400  # 培训人次 400 人次 (南粤家政)


def test_2022_is_the_nanyue_programs():
    programs = TrainingProgram.objects.filter(end_date__year=2022)
    assert set(programs.values_list("partner", flat=True)) == {NANYUE}
    assert set(programs.values_list("certificate_type__name", flat=True)) == {
        "健康照护师",
        "养老护理员",
    }


def test_2023_trained_more_than_250_people_off_site_in_qingyuan():
    user = User.objects.get(username="continuing_ed")
    off_site = selectors.stats_base(user=user).filter(
        program__place_kind="off_site", program__end_date__year=2023
    )
    stats = selectors.training_stats(enrollments=off_site, group="program")
    assert stats.persons == 260 > 250
    assert all("清远" in p.place for p in TrainingProgram.objects.filter(place_kind="off_site"))


def test_2024_programs_admit_the_candidates_of_the_four_pilots():
    for certificate, count in CANDIDATES_2024.items():
        program = TrainingProgram.objects.get(
            certificate_type__name=certificate, end_date__year=2024
        )
        approved = selectors.enrollments_approved(program=program)
        assert approved.count() >= count
        assert all(e.learner.kind == "student" for e in approved)
    learner = User.objects.get(username="learner")
    assert Enrollment.objects.filter(
        account__user=learner,
        program__certificate_type__name=data.ELDERLY_CARE,
        program__end_date__year=2024,
        status="completed",
    ).exists()


def test_completions_are_training_outcomes_in_the_accounts():
    completed = Enrollment.objects.filter(status="completed").count()
    assert LearningOutcome.objects.filter(kind=OutcomeKind.TRAINING).count() == completed
    assert sum(f[0] for f in FIGURES.values()) == completed


def test_something_is_open_for_registration_with_a_waitlist():
    assert TrainingProgram.objects.filter(status="enrolling").count() >= 3
    assert Enrollment.objects.filter(status="waitlisted", program__status="enrolling").exists()
    assert Announcement.objects.filter(status="published").count() == 6


def test_the_public_page_lists_the_open_programs(client):
    response = client.get(reverse("training:announcements"))
    assert response.status_code == 200
    assert "幼儿照护（初级）周末班" in response.content.decode()


def test_no_real_name_from_the_seed_roster_is_used():
    names = set(LearningAccount.objects.values_list("name", flat=True))
    assert not names & data.SEED_ROSTER_NAMES


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in ["training", "learners", "catalog", "audit"]
        for model in apps.get_app_config(label).get_models()
    }


def test_running_it_again_writes_nothing():
    before = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == before


def test_persons_and_person_times_differ_where_people_trained_twice():
    twice = (
        Enrollment.objects.filter(status="completed", program__end_date__year=2021)
        .values("account")
        .annotate(n=Count("id"))
        .filter(n=2)
        .count()
    )
    assert twice == 30
