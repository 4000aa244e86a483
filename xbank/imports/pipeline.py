"""The one import pipeline: reader → header mapping → per-column cleaners → per-kind checks → write.

Every kind of import (learners, courses, curricula, outcomes…) is a thin ``ImportSpec`` in the
app that owns the rows (``xbank/<app>/imports.py``), registered here. The pipeline does the parts
that are the same for all of them, the way offices really fill spreadsheets:

- the header row is found among the first rows (a merged title row usually sits above it), by
  matching each cell against the names people use for the column (身份证号 / 证件号码 / 证件号…);
- fully blank rows are skipped wherever they are;
- every cell is cleaned by its column's cleaner, once per distinct value, column by column (a
  100,000-row roster holds a few hundred distinct dates and a handful of certificate names);
- every problem is reported as "第 N 行，列「X」：…" with N the row number Excel shows and X the
  header as written in the file.

Cleaned rows are kept as columns (lists of plain values), not as model instances: compact, and
cheap to keep between preview and commit (see ``services``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError

from xbank.accounts.access import Grants
from xbank.accounts.models import IMPORT_ROLES
from xbank.core.actors import Actor

from . import cleaners
from .reader import open_sheets

HEADER_SCAN_ROWS = 10
PROGRESS_EVERY = 500

ISSUE_ROW_COLUMN = "第 {row} 行，列「{column}」：{message}"
ISSUE_ROW = "第 {row} 行：{message}"
ERR_NO_HEADER = "在前 {rows} 行中没有找到表头，请使用导入模板（表头应包含「{examples}」等列名）"
ERR_MISSING_COLUMN = "缺少必填列「{label}」（列名也可以是：{synonyms}）"
ERR_NO_ROWS = "表头下面没有数据"
ERR_DUPLICATE_ROW = "与第 {other} 行重复"
WARN_DUPLICATE_HEADER = "与列「{other}」是同一项，已使用「{other}」列"
WARN_EXAMPLE_ROW = "这一行与模板中的示例相同，已跳过"


def format_issue(issue: dict) -> str:
    if issue.get("row") is None:
        return issue["message"]
    if issue.get("column"):
        return ISSUE_ROW_COLUMN.format(**issue)
    return ISSUE_ROW.format(row=issue["row"], message=issue["message"])


@dataclass(frozen=True)
class Column:
    """One column of an import: its canonical header, the other names people give it, and how
    each cell is cleaned. ``choices`` become a drop-down list in the template."""

    key: str
    label: str
    clean: cleaners.Cleaner
    synonyms: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    example: object = ""
    help: str = ""
    text_format: bool = False  # "@" in the template: ID numbers and codes must stay text
    date_format: bool = False
    width: int = 14

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.synonyms)


def header_key(cell: str) -> str:
    """How a header cell is compared: "证件号码（必填）*" and "证件 号码" both → "证件号码"."""
    key = cleaners.squash(cell)
    key = re.sub(r"[(\[【{].*?[)\]】}]", "", key)
    return key.strip("*※:")


class Report:
    """Errors and warnings of one run, each tied to the row and column the user sees; listed by
    row, and within a row in the order of the file's columns."""

    def __init__(self, labels: dict[str, str] | None = None):
        self.labels = labels or {}
        self.positions: dict[str, int] = {}  # column key → position in the file
        self.errors: list[dict] = []
        self.warnings: list[dict] = []
        self.bad_rows: set[int] = set()
        self.bad_cells: set[tuple[int, str]] = set()
        self._order: dict[int, tuple[int, int]] = {}

    def _issue(self, row: int | None, key: str | None, message: str) -> dict:
        column = self.labels.get(key, key) if key else ""
        issue = {"row": row, "column": column or "", "message": str(message)}
        self._order[id(issue)] = (row or 0, self.positions.get(key, -1) if key else -1)
        return issue

    def error(self, row: int | None, key: str | None, message: str) -> None:
        self.errors.append(self._issue(row, key, message))
        if row is not None:
            self.bad_rows.add(row)
            if key:
                self.bad_cells.add((row, key))

    def warn(self, row: int | None, key: str | None, message: str) -> None:
        self.warnings.append(self._issue(row, key, message))

    def sorted_errors(self) -> list[dict]:
        return sorted(self.errors, key=lambda issue: self._order.get(id(issue), (0, 0)))

    def sorted_warnings(self) -> list[dict]:
        return sorted(self.warnings, key=lambda issue: self._order.get(id(issue), (0, 0)))


