"""The graduation audit (毕业审核) of a cohort."""

from __future__ import annotations

from xbank.core.views import list_page

from .. import exports, selectors
from ..choices import staff_curricula
from ..filters import GraduationFilterForm
from .base import graduation_required


@graduation_required
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
    return list_page(
        request,
        "creditbank/graduation.html",
        queryset=rows,
        # Nothing to export before a cohort is chosen: the page asks for one.
        export=exports.GraduationExport() if curriculum is not None else None,
        page_size=100,
        context={"form": form, "curriculum": curriculum, "meets": meets, "fails": fails},
    )
