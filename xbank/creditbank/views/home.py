"""The credit bank's entry page, and the learner's own page (我的学分)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from xbank.accounts.scoping import scope_for

from .. import selectors


@login_required
def index(request):
    scope = scope_for(request.user)
    if scope.sees_learner_records:
        return redirect("creditbank:request-list")
    return redirect("creditbank:my-credits")


@login_required
def my_credits(request):
    """The learner's own page (我的学分): per student record, credits against those required,
    with the transcript, ledger, requests and calculator a tap away."""
    account = getattr(request.user, "learning_account", None)
    if account is None:
        raise Http404("No learning account")
    records = selectors.learner_records_for_user(user=request.user)
    transcripts = [(r, selectors.transcript_get(learner=r)) for r in records]
    recent = selectors.request_list(user=request.user).filter(account=account)[:5]
    return render(
        request,
        "creditbank/my_credits.html",
        {"account": account, "transcripts": transcripts, "recent": recent},
    )
