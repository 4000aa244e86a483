"""Reads of the reports: the figures of the dashboard (统计看板), the named records behind each
figure, evidence rosters (佐证材料), the annual summary and the performance report (绩效指标).

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
(社会人员), which is the audience (对象) dimension. Examiners (考评员) are counted apart, as the
faculty app counts them (``faculty.selectors.examiner_count`` and ``compliance_for``): teachers
on a college's roster whose login holds a qualification valid at the end of the year (today, for
the current year); a pilot major's are its full-time teachers, in its certificates.

Figures are computed in one grouped query per source (a small "cube" by year, certificate and
major), never per row, so a page makes the same number of queries however much data there is.
Scoping is ``accounts.scoping.scope_for``: regional roles see everything, institution roles the
records of their institutions, school and major staff those of people with a learner record in
their school or major.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.accounts.scoping import scope_for
from xbank.assessment.models import Candidate, ExaminerQualification, ExamSession
from xbank.assessment.selectors import examined_q
from xbank.catalog.models import CertificateType
from xbank.creditbank.models import LineResult, RecognitionRequest, RequestLine
from xbank.faculty.models import Teacher
from xbank.faculty.selectors import on_staff_q
from xbank.learners.models import Learner, LearningOutcome, OutcomeKind
from xbank.learners.selectors import learner_scope_q
from xbank.orgs.models import Department, Institution, Major
from xbank.pilot.models import PilotMajor
from xbank.training.models import Enrollment

from . import access
from .access import examiner_institutions, performance_scope
from .models import RATE_METRICS, CertificateScope, Indicator, IndicatorTarget, Metric

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

    def all(self) -> QuerySet:
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

SOURCE_ROWS: dict[str, Callable[[], QuerySet]] = {
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

    def as_sqlite(self, compiler, connection, **extra):
        # "%%%%" survives the template's formatting and the backend's "%%" → "%".
        template = "CAST(strftime('%%%%Y', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


@dataclass(frozen=True)
class Reach:
    """Whose records: those a user may see, or those of one institution (the performance of a
    department or pilot major is the institution's, whoever reads it)."""

    user: object = None
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


def _major(source: Source, reach: Reach):
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


def records(source: Source, *, reach: Reach) -> QuerySet:
    """The records of ``source`` within ``reach``, annotated with their dimensions:
    ``dim_year``, ``dim_certificate`` (a certificate type id) and ``dim_major`` (a major id, or
    NULL for the public)."""
    return (
        source.all()
        .filter(_reach_q(source, reach))
        .annotate(
            dim_year=ExtractYear(source.date) if source.timezone else Year(source.date),
            dim_certificate=F(f"{source.certificate}_id"),
            dim_major=_major(source, reach),
        )
    )


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


def _pilot_certificates_q(path: str, *, pilot_major=None, major=None, institution=None) -> Q:
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


def apply_filters(source: Source, qs: QuerySet, filters: Filters) -> QuerySet:
    if filters.year:
        qs = qs.filter(**{f"{source.date}__year": filters.year})
    if filters.certificate_type:
        qs = qs.filter(**{f"{source.certificate}_id": filters.certificate_type})
    if filters.kind:
        qs = qs.filter(**{f"{source.certificate}__kind": filters.kind})
    if filters.pilot:
        qs = qs.filter(_pilot_certificates_q(source.certificate, institution=filters.institution))
    if filters.pilot_major:
        qs = qs.filter(_pilot_certificates_q(source.certificate, pilot_major=filters.pilot_major))
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


def _measures(source: Source) -> dict:
    if source is CANDIDATES:
        return {
            "n": Count("id"),
            "examined": Count("id", filter=examined_q()),
            "passed": Count("id", filter=Q(result__passed=True)),
        }
    return {"n": Count("id")}


def cube(source: Source, qs: QuerySet) -> list[CubeRow]:
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


def _sum(rows: Iterable[CubeRow], measure: str) -> int:
    return sum(row.counts[measure] for row in rows)


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


# --- Examiners ----------------------------------------------------------------------------------


def reference_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """The day a year's examiner figure is taken on: 31 December, or today for this year."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def teachers_in_reach(reach: Reach) -> QuerySet[Teacher]:
    """Teachers with a login on the rosters (教师名册) of the institutions in reach."""
    qs = Teacher.objects.filter(user__isnull=False)
    if reach.institution_id is not None:
        return qs.filter(institution_id=reach.institution_id)
    everywhere, ids = examiner_institutions(reach.user)
    return qs if everywhere else qs.filter(institution_id__in=ids)


def _pilot_major_id_of(pilot_major: int | None) -> int | None:
    return PilotMajor.objects.filter(pk=pilot_major).values("major_id") if pilot_major else None


def _teacher_filter(qs: QuerySet[Teacher], filters: Filters) -> QuerySet[Teacher]:
    """A pilot major's examiners are its full-time teachers (``faculty.compliance_for``)."""
    if filters.major:
        qs = qs.filter(major_id=filters.major)
    if filters.pilot_major:
        qs = qs.filter(
            major_id__in=_pilot_major_id_of(filters.pilot_major), kind=Teacher.Kind.FULL_TIME
        )
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.name:
        qs = qs.filter(name__icontains=filters.name)
    return qs


def _qualification_filter(qs: QuerySet, filters: Filters) -> QuerySet:
    if filters.certificate_type:
        qs = qs.filter(certificate_type_id=filters.certificate_type)
    if filters.kind:
        qs = qs.filter(certificate_type__kind=filters.kind)
    if filters.pilot:
        qs = qs.filter(_pilot_certificates_q("certificate_type", institution=filters.institution))
    if filters.pilot_major:
        qs = qs.filter(_pilot_certificates_q("certificate_type", pilot_major=filters.pilot_major))
    return qs


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day, f"{prefix}valid_until__gte": day})