class Table:
    """Cleaned rows of one file, held as columns: ``columns[key][i]`` is the cleaned value of
    column ``key`` in the i-th data row, which Excel shows as row ``row_nos[i]``. A blank cell
    (and a cell of a column the file does not have) is ``None``."""

    def __init__(
        self,
        row_nos: list[int],
        columns: dict[str, list],
        labels: dict[str, str],
        positions: dict[str, int],
    ):
        self.row_nos = row_nos
        self.columns = columns
        self.labels = labels  # column key → header as written in the file, for messages
        self.positions = positions  # column key → position in the file, to order messages

    def __len__(self) -> int:
        return len(self.row_nos)

    def rows(self, *keys: str, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[tuple]:
        """``(row_no, value, value…)`` for each row, leaving out the row numbers in ``skip``."""
        for values in zip(self.row_nos, *(self.columns[key] for key in keys), strict=True):
            if values[0] not in skip:
                yield values

    def add(self, key: str, values: list) -> None:
        """A derived column (a parsed document, a keyed hash…) computed by the spec."""
        self.columns[key] = values


@dataclass
class Plan:
    """What a commit would do: counts for the preview, and the rows for ``ImportSpec.write``."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class Context:
    """Who imports into which institution; ``scope`` None means unrestricted (the system).

    ``actor`` is the person importing, or ``core.actors.SYSTEM`` (the command line without
    ``--user``): the specs pass it on to their apps' services, which check every person."""

    institution: Any
    actor: Actor
    report: Report
    scope: Any = None
    batch: Any = None

    @property
    def restricted(self) -> bool:
        """True for users who act for part of the institution only (school or major staff)."""
        scope = self.scope
        if scope is None or scope.regional:
            return False
        return self.institution.pk not in scope.institution_ids

    def covers_major(self, major) -> bool:
        if not self.restricted:
            return True
        return major.school_id in self.scope.school_ids or major.pk in self.scope.major_ids


class ImportSpec:
    """One kind of import. Subclasses declare ``columns`` and implement ``check`` and ``write``.

    - ``roles``: who may import this kind, each into the institutions their role reaches (see
      ``imports.selectors.import_institutions``). By default the roles that keep learner
      records and curricula (``IMPORT_ROLES``); a spec whose rows another office keeps says so
      (the teachers' roster: the HR office). The import pages offer a kind only to its roles.

    - ``prepare(table, report)``: cross-column cleaning that needs no database (parse an ID
      number with its document type, derive keys); pure, so its result may be reused at commit.
    - ``check(table, ctx)``: everything that needs the database, with a handful of bulk queries
      for the whole file (never one per row); reports errors and returns a ``Plan``.
    - ``write(plan, ctx)``: the writes, inside the caller's transaction, with bulk inserts.
    """

    kind: str = ""
    title: str = ""
    columns: tuple[Column, ...] = ()
    roles: frozenset[str] = frozenset(IMPORT_ROLES)

    def __init__(self) -> None:
        self.by_key = {column.key: column for column in self.columns}
        self.header_lookup: dict[str, str] = {}
        for column in self.columns:
            for name in column.names:
                key = header_key(name)
                if self.header_lookup.setdefault(key, column.key) != column.key:
                    raise ValueError(f"{self.kind}: header {name!r} names two columns")

    def may_import(self, grants: Grants) -> bool:
        """Holds a role that imports this kind somewhere."""
        return grants.has(*self.roles)

    def prepare(self, table: Table, report: Report) -> None:
        """Cross-column cleaning without the database; nothing by default."""

    def check(self, table: Table, ctx: Context) -> Plan:
        raise NotImplementedError

    def write(self, plan: Plan, ctx: Context) -> None:
        raise NotImplementedError

    def template_options(self) -> dict[str, list[str]]:
        """Drop-down lists that come from the database (certificate names…); none by default."""
        return {}

    def example_values(self) -> tuple:
        return tuple(column.example for column in self.columns)


_SPECS: dict[str, ImportSpec] = {}


def register(spec_class: type[ImportSpec]) -> type[ImportSpec]:
    """Class decorator: make a kind of import available to the services, views and command."""
    _SPECS[spec_class.kind] = spec_class()
    return spec_class


def spec_for(kind: str) -> ImportSpec:
    return _SPECS[kind]


def kinds() -> list[str]:
    return list(_SPECS)


# --- Reading and cleaning -------------------------------------------------------------------------


@dataclass
class _Header:
    index: int  # 0-based index of the header row
    columns: dict[str, int]  # column key → 0-based cell index
    labels: dict[str, str]  # column key → header text as written in the file


def _find_header(spec: ImportSpec, head: list[list]) -> _Header | None:
    best: _Header | None = None
    for index, row in enumerate(head):
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for position, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            key = spec.header_lookup.get(header_key(cell))
            if key is not None and key not in columns:
                columns[key] = position
                labels[key] = re.sub(r"\s+", "", cell)
        if len(columns) >= 2 and (best is None or len(columns) > len(best.columns)):
            best = _Header(index, columns, labels)
    return best


def _duplicate_headers(spec: ImportSpec, header: _Header, row: list, report: Report) -> None:
    for position, cell in enumerate(row):
        if not isinstance(cell, str):
            continue
        key = spec.header_lookup.get(header_key(cell))
        if key is not None and header.columns[key] != position:
            report.warn(
                header.index + 1,
                None,
                f"列「{cell.strip()}」" + WARN_DUPLICATE_HEADER.format(other=header.labels[key]),
            )


def _plain(value: object) -> str:
    """A cell as text, to recognise the template's example row however it was read back."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return "" if value is None else str(value).strip()


_MISSING = object()


class _CellError:
    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


def _cell_cleaner(column: Column) -> Callable[[object], object]:
    clean, required = column.clean, column.required

    def run(value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                value = None
        elif isinstance(value, float) and value != value:  # NaN
            value = None
        if value is None:
            return _CellError(cleaners.ERR_REQUIRED) if required else None
        try:
            return clean(value)
        except ValidationError as exc:
            return _CellError(exc.messages[0])

    return run


def _clean_column(run, raw_values: tuple) -> tuple[list, bool]:
    """Clean a whole column, each distinct value once."""
    memo: dict = {}
    get = memo.get
    out = []
    append = out.append
    failed = False
    for value in raw_values:
        result = get(value, _MISSING)
        if result is _MISSING:
            result = run(value)
            memo[value] = result
            if result.__class__ is _CellError:
                failed = True
        append(result)
    return out, failed


def load_table(
    spec: ImportSpec,
    content: bytes,
    file_name: str,
    report: Report,
    progress: Callable[[int, int], None] | None = None,
) -> Table | None:
    """Read and clean every row of the file. Returns None when the file itself is unusable
    (unreadable, no header, a required column missing); those problems are in ``report``."""
    header = None
    try:  # the first sheet with a recognisable header; later sheets are not even parsed
        for sheet in open_sheets(content, file_name):
            head = [row for _, row in zip(range(HEADER_SCAN_ROWS), sheet.rows, strict=False)]
            header = _find_header(spec, head)
            if header is not None:
                break
    except ValidationError as exc:
        report.error(None, None, exc.messages[0])
        return None
    if header is None:
        examples = "」「".join(column.label for column in spec.columns[:3])
        report.error(None, None, ERR_NO_HEADER.format(rows=HEADER_SCAN_ROWS, examples=examples))
        return None

    report.labels = {column.key: column.label for column in spec.columns} | header.labels
    report.positions = dict(header.columns)
    _duplicate_headers(spec, header, head[header.index], report)
    missing = False
    for column in spec.columns:
        if column.required and column.key not in header.columns:
            synonyms = "、".join(column.synonyms) or "—"
            report.error(
                None, None, ERR_MISSING_COLUMN.format(label=column.label, synonyms=synonyms)
            )
            missing = True
    if missing:
        return None

    keys = list(header.columns)
    positions = [header.columns[key] for key in keys]
    width = max(positions) + 1
    pick = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
    examples = dict(zip((c.key for c in spec.columns), spec.example_values(), strict=True))
    example_pick = tuple(_plain(examples[key]) for key in keys)
    example_first = examples[keys[0]]  # the template writes its examples as they read back
    total = max(0, sheet.height - header.index - 1)
    row_nos: list[int] = []
    kept: list[tuple] = []
    rows = iter([*head[header.index + 1 :]])

    def all_rows():
        yield from rows
        yield from sheet.rows

    for row_no, row in enumerate(all_rows(), start=header.index + 2):
        if len(row) < width:
            row = [*row, *([""] * (width - len(row)))]
        values = pick(row)
        if not any(values):
            continue
        first = values[0]
        if (not first or (first.__class__ is str and first.isspace())) and all(
            not value or (value.__class__ is str and value.isspace()) for value in values
        ):
            continue  # cells holding only spaces: blank to the eye, so blank here
        if values[0] == example_first and tuple(map(_plain, values)) == example_pick:
            report.warn(row_no, None, WARN_EXAMPLE_ROW)
            continue
        row_nos.append(row_no)
        kept.append(values)
        if progress is not None and len(kept) % PROGRESS_EVERY == 0:
            progress(len(kept), max(total, len(kept)))

    raw_columns = list(zip(*kept, strict=True)) if kept else [() for _ in keys]
    del kept
    columns: dict[str, list] = {}
    for key, raw_values in zip(keys, raw_columns, strict=True):
        values, failed = _clean_column(_cell_cleaner(spec.by_key[key]), raw_values)
        if failed:
            for i, value in enumerate(values):
                if value.__class__ is _CellError:
                    report.error(row_nos[i], key, value.message)
                    values[i] = None
        columns[key] = values
    del raw_columns

    for column in spec.columns:
        if column.key not in columns:
            columns[column.key] = [None] * len(row_nos)
    if not row_nos and not report.errors:
        report.error(None, None, ERR_NO_ROWS)
        return None
    table = Table(row_nos, columns, report.labels, report.positions)
    spec.prepare(table, report)
    return table


def duplicates(values: Iterator[tuple[int, object]], report: Report, key: str) -> dict:
    """Report each repeat of a value within the file on its later row, naming the first row;
    return value → first row number."""
    first: dict = {}
    for row_no, value in values:
        if value is None:
            continue
        seen = first.setdefault(value, row_no)
        if seen != row_no:
            report.error(row_no, key, ERR_DUPLICATE_ROW.format(other=seen))
    return first
