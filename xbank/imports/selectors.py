"""Reads of import batches, scoped by kind: each kind of import says who may import it
(``pipeline.ImportSpec.roles``). A batch is seen by its uploader and by users who may import its
kind into its whole institution (or everywhere)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from xbank.accounts.access import Grants, Viewer, grants_for
from xbank.orgs.models import Institution

from . import pipeline
from .models import ImportBatch


def import_specs(grants: Grants) -> list[pipeline.ImportSpec]:
    """The kinds of import the user may run, in the order they are registered."""
    return [
        spec for kind in pipeline.kinds() if (spec := pipeline.spec_for(kind)).may_import(grants)
    ]


def may_import(grants: Grants) -> bool:
    """May import some kind somewhere (the guard of the import pages)."""
    return bool(import_specs(grants))


def import_institutions(user: Viewer, kind: str) -> QuerySet[Institution]:
    """Institutions the user may import ``kind`` into: every one for a regional role, else
    those of their institution-wide roles and of the schools and majors they act for."""
    spec = pipeline.spec_for(kind)
    grants = grants_for(user)
    if not spec.may_import(grants):
        return Institution.objects.none()
    reach = grants.reach(*spec.roles)
    if reach.everywhere:
        return Institution.objects.all()
    return Institution.objects.filter(
        reach.q(institution="pk", school="schools__pk", major="majors__pk")
    ).distinct()


def batch_list(*, user: Viewer, kind: str = "", status: str = "") -> QuerySet[ImportBatch]:
    grants = grants_for(user)
    specs = import_specs(grants)
    if not specs:
        return ImportBatch.objects.none()
    visible = Q(created_by=user)
    for spec in specs:
        reach = grants.reach(*spec.roles)
        if reach.everywhere:
            visible |= Q(kind=spec.kind)
        elif reach.institution_ids:
            visible |= Q(kind=spec.kind, institution_id__in=reach.institution_ids)
    batches = ImportBatch.objects.select_related("institution", "created_by").filter(visible)
    if kind:
        batches = batches.filter(kind=kind)
    if status:
        batches = batches.filter(status=status)
    return batches.order_by("-created_at", "-id")


def access_batch(user: Viewer, code: UUID | str) -> ImportBatch:
    """The batch with this code if the user may see it; the same 404 for missing and forbidden."""
    try:
        return batch_list(user=user).get(code=code)
    except (ImportBatch.DoesNotExist, ValueError):
        raise Http404("No such import batch") from None