@dataclass(frozen=True)
class ExaminerRow:
    """One examiner qualification of a teacher on a roster."""

    teacher: int
    major: int | None
    full_time: bool
    left_on: datetime.date | None
    certificate: int
    valid_from: datetime.date
    valid_until: datetime.date


def examiner_rows(*, reach: Reach, filters: Filters) -> list[ExaminerRow]:
    """Two queries: the teachers in reach, then their logins' qualifications (a college has a
    few hundred at most)."""
    teachers = {
        user_id: (pk, major, kind == Teacher.Kind.FULL_TIME, left_on)
        for pk, user_id, major, kind, left_on in _teacher_filter(
            teachers_in_reach(reach), replace(filters, name="")
        ).values_list("pk", "user_id", "major_id", "kind", "left_on")
    }
    if not teachers:
        return []
    quals = _qualification_filter(
        ExaminerQualification.objects.filter(user_id__in=list(teachers)), filters
    ).values_list("user_id", "certificate_type_id", "valid_from", "valid_until")
    # A login on two rosters is one teacher record per roster: the last one read stands for it
    # (only a regional reader sees both).
    return [
        ExaminerRow(*teachers[user_id], cert, start, end) for user_id, cert, start, end in quals
    ]


def examiners_valid(
    rows: Iterable[ExaminerRow],
    day: datetime.date,
    certificates=None,
    *,
    major: int | None = None,
    full_time_only: bool = False,
) -> int:
    """Teachers on the roster on ``day`` holding a qualification valid on ``day`` (for one of
    ``certificates``), each counted once."""
    return len(
        {
            r.teacher
            for r in rows
            if r.valid_from <= day <= r.valid_until
            and (r.left_on is None or r.left_on > day)
            and (certificates is None or r.certificate in certificates)
            and (major is None or r.major == major)
            and (r.full_time or not full_time_only)
        }
    )


# --- Named records (the drill-down) -------------------------------------------------------------


def record_list(*, user, metric: str, filters: Filters) -> QuerySet:
    """The named records behind a figure, with their related rows fetched."""
    if metric == Metric.EXAMINERS:
        return examiner_list(user=user, filters=filters)
    if metric not in METRIC_SOURCES:
        raise Http404("No such metric")
    source, _measure = METRIC_SOURCES[metric]
    qs = apply_filters(source, records(source, reach=Reach(user=user)), filters)
    if metric == Metric.EXAMINED:
        qs = qs.filter(examined_q())
    elif metric in (Metric.PASSED, Metric.PASS_RATE):
        qs = qs.filter(result__passed=True)
    return _with_related(source, qs)


def _with_related(source: Source, qs: QuerySet) -> QuerySet:
    if source is CANDIDATES:
        return qs.select_related(
            "account", "session__certificate_type", "session__institution", "result"
        ).order_by("session__date", "session_id", "session_room__position", "seat_no", "id")
    if source is CERTIFICATES:
        return qs.select_related("account", "certificate_type").order_by(
            "certificate_type__name", "issued_on", "number", "id"
        )
    if source is TRAINING:
        return qs.select_related("account", "program__certificate_type").order_by(
            "program__end_date", "program_id", "account__name_pinyin", "id"
        )
    return qs.select_related(
        "request__account", "request__learner", "outcome__certificate_type", "course"
    ).order_by("request__decided_at", "request_id", "position", "id")


def examiner_list(*, user, filters: Filters) -> QuerySet[Teacher]:
    """Teachers on the roster on the year's reference date (or today) whose login holds a
    qualification valid that day, each with those qualifications: one row per teacher, as the
    figure counts teachers."""
    day = reference_date(filters.year) if filters.year else timezone.localdate()
    valid = _qualification_filter(ExaminerQualification.objects.filter(valid_on_q(day)), filters)
    return (
        _teacher_filter(teachers_in_reach(Reach(user=user)), filters)
        .filter(on_staff_q(day), Exists(valid.filter(user_id=OuterRef("user_id"))))
        .select_related("institution", "major", "user")
        .prefetch_related(
            Prefetch(
                "user__examiner_qualifications",
                queryset=valid.select_related("certificate_type").order_by(
                    "certificate_type_id", "-valid_until"
                ),
                to_attr="valid_qualifications",
            )
        )
        .order_by("name_pinyin", "id")
    )


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


