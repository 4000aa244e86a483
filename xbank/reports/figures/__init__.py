"""The figures of the reports, made from what ``reports.selectors`` reads: the dashboard (统计看板),
evidence rosters (佐证材料), the annual summary (年度概况) and the actual figures of the
performance report (绩效报告). Every figure links to its named list
(``selectors.record_list``), whose filters reproduce it exactly.
"""

from .annual import AnnualSummary, annual_summary
from .dashboard import BLOCKS, Block, Dashboard, Kpi, dashboard_get
from .evidence import (
    EVIDENCE_METRICS,
    Evidence,
    EvidenceSection,
    evidence_certificate_options,
    evidence_get,
    short_name,
)
from .matrix import Cell, Matrix, MatrixRow
from .performance import PerformanceRow, performance_report, performance_rows

__all__ = [
    "BLOCKS",
    "EVIDENCE_METRICS",
    "AnnualSummary",
    "Block",
    "Cell",
    "Dashboard",
    "Evidence",
    "EvidenceSection",
    "Kpi",
    "Matrix",
    "MatrixRow",
    "PerformanceRow",
    "annual_summary",
    "dashboard_get",
    "evidence_certificate_options",
    "evidence_get",
    "performance_report",
    "performance_rows",
    "short_name",
]
