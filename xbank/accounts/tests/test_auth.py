"""Login: Argon2id password hashes, throttled and audited failures, a Chinese login page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
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


# --- Limits across usernames (issue 9) -------------------------------------------------------------
# Hand-counted from the settings: 5 failures per account and address, 30 per address whatever
# the accounts, both over 15 minutes (900 seconds).
ADDRESS = "203.0.113.50"


def test_the_limits_are_the_documented_ones(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.XBANK_LOGIN_ADDRESS_FAILURE_LIMIT == 30
    assert settings.AXES_COOLOFF_TIME == 0.25


def test_the_31st_failure_from_one_address_is_refused_whatever_the_account(client):
    users = UserFactory.create_batch(31)
    codes = [login(client, u.username, "wrong", ip=ADDRESS).status_code for u in users[:30]]
    assert codes == [200] * 30
    # The 31st attempt names a fresh account, with its right password: refused all the same.
    response = login(client, users[30].username, PASSWORD, ip=ADDRESS)
    assert response.status_code == 429
    assert not is_logged_in(client)
    page = response.content.decode()
    assert "所有账户从该地址的登录已暂停 15 分钟" in page
    assert 0 < int(response["Retry-After"]) <= 900
    # Another address is not concerned.
    assert login(client, users[30].username, PASSWORD, ip="198.51.100.8").status_code == 302


def test_78_wrong_passwords_over_26_accounts_are_throttled_after_the_30th(client):
    """The attack of the issue: three guesses on each of 26 accounts from one address."""
    users = UserFactory.create_batch(26)
    codes = [
        login(client, u.username, "wrong", ip=ADDRESS).status_code for _ in range(3) for u in users
    ]
    assert codes == [200] * 30 + [429] * 48


def test_an_account_lockout_says_so_and_asks_to_retry_after_the_cool_off(client):
    user = UserFactory()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        codes = [login(client, user.username, "wrong", ip=ADDRESS).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 200, 429]
        response = login(client, user.username, PASSWORD, ip=ADDRESS)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "该账户在本机的登录已锁定 15 分钟" in response.content.decode()


def test_an_address_lockout_lifts_when_enough_failures_have_aged_out(client):
    """10 failures at 9:00, 20 at 9:05; at 9:06 the address is refused. Counting back from the
    newest: the refused attempt itself (9:06), the 20 of 9:05, then 9 of the 9:00 ones reach 30,
    so the lock lifts when the 9:00 failures leave the window: 9:15, 540 seconds later."""
    users = UserFactory.create_batch(31)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for u in users[:10]:
            assert login(client, u.username, "wrong", ip=ADDRESS).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        for u in users[10:30]:
            assert login(client, u.username, "wrong", ip=ADDRESS).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        response = login(client, users[30].username, PASSWORD, ip=ADDRESS)
    assert response.status_code == 429
    assert response["Retry-After"] == "540"
    # At 9:15 and one second the 9:00 failures are out of the window: 21 left, below 30.
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert login(client, users[30].username, PASSWORD, ip=ADDRESS).status_code == 302