# --- The dashboard ------------------------------------------------------------------------------


@dataclass
class Cell:
    """A figure, and the filters of the named list behind it (beyond the page's own)."""

    value: int | Decimal | None
    metric: str = ""
    params: dict[str, str] = field(default_factory=dict)
    url: str = ""

    @property
    def linked(self) -> bool:
        return bool(self.metric) and bool(self.value)


@dataclass
class MatrixRow:
    label: str
    key: str
    cells: list[Cell]
    total: Cell | None = None


@dataclass
class Matrix:
    """A table of figures (rows × columns) and the chart drawn from it."""

    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[MatrixRow] = field(default_factory=list)
    footer: list[MatrixRow] = field(default_factory=list)
    chart: str = "stacked"  # stacked: columns on the axis; grouped: rows on the axis
    line: MatrixRow | None = None  # a percentage line (pass rate), on a second axis
    note: str = ""
    total_header: str = gettext_lazy("合计")

    @property
    def body(self) -> list[tuple[MatrixRow, list[tuple[str, Cell]]]]:
        """The rows with each cell beside its column (for the table)."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]

    @property
    def foot(self) -> list[tuple[MatrixRow, list[tuple[str, Cell]]]]:
        rows = [*self.footer, *([self.line] if self.line else [])]
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in rows]

    @property
    def has_totals(self) -> bool:
        return any(row.total is not None for row in [*self.rows, *self.footer])

    def cells(self) -> Iterable[Cell]:
        for row in [*self.rows, *self.footer, *([self.line] if self.line else [])]:
            yield from row.cells
            if row.total is not None:
                yield row.total

    def chart_data(self) -> dict:
        """The ECharts data (read by ``static/js/reports-dashboard.js``)."""

        def point(cell: Cell) -> dict:
            value = cell.value
            return {
                "value": float(value) if isinstance(value, Decimal) else value,
                "url": cell.url if cell.linked else "",
            }

        if self.chart == "grouped":
            return {
                "kind": "grouped",
                "categories": [row.label for row in self.rows],
                "series": [
                    {"name": column, "data": [point(row.cells[i]) for row in self.rows]}
                    for i, column in enumerate(self.columns)
                ],
            }
        data = {
            "kind": self.chart,
            "categories": list(self.columns),
            "series": [
                {"name": row.label, "data": [point(c) for c in row.cells]} for row in self.rows
            ],
        }
        if self.line is not None:
            data["line"] = {"name": self.line.label, "data": [point(c) for c in self.line.cells]}
        return data


@dataclass
class Kpi:
    label: str
    cell: Cell
    unit: str = ""


@dataclass
class Dashboard:
    sections: list[str]
    years: list[int]
    kpis: list[Kpi] = field(default_factory=list)
    matrices: dict[str, list[Matrix]] = field(default_factory=dict)

    def cells(self) -> Iterable[Cell]:
        for kpi in self.kpis:
            yield kpi.cell
        for matrices in self.matrices.values():
            for matrix in matrices:
                yield from matrix.cells()


def _by_certificate_matrix(
    *,
    key: str,
    title: str,
    metric: str,
    rows: list[CubeRow],
    measure: str,
    years: list[int],
    names: dict[int, CertificateType],
) -> Matrix:
    """Certificates (rows) × years (columns) of one measure, with totals."""
    matrix = Matrix(
        key=key, title=title, row_header=_("证书"), columns=[str(y) for y in years], chart="stacked"
    )
    cells: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.year in years:
            cells[row.certificate][row.year] += row.counts[measure]
    for cert in sorted(cells, key=lambda c: _certificate_order(names.get(c))):
        by_year = cells[cert]
        if not sum(by_year.values()):
            continue
        params = {"certificate_type": str(cert)} if cert else {}
        label = names[cert].name if cert in names else _("（未关联证书类型）")
        matrix.rows.append(
            MatrixRow(
                label=label,
                key=str(cert or ""),
                cells=[Cell(by_year.get(y, 0), metric, {**params, "year": str(y)}) for y in years],
                total=Cell(sum(by_year.values()), metric, params),
            )
        )
    totals = [sum(cells[c].get(y, 0) for c in cells) for y in years]
    matrix.footer.append(
        MatrixRow(
            label=_("合计"),
            key="total",
            cells=[Cell(n, metric, {"year": str(y)}) for n, y in zip(totals, years, strict=True)],
            total=Cell(sum(totals), metric, {}),
        )
    )
    return matrix


def _certificate_order(ct: CertificateType | None) -> tuple:
    """1+X certificates first, then qualifications, each in the order the catalogue lists them
    (the order they were admitted: the seed's own order of the four pilots)."""
    if ct is None:
        return (2, 0)
    return (0 if ct.kind == SKILL_LEVEL else 1, ct.pk)


def _breakdown_matrices(
    *, cubes: dict[str, list[CubeRow]], metrics: list[str], year: int | None, majors: dict
) -> list[Matrix]:
    """The figures of each metric by major and by audience (under the page's filters)."""
    columns = [str(Metric(m).label) for m in metrics]

    def selected(metric: str) -> list[CubeRow]:
        source, _measure = METRIC_SOURCES[metric]
        return [r for r in cubes[source.key] if year is None or r.year == year]

    by_major: dict[int | None, list[Cell]] = {}
    keys: set[int | None] = set()
    for metric in metrics:
        keys |= {r.major for r in selected(metric)}
    for major in keys:
        by_major[major] = []
        for metric in metrics:
            measure = METRIC_SOURCES[metric][1]
            n = _sum((r for r in selected(metric) if r.major == major), measure)
            params = {"major": str(major)} if major is not None else {"audience": SOCIAL}
            by_major[major].append(Cell(n, metric, params))
    major_matrix = Matrix(
        key="by-major",
        title=_("按专业"),
        row_header=_("专业"),
        columns=columns,
        chart="grouped",
        note=_("「社会人员」为没有在校生学籍的学习者。"),
    )
    for major in sorted(keys, key=lambda m: (m is None, majors.get(m, ""))):
        label = majors.get(major, "") if major is not None else str(AUDIENCES[SOCIAL])
        major_matrix.rows.append(
            MatrixRow(label=label, key=str(major or SOCIAL), cells=by_major[major])
        )
    audience_matrix = Matrix(
        key="by-audience", title=_("按对象"), row_header=_("对象"), columns=columns, chart="grouped"
    )
    for audience, label in AUDIENCES.items():
        cells = []
        for metric in metrics:
            measure = METRIC_SOURCES[metric][1]
            n = _sum((r for r in selected(metric) if r.audience == audience), measure)
            cells.append(Cell(n, metric, {"audience": audience}))
        audience_matrix.rows.append(MatrixRow(label=str(label), key=audience, cells=cells))
    return [major_matrix, audience_matrix]


def _examiner_matrix(rows: list[ExaminerRow], years: list[int], names: dict) -> Matrix:
    matrix = Matrix(
        key="examiners",
        title=_("考评员人数（按证书）"),
        row_header=_("证书"),
        columns=[str(y) for y in years],
        chart="grouped-columns",
        note=_(
            "教师名册中持有当年 12 月 31 日（本年度为今天）有效考评员资格的教师人数；"
            "合计为不重复人数。"
        ),
        total_header="",
    )
    days = [reference_date(y) for y in years]
    for cert in sorted(
        {q.certificate for q in rows}, key=lambda c: _certificate_order(names.get(c))
    ):
        cells = [
            Cell(
                examiners_valid(rows, d, {cert}),
                Metric.EXAMINERS,
                {"certificate_type": str(cert), "year": str(y)},
            )
            for d, y in zip(days, years, strict=True)
        ]
        if any(c.value for c in cells):
            matrix.rows.append(
                MatrixRow(
                    label=names[cert].name if cert in names else "", key=str(cert), cells=cells
                )
            )
    matrix.footer.append(
        MatrixRow(
            label=_("合计（不重复）"),
            key="total",
            cells=[
                Cell(examiners_valid(rows, d), Metric.EXAMINERS, {"year": str(y)})
                for d, y in zip(days, years, strict=True)
            ],
        )
    )
    return matrix


def dashboard_get(*, user, filters: Filters, sections: list[str]) -> Dashboard:
    """Every figure of the user's dashboard under ``filters``: one grouped query per source
    shown, one for the examiners, two for the names of certificates and majors."""
    reach = Reach(user=user)
    wanted: list[Source] = []
    if access.ASSESSMENT in sections or access.BREAKDOWN in sections:
        wanted.append(CANDIDATES)
    if access.CERTIFICATES in sections or access.BREAKDOWN in sections:
        wanted.append(CERTIFICATES)
    if access.TRAINING in sections or access.BREAKDOWN in sections:
        wanted.append(TRAINING)
    if access.CONVERSIONS in sections:
        wanted.append(CONVERSIONS)
    # Without a year, every year is shown (the tables' columns); with one, only that year is.
    cubes = {
        source.key: cube(source, apply_filters(source, records(source, reach=reach), filters))
        for source in wanted
    }
    quals = examiner_rows(reach=reach, filters=filters) if access.EXAMINERS in sections else []
    years = sorted({row.year for rows in cubes.values() for row in rows})
    if access.EXAMINERS in sections and not years:
        years = [timezone.localdate().year]
    if filters.year:
        years = [filters.year]
    names = certificate_types(
        [r.certificate for rows in cubes.values() for r in rows] + [q.certificate for q in quals]
    )
    majors = major_names(r.major for rows in cubes.values() for r in rows)
    board = Dashboard(sections=sections, years=years)

    def in_year(rows: list[CubeRow]) -> list[CubeRow]:
        return [r for r in rows if filters.year is None or r.year == filters.year]

    if CANDIDATES.key in cubes and (access.ASSESSMENT in sections):
        rows = in_year(cubes["candidates"])
        examined, passed = _sum(rows, "examined"), _sum(rows, "passed")
        board.kpis += [
            Kpi(_("考试人数"), Cell(_sum(rows, "n"), Metric.CANDIDATES), _("人次")),
            Kpi(_("鉴定人数"), Cell(examined, Metric.EXAMINED), _("人次")),
            Kpi(_("合格人数"), Cell(passed, Metric.PASSED), _("人次")),
            Kpi(_("合格率"), Cell(rate(passed, examined)), "%"),
        ]
        matrix = _by_certificate_matrix(
            key="candidates",
            title=_("考试人数（按证书、年度）"),
            metric=Metric.CANDIDATES,
            rows=cubes["candidates"],
            measure="n",
            years=years,
            names=names,
        )
        by_year = {y: [r for r in cubes["candidates"] if r.year == y] for y in years}
        matrix.footer += [
            MatrixRow(
                label=str(label),
                key=metric,
                cells=[Cell(_sum(by_year[y], measure), metric, {"year": str(y)}) for y in years],
                total=Cell(_sum(in_year(cubes["candidates"]), measure), metric, {}),
            )
            for metric, measure, label in (
                (Metric.EXAMINED, "examined", Metric.EXAMINED.label),
                (Metric.PASSED, "passed", Metric.PASSED.label),
            )
        ]
        matrix.line = MatrixRow(
            label=_("合格率（%）"),
            key="pass_rate",
            cells=[
                Cell(rate(_sum(by_year[y], "passed"), _sum(by_year[y], "examined"))) for y in years
            ],
            total=Cell(rate(passed, examined)),
        )
        board.matrices[access.ASSESSMENT] = [matrix]
    if CERTIFICATES.key in cubes and access.CERTIFICATES in sections:
        board.kpis.append(
            Kpi(
                _("获证数"),
                Cell(_sum(in_year(cubes["certificates"]), "n"), Metric.CERTIFICATES),
                _("张"),
            )
        )
        board.matrices[access.CERTIFICATES] = [
            _by_certificate_matrix(
                key="certificates",
                title=_("获证数（按证书、取得年份）"),
                metric=Metric.CERTIFICATES,
                rows=cubes["certificates"],
                measure="n",
                years=years,
                names=names,
            )
        ]
    if TRAINING.key in cubes and access.TRAINING in sections:
        board.kpis.append(
            Kpi(
                _("培训人次"),
                Cell(_sum(in_year(cubes["training"]), "n"), Metric.TRAINING),
                _("人次"),
            )
        )
        board.matrices[access.TRAINING] = [
            _by_certificate_matrix(
                key="training",
                title=_("培训人次（按证书、结班年份）"),
                metric=Metric.TRAINING,
                rows=cubes["training"],
                measure="n",
                years=years,
                names=names,
            )
        ]
    if CONVERSIONS.key in cubes:
        board.kpis.append(
            Kpi(
                _("学分转换"),
                Cell(_sum(in_year(cubes["conversions"]), "n"), Metric.CONVERSIONS),
                _("笔"),
            )
        )
        board.matrices[access.CONVERSIONS] = [
            _by_certificate_matrix(
                key="conversions",
                title=_("学分转换笔数（按证书、终审年份）"),
                metric=Metric.CONVERSIONS,
                rows=cubes["conversions"],
                measure="n",
                years=years,
                names=names,
            )
        ]
    if access.BREAKDOWN in sections:
        metrics = [Metric.CANDIDATES, Metric.PASSED, Metric.CERTIFICATES, Metric.TRAINING]
        if CONVERSIONS.key in cubes:
            metrics.append(Metric.CONVERSIONS)
        board.matrices[access.BREAKDOWN] = _breakdown_matrices(
            cubes=cubes, metrics=metrics, year=filters.year, majors=majors
        )
    if access.EXAMINERS in sections:
        today = timezone.localdate()
        board.kpis.append(
            Kpi(
                _("考评员"),
                Cell(
                    examiners_valid(quals, reference_date(filters.year) if filters.year else today),
                    Metric.EXAMINERS,
                ),
                _("人"),
            )
        )
        board.matrices[access.EXAMINERS] = [_examiner_matrix(quals, years, names)]
    return board


# --- Evidence rosters (佐证材料) -------------------------------------------------------------------

EVIDENCE_METRICS = (Metric.CANDIDATES, Metric.CERTIFICATES, Metric.TRAINING)
X_SUFFIX = "职业技能等级证书"


def short_name(ct: CertificateType) -> str:
    """老年照护职业技能等级证书 → 1+X 老年照护证书; other certificates keep their name."""
    if ct.kind == SKILL_LEVEL and ct.name.endswith(X_SUFFIX):
        return f"1+X {ct.name[: -len(X_SUFFIX)]}证书"
    return ct.name


@dataclass
class EvidenceSection:
    certificate: CertificateType
    names: list[str]
    students_only: bool
    line: str = ""

    @property
    def count(self) -> int:
        return len(self.names)


@dataclass
class Evidence:
    year: int
    metric: str
    title: str
    sections: list[EvidenceSection]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)


