from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from xbank.accounts.access import Viewer, grants_for
from xbank.accounts.models import Role
from xbank.accounts.scoping import scope_for
from xbank.core.identity import normalize_text
from xbank.orgs.models import Major

from .models import (
    LEVEL_RANK,
    CertificateAlias,
    CertificateType,
    Course,
    CourseStandardMap,
    Curriculum,
    CurriculumCourse,
    Level,
    StandardModule,
)


def _key(name: str) -> str:
    return normalize_text(name or "")


def certificate_type_lookup() -> dict[str, CertificateType]:
    """Every name and alias of every certificate type, normalised, in two queries.

    Importers build this once per file rather than querying per row.
    """
    table: dict[str, CertificateType] = {}
    types = {ct.pk: ct for ct in CertificateType.objects.select_related("evaluation_org")}
    for ct in types.values():
        table[_key(ct.name)] = ct
    for alias in CertificateAlias.objects.all():
        table[_key(alias.alias)] = types[alias.certificate_type_id]
    return table


def certificate_type_resolve(
    name: str, lookup: dict[str, CertificateType] | None = None
) -> CertificateType | None:
    """The certificate type a user means by ``name`` (its name or any alias), or None."""
    if lookup is None:
        lookup = certificate_type_lookup()
    return lookup.get(_key(name))


# --- Catalogue pages: certificate types and curricula, scoped like learners ----------------------


def certificate_type_list() -> QuerySet[CertificateType]:
    """Every certificate type with its issuer, aliases and number of standard modules."""
    return (
        CertificateType.objects.select_related("evaluation_org")
        .prefetch_related("aliases")
        .annotate(module_count=Count("standard_modules"))
        .order_by("kind", "name", "id")
    )


