"""The records every figure counts, and their dimensions.

Every figure is a count over one of four kinds of records, each read through the same function
(``records``) by the chart that shows it, the list that names it and the indicator that is
judged by it, so a figure always equals the length of its list:

==============  ==============================  ===========================  =================
source          records                         year                         institution
==============  ==============================  ===========================  =================
candidates      考生 of sessions not cancelled   session date                 the session's
certificates    certificates held (1+X and      date of issue                the holder's
                qualifications, not revoked)                                 learner records
training        completed registrations (人次)  the program's end date       the program's
conversions     granted lines of approved       final approval               the learner's
                recognition requests (转换)
==============  ==============================  ===========================  =================

Every record also has a major (专业): that of the person's student record (at the record's
institution, within the reader's scope); a person without one counts as a member of the public
(社会人员), which is the audience (对象) dimension. Examiners (考评员) are counted apart
(``examiners``).

Figures are computed in one grouped query per source (a small "cube" by year, certificate and
major), never per row, so a page makes the same number of queries however much data there is.
Scoping is ``accounts.scoping.scope_for``: regional roles see everything, institution roles the
records of their institutions, school and major staff those of people with a learner record in
their school or major.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy

from xbank.accounts.access import Viewer
from xbank.accounts.scoping import scope_for
from xbank.assessment.models import Candidate, ExamSession
from xbank.assessment.rules import examined_q
from xbank.catalog.models import CertificateType
from xbank.creditbank.models import LineResult, RecognitionRequest, RequestLine
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.scoping import learner_scope_q
from xbank.orgs.models import Major
from xbank.pilot.models import PilotMajor
from xbank.training.models import Enrollment

from ..models import Metric

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

STUDENT = "student"
SOCIAL = "social"
AUDIENCES = {STUDENT: gettext_lazy("在校生"), SOCIAL: gettext_lazy("社会人员")}
SKILL_LEVEL = CertificateType.Kind.SKILL_LEVEL
QUALIFICATION = CertificateType.Kind.QUALIFICATION
# Certificate kinds the reports count (a diploma is not a certificate of the 1+X pilot).
REPORTED_KINDS = (SKILL_LEVEL, QUALIFICATION)


# --- Sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of counted record, and where its dimensions are found."""

    key: str
    model: type[Model]
    account: str  # relation to the learning account
    certificate: str  # relation to the certificate type
    date: str  # the date (or date and time) whose year the record counts in
    institution: str | None  # institution id; None: any learner record of the person
    major_of_learner: str | None = None  # a direct learner relation (conversions)
    timezone: bool = False  # ``date`` is a date and time (its year is the local one)
    measures: tuple[str, ...] = ("n",)

    def all(self) -> QuerySet[Model]:
        return SOURCE_ROWS[self.key]()


CANDIDATES = Source(
    "candidates",
    Candidate,
    account="account",
    certificate="session__certificate_type",
    date="session__date",
    institution="session__institution_id",
    measures=("n", "examined", "passed"),
)
CERTIFICATES = Source(
    "certificates",
    LearningOutcome,
    account="account",
    certificate="certificate_type",
    date="issued_on",
    institution=None,
)
TRAINING = Source(
    "training",
    Enrollment,
    account="account",
    certificate="program__certificate_type",
    date="program__end_date",
    institution="program__institution_id",
)
CONVERSIONS = Source(
    "conversions",
    RequestLine,
    account="request__account",
    certificate="outcome__certificate_type",
    date="request__decided_at",
    institution="request__learner__institution_id",
    major_of_learner="request__learner",
    timezone=True,
)

SOURCE_ROWS: dict[str, Callable[[], QuerySet[Model]]] = {
    "candidates": lambda: Candidate.objects.exclude(session__status=ExamSession.Status.CANCELLED),
    # ``learners.selectors.held_certificates_q`` without diplomas, written as one condition: a
    # second ``kind IN`` leads SQLite to read a million outcomes through the kind index.
    "certificates": lambda: LearningOutcome.objects.filter(
        kind__in=[OutcomeKind.SKILL_CERTIFICATE, OutcomeKind.QUALIFICATION]
    ).exclude(status=LearningOutcome.Status.REVOKED),
    "training": lambda: Enrollment.objects.filter(status=Enrollment.Status.COMPLETED),
    "conversions": lambda: RequestLine.objects.filter(
        request__status=RecognitionRequest.Status.APPROVED,
        result__in=sorted(LineResult.counted()),
    ).exclude(kind=RequestLine.Kind.NONE),
}

