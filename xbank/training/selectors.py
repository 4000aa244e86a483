"""Reads of training programs, announcements, enrollments and attendance, already scoped.

Who sees what:

- Anyone (no login): published announcements and the programs they list, never a person.
- Staff with a role that sees learner records: the programs of their institution (school and
  major staff: of their school's institution); the enrollments of their scope — institution-wide
  roles all of the institution's programs, school and major staff those of their own learners.
- Teachers: the programs they teach and their enrollments.
- The continuing-education college (继续教育学院) of the institution manages its programs; the
  instructors of a program may take its attendance.
- A learner: their own enrollments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404

from xbank.accounts.access import Grants, Viewer, grants_for
from xbank.accounts.models import LEARNER_RECORD_ROLES, Role, User
from xbank.accounts.scoping import scope_for
from xbank.orgs.models import Institution

from .models import (
    Announcement,
    Attendance,
    Audience,
    Enrollment,
    TrainingProgram,
    TrainingSession,
)

# Program states a visitor may see (a draft is internal).
PUBLIC_PROGRAM_STATES = (
    TrainingProgram.Status.PUBLISHED,
    TrainingProgram.Status.ENROLLING,
    TrainingProgram.Status.CLOSED,
    TrainingProgram.Status.FINISHED,
)


# --- For the assessment app ---------------------------------------------------------------------


def enrollments_approved(*, program: TrainingProgram) -> QuerySet[Enrollment]:
    """Registrations admitted to a program (approved, or already completed), account fetched."""
    return (
        Enrollment.objects.filter(
            program=program,
            status__in=[Enrollment.Status.APPROVED, Enrollment.Status.COMPLETED],
        )
        .select_related("account", "learner")
        .order_by("account__name_pinyin", "id")
    )


def program_instructor_ids(*, program: TrainingProgram) -> set[int]:
    """Ids of the users who teach a program (an examiner who taught a candidate does not
    examine them)."""
    return set(program.instructors.values_list("pk", flat=True))


# --- Scope ----------------------------------------------------------------------------------------

# Continuing education (继续教育学院) runs the training programs of its institution.
MANAGE_ROLES = frozenset({Role.CONTINUING_ED})
# The staff pages: roles that see learner records, and teachers.
STAFF_ROLES = frozenset({*LEARNER_RECORD_ROLES, Role.TEACHER})


def managed_institution_ids(user: Viewer) -> frozenset[int]:
    """Institutions whose programs the user manages: continuing education (继续教育学院) roles."""
    return grants_for(user).institutions(*MANAGE_ROLES).ids


def can_manage(user: Viewer, program: TrainingProgram) -> bool:
    return program.institution_id in managed_institution_ids(user)


def can_take_attendance(user: Viewer, program: TrainingProgram) -> bool:
    return can_manage(user, program) or (
        isinstance(user, User) and program.instructors.filter(pk=user.pk).exists()
    )


def is_staff(grants: Grants) -> bool:
    """Holds a role that sees learner records, or teaches."""
    return grants.has(*STAFF_ROLES)


def is_training_staff(user: Viewer) -> bool:
    return is_staff(grants_for(user))


def _taught_program_ids(user: Viewer) -> QuerySet[Any, Any]:
    """Ids of the programs the user teaches, as a subquery (rows of the auto-created
    program–instructor table, whose model has no name to annotate with)."""
    taught = TrainingProgram.instructors.through.objects
    if not isinstance(user, User):
        return taught.none().values("trainingprogram_id")
    return taught.filter(user=user).values("trainingprogram_id")


def program_scope_q(user: Viewer) -> Q:
    """Programs on the user's staff pages: those of every institution where they hold a role
    that sees learner records (a school's or a major's staff: the institution their role is held
    in), and those they teach. The institutions come from the shared grants
    (``Grants.institutions``); their filter is ``InstitutionSet.q``."""
    grants = grants_for(user)
    institutions = grants.institutions(*LEARNER_RECORD_ROLES)
    if institutions.everywhere:
        return Q()  # not ORed with the taught programs: ``Q() | q`` is ``q``
    q = institutions.q()
    if grants.has(Role.TEACHER):
        q |= Q(pk__in=_taught_program_ids(user))
    return q


def enrollment_scope_q(user: Viewer) -> Q:
    scope = scope_for(user)
    if scope.regional:
        return Q()
    q = scope.q(
        institution="program__institution", school="learner__school", major="learner__major"
    )
    if scope.has("teacher"):
        q |= Q(program_id__in=_taught_program_ids(user))
    return q


# --- Programs -------------------------------------------------------------------------------------


def program_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[TrainingProgram]:
    """Programs in the user's scope, newest first, with their seat counts annotated."""
    qs = (
        TrainingProgram.objects.filter(program_scope_q(user))
        .select_related("institution", "certificate_type")
        .annotate(
            seated=Count(
                "enrollments",
                filter=Q(
                    enrollments__status__in=[
                        "pending",
                        "approved",
                        "completed",
                        "not_completed",
                    ]
                ),
            ),
            waitlisted=Count("enrollments", filter=Q(enrollments__status="waitlisted")),
            completed=Count("enrollments", filter=Q(enrollments__status="completed")),
        )
        .order_by("-start_date", "-id")
    )
    if filters is not None:
        from .filters import ProgramFilter

        qs = ProgramFilter(filters, queryset=qs, user=user).qs
    return qs


