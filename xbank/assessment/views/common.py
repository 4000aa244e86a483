"""What the assessment pages share: list pages with filters, paging and Excel export;
errors as messages; the way back to a session's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from xbank.core.xlsx import dated_filename, write_rows, xlsx_response

from ..access import access_for

PAGE_SIZE = 50


def _export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _xlsx(title: str, export, items):
    headers, rows = export()
    return xlsx_response(dated_filename(title), write_rows(headers, rows(items), sheet_name=title))


def _list_page(request, template: str, filterset, title: str, export, extra=None):
    items = filterset.qs
    if _export(request):
        return _xlsx(title, export, items)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    access = access_for(request.user)
    context = {
        "filter": filterset,
        "page_obj": page,
        "may_manage": bool(access.manage),
        "show_nav": bool(access.view),
    }
    return render(request, template, {**context, **(extra or {})})


def _error(request, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def _back(session_pk: int, anchor: str = ""):
    url = reverse("assessment:session-detail", kwargs={"pk": session_pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))