# metric → (source, measure); pass rate is passed / examined, examiners are counted apart.
METRIC_SOURCES: dict[str, tuple[Source, str]] = {
    Metric.CANDIDATES: (CANDIDATES, "n"),
    Metric.EXAMINED: (CANDIDATES, "examined"),
    Metric.PASSED: (CANDIDATES, "passed"),
    Metric.PASS_RATE: (CANDIDATES, "passed"),
    Metric.CERTIFICATES: (CERTIFICATES, "n"),
    Metric.TRAINING: (TRAINING, "n"),
    Metric.CONVERSIONS: (CONVERSIONS, "n"),
}
# What the named list of each metric shows (a pass rate opens the list of those who passed).
LIST_METRICS = [m for m in Metric.values if m != Metric.PASS_RATE]


class Year(Func):
    """The year of a date. On SQLite, ``strftime`` (native) rather than Django's ``ExtractYear``,
    a Python function called once a row: a third of the time of a dashboard over a million
    outcomes. Dates only: a date and time needs the time zone (``ExtractYear``)."""

    template = "CAST(EXTRACT(YEAR FROM %(expressions)s) AS INTEGER)"
    output_field = IntegerField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _AsSqlType:
        # "%%%%" survives the template's formatting and the backend's "%%" → "%".
        template = "CAST(strftime('%%%%Y', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


@dataclass(frozen=True)
class Reach:
    """Whose records: those a user may see, or those of one institution (the performance of a
    department or pilot major is the institution's, whoever reads it)."""

    user: Viewer = None
    institution_id: int | None = None


def _institution_q(source: Source, ids: Iterable[int]) -> Q:
    ids = list(ids)
    if source.institution:
        return Q(**{f"{source.institution}__in": ids})
    return Q(
        **{
            f"{source.account}_id__in": Learner.objects.filter(institution_id__in=ids).values(
                "account_id"
            )
        }
    )


def _reach_q(source: Source, reach: Reach) -> Q:
    if reach.institution_id is not None:
        return _institution_q(source, [reach.institution_id])
    scope = scope_for(reach.user)
    if scope.regional:
        return Q()
    q = Q(pk__in=[])
    if scope.institution_ids:
        q |= _institution_q(source, scope.institution_ids)
    for field_name, ids in (("school_id", scope.school_ids), ("major_id", scope.major_ids)):
        if ids:
            people = Learner.objects.filter(**{f"{field_name}__in": ids}).values("account_id")
            q |= Q(**{f"{source.account}_id__in": people})
    return q


def _major(source: Source, reach: Reach) -> Case | Subquery:
    """The major of the person's student record: at the record's institution and within the
    reader's scope; NULL for a person with none (a member of the public)."""
    if source.major_of_learner:
        return Case(
            When(
                **{f"{source.major_of_learner}__kind": Learner.Kind.STUDENT},
                then=F(f"{source.major_of_learner}__major_id"),
            ),
            default=None,
            output_field=IntegerField(),
        )
    if reach.institution_id is not None:
        records = Learner.objects.filter(institution_id=reach.institution_id)
    else:
        records = Learner.objects.filter(learner_scope_q(reach.user))
    records = records.filter(kind=Learner.Kind.STUDENT, account_id=OuterRef(f"{source.account}_id"))
    if source.institution:
        records = records.filter(institution_id=OuterRef(source.institution))
    return Subquery(
        records.order_by("-created_at", "-id").values("major_id")[:1], output_field=IntegerField()
    )


def records(source: Source, *, reach: Reach) -> QuerySet[Model]:
    """The records of ``source`` within ``reach``, annotated with their dimensions:
    ``dim_year``, ``dim_certificate`` (a certificate type id) and ``dim_major`` (a major id, or
    NULL for the public)."""
    # The plugin cannot type ``annotate`` on a queryset of no one model: it answers Any.
    annotated: QuerySet[Model] = (
        source.all()
        .filter(_reach_q(source, reach))
        .annotate(
            dim_year=ExtractYear(source.date) if source.timezone else Year(source.date),
            dim_certificate=F(f"{source.certificate}_id"),
            dim_major=_major(source, reach),
        )
    )
    return annotated