def access_program(user: Viewer, pk: int | str) -> TrainingProgram:
    """One program in scope, or the same 404 as a missing one."""
    try:
        return (
            TrainingProgram.objects.filter(program_scope_q(user))
            .select_related("institution", "certificate_type")
            .prefetch_related("instructors")
            .get(pk=pk)
        )
    except (TrainingProgram.DoesNotExist, ValueError, TypeError):
        raise Http404("No such training program") from None


def access_session(user: Viewer, pk: int | str) -> TrainingSession:
    try:
        session = TrainingSession.objects.select_related(
            "program__institution", "program__certificate_type"
        ).get(pk=pk)
    except (TrainingSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session") from None
    if not TrainingProgram.objects.filter(program_scope_q(user), pk=session.program_id).exists():
        raise Http404("No such session")
    return session


def program_sessions(*, program: TrainingProgram) -> QuerySet[TrainingSession]:
    return program.sessions.annotate(
        present=Count("attendances", filter=Q(attendances__present=True))
    ).order_by("date", "start_time", "id")


def program_counts(*, program: TrainingProgram) -> dict[str, int]:
    """How many registrations of the program are in each state (one grouped query)."""
    counts = dict.fromkeys(Enrollment.Status.values, 0)
    for row in (
        Enrollment.objects.filter(program=program)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    ):
        counts[row["status"]] = row["n"]
    counts["seated"] = sum(counts[s] for s in ("pending", "approved", "completed", "not_completed"))
    return counts


def instructor_options(*, institution: Institution | None) -> QuerySet[User]:
    """Users who may teach a program of the institution: its teachers and examiners."""
    return (
        User.objects.filter(
            role_assignments__institution=institution,
            role_assignments__role__in=["teacher", "examiner"],
        )
        .distinct()
        .order_by("full_name", "username")
    )


# --- Public pages ---------------------------------------------------------------------------------


def announcements_public() -> QuerySet[Announcement]:
    """Published announcements, newest first, each with its visible programs fetched."""
    return (
        Announcement.objects.filter(status=Announcement.Status.PUBLISHED)
        .select_related("institution")
        .prefetch_related(
            Prefetch(
                "programs",
                queryset=TrainingProgram.objects.filter(status__in=PUBLIC_PROGRAM_STATES)
                .select_related("certificate_type")
                .order_by("start_date", "id"),
            )
        )
        .order_by("-published_at", "-id")
    )


def announcement_public_get(code: str) -> Announcement:
    try:
        return announcements_public().get(code=code)
    except Announcement.DoesNotExist:
        raise Http404("No such announcement") from None


def program_public_get(code: str) -> TrainingProgram:
    try:
        return (
            TrainingProgram.objects.filter(status__in=PUBLIC_PROGRAM_STATES)
            .select_related("institution", "certificate_type")
            .prefetch_related(
                Prefetch("sessions", queryset=TrainingSession.objects.order_by("date", "id"))
            )
            .get(code=code)
        )
    except TrainingProgram.DoesNotExist:
        raise Http404("No such training program") from None


def program_for_registration(code: str) -> TrainingProgram:
    """A public program by its code, without its sessions (the registration form's POST)."""
    try:
        return (
            TrainingProgram.objects.filter(status__in=PUBLIC_PROGRAM_STATES)
            .select_related("institution")
            .get(code=code)
        )
    except TrainingProgram.DoesNotExist:
        raise Http404("No such training program") from None


def program_seats_left(*, program: TrainingProgram) -> int:
    seated = Enrollment.objects.filter(
        program=program, status__in=["pending", "approved", "completed", "not_completed"]
    ).count()
    return max(program.capacity - seated, 0)


def enrollment_by_code(code: str) -> Enrollment:
    """A public registrant's own registration, through the secret code of their link."""
    try:
        return Enrollment.objects.select_related("program__institution", "account").get(code=code)
    except (Enrollment.DoesNotExist, ValueError):
        raise Http404("No such registration") from None


# --- Enrollments ----------------------------------------------------------------------------------


def enrollment_list(
    *, user: Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[Enrollment]:
    """Registrations in the user's scope, with person, learner record and program fetched."""
    qs = (
        Enrollment.objects.filter(enrollment_scope_q(user))
        .select_related(
            "account",
            "learner__school",
            "learner__major",
            "program__institution",
            "program__certificate_type",
        )
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from .filters import EnrollmentFilter

        qs = EnrollmentFilter(filters, queryset=qs, user=user).qs
    return qs


def program_enrollments(*, user: Viewer, program: TrainingProgram) -> QuerySet[Enrollment]:
    """The program's registrations the user may see, waitlist in order, then by name."""
    return (
        Enrollment.objects.filter(enrollment_scope_q(user), program=program)
        .select_related("account", "learner__school", "learner__major")
        .annotate(
            attended=Count("attendances", filter=Q(attendances__present=True)),
        )
        .order_by("waitlist_position", "account__name_pinyin", "id")
    )


def my_enrollments(*, user: Viewer) -> QuerySet[Enrollment]:
    """The logged-in person's own registrations, newest first."""
    if not isinstance(user, User) or not user.is_authenticated:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(account__user=user)
        .select_related("program__institution", "program__certificate_type")
        .order_by("-created_at", "-id")
    )


def access_own_enrollment(user: Viewer, pk: int | str) -> Enrollment:
    try:
        return my_enrollments(user=user).get(pk=pk)
    except (Enrollment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such registration") from None


def session_roster(*, session: TrainingSession) -> list[tuple[Enrollment, bool]]:
    """The approved registrations of a session's program with whether each was present."""
    present = set(
        Attendance.objects.filter(session=session, present=True).values_list(
            "enrollment_id", flat=True
        )
    )
    rows = (
        Enrollment.objects.filter(
            program_id=session.program_id,
            status__in=[
                Enrollment.Status.APPROVED,
                Enrollment.Status.COMPLETED,
                Enrollment.Status.NOT_COMPLETED,
            ],
        )
        .select_related("account", "learner")
        .order_by("account__name_pinyin", "id")
    )
    return [(row, row.pk in present) for row in rows]


def taught_programs(*, user: Viewer) -> QuerySet[TrainingProgram]:
    return (
        TrainingProgram.objects.filter(pk__in=_taught_program_ids(user))
        .select_related("institution", "certificate_type")
        .order_by("-start_date", "-id")
    )


# --- Statistics -----------------------------------------------------------------------------------

# Grouping dimensions of the statistics page: key → (label, the value fields of a group).
GROUPS = {
    "year": ("年度", ("year",)),
    "program": ("培训项目", ("program_id", "program__title", "program__code")),
    "certificate": ("证书", ("program__certificate_type_id", "program__certificate_type__name")),
    "audience": ("招生对象", ("program__audience",)),
}


@dataclass
class StatsRow:
    key: str  # the value passed back to drill down
    label: str
    enrolled: int  # registrations admitted (approved, completed or not completed)
    person_times: int  # 人次: registrations completed
    persons: int  # 人数: distinct people among them


@dataclass
class TrainingStats:
    group: str
    rows: list[StatsRow] = field(default_factory=list)
    enrolled: int = 0
    person_times: int = 0
    persons: int = 0  # distinct over all rows: not the sum of the rows' persons


ADMITTED = [
    Enrollment.Status.APPROVED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.NOT_COMPLETED,
]


def stats_base(*, user: Viewer) -> QuerySet[Enrollment]:
    """Registrations the statistics count: admitted ones in the user's scope, with the year."""
    return (
        Enrollment.objects.filter(enrollment_scope_q(user), status__in=ADMITTED)
        .annotate(year=ExtractYear("program__end_date"))
        .order_by()
    )


def _group_key(group: str, row: Mapping[str, Any]) -> tuple[str, str]:
    if group == "year":
        return str(row["year"]), f"{row['year']}"
    if group == "program":
        return str(row["program_id"]), row["program__title"]
    if group == "certificate":
        return str(row["program__certificate_type_id"]), row["program__certificate_type__name"]
    labels = dict(Audience.choices)
    return row["program__audience"], str(labels.get(row["program__audience"], ""))


def group_filter(group: str, key: str) -> Q:
    """The rows of one group of the statistics table (for the drill-down to names)."""
    if group == "year":
        return Q(year=int(key))
    if group == "program":
        return Q(program_id=int(key))
    if group == "certificate":
        return Q(program__certificate_type_id=int(key))
    if group == "audience":
        return Q(program__audience=key)
    raise ValueError(group)


def training_stats(*, enrollments: QuerySet[Enrollment], group: str = "year") -> TrainingStats:
    """Persons (人数) and person-times (人次) by year, program, certificate or audience.

    A person-time is one completed registration: someone who completes two programs counts two
    person-times and one person. Two queries: the grouped counts, and the distinct total.
    """
    fields = GROUPS[group][1]
    completed = Q(status=Enrollment.Status.COMPLETED)
    grouped = (
        enrollments.values(*fields)
        .annotate(
            enrolled=Count("id"),
            person_times=Count("id", filter=completed),
            persons=Count("account_id", filter=completed, distinct=True),
        )
        .order_by(*fields)
    )
    stats = TrainingStats(group=group)
    for row in grouped:
        key, label = _group_key(group, row)
        stats.rows.append(
            StatsRow(
                key=key,
                label=label,
                enrolled=row["enrolled"],
                person_times=row["person_times"],
                persons=row["persons"],
            )
        )
    if group == "year":
        stats.rows.sort(key=lambda r: r.key)
    totals = enrollments.aggregate(
        enrolled=Count("id"),
        person_times=Count("id", filter=completed),
        persons=Count("account_id", filter=completed, distinct=True),
    )
    stats.enrolled = totals["enrolled"]
    stats.person_times = totals["person_times"]
    stats.persons = totals["persons"]
    return stats


def stats_names(*, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The completed registrations behind a statistics cell: one row per person-time."""
    return (
        enrollments.filter(status=Enrollment.Status.COMPLETED)
        .select_related(
            "account",
            "learner__school",
            "learner__major",
            "program__certificate_type",
        )
        .order_by("account__name_pinyin", "program__end_date", "id")
    )


def own_enrollment_for(user: Viewer, program: TrainingProgram) -> Enrollment | None:
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return (
        Enrollment.objects.filter(account__user=user, program=program)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .first()
    )


# --- Announcements (staff) ------------------------------------------------------------------------


def announcement_list(*, user: Viewer) -> QuerySet[Announcement]:
    """Announcements of the institutions whose programs the user may see, newest first."""
    if scope_for(user).regional:
        qs = Announcement.objects.all()
    else:
        qs = Announcement.objects.filter(
            institution_id__in=TrainingProgram.objects.filter(program_scope_q(user)).values(
                "institution_id"
            )
        )
    return (
        qs.select_related("institution")
        .annotate(program_count=Count("programs"))
        .order_by("-year", "-issue", "-id")
    )


def access_announcement(user: Viewer, pk: int | str) -> Announcement:
    try:
        return announcement_list(user=user).get(pk=pk)
    except (Announcement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such announcement") from None


def announceable_programs(*, user: Viewer) -> QuerySet[TrainingProgram]:
    """Programs the user manages that an announcement may list (not finished)."""
    return (
        TrainingProgram.objects.filter(institution_id__in=managed_institution_ids(user))
        .exclude(status=TrainingProgram.Status.FINISHED)
        .select_related("certificate_type")
        .order_by("-start_date", "-id")
    )
