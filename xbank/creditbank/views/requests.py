"""Pages of the recognition requests: lists and review queues, a request with its two-level
review, appeal and withdrawal, applying, and batch recognition for a cohort."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.access import grants_for
from xbank.accounts.scoping import scope_for
from xbank.core.views import list_page, run_action, run_service
from xbank.learners import selectors as learner_selectors

from .. import access, exports, forms, selectors, services
from ..choices import staff_curricula
from ..filters import BatchFilter, RequestFilter
from ..models import LineResult, RecognitionRequest
from .base import _access_request, batch_required, requests_required


@requests_required
def request_list(request):
    scope = scope_for(request.user)
    queryset = selectors.request_list(user=request.user)
    batch = None
    if request.GET.get("batch"):
        batch = selectors.batch_list(user=request.user).filter(pk=request.GET["batch"]).first()
        if batch is None:
            raise Http404("No such batch")
        queryset = queryset.filter(batch=batch)
    title = _("认定申请") if scope.sees_learner_records else _("我的认定申请")
    return list_page(
        request,
        "creditbank/request_list.html",
        filterset=RequestFilter(request.GET or None, queryset=queryset, user=request.user),
        export=exports.RequestExport(title),
        context={
            "title": title,
            "batch": batch,
            "may_batch": scope.has(*access.BATCH_ROLES),
            "may_apply": bool(selectors.learner_records_for_user(user=request.user)),
            "staff": scope.sees_learner_records,
        },
    )


class QueueFilter(RequestFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["status"]


@login_required
def review_queue(request, stage: str):
    """First review (二级学院初审) or final approval (教务处终审): the requests waiting for the
    user, oldest first."""
    grants = grants_for(request.user)
    if stage == "school":
        if not access.reviews_for_school(grants):
            raise PermissionDenied
        status, title = RecognitionRequest.Status.SUBMITTED, _("认定初审（二级学院）")
    else:
        if not access.is_final_approver(grants):
            raise PermissionDenied
        status, title = RecognitionRequest.Status.SCHOOL_APPROVED, _("认定终审（教务处）")
    queryset = selectors.review_queue(user=request.user).filter(status=status)
    return list_page(
        request,
        "creditbank/review_queue.html",
        filterset=QueueFilter(request.GET or None, queryset=queryset, user=request.user),
        export=exports.RequestExport(title),
        context={"title": title, "stage": stage, "staff": True},
    )


def _request_context(request, r: RecognitionRequest, **forms_given) -> dict:
    user = request.user
    own = selectors.is_learner_self(user, r.learner) or r.submitted_by_id == user.pk
    stage = None
    if r.status == RecognitionRequest.Status.SUBMITTED and selectors.may_school_review(
        user, r.learner
    ):
        stage = "school"
    elif r.status == RecognitionRequest.Status.SCHOOL_APPROVED and selectors.may_final_approve(
        user, r.learner
    ):
        stage = "final"
    may_appeal = own and r.may_appeal
    return {
        "req": r,
        "lines": [(line, LineResult(line.result).label) for line in r.lines.all()],
        "stage": stage,
        "review_form": forms_given.get("review_form") or (forms.ReviewForm() if stage else None),
        "appeal_form": forms_given.get("appeal_form")
        or (forms.AppealForm() if may_appeal else None),
        "may_withdraw": own and r.is_open,
        "staff": scope_for(user).sees_learner_records,
    }


@login_required
def request_detail(request, code):
    r = _access_request(request, code)
    return render(request, "creditbank/request_detail.html", _request_context(request, r))


@require_POST
@login_required
def request_review(request, code):
    """Pass or reject at the request's current level. The services decide who may (the
    three-different-people rule among them); their refusals are errors on this form."""
    r = _access_request(request, code)
    if not (
        selectors.may_school_review(request.user, r.learner)
        or selectors.may_final_approve(request.user, r.learner)
    ):
        raise PermissionDenied
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        note, decision = form.cleaned_data["note"], form.cleaned_data["decision"]

        def decide():
            if decision == "reject":
                return services.recognition_reject(actor=request.user, request=r, reason=note)
            if r.status == RecognitionRequest.Status.SCHOOL_APPROVED:
                return services.recognition_approve(actor=request.user, request=r, note=note)
            return services.recognition_school_approve(actor=request.user, request=r, note=note)

        ok, _decided = run_service(form, decide)
        if ok:
            messages.success(request, _("已办理"))
            return redirect("creditbank:request-detail", code=r.code)
    return render(
        request,
        "creditbank/request_detail.html",
        _request_context(request, r, review_form=form),
    )


def _own_request(request, code) -> RecognitionRequest:
    r = _access_request(request, code)
    if not (
        selectors.is_learner_self(request.user, r.learner) or r.submitted_by_id == request.user.pk
    ):
        raise PermissionDenied
    return r


@require_POST
@login_required
def request_appeal(request, code):
    r = _own_request(request, code)
    form = forms.AppealForm(request.POST, request.FILES)
    if form.is_valid():
        ok, _appealed = run_service(
            form,
            lambda: services.recognition_appeal(
                actor=request.user,
                request=r,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            ),
        )
        if ok:
            messages.success(request, _("申诉已提交，申请退回二级学院重新审核"))
            return redirect("creditbank:request-detail", code=r.code)
    return render(
        request,
        "creditbank/request_detail.html",
        _request_context(request, r, appeal_form=form),
    )


@require_POST
@login_required
def request_withdraw(request, code):
    r = _own_request(request, code)
    ok, _withdrawn = run_action(
        request, lambda: services.recognition_withdraw(actor=request.user, request=r)
    )
    if ok:
        messages.success(request, _("申请已撤回"))
    return redirect("creditbank:request-detail", code=r.code)


@login_required
def request_file(request, code, which: str):
    r = _access_request(request, code)
    if which not in ("evidence", "appeal"):
        raise Http404("No such file")
    file = r.evidence_file if which == "evidence" else r.appeal_file
    if not file:
        raise Http404("No file")
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])


def _apply_learner(request):
    """The student record the learner applies for (a person may hold two)."""
    records = selectors.learner_records_for_user(user=request.user)
    if not records:
        return records, None
    chosen = request.GET.get("learner") or request.POST.get("learner")
    learner = next((r for r in records if str(r.pk) == chosen), records[0])
    return records, learner


@login_required
def request_apply(request):
    """A learner applies: picks outcomes, adds evidence, sees the engine's proposal with its
    explanations (预览), then submits."""
    if getattr(request.user, "learning_account", None) is None:
        raise PermissionDenied
    records, learner = _apply_learner(request)
    curriculum = selectors.curriculum_for(learner) if learner is not None else None
    none = learner_selectors.account_outcomes(account=request.user.learning_account).none()
    outcomes = (
        selectors.outcomes_for_request(learner=learner, include_taken=True)
        if learner is not None
        else none
    )
    offered = selectors.outcomes_for_request(learner=learner) if learner is not None else none
    # A link may preselect outcomes (?outcome=<id>), e.g. from a new certificate's notification.
    initial = {"outcomes": [pk for pk in request.GET.getlist("outcome") if pk.isdigit()]}
    form = forms.ApplyForm(
        request.POST or None,
        request.FILES or None,
        outcomes=outcomes,
        offered=offered,
        initial=initial,
    )
    proposal = None
    if request.method == "POST" and curriculum is not None and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "preview":
            proposal = _proposal_rows(
                selectors.request_preview(learner=learner, outcomes=data["outcomes"])
            )
            if request.htmx:
                return render(request, "creditbank/_proposal.html", {"proposal": proposal})
        else:
            ok, r = run_service(
                form,
                lambda: services.recognition_submit(
                    actor=request.user,
                    learner=learner,
                    outcomes=data["outcomes"],
                    evidence_text=data["evidence_text"],
                    evidence_file=data["evidence_file"],
                ),
            )
            if ok:
                messages.success(request, _("申请已提交，等待二级学院初审"))
                return redirect("creditbank:request-detail", code=r.code)
    return render(
        request,
        "creditbank/request_apply.html",
        {
            "form": form,
            "records": records,
            "learner": learner,
            "curriculum": curriculum,
            "proposal": proposal,
        },
    )


def _proposal_rows(proposal):
    if proposal is None:
        return None
    return {
        "lines": [(line, LineResult(line.result).label) for line in proposal.lines],
        "granted": proposal.granted,
        "credits": sum((line.credits for line in proposal.granted), 0),
        "cap": proposal.state.cap,
        "converted_before": proposal.converted_before,
    }


@batch_required
def batch_create(request):
    form = forms.BatchForm(request.POST or None, curricula=staff_curricula(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, batch = run_service(
            form,
            lambda: services.recognition_batch_start(
                actor=request.user,
                curriculum=data["curriculum"],
                certificate_type=data["certificate_type"],
                min_level=data["min_level"],
                evidence_text=data["evidence_text"].strip(),
            ),
        )
        if ok:
            messages.success(
                request,
                _("已为 %(n)s 名学生发起认定申请，等待二级学院初审") % {"n": batch.request_count},
            )
            return redirect(reverse("creditbank:request-list") + f"?batch={batch.pk}")
    return render(request, "creditbank/batch_form.html", {"form": form})


@batch_required
def batch_list(request):
    filterset = BatchFilter(
        request.GET or None, queryset=selectors.batch_list(user=request.user), user=request.user
    )
    return list_page(
        request, "creditbank/batch_list.html", filterset=filterset, export=exports.BatchExport()
    )
