"""Conversion rules and policies as the user may see them: regional rules are everyone's, an
institution's rules its members'."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from xbank.accounts.access import Viewer
from xbank.accounts.scoping import scope_for
from xbank.orgs.models import Institution

from ..models import ConversionPolicy, ConversionRule, RuleExemption


def policy_for(institution: Institution) -> ConversionPolicy:
    """The institution's policy, or an unsaved one with the defaults."""
    return ConversionPolicy.objects.filter(institution=institution).first() or ConversionPolicy(
        institution=institution
    )


class RuleFilters(TypedDict, total=False):
    status: str
    institution: int | str  # an institution's id, or "regional"
    certificate_type: int
    q: str  # in the code or the name


def rule_scope_q(user: Viewer) -> Q:
    """Regional rules are everyone's; an institution's rules are seen by its members."""
    scope = scope_for(user)
    if scope.regional:
        return Q()
    return Q(institution__isnull=True) | Q(institution_id__in=scope.member_institution_ids)


def rule_list(*, user: Viewer, filters: RuleFilters | None = None) -> QuerySet[ConversionRule]:
    """Rule versions the user may see, newest version first within each code.

    ``filters``: ``status``, ``institution`` (an id, or ``"regional"``), ``certificate_type``,
    ``q`` (code or name contains). Related rows for the list are fetched: 2 queries.
    """
    qs = (
        ConversionRule.objects.filter(rule_scope_q(user))
        .select_related("institution", "certificate_type", "created_by")
        .prefetch_related(
            Prefetch(
                "exemptions",
                queryset=RuleExemption.objects.select_related("course", "module").order_by(
                    "course__code", "id"
                ),
            )
        )
        .order_by("code", "-version")
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("institution") == "regional":
        qs = qs.filter(institution__isnull=True)
    elif filters.get("institution"):
        qs = qs.filter(institution_id=filters["institution"])
    if filters.get("certificate_type"):
        qs = qs.filter(certificate_type_id=filters["certificate_type"])
    if filters.get("q"):
        qs = qs.filter(Q(code__icontains=filters["q"]) | Q(name__icontains=filters["q"]))
    return qs


def access_rule(user: Viewer, pk: int | str) -> ConversionRule:
    try:
        return rule_list(user=user).get(pk=pk)
    except (ConversionRule.DoesNotExist, ValueError, TypeError):
        raise Http404("No such conversion rule") from None


def rule_versions(*, rule: ConversionRule) -> QuerySet[ConversionRule]:
    """Every version of the rule's family, newest first (the version history page)."""
    return (
        ConversionRule.objects.filter(code=rule.code)
        .select_related("created_by")
        .prefetch_related("exemptions__course", "exemptions__module")
        .order_by("-version")
    )
