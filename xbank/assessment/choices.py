"""The institutions a user may pick in the assessment forms and filter bars.

Kept apart from the selectors, which apply the filter bars, so that the filters need not import
the selectors.
"""

from __future__ import annotations

from django.db.models import QuerySet

from xbank.orgs.models import Institution

from .access import access_for


def institution_options(user, *, manage: bool = False) -> QuerySet[Institution]:
    access = access_for(user)
    where = access.manage if manage else access.view
    return Institution.objects.filter(where.q("pk")).order_by("code")


def qualification_institutions(user) -> QuerySet[Institution]:
    return Institution.objects.filter(access_for(user).qualifications.q("pk")).order_by("code")
