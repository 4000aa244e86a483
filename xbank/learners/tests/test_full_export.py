"""Full-ID exports (完整证件号导出) and the document-number search of the learner list.

Oracles are outside the code: document numbers are literals whose check digits are worked out
in the comments below (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → "10X98765432"),
row counts come from this file's own set-up, and the file is opened with msoffcrypto and
python-calamine, not with the code that wrote it.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import subprocess
from html import unescape
from pathlib import Path

import msoffcrypto
import olefile
import pytest
import time_machine
from django.urls import reverse
from msoffcrypto.exceptions import InvalidKeyError
from python_calamine import CalamineWorkbook

from conftest import node_peer
from xbank.accounts.models import Notification, Role
from xbank.accounts.tests.factories import user_with_role
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.core.identity import parse_document
from xbank.learners import services
from xbank.learners.models import FullIdExport, Learner
from xbank.learners.tests.test_views import _browser_login, static_dir  # noqa: F401
from xbank.testing.world import World, build_world

pytestmark = pytest.mark.django_db

# GB 11643-1999's own example. Body 11010519491231002: products 7 9 0 5 0 20 2 9 24 27 7 18 30
# 5 0 0 4, sum 167, 167 mod 11 = 2 → "X".
SHI = "11010519491231002X"
# Body 44010619900101123: products 28 36 0 5 0 24 2 9 54 0 0 9 0 5 8 8 6, sum 194,
# 194 mod 11 = 7 → "5".
LU = "440106199001011235"

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def world() -> World:
    return build()


def build() -> World:
    """The shared world (college A: alice in A1, bob in A2; college B: carol) plus two people
    of college A with hand-checked numbers: 史丹 in A1 and 陆明 in A2."""
    w = build_world()
    for name, number, major in [("史丹", SHI, w.major_a1), ("陆明", LU, w.major_a2)]:
        services.learner_register(
            actor=SYSTEM,
            document=parse_document(number),
            name=name,
            kind=Learner.Kind.STUDENT,
            institution=w.college_a,
            major=major,
            cohort_year=2023,
            student_no=f"T{number[-6:]}",
        )
    return w


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def ask(client, *, reason="报送省教育厅考核名单", query=""):
    return client.post(reverse("learners:full-export-create"), {"reason": reason, "query": query})


def shown_password(response) -> str:
    match = re.search(r"data-password>([^<]+)<", response.content.decode())
    assert match, "no password on the page"
    return unescape(match.group(1)).strip()


def download(client, export: FullIdExport):
    return client.post(reverse("learners:full-export-download", args=[export.pk]))


def open_encrypted(content: bytes, password: str) -> list[list]:
    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    plain.seek(0)
    return CalamineWorkbook.from_filelike(plain).get_sheet_by_index(0).to_python()


def audit_text() -> str:
    """Everything the audit log holds, as text, for a search for a full number."""
    return json.dumps(
        list(AuditEntry.objects.values("action", "object_repr", "data")), ensure_ascii=False
    )


# --- Who may ask, and how ------------------------------------------------------------------------


def test_it_answers_a_get_with_the_form_and_exports_nothing(client, world):
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("learners:full-export-create"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not FullIdExport.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="learners.full_export").exists()


@pytest.mark.parametrize("role", ["sysadmin", "school_staff_a1", "major_staff_a1", "hr_a"])
def test_roles_that_may_not_see_full_numbers_get_403_and_nothing_is_recorded(client, world, role):
    login(client, world, role)
    assert ask(client).status_code == 403
    assert client.get(reverse("learners:full-export-list")).status_code == 403
    assert not FullIdExport.objects.exists()


def test_a_blank_reason_is_a_chinese_error_naming_the_field(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    response = ask(client, reason="   ")
    assert response.status_code == 400
    assert "请填写导出原因" in response.content.decode()
    assert not FullIdExport.objects.exists()


def test_a_reason_holding_an_id_number_is_refused(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    response = ask(client, reason=f"核对 {SHI} 的信息")
    assert response.status_code == 400
    assert "导出原因中请不要填写证件号码" in response.content.decode()
    assert SHI not in audit_text()


# --- Without approval: the file at once ------------------------------------------------------------


def test_without_approval_the_file_is_encrypted_with_the_password_shown_once(
    client, world, settings
):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    page = ask(client)
    assert page.status_code == 200
    password = shown_password(page)
    export = FullIdExport.objects.get()
    assert export.status == FullIdExport.Status.APPROVED and export.approver is None

    response = download(client, export)
    assert response.status_code == 200
    content = response.content
    assert content[:8] == OLE_MAGIC and olefile.isOleFile(content)
    assert not content.startswith(b"PK")  # not a plain xlsx (zip)
    assert SHI.encode() not in content and SHI.encode("utf-16-le") not in content

    rows = open_encrypted(content, password)
    header = rows[1]
    people = {row[0]: row[header.index("证件号")] for row in rows[2:]}
    # College A: alice, bob, 史丹 and 陆明 (carol is college B's).
    assert set(people) == {"安丽丝", "包博", "史丹", "陆明"}
    assert people["史丹"] == SHI and people["陆明"] == LU
    assert people["安丽丝"] == world.alice.account.id_number

    with pytest.raises(InvalidKeyError):
        open_encrypted(content, "wrong-password-1")
    # The password was shown, not kept: it is nowhere in the database row.
    export.refresh_from_db()
    assert password not in json.dumps(
        {k: str(v) for k, v in FullIdExport.objects.filter(pk=export.pk).values()[0].items()}
    )


def test_an_independent_implementation_opens_the_file_with_the_shown_password(
    client, world, settings, tmp_path
):
    """officecrypto-tool (Node, written apart from msoffcrypto-tool) decrypts the download as
    Excel and WPS would: with the password shown, and not with another."""
    command = node_peer("office-decrypt.js")
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    password = shown_password(ask(client))
    encrypted = tmp_path / "学习者名单.xlsx"
    encrypted.write_bytes(download(client, FullIdExport.objects.get()).content)

    wrong = subprocess.run([*command, encrypted, "not-the-password", tmp_path / "x.xlsx"])
    assert wrong.returncode == 4
    opened = tmp_path / "opened.xlsx"
    result = subprocess.run([*command, encrypted, password, opened], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = CalamineWorkbook.from_path(str(opened)).get_sheet_by_index(0).to_python()
    numbers = {cell for row in rows for cell in row}
    assert {SHI, LU} <= numbers  # the hand-checked numbers, in full


def test_the_file_downloads_once(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    ask(client)
    export = FullIdExport.objects.get()
    assert download(client, export).status_code == 200
    again = download(client, export)
    assert again.status_code == 400
    assert "已下载" in again.content.decode()
    export.refresh_from_db()
    assert export.status == FullIdExport.Status.DOWNLOADED and bytes(export.file) == b""


def test_the_audit_holds_reason_and_row_count_and_no_full_number(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    # Search by 史丹's number, then export exactly that list.
    found = client.post(reverse("learners:learner-list"), {"id_number": SHI})
    query = found["Location"].split("?", 1)[1]
    page = ask(client, reason="核对学籍", query=query)
    password = shown_password(page)
    export = FullIdExport.objects.get()
    rows = open_encrypted(download(client, export).content, password)
    assert [row[0] for row in rows[2:]] == ["史丹"]

    entry = AuditEntry.objects.get(action="learners.id_number.exported")
    assert entry.actor == world.users["academic_affairs_a"]
    assert entry.data["rows"] == 1
    assert entry.data["reason"] == "核对学籍"
    assert "证件号" in entry.data["filters"]
    requested = AuditEntry.objects.get(action="learners.full_export.requested")
    assert (requested.data["rows"], requested.data["reason"]) == (1, "核对学籍")
    for text in [audit_text(), json.dumps(export.filters), export.filter_description]:
        assert SHI not in text and SHI.lower() not in text


def test_after_a_search_and_an_approved_export_no_table_holds_a_number_in_clear(
    client, world, settings
):
    from xbank.core.tests.pii_scan import scan_database

    settings.XBANK_FULL_EXPORT_APPROVAL = True
    login(client, world, "continuing_ed_a")
    client.get(reverse("learners:learner-list"), {"id_number": LU})  # an old bookmark
    query = client.post(reverse("learners:learner-list"), {"id_number": SHI})["Location"]
    ask(client, reason="核对学籍", query=query.split("?", 1)[1])
    export = FullIdExport.objects.get()
    login(client, world, "bank_admin")
    client.post(reverse("learners:full-export-decide", args=[export.pk]), {"decision": "approve"})
    login(client, world, "continuing_ed_a")
    client.post(reverse("learners:full-export-prepare", args=[export.pk]))
    prepared = scan_database()  # the encrypted file waits in its row
    assert download(client, export).status_code == 200
    assert prepared == {} and scan_database() == {}


def test_a_refused_fourth_export_says_to_retry_at_local_midnight(client, world, settings):
    """09:00 UTC is 17:00 in Shanghai: seven hours, 25,200 seconds, to the next local day."""
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "continuing_ed_a")
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC), tick=False):
        for _ in range(3):
            ask(client)
        fourth = ask(client)
    assert fourth.status_code == 429
    assert fourth["Retry-After"] == "25200"


def test_the_fourth_export_of_a_day_is_refused(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "continuing_ed_a")
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)):
        for _ in range(3):
            assert ask(client).status_code == 200
        fourth = ask(client)
        assert fourth.status_code == 429
        assert "每人每天最多申请 3 次" in fourth.content.decode()
        assert FullIdExport.objects.count() == 3
        # Another person's allowance is their own.
        login(client, world, "academic_affairs_a")
        assert ask(client).status_code == 200
    # The next local day (Asia/Shanghai, UTC+8: 16:00 UTC is midnight) the count starts again.
    login(client, world, "continuing_ed_a")
    with time_machine.travel(datetime.datetime(2026, 12, 3, 16, 1, tzinfo=datetime.UTC)):
        assert ask(client).status_code == 200


# --- With approval: a second person ----------------------------------------------------------------


def test_with_approval_a_second_person_approves_and_the_requester_downloads(
    client, world, settings
):
    settings.XBANK_FULL_EXPORT_APPROVAL = True
    outsider = user_with_role(Role.ACADEMIC_AFFAIRS, institution=world.college_b)
    login(client, world, "continuing_ed_a")
    response = ask(client)
    export = FullIdExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("learners:full-export-detail", args=[export.pk])
    assert (export.status, export.rows) == (FullIdExport.Status.REQUESTED, 4)

    # The to-do reaches those who may approve: in scope of every row, never the requester.
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {
        world.users["bank_admin"].username,
        world.users["academic_affairs_a"].username,
    }

    # Nothing to download before approval, and the requester cannot approve their own request.
    assert download(client, export).status_code == 400
    decide = reverse("learners:full-export-decide", args=[export.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    # A college B approver does not even see it.
    client.force_login(outsider)
    assert client.get(reverse("learners:full-export-detail", args=[export.pk])).status_code == 404
    assert client.post(decide, {"decision": "approve"}).status_code == 404
    export.refresh_from_db()
    assert export.status == FullIdExport.Status.REQUESTED

    login(client, world, "academic_affairs_a")
    assert client.post(decide, {"decision": "approve", "note": "同意"}).status_code == 302
    # The approver may not download it.
    assert download(client, export).status_code == 403
    export.refresh_from_db()
    assert (export.status, export.approver) == (
        FullIdExport.Status.APPROVED,
        world.users["academic_affairs_a"],
    )
    assert Notification.objects.filter(recipient=world.users["continuing_ed_a"]).exists()

    login(client, world, "continuing_ed_a")
    page = client.post(reverse("learners:full-export-prepare", args=[export.pk]))
    password = shown_password(page)
    rows = open_encrypted(download(client, export).content, password)
    assert len(rows[2:]) == 4 and SHI in {row[2] for row in rows[2:]}
    actions = list(
        AuditEntry.objects.filter(action__startswith="learners.")
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions[-2:] == [
        ("learners.full_export.approved", world.users["academic_affairs_a"].username),
        ("learners.id_number.exported", world.users["continuing_ed_a"].username),
    ]
    assert download(client, export).status_code == 400


def test_a_rejected_request_never_downloads(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = True
    login(client, world, "continuing_ed_a")
    ask(client)
    export = FullIdExport.objects.get()
    login(client, world, "bank_admin")
    decide = reverse("learners:full-export-decide", args=[export.pk])
    assert client.post(decide, {"decision": "reject", "note": "理由不充分"}).status_code == 302
    login(client, world, "continuing_ed_a")
    assert client.post(reverse("learners:full-export-prepare", args=[export.pk])).status_code == 400
    assert download(client, export).status_code == 400
    assert not AuditEntry.objects.filter(action="learners.id_number.exported").exists()


def test_an_approval_not_used_within_the_window_expires(client, world, settings):
    settings.XBANK_FULL_EXPORT_APPROVAL = True
    settings.XBANK_FULL_EXPORT_WINDOW_HOURS = 24
    start = datetime.datetime(2026, 12, 3, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        login(client, world, "continuing_ed_a")
        ask(client)
        export = FullIdExport.objects.get()
        login(client, world, "bank_admin")
        decide = reverse("learners:full-export-decide", args=[export.pk])
        client.post(decide, {"decision": "approve"})
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        login(client, world, "continuing_ed_a")
        response = client.post(reverse("learners:full-export-prepare", args=[export.pk]))
    assert response.status_code == 400
    export.refresh_from_db()
    assert export.status == FullIdExport.Status.EXPIRED


def test_the_approval_setting_defaults_on_in_production_and_off_in_the_demo():
    import base64
    import os
    import subprocess
    import sys

    def default(env: str) -> str:
        code = "from django.conf import settings; print(settings.XBANK_FULL_EXPORT_APPROVAL)"
        extra = {
            "XBANK_ENV": env,
            "DJANGO_SECRET_KEY": "x" * 50,
            "XBANK_PII_KEY": base64.b64encode(os.urandom(32)).decode(),
            "XBANK_LEDGER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "example.org",
        }
        env_vars = {
            k: v for k, v in os.environ.items() if not k.startswith("XBANK_FULL_EXPORT")
        } | extra
        env_vars["DJANGO_SETTINGS_MODULE"] = "xbank.settings"
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env_vars,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    assert default("production") == "True"
    assert default("dev") == "False"


# --- Searching by document number ----------------------------------------------------------------


def _links(page: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', page)]


@pytest.mark.parametrize(
    "typed", [SHI, SHI.lower(), "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ"]
)
def test_an_id_search_keeps_the_number_out_of_every_url(client, world, typed):
    login(client, world, "academic_affairs_a")
    response = client.post(reverse("learners:learner-list"), {"id_number": typed, "sort": "-name"})
    assert response.status_code == 303
    location = response["Location"]
    assert "id_number" not in location and "0519491231" not in location
    assert re.search(r"[?&]id=[0-9a-f]{64}", location)
    assert "sort=-name" in location  # the other filters are kept

    page = client.get(location)
    assert [learner.account.name for learner in page.context["page_obj"]] == ["史丹"]
    html = page.content.decode()
    assert "0519491231" not in html  # not in a link, not in the form, nowhere
    links = _links(html)
    assert links and all("0519491231" not in link for link in links)
    export_links = [link for link in links if "export=xlsx" in link]
    assert export_links and all("id=" in link for link in export_links)


def test_the_export_link_of_a_search_exports_that_person_masked(client, world):
    login(client, world, "academic_affairs_a")
    location = client.post(reverse("learners:learner-list"), {"id_number": LU})["Location"]
    response = client.get(location + "&export=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = rows.get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == ["陆明"]
    assert rows[1][2] == "440106********1235"


def test_a_number_typed_into_the_address_is_moved_out_of_it(client, world):
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("learners:learner-list"), {"id_number": LU})
    assert response.status_code == 303
    assert LU not in response["Location"]
    page = client.get(response["Location"])
    assert [learner.account.name for learner in page.context["page_obj"]] == ["陆明"]


def test_a_number_with_a_wrong_check_digit_in_the_address_lists_nobody(client, world):
    login(client, world, "academic_affairs_a")
    response = client.get(reverse("learners:learner-list"), {"id_number": SHI[:17] + "2"})
    assert response.status_code == 400


def test_a_forged_hash_is_an_error_and_lists_nobody(client, world):
    login(client, world, "academic_affairs_a")
    page = client.get(reverse("learners:learner-list"), {"id": "not-a-hash"})
    assert list(page.context["page_obj"]) == []
    assert "证件号筛选条件无效" in page.content.decode()


def test_an_id_search_stays_within_scope(client, world):
    # 陆明 studies in school A2: school A1's staff find nobody by his number.
    login(client, world, "school_staff_a1")
    location = client.post(reverse("learners:learner-list"), {"id_number": LU})["Location"]
    assert list(client.get(location).context["page_obj"]) == []


# --- In a browser ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("static_dir")
def test_a_browser_searches_by_number_and_exports_with_the_shown_password(
    live_server, desktop_page, settings
):
    settings.XBANK_FULL_EXPORT_APPROVAL = False
    w = build()
    page = desktop_page
    _browser_login(page, live_server, w.users["academic_affairs_a"])
    page.goto(live_server.url + reverse("learners:learner-list"))
    page.fill("#id_id_number", "110105 19491231 002x")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("[data-by-id]")
    assert "0519491231" not in page.url and "id=" in page.url
    assert page.locator("tbody tr[data-learner]").all_inner_texts()[0].startswith("史丹")
    assert page.locator("tbody tr[data-learner]").count() == 1

    page.click("text=导出（含完整证件号）")
    page.wait_for_selector("#full-export.show")  # the collapse has finished opening
    page.fill("#full-export textarea[name=reason]", "核对学籍")
    # Preparing encrypts the workbook with a stretched key: give a loaded machine time, and
    # say what the server answered if it was not the password page.
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/full-id-exports/new/" in r.url, timeout=60000
    ) as answer:
        page.click("#full-export button[type=submit]")
    assert answer.value.status == 200, (answer.value.status, page.inner_text("main")[:500])
    password = page.inner_text("[data-password]", timeout=30000).strip()
    with page.expect_download() as info:
        page.click("text=下载（仅限一次）")
    content = Path(info.value.path()).read_bytes()
    assert content[:8] == OLE_MAGIC
    rows = open_encrypted(content, password)
    assert [(row[0], row[2]) for row in rows[2:]] == [("史丹", SHI)]


def test_the_admin_lists_exports_read_only_without_the_file(client, world, settings):
    from xbank.accounts.tests.factories import UserFactory

    settings.XBANK_FULL_EXPORT_APPROVAL = False
    login(client, world, "academic_affairs_a")
    ask(client)
    export = FullIdExport.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:learners_fullidexport_changelist")).status_code == 200
    page = client.get(reverse("admin:learners_fullidexport_change", args=[export.pk]))
    assert page.status_code == 200
    assert "报送省教育厅考核名单" in page.content.decode()
    assert 'name="file"' not in page.content.decode()


def test_the_workbench_links_the_export_requests_only_for_roles_that_may_ask(client, world):
    url = reverse("learners:full-export-list")
    for role, shown in [("academic_affairs_a", True), ("school_staff_a1", False)]:
        login(client, world, role)
        page = client.get(reverse("accounts:workbench")).content.decode()
        assert (f'href="{url}"' in page) is shown, role
