"""Pages of exam sites (考点) and rooms (考场)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xbank.core.views import form_page, list_page, run_service

from .. import exports, forms, selectors, services
from ..access import access_for
from ..decorators import (
    manage_required,
    view_required,
)
from ..filters import (
    RoomFilter,
    SiteFilter,
)
from .common import _list_context


@view_required
def site_list(request):
    filterset = SiteFilter(
        request.GET or None, queryset=selectors.site_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "assessment/site_list.html",
        filterset=filterset,
        export=exports.SiteExport(),
        context=_list_context(request.user),
    )


@manage_required
def site_create(request):
    form = forms.SiteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {
            k: form.cleaned_data[k] for k in ("institution", "name", "address", "contact", "notes")
        }
        ok, site = run_service(form, lambda: services.site_create(actor=request.user, **values))
        if ok:
            messages.success(request, _("已新增考点"))
            return redirect("assessment:site-detail", pk=site.pk)
    return render(
        request,
        "assessment/form.html",
        {"form": form, "title": _("新增考点"), "back_url": reverse("assessment:site-list")},
    )


@view_required
def site_detail(request, pk):
    site = selectors.access_site(request.user, pk)
    may_manage = site.institution_id in access_for(request.user).manage
    return render(
        request,
        "assessment/site_detail.html",
        {
            "site": site,
            "rooms": selectors.site_rooms(site),
            "may_manage": may_manage,
            "room_form": forms.RoomForm() if may_manage else None,
        },
    )


@manage_required
def site_edit(request, pk):
    site = selectors.access_site(request.user, pk, manage=True)
    form = forms.SiteForm(request.POST or None, instance=site, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in services.SITE_FIELDS}
        site.refresh_from_db()
        services.site_update(actor=request.user, site=site, **values)
        messages.success(request, _("已保存"))
        return redirect("assessment:site-detail", pk=site.pk)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考点"),
            "back_url": reverse("assessment:site-detail", args=[site.pk]),
        },
    )


@manage_required
def room_create(request, pk):
    site = selectors.access_site(request.user, pk, manage=True)
    form = forms.RoomForm(request.POST or None)
    return form_page(
        request,
        "assessment/form.html",
        form,
        lambda data: services.room_create(actor=request.user, site=site, **data),
        then=lambda _room: redirect("assessment:site-detail", pk=site.pk),
        success=_("已新增考场"),
        context={
            "title": _("新增考场") + f" · {site.name}",
            "back_url": reverse("assessment:site-detail", args=[site.pk]),
        },
    )


@view_required
def room_list(request):
    filterset = RoomFilter(
        request.GET or None, queryset=selectors.room_list(user=request.user), user=request.user
    )
    return list_page(
        request,
        "assessment/room_list.html",
        filterset=filterset,
        export=exports.RoomExport(),
        context=_list_context(request.user),
    )


@manage_required
def room_edit(request, pk):
    room = selectors.access_room(request.user, pk, manage=True)
    form = forms.RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        room.refresh_from_db()
        ok, _room = run_service(
            form, lambda: services.room_update(actor=request.user, room=room, **values)
        )
        if ok:
            messages.success(request, _("已保存"))
            return redirect("assessment:site-detail", pk=room.site_id)
    return render(
        request,
        "assessment/form.html",
        {
            "form": form,
            "title": _("修改考场"),
            "back_url": reverse("assessment:site-detail", args=[room.site_id]),
        },
    )
