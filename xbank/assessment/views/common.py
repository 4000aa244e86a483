"""What the assessment pages share: what a list page shows besides its rows, and the way back to
a session's page. Filtering, export, paging and service errors are the kit's
(``xbank.core.views``)."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from ..access import access_for


def _list_context(user) -> dict:
    """The manage buttons and the section navigation of an assessment list page."""
    access = access_for(user)
    return {"may_manage": bool(access.manage), "show_nav": bool(access.view)}


def _back(session_pk: int, anchor: str = ""):
    url = reverse("assessment:session-detail", kwargs={"pk": session_pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))
