from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import notifications as notes
from .scoping import scope_for
from .workbench import duties_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def workbench(request):
    scope = scope_for(request.user)
    return render(
        request,
        "accounts/workbench.html",
        {
            "sections": duties_for(scope.roles),
            "unread": notes.notification_unread_count(user=request.user),
        },
    )


@login_required
def notifications(request):
    """站内通知: the user's own notifications, newest first; unread ones first if asked."""
    unread_only = request.GET.get("unread") == "1"
    items = notes.notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notifications.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread": notes.notification_unread_count(user=request.user),
        },
    )


@require_POST
@login_required
def notification_read(request, pk):
    """Mark one notification read; ``open`` follows its link (a page of this site only)."""
    notification = notes.access_notification(request.user, pk)
    notes.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    if request.htmx:
        return render(request, "accounts/notifications.html#notification", {"n": notification})
    return redirect("accounts:notifications")


@require_POST
@login_required
def notifications_read_all(request):
    notes.notifications_mark_all_read(actor=request.user)
    return redirect("accounts:notifications")
