"""The tabs of the reports pages, each shown only to the roles that may open it."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xbank.accounts.scoping import scope_for

from .. import access

register = template.Library()


@register.inclusion_tag("reports/_tabs.html", takes_context=True)
def reports_tabs(context, active: str):
    user = context["request"].user
    roles = scope_for(user).roles
    tabs = []
    if access.dashboard_sections(user):
        tabs.append(("dashboard", _("统计看板"), reverse("reports:dashboard")))
    if access.sees_records(user):
        tabs.append(("evidence", _("佐证材料"), reverse("reports:evidence")))
        tabs.append(("annual", _("年度概况"), reverse("reports:annual")))
    if roles & access.PERFORMANCE_ROLES:
        tabs.append(("performance", _("绩效报告"), reverse("reports:performance")))
        tabs.append(("targets", _("年度目标"), reverse("reports:target-list")))
        tabs.append(("indicators", _("绩效指标"), reverse("reports:indicator-list")))
    return {"tabs": tabs, "active": active}