# --- Filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a figure, a list or a roster is restricted to (the query string of the pages)."""

    year: int | None = None
    certificate_type: int | None = None
    kind: str = ""  # a certificate kind: skill_level or qualification
    pilot: bool = False  # pilot certificates only (of any pilot major)
    pilot_major: int | None = None  # the certificates this pilot major pilots
    major: int | None = None
    audience: str = ""
    institution: int | None = None
    name: str = ""

    def params(self) -> dict[str, str]:
        """The query string that reproduces these filters."""
        out: dict[str, str] = {}
        for key in (
            "year",
            "certificate_type",
            "kind",
            "pilot_major",
            "major",
            "audience",
            "institution",
        ):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = str(value)
        if self.pilot:
            out["pilot"] = "on"
        if self.name:
            out["name"] = self.name
        return out


def pilot_certificates_q(
    path: str,
    *,
    pilot_major: int | None = None,
    major: int | None = None,
    institution: int | None = None,
) -> Q:
    """Certificates (``path`` names them) piloted by a pilot major: by ``pilot_major``, by the
    pilot of ``major``, or by any pilot major (of ``institution``)."""
    pilots = PilotMajor.certificate_types.through.objects.all()
    if pilot_major:
        pilots = pilots.filter(pilotmajor_id=pilot_major)
    if major:
        pilots = pilots.filter(pilotmajor__major_id=major)
    if institution:
        pilots = pilots.filter(pilotmajor__major__institution_id=institution)
    return Q(**{f"{path}_id__in": pilots.values("certificatetype_id")})


def apply_filters(source: Source, qs: QuerySet[Model], filters: Filters) -> QuerySet[Model]:
    if filters.year:
        qs = qs.filter(**{f"{source.date}__year": filters.year})
    if filters.certificate_type:
        qs = qs.filter(**{f"{source.certificate}_id": filters.certificate_type})
    if filters.kind:
        qs = qs.filter(**{f"{source.certificate}__kind": filters.kind})
    if filters.pilot:
        qs = qs.filter(pilot_certificates_q(source.certificate, institution=filters.institution))
    if filters.pilot_major:
        qs = qs.filter(pilot_certificates_q(source.certificate, pilot_major=filters.pilot_major))
    if filters.major:
        qs = qs.filter(dim_major=filters.major)
    if filters.audience == STUDENT:
        qs = qs.filter(dim_major__isnull=False)
    elif filters.audience == SOCIAL:
        qs = qs.filter(dim_major__isnull=True)
    if filters.institution:
        qs = qs.filter(_institution_q(source, [filters.institution]))
    if filters.name:
        qs = qs.filter(**{f"{source.account}__name__icontains": filters.name})
    return qs


# --- Cubes: one grouped query per source ---------------------------------------------------------


@dataclass(frozen=True)
class CubeRow:
    year: int
    certificate: int | None
    major: int | None
    counts: dict[str, int]

    @property
    def audience(self) -> str:
        return STUDENT if self.major is not None else SOCIAL


def _measures(source: Source) -> dict[str, Count]:
    if source is CANDIDATES:
        return {
            "n": Count("id"),
            "examined": Count("id", filter=examined_q()),
            "passed": Count("id", filter=Q(result__passed=True)),
        }
    return {"n": Count("id")}


def cube(source: Source, qs: QuerySet[Model]) -> list[CubeRow]:
    """Counts of ``qs`` (from ``records``) by year, certificate type and major: one query."""
    grouped = (
        qs.order_by()
        .values("dim_year", "dim_certificate", "dim_major")
        .annotate(**_measures(source))
    )
    return [
        CubeRow(
            year=row["dim_year"],
            certificate=row["dim_certificate"],
            major=row["dim_major"],
            counts={m: row[m] for m in source.measures},
        )
        for row in grouped
    ]


def total(rows: Iterable[CubeRow], measure: str) -> int:
    return sum(row.counts[measure] for row in rows)


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


# --- Names of the dimensions ---------------------------------------------------------------------


def major_names(ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {m.pk: m.name for m in Major.objects.filter(pk__in=ids)}


def certificate_types(ids: Iterable[int | None]) -> dict[int, CertificateType]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.pk: c for c in CertificateType.objects.filter(pk__in=ids)}


def certificate_order(ct: CertificateType | None) -> tuple[int, int]:
    """1+X certificates first, then qualifications, each in the order the catalogue lists them
    (the order they were admitted: the seed's own order of the four pilots)."""
    if ct is None:
        return (2, 0)
    return (0 if ct.kind == SKILL_LEVEL else 1, ct.pk)
