"""Views every app shares: ``/healthz``, and the list-and-form kit.

The kit is the body that list pages and form pages used to copy:

- ``list_page``: filter (the FilterSet's queryset comes from a scoped selector), export to Excel
  on ``?export=xlsx``, paginate, render. A list page is one call.
- ``run_service(form, call)`` and ``run_action(request, call)``: call a service and turn its
  ``ValidationError`` into form errors or into messages, so views never write ``except
  ValidationError`` themselves.

Views stay thin (STYLE.md §4): fetch through ``access_*``, call one service, redirect or render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from .xlsx import ListExport

PAGE_SIZE = 50
EXPORT_PARAM = "export"

T = TypeVar("T")


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """``/``: the public front door (training, verification, the credit calculator, login) for a
    visitor; a signed-in user goes straight to the workbench."""
    if request.user.is_authenticated:
        return redirect("accounts:workbench")
    return render(request, "home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse(
            {"status": "error", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def export_format(request: HttpRequest) -> str:
    """The format a page is asked for with ``?export=`` (``"xlsx"``, ``"pdf"``), or ``""``.

    One convention for every page: the same parameter, the format as its value."""
    return request.GET.get(EXPORT_PARAM, "")


def wants_export(request: HttpRequest, fmt: str = "xlsx") -> bool:
    return export_format(request) == fmt


def list_page(
    request: HttpRequest,
    template: str,
    *,
    filterset: Any = None,
    queryset: Any = None,
    export: ListExport | None = None,
    context: Mapping[str, Any] | Callable[[Page[Any]], Mapping[str, Any]] | None = None,
    page_size: int | None = PAGE_SIZE,
) -> HttpResponse:
    """A list page: the filtered rows as an Excel file when ``?export=xlsx`` is asked for and the
    page has an ``export``, otherwise one page of them rendered with ``filter`` and ``page_obj``
    (plus ``context``).

    Scoping is the selector's job: ``filterset`` is built on the queryset a selector returned
    for ``request.user``, so the export holds exactly the rows the page can list. A page whose
    filter form feeds the selector itself, or whose rows the view works out and filters itself
    (a ledger with its running balance), passes them as ``queryset`` instead: a queryset or a list.

    ``context`` may be a function of the page, for what is worked out from its rows only;
    ``page_size=None`` puts every row on one page (a short list)."""
    rows = filterset.qs if queryset is None else queryset
    if export is not None and wants_export(request):
        return export.response(rows)
    if page_size is None:
        page_size = max(len(rows), 1)
    page = Paginator(rows, page_size).get_page(request.GET.get("page"))
    extra = context(page) if callable(context) else context
    return render(request, template, {"filter": filterset, "page_obj": page, **(extra or {})})


def _messages(exc: ValidationError, translate: bool) -> list[str]:
    return [gettext(m) for m in exc.messages] if translate else exc.messages


def run_service(
    form: Any,
    call: Callable[[], T],
    *,
    fields: Mapping[str, str] | None = None,
    denied: bool = False,
    translate: bool = False,
) -> tuple[bool, T | None]:
    """``(True, result)`` of ``call()``, or ``(False, None)`` with its ``ValidationError`` put on
    ``form``: on the field that ``fields`` maps the error's ``code`` to, else as a non-field error
    (a dict error lands on the fields it names, as ``form.add_error`` does).

    With ``denied=True`` a ``PermissionDenied`` is put on the form too, as a non-field error
    with its reason, for a service that refuses this actor this one row (an examiner not
    assigned to a candidate's room) where the page should say why rather than answer 403.

    With ``translate=True`` each message is looked up in the catalog of the page's language
    first, for a service whose messages are marked with ``gettext_noop`` (a public page in
    Chinese and English)."""
    try:
        return True, call()
    except ValidationError as exc:
        field = (fields or {}).get(exc.code or "") if not hasattr(exc, "error_dict") else None
        if field:
            for message in _messages(exc, translate):
                form.add_error(field, message)
        elif translate and not hasattr(exc, "error_dict"):
            form.add_error(None, _messages(exc, translate))
        else:
            form.add_error(None, exc)
        return False, None
    except PermissionDenied as exc:
        if not denied:
            raise
        form.add_error(None, str(exc))
        return False, None


def form_page(
    request: HttpRequest,
    template: str,
    form: Any,
    save: Callable[[dict[str, Any]], T],
    *,
    then: Callable[[T], HttpResponse],
    success: str | Callable[[T], str],
    context: Mapping[str, Any] | None = None,
    **options: Any,
) -> HttpResponse:
    """A page with one form whose valid POST calls one service: ``save(form.cleaned_data)``
    through ``run_service`` (``options``: its ``fields``, ``denied``, ``translate``). On success
    the ``success`` message (or ``success(result)``) is shown and ``then(result)`` answers (a redirect); otherwise the
    page is rendered again with the form, its errors and ``context``.

    ::

        form = CertificateForm(request.POST or None)
        return form_page(
            request, "faculty/record_form.html", form,
            lambda data: services.certificate_create(actor=request.user, teacher=t, **data),
            then=lambda _: redirect("faculty:teacher-detail", pk=t.pk),
            success=_("已登记证书。"),
            context={"teacher": t, "title": _("登记教师证书")},
        )
    """
    if request.method == "POST" and form.is_valid():
        ok, result = run_service(form, lambda: save(form.cleaned_data), **options)
        if ok:
            done: T = result  # type: ignore[assignment]  # ok: the service returned a T
            messages.success(request, success(done) if callable(success) else success)
            return then(done)
    return render(request, template, {"form": form, **(context or {})})


def run_action(
    request: HttpRequest, call: Callable[[], T], *, translate: bool = False
) -> tuple[bool, T | None]:
    """``(True, result)`` of ``call()``, or ``(False, None)`` with each message of its
    ``ValidationError`` shown as an error message (for buttons that post no form);
    ``translate`` as for ``run_service``."""
    try:
        return True, call()
    except ValidationError as exc:
        for message in _messages(exc, translate):
            messages.error(request, message)
        return False, None
