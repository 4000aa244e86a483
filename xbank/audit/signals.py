"""Logins, logouts and failed logins go to the audit log (django-axes throttles the failures)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    services.log(user, "accounts.login", user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.log(user, "accounts.logout", user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    services.log(
        None,
        "accounts.login_failed",
        data={"username": str(credentials.get("username", ""))[:150]},
        request=request,
    )
