"""Pages of the conversion rules: list, versions, drafts, publishing and retiring, and the
simulation of a rule against a cohort."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xbank.accounts.decorators import records_required
from xbank.core.views import list_page, run_action, run_service

from .. import exports, forms, selectors, services
from ..choices import curriculum_options
from ..filters import RuleFilter
from ..models import ConversionRule
from .base import rule_owners


@records_required
def rule_list(request):
    filterset = RuleFilter(
        request.GET or None, queryset=selectors.rule_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "creditbank/rule_list.html",
        filterset=filterset,
        export=exports.RuleExport(),
        context={"may_create": bool(rule_owners(request.user))},
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
        ok, rule = run_service(
            form,
            lambda: services.rule_create(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                **form.service_kwargs(),
            ),
        )
        if ok:
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
        ok, _saved = run_service(
            form,
            lambda: services.rule_update(actor=request.user, rule=rule, **form.service_kwargs()),
        )
        if ok:
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
        effective_from = kwargs.pop("effective_from")
        ok, new = run_service(
            form,
            lambda: services.rule_revise(
                actor=request.user, rule=rule, effective_from=effective_from, **kwargs
            ),
        )
        if ok:
            messages.success(request, _("已新建第 %(v)s 版草稿") % {"v": new.version})
            return redirect("creditbank:rule-detail", pk=new.pk)
    title = _("新建版本：%(name)s（当前第 %(v)s 版）") % {"name": latest.name, "v": latest.version}
    return _rule_form_page(request, form, title=title, rule=rule)


@require_POST
@records_required
def rule_publish(request, pk):
    rule = _managed_rule(request, pk)
    ok, _published = run_action(
        request, lambda: services.rule_publish(actor=request.user, rule=rule)
    )
    if ok:
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
    ok, _retired = run_action(
        request,
        lambda: services.rule_retire(actor=request.user, rule=rule, on=form.cleaned_data["on"]),
    )
    if ok:
        messages.success(request, _("已停用 %(label)s") % {"label": rule.label})
    return redirect("creditbank:rule-detail", pk=rule.pk)


@require_POST
@records_required
def rule_discard(request, pk):
    rule = _managed_rule(request, pk)
    family = selectors.rule_versions(rule=rule).exclude(pk=rule.pk).first()
    ok, _discarded = run_action(
        request, lambda: services.rule_discard(actor=request.user, rule=rule)
    )
    if not ok:
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
    curricula = curriculum_options(request.user)
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
    return list_page(
        request,
        "creditbank/rule_simulate.html",
        queryset=rows,
        export=exports.SimulationExport(),
        context={"rule": rule, "form": form, "simulation": simulation},
    )
