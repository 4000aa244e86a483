"""Reads of skill assessment: scoped by institution through ``access.access_for``, related rows
fetched, and the same 404 for a row that is missing and one the user may not see (``access_*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404

from xbank.accounts.access import Viewer
from xbank.accounts.models import User
from xbank.catalog.models import LEVEL_RANK, Level

from .access import access_for
from .filters import (
    AwardFilter,
    CandidateFilter,
    QualificationFilter,
    RoomFilter,
    SessionFilter,
    SiteFilter,
)
from .models import (
    Candidate,
    CertificateAward,
    ConfidentialityStep,
    ExaminerQualification,
    ExamRoom,
    ExamSession,
    ExamSite,
    SessionExaminer,
    SessionIncident,
    SessionRoom,
)
from .rules import examined_q

M = TypeVar("M", bound=Model)
# A page's filter values (``request.GET``), or None for no filtering.
Filters = Mapping[str, Any] | None


# Levels in order, by their stored value (a row's level may be blank).
LEVEL_ORDER: dict[str, int] = {str(level): rank for level, rank in LEVEL_RANK.items()}


def _get_or_404(queryset: QuerySet[M], pk: int | str, what: str) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}") from None


# --- Sites and rooms ----------------------------------------------------------------------------


def site_list(*, user: Viewer, filters: Filters = None) -> QuerySet[ExamSite]:
    """Exam sites of the institutions the user sees, with their rooms and room counts."""
    qs = (
        ExamSite.objects.filter(access_for(user).view.q())
        .select_related("institution")
        .annotate(room_count=Count("rooms"))
        .order_by("institution__code", "name", "id")
    )
    if filters is not None:
        qs = SiteFilter(filters, queryset=qs, user=user).qs
    return qs


def access_site(user: Viewer, pk: int | str, *, manage: bool = False) -> ExamSite:
    access = access_for(user)
    where = access.manage if manage else access.view
    return _get_or_404(ExamSite.objects.filter(where.q()).select_related("institution"), pk, "site")


def site_rooms(site: ExamSite) -> QuerySet[ExamRoom]:
    return site.rooms.order_by("name", "id")


def access_room(user: Viewer, pk: int | str, *, manage: bool = False) -> ExamRoom:
    access = access_for(user)
    where = access.manage if manage else access.view
    return _get_or_404(
        ExamRoom.objects.filter(where.q("site__institution")).select_related("site__institution"),
        pk,
        "room",
    )


def room_list(*, user: Viewer, filters: Filters = None) -> QuerySet[ExamRoom]:
    """Every room the user sees, with its site (the rooms' own list and export)."""
    qs = (
        ExamRoom.objects.filter(access_for(user).view.q("site__institution"))
        .select_related("site__institution")
        .order_by("site__institution__code", "site__name", "name", "id")
    )
    if filters is not None:
        qs = RoomFilter(filters, queryset=qs, user=user).qs
    return qs


def rooms_for_session(session: ExamSession) -> QuerySet[ExamRoom]:
    """Active rooms of the session's institution not yet used by it (the add-room choices)."""
    return (
        ExamRoom.objects.filter(
            site__institution_id=session.institution_id, is_active=True, site__is_active=True
        )
        .exclude(session_rooms__session=session)
        .select_related("site")
        .order_by("site__name", "name")
    )


# --- Examiner qualifications --------------------------------------------------------------------


def qualification_list(*, user: Viewer, filters: Filters = None) -> QuerySet[ExaminerQualification]:
    """Examiner qualifications kept by the institutions the user keeps them for (HR, continuing
    education) or reads them for (academic affairs)."""
    access = access_for(user)
    qs = (
        ExaminerQualification.objects.filter((access.qualifications | access.view).q())
        .select_related("user", "institution", "certificate_type")
        .order_by("user__full_name", "user_id", "certificate_type__name", "-valid_until", "id")
    )
    if filters is not None:
        qs = QualificationFilter(filters, queryset=qs, user=user).qs
    return qs


def access_qualification(
    user: Viewer, pk: int | str, *, manage: bool = False
) -> ExaminerQualification:
    access = access_for(user)
    if manage:
        qs = ExaminerQualification.objects.filter(access.qualifications.q())
    else:
        qs = qualification_list(user=user)
    return _get_or_404(
        qs.select_related("user", "institution", "certificate_type"), pk, "qualification"
    )


# --- Sessions -----------------------------------------------------------------------------------


def session_list(*, user: Viewer, filters: Filters = None) -> QuerySet[ExamSession]:
    qs = (
        ExamSession.objects.filter(access_for(user).view.q())
        .select_related("institution", "certificate_type")
        .annotate(
            candidate_count=Count("candidates", distinct=True),
            room_count=Count("session_rooms", distinct=True),
        )
        .order_by("-date", "-start_time", "-id")
    )
    if filters is not None:
        qs = SessionFilter(filters, queryset=qs, user=user).qs
    return qs


def access_session(user: Viewer, pk: int | str, *, manage: bool = False) -> ExamSession:
    access = access_for(user)
    where = access.manage if manage else access.view
    return _get_or_404(
        ExamSession.objects.filter(where.q()).select_related(
            "institution", "certificate_type__evaluation_org"
        ),
        pk,
        "session",
    )


def session_rooms(session: ExamSession) -> list[SessionRoom]:
    """The session's rooms in order, each with its site, examiners and number of candidates."""
    return list(
        session.session_rooms.select_related("room__site")
        .prefetch_related(
            Prefetch(
                "examiners",
                queryset=SessionExaminer.objects.select_related("examiner", "qualification"),
            )
        )
        .annotate(candidate_count=Count("candidates"))
        .order_by("position")
    )


def session_candidates(session: ExamSession) -> QuerySet[Candidate]:
    """The session's candidates in room and seat order, with account, room, result and award."""
    return (
        Candidate.objects.filter(session=session)
        .select_related(
            "account",
            "session_room__room__site",
            "result",
            "enrollment__program",
            "ticket_credential",
        )
        .prefetch_related("awards")
        .order_by("session_room__position", "seat_no")
    )


def confidentiality_steps(session: ExamSession) -> dict[str, ConfidentialityStep]:
    return {
        step.step: step
        for step in session.confidentiality_steps.select_related("signed_by", "countersigned_by")
    }


def session_incidents(session: ExamSession) -> QuerySet[SessionIncident]:
    return session.incidents.select_related("reported_by", "resolved_by").order_by("occurred_at")


# --- Examiners' own pages -----------------------------------------------------------------------


def examiner_sessions(*, user: Viewer) -> QuerySet[ExamSession]:
    """Sessions the user is assigned to as an examiner, newest first."""
    if not isinstance(user, User) or not user.is_authenticated:
        return ExamSession.objects.none()
    return (
        ExamSession.objects.filter(
            Exists(SessionExaminer.objects.filter(session=OuterRef("pk"), examiner=user))
        )
        .select_related("institution", "certificate_type")
        .annotate(candidate_count=Count("candidates", distinct=True))
        .order_by("-date", "-start_time", "-id")
    )


def access_examiner_session(user: Viewer, pk: int | str) -> ExamSession:
    """A session the user examines; the same 404 for any other."""
    return _get_or_404(examiner_sessions(user=user), pk, "session")


def examiner_rooms(*, user: User, session: ExamSession) -> QuerySet[SessionRoom]:
    return session.session_rooms.filter(examiners__examiner=user).select_related("room__site")


def examiner_candidates(*, user: User, session: ExamSession) -> QuerySet[Candidate]:
    """The candidates of the rooms the user examines in the session (the score sheet shows no
    certificates: their awards are not fetched)."""
    return (
        session_candidates(session)
        .filter(session_room__examiners__examiner=user)
        .prefetch_related(None)
    )


# --- Candidates, statistics and awards ----------------------------------------------------------


def candidate_list(*, user: Viewer, filters: Filters = None) -> QuerySet[Candidate]:
    """Candidates of the sessions the user sees: the drill-down of the statistics, filterable."""
    qs = (
        Candidate.objects.filter(access_for(user).view.q("session__institution"))
        .select_related(
            "account",
            "session__certificate_type",
            "session__institution",
            "session_room__room__site",
            "result",
        )
        .prefetch_related("awards")
        .order_by("-session__date", "session_id", "session_room__position", "seat_no")
    )
    if filters is not None:
        qs = CandidateFilter(filters, queryset=qs, user=user).qs
    return qs


@dataclass
class AppraisalRow:
    year: int
    certificate_type_id: int
    certificate: str
    level: str
    level_label: str
    candidates: int
    examined: int
    passed: int

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.examined:
            return None
        return (Decimal(100) * self.passed / self.examined).quantize(Decimal("0.1"))


@dataclass
class AppraisalStats:
    """鉴定人数 and pass rates by year, certificate and level, with yearly totals."""

    rows: list[AppraisalRow] = field(default_factory=list)
    years: list[tuple[int, int, int, int]] = field(default_factory=list)  # year, cand, exam, pass

    @property
    def total_examined(self) -> int:
        return sum(row.examined for row in self.rows)


def appraisal_stats(*, candidates: QuerySet[Candidate]) -> AppraisalStats:
    """One grouped query over a scoped (and possibly filtered) candidate queryset.

    鉴定人数 counts candidates examined (人次: a person appraised for two certificates counts
    twice); cancelled sessions are left out."""
    grouped = (
        candidates.exclude(session__status=ExamSession.Status.CANCELLED)
        .order_by()
        .annotate(year=ExtractYear("session__date"))
        .values(
            "year",
            "session__certificate_type_id",
            "session__certificate_type__name",
            "session__level",
        )
        .annotate(
            n=Count("id"),
            examined=Count("id", filter=examined_q()),
            passed=Count("id", filter=Q(result__passed=True)),
        )
    )
    labels: dict[str, str] = {value: str(label) for value, label in Level.choices}
    rows = [
        AppraisalRow(
            year=row["year"],
            certificate_type_id=row["session__certificate_type_id"],
            certificate=row["session__certificate_type__name"],
            level=row["session__level"],
            level_label=labels.get(row["session__level"], ""),
            candidates=row["n"],
            examined=row["examined"],
            passed=row["passed"],
        )
        for row in grouped
    ]
    rows.sort(key=lambda r: (-r.year, r.certificate, LEVEL_ORDER.get(r.level, 0)))
    totals: dict[int, list[int]] = {}
    for row in rows:
        entry = totals.setdefault(row.year, [0, 0, 0])
        entry[0] += row.candidates
        entry[1] += row.examined
        entry[2] += row.passed
    years = [
        (year, totals[year][0], totals[year][1], totals[year][2])
        for year in sorted(totals, reverse=True)
    ]
    return AppraisalStats(rows=rows, years=years)


def award_list(*, user: Viewer, filters: Filters = None) -> QuerySet[CertificateAward]:
    qs = (
        CertificateAward.objects.filter(access_for(user).view.q("candidate__session__institution"))
        .select_related(
            "account",
            "certificate_type",
            "candidate__session",
            "credential",
            "reissued_from",
            "reissued_as",
        )
        .order_by("-issued_on", "-id")
    )
    if filters is not None:
        qs = AwardFilter(filters, queryset=qs, user=user).qs
    return qs


def access_award(user: Viewer, pk: int | str, *, manage: bool = False) -> CertificateAward:
    access = access_for(user)
    where = access.manage if manage else access.view
    return _get_or_404(
        CertificateAward.objects.filter(where.q("candidate__session__institution")).select_related(
            "account", "certificate_type", "candidate__session", "credential", "outcome"
        ),
        pk,
        "award",
    )


def access_candidate(user: Viewer, pk: int | str, *, manage: bool = False) -> Candidate:
    access = access_for(user)
    where = access.manage if manage else access.view
    return _get_or_404(
        Candidate.objects.filter(where.q("session__institution")).select_related(
            "account",
            "session__certificate_type",
            "session__institution",
            "session_room__room__site",
            "result",
            "ticket_credential",
        ),
        pk,
        "candidate",
    )


# --- A learner's own candidacies ----------------------------------------------------------------


def my_candidacies(*, user: Viewer) -> QuerySet[Candidate]:
    """The user's own candidacies (through their learning account), newest first; results are
    shown only once published (the template checks the session's status)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return Candidate.objects.none()
    return (
        Candidate.objects.filter(account__user=user)
        .exclude(session__status=ExamSession.Status.CANCELLED)
        .select_related(
            "session__certificate_type",
            "session__institution",
            "session_room__room__site",
            "result",
        )
        .prefetch_related("awards")
        .order_by("-session__date", "-id")
    )


def access_my_candidate(user: Viewer, pk: int | str) -> Candidate:
    return _get_or_404(
        my_candidacies(user=user).select_related("account", "ticket_credential"), pk, "candidate"
    )
