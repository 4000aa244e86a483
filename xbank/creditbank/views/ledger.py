"""The ledger page (学分流水) of a learner, or the learner's own, and reversing an entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.catalog.models import Curriculum
from xbank.core.views import list_page, run_action

from .. import exports, forms, selectors, services
from ..filters import LedgerFilterForm
from .base import _access_learner


def _ledger_page(request, *, account, learner=None):
    ledger = selectors.ledger_get(account=account)
    curricula = Curriculum.objects.filter(
        pk__in={row.entry.curriculum_id for row in ledger.rows if row.entry.curriculum_id}
    ).select_related("major")
    form = LedgerFilterForm(request.GET or None, curricula=curricula)
    rows = [row for row in ledger.rows if form.keep(row)] if form.is_bound else ledger.rows
    may_reverse = learner is not None and selectors.may_manage_rules(
        request.user, learner.institution
    )
    return list_page(
        request,
        "creditbank/ledger.html",
        queryset=list(reversed(rows)),  # newest first; the export keeps the chain order
        export=exports.LedgerExport(),
        page_size=100,
        context={
            "ledger": ledger,
            "learner": learner,
            "filter_form": form,
            "may_reverse": may_reverse,
            "reverse_form": forms.ReverseForm() if may_reverse else None,
        },
    )


@login_required
def ledger(request, pk):
    learner = _access_learner(request, pk)
    return _ledger_page(request, account=learner.account, learner=learner)


@login_required
def my_ledger(request):
    account = getattr(request.user, "learning_account", None)
    if account is None:
        raise Http404("No learning account")
    return _ledger_page(request, account=account)


@require_POST
@login_required
def entry_reverse(request, pk, seq):
    learner = _access_learner(request, pk)
    entry = selectors.entry_list(account=learner.account).filter(seq=seq).first()
    if entry is None:
        raise Http404("No such entry")
    if not selectors.may_manage_rules(request.user, learner.institution):
        raise PermissionDenied
    form = forms.ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
    else:
        ok, reversal = run_action(
            request,
            lambda: services.entry_reverse(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            ),
        )
        if ok:
            messages.success(request, _("已登记冲正流水第 %(seq)s 条") % {"seq": reversal.seq})
    return redirect("creditbank:ledger", pk=learner.pk)
