"""``may_import`` for the top bar: whether the user may import some kind somewhere. It asks the
import registry (each ``ImportSpec`` names its roles), so HR, who imports only the teacher
roster, sees the link as academic affairs does."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from xbank.accounts.access import grants_for

from .selectors import may_import


def imports(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {"may_import": SimpleLazyObject(lambda: may_import(grants_for(user)))}
