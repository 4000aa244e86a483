"""The dashboard (统计看板): KPIs and tables of every section the user sees, from one grouped
query per source shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xbank.accounts.access import Viewer
from xbank.catalog.models import CertificateType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from .. import access
from ..models import Metric
from ..selectors import (
    AUDIENCES,
    CANDIDATES,
    CERTIFICATES,
    CONVERSIONS,
    METRIC_SOURCES,
    SOCIAL,
    TRAINING,
    CubeRow,
    ExaminerRow,
    Filters,
    Reach,
    Source,
    apply_filters,
    certificate_order,
    certificate_types,
    cube,
    examiner_rows,
    examiners_valid,
    major_names,
    rate,
    records,
    reference_date,
    total,
)
from .matrix import Cell, Matrix, MatrixRow


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
    for cert in sorted(
        cells, key=lambda c: certificate_order(names.get(c) if c is not None else None)
    ):
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


def _breakdown_matrices(
    *,
    cubes: dict[str, list[CubeRow]],
    metrics: Sequence[str],
    year: int | None,
    majors: dict[int, str],
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
            n = total((r for r in selected(metric) if r.major == major), measure)
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
    for major in sorted(
        keys, key=lambda m: (m is None, majors.get(m, "") if m is not None else "")
    ):
        label = majors.get(major, "") if major is not None else str(AUDIENCES[SOCIAL])
        major_matrix.rows.append(
            MatrixRow(label=label, key=str(major or SOCIAL), cells=by_major[major])
        )
    audience_matrix = Matrix(
        key="by-audience", title=_("按对象"), row_header=_("对象"), columns=columns, chart="grouped"
    )
    for audience, audience_label in AUDIENCES.items():
        cells = []
        for metric in metrics:
            measure = METRIC_SOURCES[metric][1]
            n = total((r for r in selected(metric) if r.audience == audience), measure)
            cells.append(Cell(n, metric, {"audience": audience}))
        audience_matrix.rows.append(MatrixRow(label=str(audience_label), key=audience, cells=cells))
    return [major_matrix, audience_matrix]


def _examiner_matrix(
    rows: list[ExaminerRow], years: list[int], names: dict[int, CertificateType], *, title: str
) -> Matrix:
    matrix = Matrix(
        key="examiners",
        title=title,
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
        {q.certificate for q in rows}, key=lambda c: certificate_order(names.get(c))
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


# --- The blocks of the dashboard, one per section -------------------------------------------------


@dataclass
class _Data:
    """What the blocks read: the cubes of the sources shown, the examiners' qualifications, the
    years of the tables' columns and the names of certificates and majors."""

    filters: Filters
    cubes: dict[str, list[CubeRow]]
    quals: list[ExaminerRow]
    years: list[int]
    names: dict[int, CertificateType]
    majors: dict[int, str]

    def in_year(self, rows: list[CubeRow]) -> list[CubeRow]:
        """Without a year, every year is counted; with one, only that year is."""
        return [r for r in rows if self.filters.year is None or r.year == self.filters.year]


@dataclass(frozen=True)
class Block:
    """One section of the dashboard: the sources it reads and the function that makes its KPIs
    and tables. Which roles see a section is ``access.SECTIONS_BY_ROLE``, beside the guards."""

    key: str  # the section: access.ASSESSMENT, …
    title: StrOrPromise  # of its table ("" for the breakdown, whose two tables name themselves)
    build: Callable[[Block, _Data], tuple[list[Kpi], list[Matrix]]]
    sources: tuple[Source, ...] = ()
    metric: str = ""  # the figure of its KPI and table
    kpi: StrOrPromise = ""  # the KPI's label
    unit: StrOrPromise = ""  # the KPI's unit


def _counted(block: Block, data: _Data) -> tuple[list[Kpi], list[Matrix]]:
    """A count: its KPI and its table by certificate and year."""
    source, measure = METRIC_SOURCES[block.metric]
    rows = data.cubes[source.key]
    kpi = Kpi(
        str(block.kpi), Cell(total(data.in_year(rows), measure), block.metric), str(block.unit)
    )
    matrix = _by_certificate_matrix(
        key=source.key,
        title=str(block.title),
        metric=block.metric,
        rows=rows,
        measure=measure,
        years=data.years,
        names=data.names,
    )
    return [kpi], [matrix]