def evidence_certificate_options(
    *, user, year: int, metric: str
) -> list[tuple[CertificateType, int]]:
    """Certificate types with records of ``metric`` in ``year``, with their counts (one query)."""
    source, _measure = METRIC_SOURCES[metric]
    rows = cube(
        source, apply_filters(source, records(source, reach=Reach(user=user)), Filters(year=year))
    )
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.certificate is not None:
            counts[row.certificate] += row.counts["n"]
    types = certificate_types(counts)
    return [
        (types[c], counts[c]) for c in sorted(types, key=lambda c: _certificate_order(types[c]))
    ]


def evidence_get(*, user, year: int, metric: str, certificate_ids: list[int]) -> Evidence:
    """The roster of each certificate (in the order the records are listed: seat order for
    candidates, certificate number for holders, program and name for training): one query for
    the names, one for the certificate types."""
    source, _measure = METRIC_SOURCES[metric]
    types = certificate_types(certificate_ids)
    qs = _with_related(
        source,
        apply_filters(source, records(source, reach=Reach(user=user)), Filters(year=year)).filter(
            **{f"{source.certificate}_id__in": list(types)}
        ),
    )
    by_type: dict[int, list[str]] = defaultdict(list)
    students: dict[int, bool] = defaultdict(lambda: True)
    account = source.account
    for row in qs.values_list("dim_certificate", f"{account}__name", "dim_major"):
        cert, name, major = row
        by_type[cert].append(name)
        students[cert] = students[cert] and major is not None
    ordered = sorted(types, key=lambda c: (_certificate_order(types[c]), certificate_ids.index(c)))
    sections = [
        EvidenceSection(types[c], by_type.get(c, []), students[c] if by_type.get(c) else True)
        for c in ordered
    ]
    for s in sections:
        s.line = _section_line(metric, s)
    return Evidence(
        year=year, metric=metric, title=_evidence_title(year, metric, sections), sections=sections
    )


