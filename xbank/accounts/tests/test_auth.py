"""Login: Argon2id password hashes, throttled and audited failures, a Chinese login page."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse

from xbank import settings as xbank_settings
from xbank.accounts.tests.factories import UserFactory
from xbank.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "pass-123456"  # UserFactory's


@pytest.fixture(autouse=True)
def _fresh_axes_state():
    cache.clear()
    yield
    cache.clear()


def login(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_passwords_are_hashed_with_argon2id_at_the_owasp_minimum(settings):
    settings.PASSWORD_HASHERS = xbank_settings.PASSWORD_HASHERS
    user = UserFactory()
    user.set_password("correct horse battery staple")
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    params = user.password.split("$")[3]
    assert params == "m=19456,t=2,p=1"
    assert user.check_password("correct horse battery staple")


def test_a_successful_login_is_audited(client):
    user = UserFactory()
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    entry = AuditEntry.objects.get(action="accounts.login")
    assert entry.actor == user
    assert entry.ip_address == "127.0.0.1"


def test_a_failed_login_is_audited_with_the_username_tried(client):
    user = UserFactory()
    response = login(client, user.username, "wrong")
    assert response.status_code == 200
    assert not is_logged_in(client)
    entry = AuditEntry.objects.get(action="accounts.login_failed")
    assert entry.data == {"username": user.username}
    assert entry.actor is None


def test_repeated_failures_lock_out_even_the_correct_password(client, settings):
    user = UserFactory()
    limit = settings.AXES_FAILURE_LIMIT
    codes = [login(client, user.username, "wrong").status_code for _ in range(limit)]
    # The failure that reaches the limit already answers with the lockout page.
    assert codes == [200] * (limit - 1) + [429]
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not is_logged_in(client)
    # Every refused attempt is recorded, the locked-out one with the right password included.
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == limit + 1
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() == limit + 1
    assert not AuditEntry.objects.filter(action="accounts.login").exists()


def test_a_lockout_from_one_address_does_not_lock_the_user_out_elsewhere(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "wrong", ip="203.0.113.9")
    response = login(client, user.username, PASSWORD, ip="10.1.2.3")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_behind_a_proxy_one_client_is_locked_out_not_everyone(client, settings):
    settings.XBANK_TRUSTED_PROXIES = 1
    user = UserFactory()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"username": user.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )
    response = client.post(
        url,
        {"username": user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        **proxy,
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_the_login_page_is_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ("登录书证融通平台", "用户名", "密码"):
        assert text in html
