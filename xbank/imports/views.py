"""Import pages: list, upload, preview with progress, commit.

Only users who may import some kind reach them (403 otherwise); each kind says who may import
it (``pipeline.ImportSpec.roles``), and its upload and template pages are a 403 for others. A
batch is fetched through ``selectors.access_batch``: missing and not-yours are the same 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xbank.accounts.access import grants_for
from xbank.accounts.decorators import require
from xbank.core.views import run_action, run_service, wants_export
from xbank.core.xlsx import xlsx_response

from . import exports, pipeline, scheduling, selectors, services
from .forms import BatchFilterForm, UploadForm
from .workbook import template_file_name, template_workbook

PAGE_SIZE = 50


# Logged in, and holding a role that may import some kind (403 otherwise).
import_required = require(selectors.may_import)


def _spec(request, kind: str) -> pipeline.ImportSpec:
    """The kind of import, if the user may import it (404 for no such kind, else 403)."""
    if kind not in pipeline.kinds():
        raise Http404("No such kind of import")
    spec = pipeline.spec_for(kind)
    if not spec.may_import(grants_for(request.user)):
        raise PermissionDenied
    return spec


def _kinds(request) -> list[tuple[str, str]]:
    return [
        (spec.kind, str(spec.title)) for spec in selectors.import_specs(grants_for(request.user))
    ]


@import_required
def batch_list(request):
    form = BatchFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    batches = selectors.batch_list(
        user=request.user, kind=filters.get("kind", ""), status=filters.get("status", "")
    ).defer("errors", "warnings")
    if wants_export(request):
        return exports.BatchExport().response(batches)
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "kinds": _kinds(request)}
    return render(request, "imports/batch_list.html", context)


@import_required
def batch_new(request, kind):
    spec = _spec(request, kind)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, kind=kind)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        ok, batch = run_service(
            form,
            lambda: services.batch_create(
                actor=request.user,
                kind=kind,
                institution=form.cleaned_data["institution"],
                file_name=upload.name,
                content=upload,  # streamed into encrypted storage, never read whole
            ),
        )
        if ok:
            scheduling.batch_validate_schedule(batch=batch)
            return redirect("imports:batch-detail", code=batch.code)
    context = {"form": form, "spec": spec, "kind": kind}
    return render(request, "imports/batch_new.html", context)


@import_required
def template(request, kind):
    spec = _spec(request, kind)
    return xlsx_response(template_file_name(spec), template_workbook(spec))


@import_required
def batch_detail(request, code):
    batch = selectors.access_batch(request.user, code)
    if wants_export(request, "errors"):
        return exports.IssueExport(batch).response(batch)
    spec = pipeline.spec_for(batch.kind)
    return render(request, "imports/batch_detail.html", {"batch": batch, "spec": spec})


@never_cache
@import_required
def batch_progress(request, code):
    """The progress partial that the detail page polls while the batch is being worked on;
    once done, htmx is told to reload the page, which then shows the results."""
    batch = selectors.access_batch(request.user, code)
    response = render(request, "imports/batch_detail.html#progress", {"batch": batch})
    if request.htmx and not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@import_required
def batch_commit(request, code):
    batch = selectors.access_batch(request.user, code)
    run_action(request, lambda: scheduling.batch_commit_schedule(actor=request.user, batch=batch))
    return redirect("imports:batch-detail", code=batch.code)


@require_POST
@import_required
def batch_cancel(request, code):
    batch = selectors.access_batch(request.user, code)
    run_action(request, lambda: services.batch_cancel(actor=request.user, batch=batch))
    return redirect("imports:batch-detail", code=batch.code)