def _section_line(metric: str, s: EvidenceSection) -> str:
    who = _("学生") if s.students_only else _("考生")
    if metric == Metric.CANDIDATES:
        return _("{certificate} {count} 名{who}考试").format(
            certificate=short_name(s.certificate), count=s.count, who=who
        )
    if metric == Metric.CERTIFICATES:
        return _("{certificate}（{count} 人）").format(
            certificate=s.certificate.name, count=s.count
        )
    return _("{certificate}培训 {count} 人次").format(
        certificate=short_name(s.certificate), count=s.count
    )


def _evidence_title(year: int, metric: str, sections: list[EvidenceSection]) -> str:
    n = len(sections)
    all_x = bool(sections) and all(s.certificate.kind == SKILL_LEVEL for s in sections)
    what = {
        Metric.CANDIDATES: _("考试人数佐证"),
        Metric.CERTIFICATES: _("获证人数佐证"),
        Metric.TRAINING: _("培训人次佐证"),
    }[metric]
    if all_x:
        return _("{year} 年 1+X 证书 {n} 个项目{what}").format(year=year, n=n, what=what)
    return _("{year} 年 {n} 个证书项目{what}").format(year=year, n=n, what=what)


# --- Annual summary ------------------------------------------------------------------------------


@dataclass
class AnnualSummary:
    year: int
    training: int
    training_persons: int
    candidates: int
    examined: int
    passed: int
    pass_rate: Decimal | None
    certificates: list[tuple[CertificateType, int]]
    certificates_total: int
    conversions: int
    examiners: int
    lines: list[str] = field(default_factory=list)


