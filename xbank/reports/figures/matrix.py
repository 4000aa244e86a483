"""A figure with the link to its named list (``Cell``), and the tables of figures the dashboard
shows, exports and charts (``Matrix``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
    total_header: StrOrPromise = gettext_lazy("合计")

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

    def chart_data(self) -> dict[str, Any]:
        """The ECharts data (read by ``static/js/reports-dashboard.js``)."""

        def point(cell: Cell) -> dict[str, object]:
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
        data: dict[str, Any] = {
            "kind": self.chart,
            "categories": list(self.columns),
            "series": [
                {"name": row.label, "data": [point(c) for c in row.cells]} for row in self.rows
            ],
        }
        if self.line is not None:
            data["line"] = {"name": self.line.label, "data": [point(c) for c in self.line.cells]}
        return data
