from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from xbank.accounts.scoping import scope_for
from xbank.core.identity import normalize_text
from xbank.orgs.models import Major

from .models import (
    LEVEL_RANK,
    CertificateAlias,
    CertificateType,
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


def certificate_type_resolve(name: str, lookup: dict[str, CertificateType] | None = None):
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


def access_certificate_type(pk) -> CertificateType:
    try:
        return CertificateType.objects.select_related("evaluation_org").get(pk=pk)
    except (CertificateType.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certificate type") from None


def standard_modules_by_level(certificate_type: CertificateType) -> list[tuple[str, list]]:
    """The type's standard modules grouped by level, junior to senior (not alphabetical)."""
    labels = dict(Level.choices)
    groups: dict[str, list[StandardModule]] = {}
    for module in certificate_type.standard_modules.order_by("code", "id"):
        groups.setdefault(module.level, []).append(module)
    order = sorted(groups, key=lambda level: (LEVEL_RANK.get(level, 99), level))
    return [(labels.get(level, level), groups[level]) for level in order]


def curriculum_scope_q(user) -> Q:
    """Curricula of the majors in the user's scope (by the major's institution and school)."""
    return scope_for(user).q(
        institution="major__institution", school="major__school", major="major"
    )


def curriculum_list(*, user) -> QuerySet[Curriculum]:
    return (
        Curriculum.objects.filter(curriculum_scope_q(user))
        .select_related("major__school", "major__institution")
        .prefetch_related("required_certificates")
        .annotate(course_count=Count("curriculum_courses"))
        .order_by("major__institution__code", "major__code", "-cohort_year", "id")
    )


def curriculum_major_options(user) -> QuerySet[Major]:
    return Major.objects.filter(
        scope_for(user).q(institution="institution", school="school", major="pk")
    ).select_related("institution")


def access_curriculum(user, pk) -> Curriculum:
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


def curricula_requiring(*, user, certificate_type: CertificateType) -> QuerySet[Curriculum]:
    """Curricula in scope that accept this certificate for graduation (课证融通)."""
    return (
        Curriculum.objects.filter(curriculum_scope_q(user), required_certificates=certificate_type)
        .select_related("major")
        .order_by("major__code", "-cohort_year", "id")
    )