def annual_summary(*, user, year: int) -> AnnualSummary:
    """The year's headline figures (年度总结): training person-times (and distinct people),
    appraisal counts and pass rate, certificates by type, conversions, examiners."""
    reach = Reach(user=user)
    f = Filters(year=year)
    cubes = {
        s.key: cube(s, apply_filters(s, records(s, reach=reach), f))
        for s in (CANDIDATES, CERTIFICATES, CONVERSIONS)
    }
    training_qs = apply_filters(TRAINING, records(TRAINING, reach=reach), f)
    training = training_qs.order_by().aggregate(
        n=Count("id"), persons=Count("account_id", distinct=True)
    )
    by_type: dict[int | None, int] = defaultdict(int)
    for row in cubes["certificates"]:
        by_type[row.certificate] += row.counts["n"]
    types = certificate_types(by_type)
    certificates = [
        (types[c], by_type[c]) for c in sorted(types, key=lambda c: _certificate_order(types[c]))
    ]
    quals = examiner_rows(reach=reach, filters=Filters())
    examined = _sum(cubes["candidates"], "examined")
    passed = _sum(cubes["candidates"], "passed")
    summary = AnnualSummary(
        year=year,
        training=training["n"],
        training_persons=training["persons"],
        candidates=_sum(cubes["candidates"], "n"),
        examined=examined,
        passed=passed,
        pass_rate=rate(passed, examined),
        certificates=certificates,
        certificates_total=sum(by_type.values()),
        conversions=_sum(cubes["conversions"], "n"),
        examiners=examiners_valid(quals, reference_date(year)),
    )
    summary.lines = [
        _("培训人次 {n} 人次（{persons} 人），开展职业技能鉴定人数 {examined} 人次。").format(
            n=summary.training, persons=summary.training_persons, examined=examined
        ),
        _("考试人数 {candidates} 人次，合格 {passed} 人次，合格率 {rate}。").format(
            candidates=summary.candidates,
            passed=passed,
            rate=f"{summary.pass_rate}%" if summary.pass_rate is not None else "—",
        ),
        _("获证 {n} 张：{detail}。").format(
            n=summary.certificates_total,
            detail="；".join(
                _("{name}（{count} 人）").format(name=ct.name, count=n) for ct, n in certificates
            )
            or "—",
        ),
        _("学分转换 {n} 笔；有效考评员 {examiners} 人。").format(
            n=summary.conversions, examiners=summary.examiners
        ),
    ]
    return summary


