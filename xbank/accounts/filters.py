"""The base of every list page's filters: they are built for one user, because the choices of
their fields (institutions, schools, majors) are what that user may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import QuerySet

from .access import Viewer


class UserFilterSet(django_filters.FilterSet):
    """A FilterSet that keeps the ``user`` it is built for; a subclass narrows its fields'
    choices to that user in ``__init__`` (``self.user``)."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Any] | None = None,
        *,
        user: Viewer,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.user = user
