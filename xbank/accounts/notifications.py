"""In-app notifications (站内通知): the writes and reads every app uses to tell a user something.

Generic on purpose: the credit bank tells a learner each step of a recognition request, training
and assessment may tell a candidate about a session. A notification is one row per recipient so
that "read" is per person; sending to nobody (a learner without a login) is a no-op, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Notification, User


def notification_send(*, recipient: User | None, title: str, body: str = "", url: str = ""):
    """One notification to one user; None (e.g. a learner without a login) sends nothing."""
    if recipient is None:
        return None
    return Notification.objects.create(
        recipient=recipient, title=title[:200], body=body, url=url[:300]
    )


def notifications_send(
    *, recipients: Iterable[User | None], title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """The same notification to several users, each once, in one insert."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=title[:200], body=body, url=url[:300]))
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read; nobody marks someone else's."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("Not your notification")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nobody sees anyone else's."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_unread_count(*, user) -> int:
    return notification_list(user=user, unread_only=True).count()


def access_notification(user, pk) -> Notification:
    try:
        return notification_list(user=user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification") from None