# --- Performance indicators -----------------------------------------------------------------------


def indicator_list(*, user) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(performance_scope(user).indicators())
        .select_related("institution", "certificate_type")
        .annotate(target_count=Count("targets"))
        .order_by("institution__code", "position", "id")
    )


def access_indicator(user, pk, *, manage: bool = False) -> Indicator:
    try:
        indicator = indicator_list(user=user).get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError):
        raise Http404("No such indicator") from None
    if manage and not performance_scope(user).manages_institution(indicator.institution_id):
        raise Http404("No such indicator")
    return indicator


def target_scope_q(user) -> Q:
    ps = performance_scope(user)
    if ps.everywhere:
        return Q()
    return (
        Q(indicator__institution_id__in=ps.read_institutions)
        | Q(department__in=Department.objects.filter(ps.departments()))
        | Q(pilot_major__in=PilotMajor.objects.filter(ps.pilot_majors()))
    )


def target_list(*, user, filters=None) -> QuerySet[IndicatorTarget]:
    """Targets the user reads, newest year first, with indicator and owner fetched."""
    qs = (
        IndicatorTarget.objects.filter(target_scope_q(user))
        .select_related(
            "indicator__institution",
            "indicator__certificate_type",
            "department__institution",
            "pilot_major__major__institution",
            "updated_by",
        )
        .order_by(
            "-year",
            "indicator__institution__code",
            F("pilot_major").asc(nulls_first=True),  # departments first
            "department__kind",
            "pilot_major__major__code",
            "indicator__position",
            "indicator_id",
            "id",
        )
    )
    if filters is not None:
        from .filters import TargetFilter

        qs = TargetFilter(filters, queryset=qs, user=user).qs
    return qs


def access_target(user, pk, *, manage: bool = False) -> IndicatorTarget:
    try:
        target = target_list(user=user).get(pk=pk)
    except (IndicatorTarget.DoesNotExist, ValueError, TypeError):
        raise Http404("No such target") from None
    if manage and not performance_scope(user).manages_institution(target.indicator.institution_id):
        raise Http404("No such target")
    return target


def department_options(user) -> QuerySet[Department]:
    return (
        Department.objects.filter(performance_scope(user).departments())
        .select_related("institution")
        .order_by("institution__code", "kind")
    )


def pilot_major_options(user) -> QuerySet[PilotMajor]:
    return (
        PilotMajor.objects.filter(performance_scope(user).pilot_majors())
        .select_related("major__institution")
        .order_by("major__institution__code", "major__code")
    )