def _assessment(block: Block, data: _Data) -> tuple[list[Kpi], list[Matrix]]:
    """The candidates' count, with those examined and passed and the pass rate."""
    kpis, (matrix,) = _counted(block, data)
    cubes = data.cubes[CANDIDATES.key]
    rows = data.in_year(cubes)
    examined, passed = total(rows, "examined"), total(rows, "passed")
    kpis += [
        Kpi(_("鉴定人数"), Cell(examined, Metric.EXAMINED), _("人次")),
        Kpi(_("合格人数"), Cell(passed, Metric.PASSED), _("人次")),
        Kpi(_("合格率"), Cell(rate(passed, examined)), "%"),
    ]
    years = data.years
    by_year = {y: [r for r in cubes if r.year == y] for y in years}
    matrix.footer += [
        MatrixRow(
            label=str(label),
            key=metric,
            cells=[Cell(total(by_year[y], measure), metric, {"year": str(y)}) for y in years],
            total=Cell(total(rows, measure), metric, {}),
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
            Cell(rate(total(by_year[y], "passed"), total(by_year[y], "examined"))) for y in years
        ],
        total=Cell(rate(passed, examined)),
    )
    return kpis, [matrix]


def _breakdown(block: Block, data: _Data) -> tuple[list[Kpi], list[Matrix]]:
    metrics = [Metric.CANDIDATES, Metric.PASSED, Metric.CERTIFICATES, Metric.TRAINING]
    if CONVERSIONS.key in data.cubes:
        metrics.append(Metric.CONVERSIONS)
    matrices = _breakdown_matrices(
        cubes=data.cubes, metrics=metrics, year=data.filters.year, majors=data.majors
    )
    return [], matrices


def _examiners(block: Block, data: _Data) -> tuple[list[Kpi], list[Matrix]]:
    day = reference_date(data.filters.year) if data.filters.year else timezone.localdate()
    kpi = Kpi(str(block.kpi), Cell(examiners_valid(data.quals, day), block.metric), str(block.unit))
    return [kpi], [_examiner_matrix(data.quals, data.years, data.names, title=str(block.title))]


BLOCKS: tuple[Block, ...] = (
    Block(
        access.ASSESSMENT,
        gettext_lazy("考试人数（按证书、年度）"),
        _assessment,
        (CANDIDATES,),
        Metric.CANDIDATES,
        gettext_lazy("考试人数"),
        gettext_lazy("人次"),
    ),
    Block(
        access.CERTIFICATES,
        gettext_lazy("获证数（按证书、取得年份）"),
        _counted,
        (CERTIFICATES,),
        Metric.CERTIFICATES,
        gettext_lazy("获证数"),
        gettext_lazy("张"),
    ),
    Block(
        access.TRAINING,
        gettext_lazy("培训人次（按证书、结班年份）"),
        _counted,
        (TRAINING,),
        Metric.TRAINING,
        gettext_lazy("培训人次"),
        gettext_lazy("人次"),
    ),
    Block(
        access.CONVERSIONS,
        gettext_lazy("学分转换笔数（按证书、终审年份）"),
        _counted,
        (CONVERSIONS,),
        Metric.CONVERSIONS,
        gettext_lazy("学分转换"),
        gettext_lazy("笔"),
    ),
    # By major and by audience, of the counts above (conversions when that section is shown).
    Block(access.BREAKDOWN, "", _breakdown, (CANDIDATES, CERTIFICATES, TRAINING)),
    Block(
        access.EXAMINERS,
        gettext_lazy("考评员人数（按证书）"),
        _examiners,
        metric=Metric.EXAMINERS,
        kpi=gettext_lazy("考评员"),
        unit=gettext_lazy("人"),
    ),
)
SOURCES = (CANDIDATES, CERTIFICATES, TRAINING, CONVERSIONS)


def dashboard_get(*, user: Viewer, filters: Filters, sections: list[str]) -> Dashboard:
    """Every figure of the user's dashboard under ``filters``: one grouped query per source
    shown, one for the examiners, two for the names of certificates and majors."""
    reach = Reach(user=user)
    shown = [block for block in BLOCKS if block.key in sections]
    wanted = {source.key for block in shown for source in block.sources}
    cubes = {
        source.key: cube(source, apply_filters(source, records(source, reach=reach), filters))
        for source in SOURCES
        if source.key in wanted
    }
    quals = examiner_rows(reach=reach, filters=filters) if access.EXAMINERS in sections else []
    # Without a year, every year is shown (the tables' columns); with one, only that year is.
    years = sorted({row.year for rows in cubes.values() for row in rows})
    if access.EXAMINERS in sections and not years:
        years = [timezone.localdate().year]
    if filters.year:
        years = [filters.year]
    names = certificate_types(
        [r.certificate for rows in cubes.values() for r in rows] + [q.certificate for q in quals]
    )
    majors = major_names(r.major for rows in cubes.values() for r in rows)
    data = _Data(filters, cubes, quals, years, names, majors)
    board = Dashboard(sections=sections, years=years)
    for block in shown:
        kpis, matrices = block.build(block, data)
        board.kpis += kpis
        board.matrices[block.key] = matrices
    return board
