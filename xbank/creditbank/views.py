"""Pages of the credit bank (学分银行): conversion rules and their simulation, the calculator
(also public), recognition requests and their two-level review, the ledger, the transcript and
the graduation audit.

Thin views: a role check (403), ``access_*`` for the row (the same 404 for missing and out of
scope), one service call, and a domain error put back on the form or shown as a message.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required
from xbank.accounts.models import Role
from xbank.accounts.scoping import scope_for
from xbank.catalog.models import Curriculum, Level
from xbank.core.pdf import pdf_response, render_pdf
from xbank.core.qr import qr_svg_data_uri
from xbank.core.xlsx import dated_filename, write_rows, xlsx_response
from xbank.learners import selectors as learner_selectors
from xbank.orgs.models import Institution
from xbank.verify import services as verify_services
from xbank.verify.models import Credential

from . import exports, forms, selectors, services
from .choices import staff_curricula
from .filters import BatchFilter, GraduationFilterForm, LedgerFilterForm, RequestFilter, RuleFilter
from .models import ConversionRule, LineResult, RecognitionRequest

PAGE_SIZE = 50
BATCH_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.CONTINUING_ED, Role.SCHOOL_STAFF)
GRADUATION_ROLES = (Role.BANK_ADMIN, Role.ACADEMIC_AFFAIRS, Role.SCHOOL_STAFF)


# --- Guards and helpers -----------------------------------------------------------------------------


def roles_required(*roles):
    """Logged in and holding one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not scope_for(request.user).has(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _sees_requests(user) -> bool:
    scope = scope_for(user)
    return scope.sees_learner_records or scope.has(Role.LEARNER)


def _is_final_approver(user) -> bool:
    return any(
        ra.role == Role.ACADEMIC_AFFAIRS and ra.institution_id and not ra.school_id
        for ra in user.role_assignments.all()
    )


def rule_owners(user) -> list[Institution | None]:
    """Whose rules the user may write: institutions (their 教务处, or the bank) and, for the
    bank's administrator, the regional bank itself (None)."""
    owners: list[Institution | None] = []
    if selectors.may_manage_rules(user, None):
        owners.append(None)
    owners += [
        i
        for i in learner_selectors.institution_options(user).order_by("code")
        if selectors.may_manage_rules(user, i)
    ]
    return owners


def _access_learner(request, pk):
    """A learner record the user may see (staff in scope, or the learner themself): 403 for a
    role that never sees learner records, the same 404 for missing and out of scope."""
    if not _sees_requests(request.user):
        raise PermissionDenied
    return learner_selectors.access_learner(request.user, pk)


def _access_request(request, code) -> RecognitionRequest:
    """A request the user may see (403 for a role that sees no requests at all)."""
    if not _sees_requests(request.user):
        raise PermissionDenied
    return selectors.access_request(request.user, code)


def _export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _xlsx(title: str, export, items):
    headers, rows = export()
    return xlsx_response(dated_filename(title), write_rows(headers, rows(items), sheet_name=title))


def _page(request, items, size: int = PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def index(request):
    scope = scope_for(request.user)
    if scope.sees_learner_records:
        return redirect("creditbank:request-list")
    return redirect("creditbank:my-credits")


# --- Conversion rules ---------------------------------------------------------------------------------


@records_required
def rule_list(request):
    filterset = RuleFilter(
        request.GET or None, queryset=selectors.rule_list(user=request.user), user=request.user
    )
    if _export(request):
        return _xlsx(_("转换规则"), exports.rule_export, filterset.qs)
    return render(
        request,
        "creditbank/rule_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, filterset.qs),
            "may_create": bool(rule_owners(request.user)),
        },
    )


def _managed_rule(request, pk) -> ConversionRule:
    rule = selectors.access_rule(request.user, pk)
    if not selectors.may_manage_rules(request.user, rule.institution):
        raise PermissionDenied
    return rule


@records_required
def rule_detail(request, pk):
    rule = selectors.access_rule(request.user, pk)
    versions = list(selectors.rule_versions(rule=rule))
    return render(
        request,
        "creditbank/rule_detail.html",
        {
            "rule": rule,
            "versions": versions,
            "has_draft": any(v.is_draft for v in versions),
            "may_manage": selectors.may_manage_rules(request.user, rule.institution),
            "retire_form": forms.RuleRetireForm(),
        },
    )


def _rule_form_page(request, form, *, title, rule=None):
    return render(
        request,
        "creditbank/rule_form.html",
        {"form": form, "title": title, "rule": rule},
    )


@records_required
def rule_create(request):
    owners = rule_owners(request.user)
    if not owners:
        raise PermissionDenied
    form = forms.RuleForm(request.POST or None, institutions=owners)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存为草稿，发布后生效"))
            return redirect("creditbank:rule-detail", pk=rule.pk)
    return _rule_form_page(request, form, title=_("新建转换规则"))


@records_required
def rule_edit(request, pk):
    rule = _managed_rule(request, pk)
    if not rule.is_draft:
        messages.error(request, services.ERR_RULE_NOT_DRAFT)
        return redirect("creditbank:rule-detail", pk=rule.pk)
    form = forms.RuleForm(
        request.POST or None,
        initial=forms.RuleForm.initial_from(rule),
        fixed_institution=rule.institution,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=request.user, rule=rule, **form.service_kwargs())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("creditbank:rule-detail", pk=rule.pk)
    return _rule_form_page(request, form, title=_("修改草稿"), rule=rule)


@records_required
def rule_revise(request, pk):
    """A new version of a published rule: a draft copied from the latest version."""
    rule = _managed_rule(request, pk)
    latest = selectors.rule_versions(rule=rule).first()
    initial = forms.RuleForm.initial_from(latest)
    initial["effective_from"] = None
    initial["effective_to"] = None
    form = forms.RuleForm(request.POST or None, initial=initial, fixed_institution=rule.institution)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            new = services.rule_revise(
                actor=request.user,
                rule=rule,
                effective_from=kwargs.pop("effective_from"),
                **kwargs,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已新建第 %(v)s 版草稿") % {"v": new.version})
            return redirect("creditbank:rule-detail", pk=new.pk)
    title = _("新建版本：%(name)s（当前第 %(v)s 版）") % {"name": latest.name, "v": latest.version}
    return _rule_form_page(request, form, title=title, rule=rule)


@require_POST
@records_required
def rule_publish(request, pk):
    rule = _managed_rule(request, pk)
    try:
        services.rule_publish(actor=request.user, rule=rule)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已发布 %(label)s") % {"label": rule.label})
    return redirect("creditbank:rule-detail", pk=rule.pk)


@require_POST
@records_required
def rule_retire(request, pk):
    rule = _managed_rule(request, pk)
    form = forms.RuleRetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写停用日期"))
        return redirect("creditbank:rule-detail", pk=rule.pk)
    try:
        services.rule_retire(actor=request.user, rule=rule, on=form.cleaned_data["on"])
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已停用 %(label)s") % {"label": rule.label})
    return redirect("creditbank:rule-detail", pk=rule.pk)


@require_POST
@records_required
def rule_discard(request, pk):
    rule = _managed_rule(request, pk)
    family = selectors.rule_versions(rule=rule).exclude(pk=rule.pk).first()
    try:
        services.rule_discard(actor=request.user, rule=rule)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("creditbank:rule-detail", pk=rule.pk)
    messages.success(request, _("草稿已删除"))
    if family is not None:
        return redirect("creditbank:rule-detail", pk=family.pk)
    return redirect("creditbank:rule-list")


SIMULATION_SHOW = {
    "gains": lambda row: row.gains,
    "capped": lambda row: row.capped,
    "conflict": lambda row: row.conflict,
    "none": lambda row: not row.gains,
}


@records_required
def rule_simulate(request, pk):
    """Run a rule (a draft as if published) against a cohort or every student in scope."""
    rule = _managed_rule(request, pk)
    curricula = selectors.curriculum_options(request.user)
    if rule.institution_id is not None:
        curricula = curricula.filter(major__institution_id=rule.institution_id)
    form = forms.SimulationForm(request.GET or None, curricula=curricula)
    if form.is_bound and not form.is_valid():
        simulation, rows = None, []
    else:
        curriculum = form.cleaned_data.get("curriculum") if form.is_bound else None
        simulation = selectors.rule_simulate(user=request.user, rule=rule, curriculum=curriculum)
        keep = SIMULATION_SHOW.get(form.cleaned_data.get("show") if form.is_bound else "")
        rows = [row for row in simulation.rows if keep is None or keep(row)]
    if _export(request):
        return _xlsx(_("转换规则模拟"), exports.simulation_export, rows)
    return render(
        request,
        "creditbank/rule_simulate.html",
        {
            "rule": rule,
            "form": form,
            "simulation": simulation,
            "page_obj": _page(request, rows),
        },
    )


# --- Calculator -------------------------------------------------------------------------------------


def _calculate(form, *, records=()):
    """The engine's calculator on a valid form; a learner's own record when the curriculum
    chosen is theirs (then what they already hold and the cap count too)."""
    data = form.cleaned_data
    curriculum = data.get("curriculum")
    learner = None
    if curriculum is not None:
        learner = next(
            (
                r
                for r in records
                if r.major_id == curriculum.major_id and r.cohort_year == curriculum.cohort_year
            ),
            None,
        )
    return selectors.conversion_calculate(
        certificate_type=data["certificate_type"],
        level=data.get("level") or "",
        curriculum=curriculum,
        learner=learner,
    )


def _calculator_page(request, template: str, form, *, records=()):
    if request.htmx and request.htmx.trigger_name == "certificate_type":
        return render(request, "creditbank/_calculator_level.html", {"form": form})
    calculation = _calculate(form, records=records) if form.is_valid() else None
    context = {
        "form": form,
        "calculation": calculation,
        "level_label": dict(Level.choices).get(calculation.level, "") if calculation else "",
    }
    if request.htmx:
        return render(request, "creditbank/_calculator_result.html", context)
    return render(request, template, context)


@login_required
def calculator(request):
    """学分计算器 for logged-in users: a learner's own curriculum is preselected."""
    records = selectors.learner_records_for_user(user=request.user)
    initial = {}
    for record in records:
        curriculum = selectors.curriculum_for(record)
        if curriculum is not None:
            initial["curriculum"] = curriculum.pk
            break
    form = forms.CalculatorForm(
        request.GET or None,
        curricula=selectors.curriculum_options(request.user),
        initial=initial,
    )
    return _calculator_page(request, "creditbank/calculator.html", form, records=records)


def public_calculator(request):
    """The public calculator (no login, Chinese and English): which courses a certificate at a
    level exempts and how many credits it brings, under every institution's rules in force."""
    form = forms.CalculatorForm(request.GET or None)
    return _calculator_page(request, "creditbank/public_calculator.html", form)


# --- Recognition requests ---------------------------------------------------------------------------


def _request_list_page(
    request, queryset, *, template, title, filter_class=RequestFilter, extra=None
):
    filterset = filter_class(request.GET or None, queryset=queryset, user=request.user)
    if _export(request):
        return _xlsx(title, exports.request_export, filterset.qs)
    context = {"filter": filterset, "page_obj": _page(request, filterset.qs), "title": title}
    return render(request, template, {**context, **(extra or {})})


@login_required
def request_list(request):
    if not _sees_requests(request.user):
        raise PermissionDenied
    scope = scope_for(request.user)
    queryset = selectors.request_list(user=request.user)
    batch = None
    if request.GET.get("batch"):
        batch = selectors.batch_list(user=request.user).filter(pk=request.GET["batch"]).first()
        if batch is None:
            raise Http404("No such batch")
        queryset = queryset.filter(batch=batch)
    title = _("认定申请") if scope.sees_learner_records else _("我的认定申请")
    return _request_list_page(
        request,
        queryset,
        template="creditbank/request_list.html",
        title=title,
        extra={
            "batch": batch,
            "may_batch": scope.has(*BATCH_ROLES),
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
    if stage == "school":
        if not scope_for(request.user).has(Role.SCHOOL_STAFF):
            raise PermissionDenied
        status, title = RecognitionRequest.Status.SUBMITTED, _("认定初审（二级学院）")
    else:
        if not _is_final_approver(request.user):
            raise PermissionDenied
        status, title = RecognitionRequest.Status.SCHOOL_APPROVED, _("认定终审（教务处）")
    queryset = selectors.review_queue(user=request.user).filter(status=status)
    return _request_list_page(
        request,
        queryset,
        template="creditbank/review_queue.html",
        title=title,
        filter_class=QueueFilter,
        extra={"stage": stage, "staff": True},
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
        try:
            if decision == "reject":
                services.recognition_reject(actor=request.user, request=r, reason=note)
            elif r.status == RecognitionRequest.Status.SCHOOL_APPROVED:
                services.recognition_approve(actor=request.user, request=r, note=note)
            else:
                services.recognition_school_approve(actor=request.user, request=r, note=note)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
        try:
            services.recognition_appeal(
                actor=request.user,
                request=r,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
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
    try:
        services.recognition_withdraw(actor=request.user, request=r)
    except ValidationError as exc:
        _error(request, exc)
    else:
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
    outcomes = (
        selectors.outcomes_for_request(learner=learner)
        if learner is not None
        else learner_selectors.account_outcomes(account=request.user.learning_account).none()
    )
    # A link may preselect outcomes (?outcome=<id>), e.g. from a new certificate's notification.
    initial = {"outcomes": [pk for pk in request.GET.getlist("outcome") if pk.isdigit()]}
    form = forms.ApplyForm(
        request.POST or None, request.FILES or None, outcomes=outcomes, initial=initial
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
            try:
                r = services.recognition_submit(
                    actor=request.user,
                    learner=learner,
                    outcomes=data["outcomes"],
                    evidence_text=data["evidence_text"],
                    evidence_file=data["evidence_file"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
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


@roles_required(*BATCH_ROLES)
def batch_create(request):
    form = forms.BatchForm(request.POST or None, curricula=staff_curricula(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.recognition_batch_start(
                actor=request.user,
                curriculum=data["curriculum"],
                certificate_type=data["certificate_type"],
                min_level=data["min_level"],
                evidence_text=data["evidence_text"].strip(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已为 %(n)s 名学生发起认定申请，等待二级学院初审") % {"n": batch.request_count},
            )
            return redirect(reverse("creditbank:request-list") + f"?batch={batch.pk}")
    return render(request, "creditbank/batch_form.html", {"form": form})


@roles_required(*BATCH_ROLES)
def batch_list(request):
    filterset = BatchFilter(
        request.GET or None, queryset=selectors.batch_list(user=request.user), user=request.user
    )
    if _export(request):
        return _xlsx(_("批量认定"), exports.batch_export, filterset.qs)
    return render(
        request,
        "creditbank/batch_list.html",
        {"filter": filterset, "page_obj": _page(request, filterset.qs)},
    )


# --- Ledger and transcript ---------------------------------------------------------------------------


def _ledger_page(request, *, account, learner=None):
    ledger = selectors.ledger_get(account=account)
    curricula = Curriculum.objects.filter(
        pk__in={row.entry.curriculum_id for row in ledger.rows if row.entry.curriculum_id}
    ).select_related("major")
    form = LedgerFilterForm(request.GET or None, curricula=curricula)
    rows = [row for row in ledger.rows if form.keep(row)] if form.is_bound else ledger.rows
    if _export(request):
        return _xlsx(_("学分流水"), exports.ledger_export, rows)
    may_reverse = learner is not None and selectors.may_manage_rules(
        request.user, learner.institution
    )
    return render(
        request,
        "creditbank/ledger.html",
        {
            "ledger": ledger,
            "learner": learner,
            "filter_form": form,
            "page_obj": _page(request, list(reversed(rows)), 100),
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
        try:
            reversal = services.entry_reverse(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已登记冲正流水第 %(seq)s 条") % {"seq": reversal.seq})
    return redirect("creditbank:ledger", pk=learner.pk)


@login_required
def transcript(request, pk):
    learner = _access_learner(request, pk)
    credential = verify_services.credential_for_source(learner, kind=Credential.Kind.TRANSCRIPT)
    return render(
        request,
        "creditbank/transcript.html",
        {
            "learner": learner,
            "transcript": selectors.transcript_get(learner=learner),
            "credential": credential,
            "verify_url": verify_services.public_url(credential, request) if credential else "",
            "may_issue": selectors.may_act_for_learner(request.user, learner),
        },
    )


@require_POST
@login_required
def transcript_issue(request, pk):
    """Issue a verifiable transcript (a credential with a public page), then show it."""
    learner = _access_learner(request, pk)
    if not selectors.may_act_for_learner(request.user, learner):
        raise PermissionDenied
    try:
        credential = services.transcript_issue(
            actor=request.user, learner=learner, curriculum=selectors.curriculum_for(learner)
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("成绩单已签发，核验码 %(code)s") % {"code": credential.code})
    return redirect("creditbank:transcript", pk=learner.pk)


@login_required
def transcript_pdf(request, pk, code):
    """The transcript as a PDF, carrying the QR code of its credential's public page."""
    learner = _access_learner(request, pk)
    credential = selectors.transcript_credential(learner=learner, code=code)
    if credential is None:
        raise Http404("No such transcript")
    if not credential.is_valid:
        messages.error(request, _("该成绩单已撤销，请重新签发"))
        return redirect("creditbank:transcript", pk=learner.pk)
    data = selectors.transcript_get(learner=learner)
    if data is None:
        raise Http404("No curriculum")
    url = verify_services.public_url(credential, request)
    content = render_pdf(
        "creditbank/pdf/transcript.html",
        {"t": data, "credential": credential, "verify_url": url, "qr": qr_svg_data_uri(url)},
    )
    name = f"{_('成绩单')}-{learner.account.name}-{credential.issued_at:%Y%m%d}.pdf"
    return pdf_response(name, content)


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


# --- Graduation audit ---------------------------------------------------------------------------------


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
