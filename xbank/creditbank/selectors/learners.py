"""A learner's side of the credit bank: their own student records and each one's curriculum."""

from __future__ import annotations

from xbank.accounts.access import Viewer
from xbank.accounts.models import User
from xbank.catalog.models import Curriculum
from xbank.learners.models import Learner


def curriculum_for(learner: Learner) -> Curriculum | None:
    """A student's curriculum (人才培养方案): their major's plan for their cohort year."""
    if not learner.major_id or not learner.cohort_year:
        return None
    return (
        Curriculum.objects.select_related("major__institution")
        .filter(major_id=learner.major_id, cohort_year=learner.cohort_year)
        .first()
    )


def learner_records_for_user(*, user: Viewer) -> list[Learner]:
    """The logged-in person's own student records (a person may study at two colleges), each
    with what the pages show; empty for staff without a learning account."""
    if not isinstance(user, User):  # anonymous, the system
        return []
    return list(
        Learner.objects.filter(account__user=user, kind=Learner.Kind.STUDENT)
        .select_related("account", "institution", "school", "major")
        .order_by("-cohort_year", "id")
    )