def access_department(user, pk) -> Department:
    try:
        return department_options(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise Http404("No such department") from None


def access_pilot_major(user, pk) -> PilotMajor:
    try:
        return pilot_major_options(user).get(pk=pk)
    except (PilotMajor.DoesNotExist, ValueError, TypeError):
        raise Http404("No such pilot major") from None


@dataclass
class PerformanceRow:
    target: IndicatorTarget
    actual: Decimal | None
    cell: Cell  # the actual, with the filters of its named list

    @property
    def achieved(self) -> Decimal | None:
        """实际 / 目标 as a percentage (None without a target or an actual)."""
        if self.actual is None or not self.target.target:
            return None
        return (Decimal(100) * self.actual / self.target.target).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool:
        return self.achieved is not None and self.achieved >= 100


def _indicator_filters(target: IndicatorTarget) -> Filters:
    """The filters of the named list behind a target's actual figure."""
    indicator = target.indicator
    scope = indicator.certificate_scope
    pilot = scope == CertificateScope.PILOT
    examiners = indicator.metric == Metric.EXAMINERS
    own = target.pilot_major_id
    return Filters(
        year=target.year,
        certificate_type=indicator.certificate_type_id,
        kind=scope if scope in (SKILL_LEVEL, QUALIFICATION) else "",
        pilot=pilot and not own,
        # A pilot major's examiners are those of its certificates, whatever the scope.
        pilot_major=own if own and (pilot or examiners) else None,
        major=target.pilot_major.major_id if own and not examiners else None,
        institution=indicator.institution_id,
    )


def performance_rows(targets: Iterable[IndicatorTarget]) -> list[PerformanceRow]:
    """Each target with its actual figure, computed from the data of the indicator's college:
    per college, one grouped query per source the indicators use, one for the qualifications,
    one for the pilot majors' certificates and one for the certificate kinds."""
    targets = list(targets)
    by_institution: dict[int, list[IndicatorTarget]] = defaultdict(list)
    for t in targets:
        by_institution[t.indicator.institution_id].append(t)
    actuals: dict[int, Decimal | None] = {}
    kinds: dict[int, str] = {}
    if targets:
        kinds = dict(CertificateType.objects.values_list("pk", "kind"))
    for institution_id, group in by_institution.items():
        reach = Reach(institution_id=institution_id)
        years = sorted({t.year for t in group})
        metrics = {t.indicator.metric for t in group}
        cubes: dict[str, list[CubeRow]] = {}
        for metric in metrics - {Metric.EXAMINERS}:
            source = METRIC_SOURCES[metric][0]
            if source.key not in cubes:
                qs = records(source, reach=reach).filter(**{f"{source.date}__year__in": years})
                cubes[source.key] = cube(source, qs)
        quals = examiner_rows(reach=reach, filters=Filters()) if Metric.EXAMINERS in metrics else []
        pilot_certs: dict[int, set[int]] = defaultdict(set)
        for pilot_id, cert_id in PilotMajor.certificate_types.through.objects.filter(
            pilotmajor__major__institution_id=institution_id
        ).values_list("pilotmajor_id", "certificatetype_id"):
            pilot_certs[pilot_id].add(cert_id)
        all_pilot_certs = set().union(*pilot_certs.values()) if pilot_certs else set()
        for t in group:
            actuals[t.pk] = _actual(t, cubes, quals, kinds, pilot_certs, all_pilot_certs)
    return [
        PerformanceRow(
            target=t,
            actual=actuals[t.pk],
            cell=Cell(
                actuals[t.pk],
                Metric.PASSED if t.indicator.metric == Metric.PASS_RATE else t.indicator.metric,
                _indicator_filters(t).params(),
            ),
        )
        for t in targets
    ]


def _actual(
    t: IndicatorTarget, cubes, quals, kinds, pilot_certs, all_pilot_certs
) -> Decimal | None:
    indicator = t.indicator
    scope = indicator.certificate_scope

    def counts(cert: int | None) -> bool:
        if indicator.certificate_type_id:
            return cert == indicator.certificate_type_id
        if scope in (SKILL_LEVEL, QUALIFICATION):
            return kinds.get(cert) == scope
        if scope == CertificateScope.PILOT:
            own = pilot_certs.get(t.pilot_major_id, set()) if t.pilot_major_id else all_pilot_certs
            return cert in own
        return True

    if indicator.metric == Metric.EXAMINERS:
        day = reference_date(t.year)
        certs = {q.certificate for q in quals if counts(q.certificate)}
        if t.pilot_major_id:  # its full-time teachers, in its certificates (seed 四(四)2)
            certs &= pilot_certs.get(t.pilot_major_id, set())
            return Decimal(
                examiners_valid(
                    quals, day, certs, major=t.pilot_major.major_id, full_time_only=True
                )
            )
        unrestricted = scope == CertificateScope.ALL and not indicator.certificate_type_id
        return Decimal(examiners_valid(quals, day, None if unrestricted else certs))
    source, measure = METRIC_SOURCES[indicator.metric]
    major = t.pilot_major.major_id if t.pilot_major_id else None
    rows = [
        r
        for r in cubes[source.key]
        if r.year == t.year and counts(r.certificate) and (major is None or r.major == major)
    ]
    if indicator.metric in RATE_METRICS:
        return rate(_sum(rows, "passed"), _sum(rows, "examined"))
    return Decimal(_sum(rows, measure))


def performance_report(
    *, user, year: int, department: Department | None = None, pilot_major: PilotMajor | None = None
) -> list[PerformanceRow]:
    """Targets of one department (or pilot major) for one year, with their actual figures."""
    qs = target_list(user=user).filter(year=year)
    qs = (
        qs.filter(department=department)
        if department is not None
        else qs.filter(pilot_major=pilot_major)
    )
    return performance_rows(qs)


def institution_of(owner) -> Institution:
    if isinstance(owner, Department):
        return owner.institution
    return owner.major.institution