def access_certificate_type(pk: int | str) -> CertificateType:
    try:
        return CertificateType.objects.select_related("evaluation_org").get(pk=pk)
    except (CertificateType.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certificate type") from None


def standard_modules_by_level(
    certificate_type: CertificateType,
) -> list[tuple[str, list[StandardModule]]]:
    """The type's standard modules grouped by level, junior to senior (not alphabetical)."""
    labels: dict[str, str] = {value: str(label) for value, label in Level.choices}
    groups: dict[str, list[StandardModule]] = {}
    for module in certificate_type.standard_modules.order_by("code", "id"):
        groups.setdefault(module.level, []).append(module)
    order = sorted(groups, key=lambda level: (LEVEL_RANK.get(level, 99), level))
    return [(labels.get(level, level), groups[level]) for level in order]


def curriculum_scope_q(user: Viewer) -> Q:
    """Curricula of the majors in the user's scope (by the major's institution and school)."""
    return scope_for(user).q(
        institution="major__institution", school="major__school", major="major"
    )


def curriculum_list(*, user: Viewer) -> QuerySet[Curriculum]:
    return (
        Curriculum.objects.filter(curriculum_scope_q(user))
        .select_related("major__school", "major__institution")
        .prefetch_related("required_certificates")
        .annotate(course_count=Count("curriculum_courses"))
        .order_by("major__institution__code", "major__code", "-cohort_year", "id")
    )


def curriculum_major_options(user: Viewer) -> QuerySet[Major]:
    return Major.objects.filter(
        scope_for(user).q(institution="institution", school="school", major="pk")
    ).select_related("institution")


def access_curriculum(user: Viewer, pk: int | str) -> Curriculum:
    """One curriculum with its courses, or 404 whether missing or outside the user's scope."""
    try:
        return (
            Curriculum.objects.filter(curriculum_scope_q(user))
            .select_related("major__school", "major__institution")
            .prefetch_related(
                "required_certificates",
                Prefetch(
                    "curriculum_courses",
                    queryset=CurriculumCourse.objects.select_related("course").order_by(
                        "semester", "course__code", "id"
                    ),
                ),
            )
            .get(pk=pk)
        )
    except (Curriculum.DoesNotExist, ValueError, TypeError):
        raise Http404("No such curriculum") from None


def curricula_requiring(*, user: Viewer, certificate_type: CertificateType) -> QuerySet[Curriculum]:
    """Curricula in scope that accept this certificate for graduation (课证融通)."""
    return (
        Curriculum.objects.filter(curriculum_scope_q(user), required_certificates=certificate_type)
        .select_related("major")
        .order_by("major__code", "-cohort_year", "id")
    )


# --- Course–certificate integration (课证融合): the coverage matrix -------------------------------


# Who keeps a curriculum's course–certificate map.
COVERAGE_ROLES = frozenset({Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF})


def coverage_can_edit(user: Viewer, curriculum: Curriculum) -> bool:
    """Academic affairs of the curriculum's college, or school staff of its school or major,
    keep its course–certificate map (seed 四(一)2: each major builds its own 课证融合 plan)."""
    return grants_for(user).covers(curriculum.major, roles=COVERAGE_ROLES)


def coverage_certificate_options(curriculum: Curriculum) -> list[CertificateType]:
    """Certificate types that have a skill standard, those the curriculum requires first.

    ``curriculum.required_certificates`` is read from its prefetch (``access_curriculum``).
    """
    required = {ct.pk for ct in curriculum.required_certificates.all()}
    types = CertificateType.objects.filter(
        pk__in=StandardModule.objects.values("certificate_type_id")
    ).order_by("kind", "name", "id")
    return sorted(types, key=lambda ct: ct.pk not in required)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CoverageRow:
    """One course of the curriculum and the standard modules it teaches."""

    curriculum_course: CurriculumCourse
    cells: list[CourseStandardMap | None]
    modules: list[StandardModule] = field(default_factory=list, repr=False)

    @property
    def items(self) -> list[tuple[StandardModule, CourseStandardMap | None]]:
        return list(zip(self.modules, self.cells, strict=True))

    @property
    def course(self) -> Course:
        return self.curriculum_course.course

    @property
    def mapped_count(self) -> int:
        return sum(1 for cell in self.cells if cell is not None)


@dataclass
class CoverageMatrix:
    """Standard modules (columns) × courses of one curriculum (rows) for one certificate.

    ``share`` is the covered part of the standard: modules taught by at least one course, over
    every module shown (one level, or all levels of the certificate).
    """

    curriculum: Curriculum
    certificate_type: CertificateType
    level: str
    modules: list[StandardModule]
    rows: list[CoverageRow]
    module_course_counts: list[int] = field(default_factory=list)

    @property
    def module_count(self) -> int:
        return len(self.modules)

    @property
    def covered_modules(self) -> list[StandardModule]:
        return [m for m, n in zip(self.modules, self.module_course_counts, strict=True) if n]

    @property
    def uncovered_modules(self) -> list[StandardModule]:
        return [m for m, n in zip(self.modules, self.module_course_counts, strict=True) if not n]

    @property
    def covered_count(self) -> int:
        return len(self.covered_modules)

    @property
    def share(self) -> Decimal | None:
        """Percent of the standard covered, one decimal (None when there are no modules)."""
        return _percent(self.covered_count, self.module_count)

    @property
    def unmapped_courses(self) -> list[CurriculumCourse]:
        return [row.curriculum_course for row in self.rows if not row.mapped_count]

    @property
    def columns(self) -> list[tuple[StandardModule, int]]:
        return list(zip(self.modules, self.module_course_counts, strict=True))

    def chart_data(self) -> dict[str, list[Any]]:
        """The heat map's data: [module index, course index, 1 or 0] for every cell."""
        labels = dict(Level.choices)
        return {
            "modules": [
                f"{labels.get(m.level, m.level)} {m.code} {m.name}" if not self.level else str(m)
                for m in self.modules
            ],
            "courses": [row.course.name for row in self.rows],
            "cells": [
                [x, y, 0 if cell is None else 1]
                for y, row in enumerate(self.rows)
                for x, cell in enumerate(row.cells)
            ],
        }


def standard_modules_of(certificate_type: CertificateType, level: str = "") -> list[StandardModule]:
    """Modules of the certificate (or of one level), junior to senior, then by code."""
    modules = StandardModule.objects.filter(certificate_type=certificate_type)
    if level:
        modules = modules.filter(level=level)
    return sorted(modules, key=lambda m: (LEVEL_RANK.get(m.level, 99), m.level, m.code, m.pk))


def coverage_matrix(
    *, curriculum: Curriculum, certificate_type: CertificateType, level: str = ""
) -> CoverageMatrix:
    """The coverage matrix in two queries (modules, maps) on top of ``access_curriculum``."""
    modules = standard_modules_of(certificate_type, level)
    maps = {
        (m.course_id, m.standard_module_id): m
        for m in CourseStandardMap.objects.filter(
            curriculum=curriculum, standard_module__in=[m.pk for m in modules]
        ).select_related("course_module")
    }
    rows = [
        CoverageRow(cc, [maps.get((cc.course_id, m.pk)) for m in modules], modules)
        for cc in curriculum.curriculum_courses.all()
    ]
    counts = [sum(1 for row in rows if row.cells[i] is not None) for i in range(len(modules))]
    return CoverageMatrix(curriculum, certificate_type, level, modules, rows, counts)


@dataclass(frozen=True)
class CoverageSummary:
    """One (curriculum, certificate) pair of the coverage list."""

    curriculum: Curriculum
    certificate_type: CertificateType
    required: bool
    module_count: int
    covered_count: int
    mapped_course_count: int

    @property
    def share(self) -> Decimal | None:
        return _percent(self.covered_count, self.module_count)


def coverage_summaries(
    curricula: Iterable[Curriculum], *, certificate_type: CertificateType | None = None
) -> list[CoverageSummary]:
    """For each curriculum: every certificate it requires or maps to, with its coverage.

    ``curricula`` comes from ``curriculum_list`` (required certificates prefetched); three more
    queries whatever their number: module counts, map counts, and the mapped certificates.
    """
    curricula = list(curricula)
    module_counts = dict(
        StandardModule.objects.values_list("certificate_type").annotate(n=Count("id"))
    )
    mapped = {
        (r["curriculum_id"], r["standard_module__certificate_type_id"]): r
        for r in CourseStandardMap.objects.filter(curriculum__in=[c.pk for c in curricula])
        .values("curriculum_id", "standard_module__certificate_type_id")
        .annotate(
            modules=Count("standard_module", distinct=True),
            courses=Count("course", distinct=True),
        )
    }
    types = {
        ct.pk: ct
        for ct in CertificateType.objects.filter(
            pk__in=CourseStandardMap.objects.filter(
                curriculum__in=[c.pk for c in curricula]
            ).values("standard_module__certificate_type_id")
        )
    }
    summaries = []
    for curriculum in curricula:
        required = [ct for ct in curriculum.required_certificates.all() if module_counts.get(ct.pk)]
        required_ids = {ct.pk for ct in required}
        others = sorted(
            (
                types[ct_id]
                for c_id, ct_id in mapped
                if c_id == curriculum.pk and ct_id not in required_ids
            ),
            key=lambda ct: (ct.name, ct.pk),
        )
        for ct in [*required, *others]:
            if certificate_type is not None and ct.pk != certificate_type.pk:
                continue
            row = mapped.get((curriculum.pk, ct.pk), {})
            summaries.append(
                CoverageSummary(
                    curriculum=curriculum,
                    certificate_type=ct,
                    required=ct.pk in required_ids,
                    module_count=module_counts.get(ct.pk, 0),
                    covered_count=row.get("modules", 0),
                    mapped_course_count=row.get("courses", 0),
                )
            )
    return summaries
