"""Assessment pages: admission tickets and sign-in sheets as PDF, score entry, statistics that
agree with their drill-down, exports, the learner's own results, and query counts that do not
grow with the rows."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import missing_tool
from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment import services
from xbank.assessment.models import ExamResult, ExamSession
from xbank.assessment.tests import factories as f
from xbank.assessment.views import candidates as candidate_views
from xbank.learners.tests.factories import student
from xbank.orgs.tests.factories import MajorFactory, SchoolFactory
from xbank.testing.world import AssessmentWorld, build_assessment_world
from xbank.verify.services import public_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()


@pytest.fixture
def world() -> AssessmentWorld:
    return build_assessment_world()


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def sheet(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def pdf_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} is not installed (apt-get install poppler-utils)")
    return path


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [pdf_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_fonts(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        [pdf_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines()[2:] if line.strip()]


# --- PDFs -------------------------------------------------------------------------------------------


def test_the_admission_ticket_has_the_chinese_name_embedded_fonts_and_a_verify_qr(
    client, world, tmp_path, monkeypatch
):
    encoded = []
    real = candidate_views.qr_svg_data_uri
    monkeypatch.setattr(
        candidate_views, "qr_svg_data_uri", lambda url: encoded.append(url) or real(url)
    )
    login(client, world, "continuing_ed_a")
    candidate = world.alice_candidate
    response = client.get(reverse("assessment:ticket-pdf", args=[candidate.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "准考证" in text and "安丽丝" in text
    assert candidate.ticket_no in text
    assert candidate.account.id_number_masked in text
    assert candidate.account.id_number not in text
    assert "老年照护职业技能等级证书（初级）" in text
    fonts = pdf_fonts(response.content, tmp_path)
    assert fonts and all(" yes " in row for row in fonts), fonts
    # The QR code holds the public verification URL of the ticket's credential.
    assert encoded == [public_url(candidate.ticket_credential, response.wsgi_request)]
    verify = client.get(reverse("verify:detail", args=[candidate.ticket_credential.code]))
    body = verify.content.decode()
    assert 'data-verdict="valid"' in body and "安*丝" in body and "安丽丝" not in body


def test_all_tickets_at_once_is_one_pdf_with_a_page_per_candidate(client, tmp_path):
    names = ["马晓丽", "廖俊杰", "邱雅婷"]
    s, _, _ = f.ready_session(accounts=[student(name=n).account for n in names])
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=s.institution))
    response = client.get(reverse("assessment:tickets-pdf", args=[s.pk]))
    pages = pdf_text(response.content, tmp_path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) == 3
    for page, name in zip(pages, names, strict=True):
        assert name in page


def test_the_sign_in_sheet_lists_each_room_on_its_own_page(client, tmp_path):
    s, rooms, _ = f.ready_session(
        rooms=2, seats=1, accounts=[student(name="甘小燕").account, student(name="莫志成").account]
    )
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=s.institution))
    response = client.get(reverse("assessment:signin-sheet-pdf", args=[s.pk]))
    pages = [p for p in pdf_text(response.content, tmp_path).split("\f") if p.strip()]
    assert len(pages) == 2
    assert "甘小燕" in pages[0] and "莫志成" in pages[1]
    assert all("考生签到表" in page for page in pages)


def test_a_learner_downloads_only_their_own_ticket(client, world):
    login(client, world, "learner")
    page = client.get(reverse("assessment:my-results")).content.decode()
    assert "W-2025-0001" in page  # alice's published session and certificate
    other = world.bob_candidate
    assert client.get(reverse("assessment:my-ticket", args=[other.pk])).status_code == 404


# --- Score entry -------------------------------------------------------------------------------------


def test_an_examiner_enters_the_scores_of_their_room(client):
    people = [student(name=n).account for n in ("蓝天佑", "卢思琪")]
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=people)
    a, b = s.candidates.order_by("seat_no")
    examiner = examiners[rooms[0].pk][0]
    client.force_login(examiner)
    url = reverse("assessment:score-sheet", args=[s.pk])
    page = client.get(url).content.decode()
    assert "蓝天佑" in page and "卢思琪" in page
    response = client.post(
        url,
        {
            f"c{a.pk}-theory": "88",
            f"c{a.pk}-practical": "90.5",
            f"c{b.pk}-absent": "on",
        },
    )
    assert response.status_code == 302
    results = {r.candidate_id: r for r in ExamResult.objects.all()}
    assert results[a.pk].passed and results[a.pk].practical_score == Decimal("90.5")
    assert results[b.pk].absent and results[b.pk].entered_by == examiner
    # A score out of range is shown on its row and nothing else changes.
    response = client.post(url, {f"c{a.pk}-theory": "188", f"c{a.pk}-practical": "90.5"})
    assert response.status_code == 200
    assert "理论成绩应在 0 到 100" in response.content.decode()
    assert ExamResult.objects.get(candidate=a).theory_score == Decimal(88)


def test_an_examiner_of_another_session_cannot_open_or_post_its_score_sheet(client):
    s, rooms, examiners = f.ready_session(status="in_progress", accounts=[student().account])
    candidate = s.candidates.get()
    stranger = f.examiner(certificate_type=s.certificate_type, institution=s.institution)
    client.force_login(stranger)
    url = reverse("assessment:score-sheet", args=[s.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {f"c{candidate.pk}-theory": "99"}).status_code == 404
    assert not ExamResult.objects.exists()


# --- Session page actions ---------------------------------------------------------------------------


def test_staff_schedule_and_are_told_why_not(client):
    s = f.session()
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    client.force_login(staff)
    url = reverse("assessment:session-transition", args=[s.pk, "schedule"])
    response = client.post(url, follow=True)
    assert services.ERR_NO_ROOMS in response.content.decode()
    room = f.room(institution=s.institution)
    client.post(reverse("assessment:session-room-add", args=[s.pk]), {"room": room.pk})
    session_room = s.session_rooms.get()
    for _ in range(2):
        examiner = f.examiner(certificate_type=s.certificate_type, institution=s.institution)
        client.post(
            reverse("assessment:session-examiner-add", args=[s.pk]),
            {"session_room": session_room.pk, "examiner": examiner.pk},
        )
    client.post(url)
    s.refresh_from_db()
    assert s.status == ExamSession.Status.SCHEDULED


def test_direct_sign_up_needs_an_existing_account_with_the_same_name(client):
    s, _, _ = f.ready_session()
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=s.institution))
    # A student of another college: the user sees none of their records, so a wrong name
    # must not turn the ID number into the stored name.
    person = student(name="石晓慧").account
    url = reverse("assessment:candidate-add", args=[s.pk])
    page = client.post(url, {"name": "石小慧", "id_number": person.id_number}).content.decode()
    assert "信息需人工核对" in page
    assert "石晓慧" not in page and "晓慧" not in page
    response = client.post(url, {"name": "石晓慧", "id_number": person.id_number.lower()})
    assert response.status_code == 302
    assert s.candidates.get().account == person


def test_direct_sign_up_names_the_stored_name_to_staff_who_see_the_person(client):
    s, _, _ = f.ready_session()
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=s.institution))
    major = MajorFactory(school=SchoolFactory(institution=s.institution))
    person = student(name="石晓慧", major=major).account  # a student of the user's own college
    url = reverse("assessment:candidate-add", args=[s.pk])
    page = client.post(url, {"name": "石小慧", "id_number": person.id_number}).content.decode()
    assert "户名为「石晓慧」" in page


def test_the_award_appears_in_the_learners_account(client, world):
    login(client, world, "learner")
    page = client.get(reverse("learners:my-account")).content.decode()
    assert "W-2025-0001" in page


# --- Statistics and their drill-down ------------------------------------------------------------------


def _stats_world():
    """Two certificate levels in 2025, one absent candidate and one who failed."""
    s1, rooms, examiners = f.ready_session(
        status="in_progress", accounts=[student().account for _ in range(4)]
    )
    a, b, c, d = s1.candidates.order_by("seat_no")
    examiner = examiners[rooms[0].pk][0]
    for candidate, score in ((a, 90), (b, 70), (c, 30)):
        services.result_enter(
            actor=examiner,
            candidate=candidate,
            theory_score=Decimal(score),
            practical_score=Decimal(score),
        )
    services.result_enter(
        actor=examiner, candidate=d, theory_score=None, practical_score=None, absent=True
    )
    s2, rooms2, examiners2 = f.ready_session(
        status="in_progress",
        certificate_type=s1.certificate_type,
        institution=s1.institution,
        level="intermediate",
        accounts=[student().account for _ in range(2)],
    )
    f.score_all(s2, examiners2)
    return s1, s2


def test_the_statistics_equal_their_drill_down(client):
    s1, s2 = _stats_world()
    staff = user_with_role(Role.CONTINUING_ED, institution=s1.institution)
    client.force_login(staff)
    page = client.get(reverse("assessment:stats")).content.decode()
    rows = re.findall(
        r'<tr data-year="2025" data-certificate="[^"]+" data-level="(\w+)">(.*?)</tr>', page, re.S
    )
    figures = {}
    for level, cells in rows:
        links = re.findall(r'<a href="([^"]+)"[^>]*>(\d+)</a>', cells)
        figures[level] = [(unescape(url), int(n)) for url, n in links]
    assert [n for _, n in figures["junior"]] == [4, 3, 2]  # candidates, examined, passed
    assert [n for _, n in figures["intermediate"]] == [2, 2, 2]
    assert "66.7%" in page
    for links in figures.values():
        for url, n in links:
            assert client.get(url).context["page_obj"].paginator.count == n, url
    year = re.search(r'<tr data-year="2025"><td>2025</td>(.*?)</tr>', page, re.S).group(1)
    year_links = re.findall(r'<a href="([^"]+)"[^>]*>(\d+)</a>', year)
    assert [int(n) for _, n in year_links] == [6, 5, 4]
    for url, n in year_links:
        assert client.get(unescape(url)).context["page_obj"].paginator.count == int(n)


def test_statistics_and_lists_export_to_excel(client, world):
    login(client, world, "continuing_ed_a")
    rows = sheet(client.get(reverse("assessment:stats") + "?export=xlsx"))
    assert rows[0][:5] == ["年份", "证书", "等级", "报考人数", "鉴定人数"]
    # alice passed; bob is signed up for a session not held yet.
    assert [2025.0, "老年照护职业技能等级证书", "初级", 2.0, 1.0, 1.0, 100.0] in rows
    roster = sheet(
        client.get(reverse("assessment:session-detail", args=[world.published.pk]) + "?export=xlsx")
    )
    alice = next(r for r in roster[1:] if r[5] == "安丽丝")
    assert alice[6] == world.alice_candidate.account.id_number_masked
    assert alice[-1] == "W-2025-0001"
    for name in (
        "site-list",
        "room-list",
        "session-list",
        "candidate-list",
        "award-list",
        "pass-mark-list",
    ):
        assert len(sheet(client.get(reverse(f"assessment:{name}") + "?export=xlsx"))) >= 2, name


def test_hr_lists_and_exports_examiner_qualifications(client, world):
    login(client, world, "hr_a")
    page = client.get(reverse("assessment:qualification-list"), {"name": "郭考评"})
    assert [q.user.full_name for q in page.context["page_obj"]] == ["郭考评"]
    rows = sheet(
        client.get(reverse("assessment:qualification-list") + "?export=xlsx&validity=valid")
    )
    assert rows[0][0] == "考评员"
    names = {row[0] for row in rows[1:]}
    assert {"郭考评", "沈考评", "闲考评"} <= names
    expired = client.get(reverse("assessment:qualification-list"), {"validity": "expired"})
    assert expired.context["page_obj"].paginator.count == 0


def test_lists_are_filtered(client, world):
    login(client, world, "continuing_ed_a")
    sessions = client.get(reverse("assessment:session-list"), {"status": "published"})
    assert [s.pk for s in sessions.context["page_obj"]] == [world.published.pk]
    awards = client.get(reverse("assessment:award-list"), {"name": "安丽"})
    assert [a.pk for a in awards.context["page_obj"]] == [world.award.pk]
    rooms = client.get(reverse("assessment:room-list"), {"certified": "valid"})
    assert rooms.context["page_obj"].paginator.count == 2
    bad = client.get(reverse("assessment:candidate-list"), {"year": "abc"})
    assert bad.context["page_obj"].paginator.count == 0


# --- Query counts ----------------------------------------------------------------------------------------
# Every staff page: session, user, role assignments (scope, for the navigation), the navigation's
# ``user.learning_account``, and the role assignments of ``access_for``; then the page's own.


def _assert_same_queries(client, user, django_assert_num_queries, url, expected, grow):
    client.force_login(user)
    client.get(url)
    for extra in (1, 4):
        grow(extra)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_list_pages_make_the_same_queries_however_many_rows(
    client, world, django_assert_num_queries
):
    staff = world.users["continuing_ed_a"]
    ct, college = world.base.certificate_type, world.base.college_a

    def grow(n):
        for _ in range(n):
            s, rooms, examiners = f.ready_session(
                status="in_progress",
                certificate_type=ct,
                institution=college,
                accounts=[student().account, student().account],
            )
            f.score_all(s, examiners)

    # 3 common (session, user, the role assignments read once for the navigation and
    # access_for) + count + page of rows (related rows joined) + the filter's choices:
    # institutions [and certificate types].
    for name, queries in (
        ("session-list", 7),
        ("site-list", 6),
        ("room-list", 6),
        ("candidate-list", 8),  # + the awards, prefetched (a re-issue makes several)
        ("award-list", 7),
        ("qualification-list", 7),
    ):
        _assert_same_queries(
            client, staff, django_assert_num_queries, reverse(f"assessment:{name}"), queries, grow
        )


def test_the_statistics_page_makes_one_grouped_query(client, world, django_assert_num_queries):
    staff = world.users["continuing_ed_a"]

    def grow(n):
        for _ in range(n):
            s, _, examiners = f.ready_session(
                status="in_progress",
                certificate_type=world.base.certificate_type,
                institution=world.base.college_a,
                accounts=[student().account],
            )
            f.score_all(s, examiners)

    # 3 common + the grouped counts + the filter's choices (certificate types, institutions).
    _assert_same_queries(
        client, staff, django_assert_num_queries, reverse("assessment:stats"), 6, grow
    )


def _queries(client, user, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_session_page_makes_the_same_queries_however_many_candidates(client):
    # The session; its rooms (site joined, candidate counts); their examiners (qualification
    # joined); the candidates (account, room, result, program, ticket joined); their awards
    # (prefetched: a re-issue makes several per candidate); the pass
    # mark; the scheduling checks (rooms, then per room its busy check and examiners); the
    # confidentiality steps and incidents; the choices of the forms. Rooms add queries,
    # candidates do not.
    counts = []
    for n in (1, 6):
        s, rooms, _ = f.ready_session(
            rooms=2, seats=20, status="draft", accounts=[student().account for _ in range(n)]
        )
        staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
        counts.append(_queries(client, staff, reverse("assessment:session-detail", args=[s.pk])))
    assert counts[0] == counts[1] == 19


def test_the_score_sheet_makes_the_same_queries_however_many_candidates(client):
    # 3 common (no access_for on this page) + the session (the examiner's assignment as a
    # subquery); the candidates of the examiner's rooms (everything joined); the examiner's
    # rooms; the pass mark.
    counts = []
    for n in (1, 6):
        s, rooms, examiners = f.ready_session(
            status="in_progress", accounts=[student().account for _ in range(n)]
        )
        url = reverse("assessment:score-sheet", args=[s.pk])
        counts.append(_queries(client, examiners[rooms[0].pk][0], url))
    assert counts[0] == counts[1] == 7


def test_my_results_makes_the_same_queries_however_many_candidacies(
    client, django_assert_num_queries
):
    learner = student()
    login_user = user_with_role(Role.LEARNER, institution=learner.institution)
    learner.account.user = login_user
    learner.account.save(update_fields=["user"])

    def grow(n):
        for _ in range(n):
            f.ready_session(accounts=[learner.account])

    # 3 common + the candidacies with session, certificate, room and result joined + their
    # awards (prefetched: a re-issue makes several per candidate).
    _assert_same_queries(
        client,
        login_user,
        django_assert_num_queries,
        reverse("assessment:my-results"),
        5,
        grow,
    )


def test_a_result_entered_on_a_published_session_is_refused_on_the_page(client, world):
    login(client, world, "examiner_assigned")
    url = reverse("assessment:score-sheet", args=[world.published.pk])
    candidate = world.alice_candidate
    response = client.post(
        url, {f"c{candidate.pk}-theory": "10", f"c{candidate.pk}-practical": "10"}
    )
    assert "不能录入成绩" in response.content.decode()
    assert ExamResult.objects.get(candidate=candidate).theory_score == Decimal(88)


def test_the_examiners_workbench_card_opens_their_sessions(client, world):
    login(client, world, "examiner_assigned")
    page = client.get(reverse("assessment:my-sessions")).content.decode()
    assert world.published.title in page
    assert datetime.date(2025, 6, 20).isoformat() in page


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (
            "continuing_ed_a",
            {
                "考核批次": "assessment:session-list",
                "考点与考场": "assessment:site-list",
                "考评员资格": "assessment:qualification-list",
                "证书发放": "assessment:award-list",
                "鉴定统计": "assessment:stats",
            },
        ),
        ("hr_a", {"考评员资格": "assessment:qualification-list"}),
        ("examiner_assigned", {"考核评分": "assessment:my-sessions"}),
    ],
)
def test_the_workbench_links_the_assessment_duties(client, world, role, links):
    from xbank.accounts.tests.test_workbench import cards

    login(client, world, role)
    shown = cards(client.get(reverse("accounts:workbench")).content.decode())
    for title, url_name in links.items():
        assert shown.get(title) == reverse(url_name), title
        assert client.get(reverse(url_name)).status_code == 200, title
