"""The graduation audit (毕业审核) of a cohort."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import exports, selectors
from ..choices import staff_curricula
from ..filters import GraduationFilterForm
from .base import GRADUATION_ROLES, _export, _page, _xlsx, roles_required


@roles_required(*GRADUATION_ROLES)
def graduation_audit(request):
    """毕业审核 of a cohort: who meets the credit total and the certificate requirement."""
    form = GraduationFilterForm(request.GET or None, curricula=staff_curricula(request.user))
    curriculum = form.cleaned_data.get("curriculum") if form.is_valid() else None
    rows, meets, fails = [], 0, 0
    if curriculum is not None:
        audit = selectors.graduation_audit(user=request.user, curriculum=curriculum)
        meets = sum(1 for row in audit if row.meets)
        fails = len(audit) - meets
        rows = [row for row in audit if form.keep(row)]
    if _export(request) and curriculum is not None:
        return _xlsx(_("毕业审核"), exports.graduation_export, rows)
    return render(
        request,
        "creditbank/graduation.html",
        {
            "form": form,
            "curriculum": curriculum,
            "page_obj": _page(request, rows, 100),
            "meets": meets,
            "fails": fails,
        },
    )
