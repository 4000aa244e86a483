"""The public front door and the error pages, as a visitor meets them.

The demo runs with DEBUG off (``make demo`` sets ``XBANK_DEBUG=0``), so the last test starts
``runserver`` exactly so, as a subprocess, and asks it for a missing page and a static file:
the visitor gets the Chinese 404 page and no list of URL patterns, and the page's stylesheet
is served although ``collectstatic`` never ran."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.orgs.tests.factories import InstitutionFactory

from .test_server_logs import free_port, server_env

# Where the front door must lead, written out as a visitor sees the addresses.
PUBLIC_LINKS = ["/training/", "/verify/", "/creditbank/public/calculator/", "/accounts/login/"]


def test_the_front_door_leads_to_training_verification_the_calculator_and_login(client, db):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert set(PUBLIC_LINKS) <= hrefs
    assert 'action="/verify/"' in page  # a code typed here goes to the verification page
    assert "培训公告" in page and "证书核验" in page and "学分计算器" in page


def test_the_front_door_sends_a_signed_in_user_to_the_workbench(client, db):
    client.force_login(user_with_role(Role.TEACHER, institution=InstitutionFactory()))
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/workbench/")


def test_a_missing_page_is_a_chinese_404_with_a_way_back(client, db):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and 'href="/"' in page
    assert "URLconf" not in page and "Page not found" not in page


def test_a_forbidden_page_is_a_chinese_403_with_a_way_back_to_the_workbench(client, db):
    client.force_login(user_with_role(Role.TEACHER, institution=InstitutionFactory()))
    response = client.get("/imports/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in page and 'href="/accounts/workbench/"' in page
    assert "403 Forbidden" not in page


def test_the_demo_server_shows_the_chinese_404_and_serves_its_static_files(tmp_path):
    port = free_port()
    env = server_env(tmp_path) | {"XBANK_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering, even if the throw-away database is empty
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("runserver did not start")
                time.sleep(0.3)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=30)
        page = missing.value.read().decode()
        assert missing.value.code == 404
        assert "页面不存在" in page
        assert "URLconf" not in page and "urlpatterns" not in page
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}", timeout=30) as r:
            assert r.status == 200 and b"bootstrap" in r.read(2000).lower()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_front_door_and_the_404_are_in_english_for_english_readers(client, db):
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Training announcements" in home and "Verify a certificate" in home
    assert "Credit calculator" in home and "培训公告" not in home
    assert "1+X certificate training, assessment and credit bank" in home  # a long, wrapped msgid
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    page = missing.content.decode()
    assert missing.status_code == 404 and "Page not found" in page
    assert "The page you asked for does not exist" in page and "您要找的页面" not in page
