"""Reads of import batches, scoped: a batch is seen by its uploader and by users whose scope
covers its institution (or the whole region)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from xbank.accounts.scoping import scope_for
from xbank.orgs.models import Institution

from .models import ImportBatch


def import_institutions(user) -> QuerySet[Institution]:
    """Institutions the user may import into: every one for regional roles, else those of their
    institution-wide roles and of the schools and majors they act for."""
    scope = scope_for(user)
    if not scope.can_import:
        return Institution.objects.none()
    if scope.regional:
        return Institution.objects.all()
    return Institution.objects.filter(
        Q(pk__in=scope.institution_ids)
        | Q(schools__pk__in=scope.school_ids)
        | Q(majors__pk__in=scope.major_ids)
    ).distinct()


def batch_list(*, user, kind: str = "", status: str = "") -> QuerySet[ImportBatch]:
    scope = scope_for(user)
    if not scope.can_import:
        return ImportBatch.objects.none()
    batches = ImportBatch.objects.select_related("institution", "created_by")
    if not scope.regional:
        batches = batches.filter(Q(created_by=user) | Q(institution_id__in=scope.institution_ids))
    if kind:
        batches = batches.filter(kind=kind)
    if status:
        batches = batches.filter(status=status)
    return batches.order_by("-created_at", "-id")


def access_batch(user, code) -> ImportBatch:
    """The batch with this code if the user may see it; the same 404 for missing and forbidden."""
    try:
        return batch_list(user=user).get(code=code)
    except (ImportBatch.DoesNotExist, ValueError):
        raise Http404("No such import batch") from None
