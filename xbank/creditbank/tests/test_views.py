"""Credit bank pages: every URL for every role (200/302/403/404), the rule life cycle through
the forms, simulation, the calculator (also public and in English), applying with a preview,
two-level review with its errors on the form, appeal, batches, notifications that lead to the
request, the ledger, the transcript, the graduation audit, Excel exports that reopen with the
right rows, and query counts that do not grow with the rows."""

from __future__ import annotations

import base64
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from xbank.accounts.models import Notification, Role, RoleAssignment
from xbank.accounts.tests.factories import user_with_role
from xbank.catalog.tests.factories import CertificateTypeFactory
from xbank.core.actors import SYSTEM
from xbank.creditbank import services
from xbank.creditbank.models import (
    ConversionRule,
    CreditEntry,
    Exemption,
    RecognitionRequest,
)
from xbank.creditbank.tests.factories import CreditWorld, build_credit_world
from xbank.creditbank.tests.test_ledger import _tamper
from xbank.learners.models import Learner, LearningOutcome
from xbank.learners.services import outcome_revoke
from xbank.orgs.tests.factories import InstitutionFactory, SchoolFactory
from xbank.testing.matrix import statuses, url_names
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db

# A real 1x1 PNG (the evidence check reads the content, so test uploads must be real files).
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

ANON = None
# Keys of ``PageWorld.users``; None is the anonymous visitor.
ROLES = [
    ANON,
    "learner",  # alice, whose rows the URLs name
    "other_learner",  # bob, another student of the same major
    "school_staff",  # alice's school (二级学院)
    "school_staff_other",  # another school of the same college
    "academic_affairs",  # alice's college (教务处)
    "academic_affairs_other",  # another college
    "continuing_ed",
    "bank_admin",
    "hr",  # a role that sees no learner records
    "outsider",  # no role at all
]
LOGGED_IN = [role for role in ROLES if role is not None]
STAFF = [
    "school_staff",
    "school_staff_other",
    "academic_affairs",
    "academic_affairs_other",
    "continuing_ed",
    "bank_admin",
]


@dataclass
class PageWorld:
    w: CreditWorld
    alice: Learner
    bob: Learner
    certificate: LearningOutcome
    published: ConversionRule
    draft: ConversionRule
    request: RecognitionRequest
    credential: Credential
    users: dict = field(default_factory=dict)


def build_page_world() -> PageWorld:
    """College A (alice's, with the credit world's rule), another school of A, college B; alice
    with a certificate, one course passed and a request waiting for her school."""
    w = build_credit_world()
    aa = w.users["academic_affairs"]
    published = w.rule()
    draft = services.rule_revise(
        actor=aa,
        rule=published,
        effective_from=datetime.date(2021, 9, 1),
        credits=2,
        credit_category="elective",
    )
    alice = w.learner(name="安丽丝")
    bob = w.learner(name="包博")
    certificate = w.certificate(alice)
    services.course_credit_post(actor=SYSTEM, outcome=w.course_result(alice, "护理学基础"))
    request = services.recognition_submit(
        actor=alice.account.user,
        learner=alice,
        outcomes=[certificate],
        evidence_text="2024 年 6 月考核合格",
        evidence_file=SimpleUploadedFile("证书.pdf", b"%PDF-1.4 evidence", "application/pdf"),
    )
    credential = services.transcript_issue(actor=SYSTEM, learner=alice, curriculum=w.curriculum)
    other_school = SchoolFactory(institution=w.college, name="信息工程学院")
    users = {
        **w.users,
        "learner": alice.account.user,
        "other_learner": bob.account.user,
        "school_staff_other": user_with_role(Role.SCHOOL_STAFF, school=other_school),
        "academic_affairs_other": user_with_role(
            Role.ACADEMIC_AFFAIRS, institution=InstitutionFactory()
        ),
        "hr": user_with_role(Role.HR, institution=w.college),
    }
    return PageWorld(w, alice, bob, certificate, published, draft, request, credential, users)


@pytest.fixture
def pw() -> PageWorld:
    return build_page_world()


def login(client, pw, role):
    client.force_login(pw.users[role])
    return client


def sheet(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def text(response) -> str:
    return response.content.decode()


# --- Access: every URL, every role ------------------------------------------------------------------


def answers(default: int, **given) -> dict:
    """{role: status}: anonymous visitors go to the login page, everyone else ``default``
    unless ``given`` says otherwise."""
    return {ANON: 302, **dict.fromkeys(LOGGED_IN, default), **given}


# Staff pages: the roles that see learner records; learners and the rest get a 403.
STAFF_PAGE = answers(403, **dict.fromkeys(STAFF, 200))
# College A's rule: another college's staff get the 404 of a missing row.
RULE_A = {**STAFF_PAGE, "academic_affairs_other": 404}
# Writing college A's rules: its 教务处 and the bank; staff who only read get a 403.
MANAGE_A = {**RULE_A, "academic_affairs": 200, "bank_admin": 200}
for _role in ("school_staff", "school_staff_other", "continuing_ed"):
    MANAGE_A[_role] = 403
MANAGE_A_POST = {**MANAGE_A, "academic_affairs": 302, "bank_admin": 302}
# alice's rows (requests, ledger, transcript): staff in scope and alice; outsiders 404.
ALICE = answers(
    404,
    learner=200,
    school_staff=200,
    academic_affairs=200,
    continuing_ed=200,
    bank_admin=200,
    hr=403,
    outsider=403,
)
# Acting on alice's request as the learner (appeal, withdraw): staff in scope get a 403.
ALICE_OWN = {**ALICE, "school_staff": 403, "academic_affairs": 403, "continuing_ed": 403}
ALICE_OWN["bank_admin"] = 403
BATCH = answers(403, **dict.fromkeys(STAFF, 200))
GRADUATION = answers(
    403,
    school_staff=200,
    school_staff_other=200,
    academic_affairs=200,
    academic_affairs_other=200,
    bank_admin=200,
)

# url name → (method, kwargs from the world, {role: status})
EXPECTED = {
    "creditbank:index": ("get", lambda pw: {}, answers(302)),
    "creditbank:rule-list": ("get", lambda pw: {}, STAFF_PAGE),
    "creditbank:rule-create": (
        "get",
        lambda pw: {},
        {
            **STAFF_PAGE,
            "school_staff": 403,
            "school_staff_other": 403,
            "continuing_ed": 403,
        },
    ),
    "creditbank:rule-detail": ("get", lambda pw: {"pk": pw.published.pk}, RULE_A),
    "creditbank:rule-edit": ("get", lambda pw: {"pk": pw.draft.pk}, MANAGE_A),
    "creditbank:rule-revise": ("get", lambda pw: {"pk": pw.published.pk}, MANAGE_A),
    "creditbank:rule-publish": ("post", lambda pw: {"pk": pw.draft.pk}, MANAGE_A_POST),
    "creditbank:rule-retire": ("post", lambda pw: {"pk": pw.published.pk}, MANAGE_A_POST),
    "creditbank:rule-discard": ("post", lambda pw: {"pk": pw.draft.pk}, MANAGE_A_POST),
    "creditbank:rule-simulate": ("get", lambda pw: {"pk": pw.draft.pk}, MANAGE_A),
    "creditbank:calculator": ("get", lambda pw: {}, answers(200)),
    "creditbank:public-calculator": ("get", lambda pw: {}, {**answers(200), ANON: 200}),
    "creditbank:request-list": (
        "get",
        lambda pw: {},
        answers(200, hr=403, outsider=403),
    ),
    "creditbank:request-apply": (
        "get",
        lambda pw: {},
        answers(403, learner=200, other_learner=200),
    ),
    "creditbank:review-school": (
        "get",
        lambda pw: {},
        answers(403, school_staff=200, school_staff_other=200),
    ),
    "creditbank:review-final": (
        "get",
        lambda pw: {},
        answers(403, academic_affairs=200, academic_affairs_other=200),
    ),
    "creditbank:request-detail": ("get", lambda pw: {"code": pw.request.code}, ALICE),
    # An empty review form is shown again with its errors (200) to the reviewers.
    "creditbank:request-review": (
        "post",
        lambda pw: {"code": pw.request.code},
        {**ALICE, "learner": 403, "continuing_ed": 403, "bank_admin": 403},
    ),
    # An appeal of a request still under review: the learner's form shows the state error.
    "creditbank:request-appeal": ("post", lambda pw: {"code": pw.request.code}, ALICE_OWN),
    "creditbank:request-withdraw": (
        "post",
        lambda pw: {"code": pw.request.code},
        {**ALICE_OWN, "learner": 302},
    ),
    "creditbank:request-file": (
        "get",
        lambda pw: {"code": pw.request.code, "which": "evidence"},
        ALICE,
    ),
    "creditbank:batch-list": ("get", lambda pw: {}, BATCH),
    "creditbank:batch-create": ("get", lambda pw: {}, BATCH),
    "creditbank:ledger": ("get", lambda pw: {"pk": pw.alice.pk}, ALICE),
    "creditbank:entry-reverse": (
        "post",
        lambda pw: {"pk": pw.alice.pk, "seq": 1},
        {
            **ALICE,
            "learner": 403,
            "school_staff": 403,
            "continuing_ed": 403,
            "academic_affairs": 302,
            "bank_admin": 302,
        },
    ),
    "creditbank:transcript": ("get", lambda pw: {"pk": pw.alice.pk}, ALICE),
    "creditbank:transcript-issue": (
        "post",
        lambda pw: {"pk": pw.alice.pk},
        {role: 302 if status == 200 else status for role, status in ALICE.items()},
    ),
    "creditbank:transcript-pdf": (
        "get",
        lambda pw: {"pk": pw.alice.pk, "code": pw.credential.code},
        ALICE,
    ),
    "creditbank:my-credits": ("get", lambda pw: {}, answers(404, learner=200, other_learner=200)),
    "creditbank:my-ledger": ("get", lambda pw: {}, answers(404, learner=200, other_learner=200)),
    "creditbank:graduation-audit": ("get", lambda pw: {}, GRADUATION),
}


def _url_names() -> list[str]:
    return url_names("creditbank")


def test_every_url_has_an_expectation_for_every_role():
    names = _url_names()
    assert names, "no URL patterns found"
    missing = [name for name in names if name not in EXPECTED]
    assert not missing, f"URL patterns without an expected status per role: {missing}"
    for name in names:
        assert set(EXPECTED[name][2]) == set(ROLES), name


@pytest.mark.parametrize("name", _url_names())
def test_status_per_role(client, pw, name):
    """Each role's request runs in a savepoint rolled back afterwards, so a POST that succeeds
    for one role (publishing, withdrawing) leaves the next role the same world."""
    method, kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs=kwargs(pw))
    got = statuses(client, pw.users, ROLES, lambda c: getattr(c, method)(url), rollback=True)
    assert got == expected


# --- Rules ----------------------------------------------------------------------------------------


def rule_form(pw, **changes) -> dict:
    data = {
        "name": "老年照护（高级）免修老年照护实训",
        "outcome_kind": "skill_certificate",
        "certificate_type": pw.w.elderly_care.pk,
        "min_level": "senior",
        "courses": [pw.w.courses["老年照护实训"].pk],
        "credits": "",
        "credit_category": "",
        "effective_from": "2022-09-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_rule_goes_from_draft_to_published_to_a_new_version_and_is_retired(client, pw):
    login(client, pw, "academic_affairs")
    response = client.post(
        reverse("creditbank:rule-create"),
        rule_form(pw, institution=pw.w.college.pk),
    )
    rule = ConversionRule.objects.get(name="老年照护（高级）免修老年照护实训")
    assert response["Location"] == reverse("creditbank:rule-detail", args=[rule.pk])
    assert (rule.status, rule.version, rule.institution) == ("draft", 1, pw.w.college)
    page = text(client.get(response["Location"]))
    assert "老年照护实训" in page and reverse("creditbank:rule-publish", args=[rule.pk]) in page

    client.post(reverse("creditbank:rule-publish", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.status == "published"
    # A published rule is not edited: the edit page sends back with the reason.
    response = client.get(reverse("creditbank:rule-edit", args=[rule.pk]), follow=True)
    assert services.ERR_RULE_NOT_DRAFT in text(response)

    response = client.post(
        reverse("creditbank:rule-revise", args=[rule.pk]),
        rule_form(pw, effective_from="2025-09-01", max_age_years="3"),
    )
    v2 = ConversionRule.objects.get(code=rule.code, version=2)
    assert response["Location"] == reverse("creditbank:rule-detail", args=[v2.pk])
    assert (v2.status, v2.max_age_years) == ("draft", 3)
    client.post(reverse("creditbank:rule-publish", args=[v2.pk]))
    page = text(client.get(reverse("creditbank:rule-detail", args=[v2.pk])))
    history = re.findall(r'data-version="(\d)".*?data-version-status>(.*?)<', page, re.S)
    assert [(v, status) for v, status in history] == [("2", "已发布"), ("1", "已停用")]

    client.post(reverse("creditbank:rule-retire", args=[v2.pk]), {"on": "2026-01-31"})
    v2.refresh_from_db()
    assert (v2.status, v2.retired_on) == ("retired", datetime.date(2026, 1, 31))


def test_the_services_refusals_are_errors_on_the_rule_form(client, pw):
    login(client, pw, "academic_affairs")
    response = client.post(
        reverse("creditbank:rule-create"),
        rule_form(pw, institution=pw.w.college.pk, courses=None, credits="2"),
    )
    assert response.status_code == 200
    assert services.ERR_RULE_CATEGORY in text(response)
    # A new version must start after the current one.
    response = client.post(
        reverse("creditbank:rule-revise", args=[pw.published.pk]),
        rule_form(pw, effective_from="2019-01-01"),
    )
    assert services.ERR_RULE_DRAFT_EXISTS.format(version=2) in text(response)
    client.post(reverse("creditbank:rule-publish", args=[pw.draft.pk]))  # v2 published
    response = client.post(
        reverse("creditbank:rule-revise", args=[pw.draft.pk]),
        rule_form(pw, effective_from="2019-01-01"),
    )
    v3 = ConversionRule.objects.get(code=pw.published.code, version=3)
    response = client.post(reverse("creditbank:rule-publish", args=[v3.pk]), follow=True)
    assert services.ERR_RULE_EFFECTIVE.format(date=datetime.date(2021, 9, 1)) in text(response)


def test_regional_rules_are_the_banks(client, pw):
    login(client, pw, "academic_affairs")
    form = client.get(reverse("creditbank:rule-create")).context["form"]
    assert [c for c, _ in form.fields["institution"].choices] == [str(pw.w.college.pk)]
    login(client, pw, "bank_admin")
    response = client.post(
        reverse("creditbank:rule-create"), rule_form(pw, institution="regional", name="区域规则")
    )
    assert response.status_code == 302
    assert ConversionRule.objects.get(name="区域规则").institution is None
    # academic affairs see the regional rule, but may not manage it
    regional = ConversionRule.objects.get(name="区域规则")
    login(client, pw, "academic_affairs")
    assert client.get(reverse("creditbank:rule-detail", args=[regional.pk])).status_code == 200
    assert client.get(reverse("creditbank:rule-edit", args=[regional.pk])).status_code == 403


def test_the_rule_list_filters_and_exports(client, pw):
    login(client, pw, "bank_admin")
    services.rule_publish(
        actor=pw.users["bank_admin"],
        rule=services.rule_create(
            actor=pw.users["bank_admin"],
            name="区域互认",
            outcome_kind="skill_certificate",
            certificate_type=pw.w.elderly_care,
            effective_from=datetime.date(2023, 9, 1),
            courses=[pw.w.courses["老年护理"]],
        ),
    )
    url = reverse("creditbank:rule-list")

    def names(params):
        return [(r.name, r.version) for r in client.get(url, params).context["page_obj"]]

    assert len(names({})) == 3
    assert names({"institution": "regional"}) == [("区域互认", 1)]
    assert names({"institution": pw.w.college.pk, "status": "draft"}) == [
        ("老年照护中级免修老年护理", 2)
    ]
    assert names({"status": "retired"}) == []
    assert len(names({"certificate_type": pw.w.elderly_care.pk})) == 3
    rows = sheet(client.get(url, {"export": "xlsx", "status": "published"}))
    assert rows[0][:4] == ["规则编号", "版本", "规则名称", "所属"]
    assert sorted((r[2], r[3], r[10]) for r in rows[1:]) == [
        ("区域互认", "区域学分银行（互认）", "老年护理"),
        ("老年照护中级免修老年护理", pw.w.college.name, "老年护理"),
    ]


def test_simulating_a_draft_lists_gains_and_exports(client, pw):
    login(client, pw, "academic_affairs")
    response = client.get(reverse("creditbank:rule-simulate", args=[pw.draft.pk]))
    rows = list(response.context["page_obj"])
    assert [r.learner.pk for r in rows] == [pw.alice.pk]
    assert rows[0].exemptions == ["老年护理"] and rows[0].credits == Decimal("6.0")
    assert 'data-figure="gaining">1<' in text(response)
    none = client.get(reverse("creditbank:rule-simulate", args=[pw.draft.pk]), {"show": "none"})
    assert list(none.context["page_obj"]) == []
    exported = sheet(
        client.get(reverse("creditbank:rule-simulate", args=[pw.draft.pk]), {"export": "xlsx"})
    )
    assert exported[1][1] == "安丽丝" and exported[1][7] == "老年护理" and exported[1][8] == 6.0


def test_the_simulation_marks_who_hits_the_cap(client, pw):
    services.policy_set(
        actor=pw.users["academic_affairs"], institution=pw.w.college, max_converted_share="0.02"
    )  # a cap of 2.8 credits: 老年护理 (4) no longer fits
    login(client, pw, "academic_affairs")
    url = reverse("creditbank:rule-simulate", args=[pw.draft.pk])
    response = client.get(url, {"show": "capped"})
    (row,) = response.context["page_obj"]
    assert row.capped and row.exemptions == [] and row.credits == Decimal("2.0")
    assert 'data-figure="capped">1<' in text(response)
    assert any("超出转换学分上限" in e for e in row.explanations)
    gains = client.get(url, {"show": "gains", "curriculum": pw.w.curriculum.pk})
    assert [r.learner.pk for r in gains.context["page_obj"]] == [pw.alice.pk]


def test_discarding_a_draft_returns_to_the_current_version(client, pw):
    login(client, pw, "academic_affairs")
    response = client.post(reverse("creditbank:rule-discard", args=[pw.draft.pk]))
    assert response["Location"] == reverse("creditbank:rule-detail", args=[pw.published.pk])
    assert not ConversionRule.objects.filter(pk=pw.draft.pk).exists()


# --- Calculator --------------------------------------------------------------------------------------


def test_the_learners_calculator_preselects_their_curriculum(client, pw):
    login(client, pw, "learner")
    response = client.get(reverse("creditbank:calculator"))
    assert response.context["form"]["curriculum"].value() == pw.w.curriculum.pk
    response = client.get(
        reverse("creditbank:calculator"),
        {
            "certificate_type": pw.w.elderly_care.pk,
            "level": "intermediate",
            "curriculum": pw.w.curriculum.pk,
        },
    )
    calc = response.context["calculation"]
    assert calc.total == Decimal("4") and calc.cap == Decimal("70.0")
    assert 'data-exempts="老年护理"' in text(response)
    # A level below the rule's brings nothing.
    response = client.get(
        reverse("creditbank:calculator"),
        {"certificate_type": pw.w.elderly_care.pk, "level": "junior"},
    )
    assert "data-empty" in text(response)


def test_the_calculator_updates_the_levels_and_the_result_with_htmx(client, pw):
    login(client, pw, "learner")
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER_NAME": "certificate_type"}
    response = client.get(
        reverse("creditbank:calculator"), {"certificate_type": pw.w.elderly_care.pk}, **htmx
    )
    assert text(response).startswith('<div class="col-12 col-md-3" id="level-field">')
    assert "<body" not in text(response)
    response = client.get(
        reverse("creditbank:calculator"),
        {"certificate_type": pw.w.elderly_care.pk, "level": "intermediate"},
        HTTP_HX_REQUEST="true",
    )
    assert text(response).startswith('<div id="result">') and "老年护理" in text(response)


def test_the_public_calculator_needs_no_login_and_speaks_english(client, pw):
    params = {"certificate_type": pw.w.elderly_care.pk, "level": "intermediate"}
    page = text(client.get(reverse("creditbank:public-calculator"), params))
    assert "学分计算器" in page and 'data-exempts="老年护理"' in page
    english = text(
        client.get(reverse("creditbank:public-calculator"), params, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "Credit calculator" in english and "学分计算器" not in english
    assert "Exempts “老年护理” (4.0 credits)" in english
    assert "Vocational skill level certificate · Intermediate or above" in english
    assert "capped by each institution" in english and "Regional" not in english
    # A level the certificate does not have is an error on the field, in English too.
    pw.w.elderly_care.levels = ["junior", "intermediate", "senior"]
    pw.w.elderly_care.save(update_fields=["levels"])
    response = client.get(
        reverse("creditbank:public-calculator"),
        {"certificate_type": pw.w.elderly_care.pk, "level": "grade4"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Select a valid choice" in text(response)


def test_a_certificate_without_levels_offers_no_level_and_ignores_a_posted_one(client, pw):
    nurse = CertificateTypeFactory(
        name="护士资格证",
        kind="qualification",
        levels=[],
        evaluation_org=None,
        issuer_name="国家卫健委",
    )
    pw.w.rule(
        name="护士资格证免修老年照护实训",
        code="NURSE",
        certificate_type=nurse,
        outcome_kind="qualification",
        min_level="",
        courses=["老年照护实训"],
    )
    url = reverse("creditbank:public-calculator")
    page = text(client.get(url, {"certificate_type": nurse.pk}))
    assert 'name="level"' not in page and ">初级<" not in page
    # The htmx swap after choosing the certificate brings an empty level field.
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER_NAME": "certificate_type"}
    field = text(client.get(url, {"certificate_type": nurse.pk}, **htmx))
    assert field.startswith('<div class="col-12 col-md-3" id="level-field">')
    assert "<select" not in field
    # A level posted anyway (an old link) is ignored: no error, no level in the heading.
    response = client.get(url, {"certificate_type": nurse.pk, "level": "junior"})
    assert response.context["form"].errors == {}
    page = text(response)
    assert '<h2 class="h5 mb-1">护士资格证</h2>' in page
    assert 'data-exempts="老年照护实训"' in page and "免修「老年照护实训」（2.0 学分）" in page
    assert 'data-total="2.0"' in page
    # A certificate with levels still offers them.
    page = text(client.get(url, {"certificate_type": pw.w.elderly_care.pk}))
    assert 'name="level"' in page and ">初级<" in page


def test_an_exclusive_group_says_the_better_rule_counts_only_when_one_does(client, pw):
    for code, name in (("G-A", "甲：免修护理学基础"), ("G-B", "乙：免修护理学基础")):
        pw.w.rule(name=name, code=code, exclusive_group="G", courses=["护理学基础"])
    params = {
        "certificate_type": pw.w.elderly_care.pk,
        "level": "intermediate",
        "curriculum": pw.w.curriculum.pk,
    }
    # Staff, with no record of their own: 甲 exempts 护理学基础 (8) and 乙 gives way to it;
    # the college's ungrouped rule exempts 老年护理 (4). 4 + 8 = 12.
    login(client, pw, "academic_affairs")
    page = text(client.get(reverse("creditbank:calculator"), params))
    assert 'data-total="12.0"' in page
    assert "已按更有利的一条计入" in page
    # 安丽丝 has passed 护理学基础: both rules of the group add nothing, and it says so.
    login(client, pw, "learner")
    response = client.get(reverse("creditbank:calculator"), params)
    page = text(response)
    assert 'data-total="4.0"' in page
    lines = {line.rule.code: line for line in response.context["calculation"].lines}
    assert (lines["G-A"].total, lines["G-B"].total) == (Decimal("0"), Decimal("0"))
    assert "已按更有利的一条计入" not in page
    assert "同一成果只能用于其中一条；该组规则在此均不能计入学分或免修。" in page


# --- Applying and reviewing -----------------------------------------------------------------------------


def test_the_learner_previews_the_proposal_then_applies(client, pw):
    services.recognition_withdraw(actor=pw.users["learner"], request=pw.request)
    login(client, pw, "learner")
    url = reverse("creditbank:request-apply")
    page = client.get(url)
    assert [o.pk for o in page.context["form"].fields["outcomes"].queryset] == [pw.certificate.pk]
    preview = client.post(
        url, {"outcomes": [pw.certificate.pk], "action": "preview"}, HTTP_HX_REQUEST="true"
    )
    body = text(preview)
    assert body.startswith('<div id="proposal">')
    assert 'data-proposal-credits="4.0"' in body
    assert "免修课程「老年护理」" in body and pw.published.label in body
    assert RecognitionRequest.objects.filter(status="submitted").count() == 0
    # Without htmx the same preview is part of the page.
    assert "免修课程「老年护理」" in text(
        client.post(url, {"outcomes": [pw.certificate.pk], "action": "preview"})
    )
    response = client.post(
        url,
        {
            "outcomes": [pw.certificate.pk],
            "evidence_text": "证书编号可在平台查询",
            "evidence_file": SimpleUploadedFile("scan.png", PNG_1X1, "image/png"),
            "action": "submit",
        },
    )
    new = RecognitionRequest.objects.get(status="submitted")
    assert response["Location"] == reverse("creditbank:request-detail", args=[new.code])
    assert new.evidence_text == "证书编号可在平台查询" and new.evidence_file
    page = text(client.get(response["Location"]))
    assert "免修课程「老年护理」" in page and 'data-event="submitted"' in page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("证书.pdf", b"just some text, named like a PDF"),
        ("notes.txt", b"plain text"),
        ("证书.pdf", b"PK\x03\x04" + bytes(40)),  # a zip (an .xlsx, say) renamed
    ],
)
def test_evidence_that_is_not_a_pdf_or_image_by_content_is_refused_naming_the_file(
    client, pw, name, content
):
    login(client, pw, "learner")
    before = RecognitionRequest.objects.count()
    response = client.post(
        reverse("creditbank:request-apply"),
        {
            "outcomes": [pw.certificate.pk],
            "evidence_file": SimpleUploadedFile(name, content, "application/pdf"),
            "action": "submit",
        },
    )
    assert response.status_code == 200
    assert f"「{name}」不是 PDF 或图片文件" in text(response)
    assert RecognitionRequest.objects.count() == before


def test_a_link_may_preselect_the_outcome_to_apply_with(client, pw):
    # An outcome under review is not offered, so free it first.
    services.recognition_withdraw(actor=pw.users["learner"], request=pw.request)
    login(client, pw, "learner")
    page = text(
        client.get(reverse("creditbank:request-apply"), {"outcome": [pw.certificate.pk, "x"]})
    )
    box = re.search(rf'<input type="checkbox"[^>]*value="{pw.certificate.pk}"[^>]*>', page).group(0)
    assert "checked" in box


def test_applying_without_an_outcome_or_twice_is_a_form_error(client, pw):
    login(client, pw, "learner")
    url = reverse("creditbank:request-apply")
    assert "请至少选择一项学习成果" in text(client.post(url, {"action": "submit"}))
    response = client.post(url, {"outcomes": [pw.certificate.pk], "action": "submit"})
    assert services.ERR_OUTCOME_IN_OPEN_REQUEST.format(
        title=pw.certificate.title, code=pw.request.code
    ) in text(response)


def review(client, pw, role, decision, note=""):
    login(client, pw, role)
    return client.post(
        reverse("creditbank:request-review", args=[pw.request.code]),
        {"decision": decision, "note": note},
    )


def test_school_then_academic_affairs_approve_and_the_ledger_has_the_exemption(client, pw):
    login(client, pw, "school_staff")
    queue = client.get(reverse("creditbank:review-school"))
    assert [r.code for r in queue.context["page_obj"]] == [pw.request.code]
    detail = text(client.get(reverse("creditbank:request-detail", args=[pw.request.code])))
    assert 'id="review"' in detail and "初审通过" in detail
    assert review(client, pw, "school_staff", "approve", "材料齐全")["Location"] == reverse(
        "creditbank:request-detail", args=[pw.request.code]
    )
    login(client, pw, "academic_affairs")
    queue = client.get(reverse("creditbank:review-final"))
    assert [r.code for r in queue.context["page_obj"]] == [pw.request.code]
    review(client, pw, "academic_affairs", "approve")
    pw.request.refresh_from_db()
    assert pw.request.status == "approved"
    page = text(client.get(reverse("creditbank:request-detail", args=[pw.request.code])))
    assert [e for e in re.findall(r'data-event="(\w+)"', page)] == [
        "submitted",
        "school_approved",
        "approved",
    ]
    entry = CreditEntry.objects.get(request=pw.request)
    assert f"#entry-{entry.seq}" in page
    assert Exemption.objects.get(request=pw.request).course.name == "老年护理"


def test_the_three_different_people_rule_is_an_error_on_the_review_form(client, pw):
    both = pw.users["school_staff"]
    RoleAssignment.objects.create(user=both, role=Role.ACADEMIC_AFFAIRS, institution=pw.w.college)
    review(client, pw, "school_staff", "approve")
    response = review(client, pw, "school_staff", "approve")
    assert response.status_code == 200
    assert re.search(r"data-form-error>\s*" + re.escape(services.ERR_SAME_PERSON), text(response))
    pw.request.refresh_from_db()
    assert pw.request.status == "school_approved"


def test_a_rejection_needs_a_reason_and_the_learner_appeals_once(client, pw):
    response = review(client, pw, "school_staff", "reject")
    assert services.ERR_REASON_REQUIRED in text(response)
    review(client, pw, "school_staff", "reject", "证书编号查询不到")
    pw.request.refresh_from_db()
    assert (pw.request.status, pw.request.rejection_reason) == ("rejected", "证书编号查询不到")

    login(client, pw, "learner")
    url = reverse("creditbank:request-detail", args=[pw.request.code])
    page = text(client.get(url))
    assert 'id="appeal"' in page and "证书编号查询不到" in page
    response = client.post(reverse("creditbank:request-appeal", args=[pw.request.code]), {})
    assert services.ERR_APPEAL_EVIDENCE in text(response)
    client.post(
        reverse("creditbank:request-appeal", args=[pw.request.code]),
        {
            "text": "补交平台查询截图",
            "file": SimpleUploadedFile("截图.png", PNG_1X1, "image/png"),
        },
    )
    pw.request.refresh_from_db()
    assert (pw.request.status, pw.request.appeal_count) == ("submitted", 1)
    download = client.get(reverse("creditbank:request-file", args=[pw.request.code, "appeal"]))
    assert b"".join(download.streaming_content) == PNG_1X1
    # Rejected again: no second appeal.
    review(client, pw, "school_staff", "reject", "仍查询不到")
    login(client, pw, "learner")
    assert 'id="appeal"' not in text(client.get(url))
    response = client.post(
        reverse("creditbank:request-appeal", args=[pw.request.code]), {"text": "再申诉"}
    )
    assert services.ERR_APPEAL_ONCE in text(response)


def test_the_learner_withdraws_a_request_under_review(client, pw):
    login(client, pw, "learner")
    client.post(reverse("creditbank:request-withdraw", args=[pw.request.code]))
    pw.request.refresh_from_db()
    assert pw.request.status == "withdrawn"


def test_notifications_lead_to_the_request_and_are_marked_read(client, pw):
    review(client, pw, "school_staff", "approve")
    login(client, pw, "learner")
    page = text(client.get(reverse("accounts:notifications")))
    assert "学分认定申请已通过二级学院初审" in page and 'data-unread="2"' in page
    assert 'id="notifications-link"' in text(client.get(reverse("accounts:workbench")))
    latest = Notification.objects.filter(recipient=pw.users["learner"]).order_by("-id").first()
    response = client.post(reverse("accounts:notification-read", args=[latest.pk]), {"open": "1"})
    assert response["Location"] == reverse("creditbank:request-detail", args=[pw.request.code])
    latest.refresh_from_db()
    assert latest.is_read
    first = Notification.objects.filter(recipient=pw.users["learner"]).order_by("id").first()
    fragment = text(
        client.post(reverse("accounts:notification-read", args=[first.pk]), HTTP_HX_REQUEST="true")
    )
    assert fragment.strip().startswith(f'<li class="list-group-item" id="notification-{first.pk}"')
    # Nobody reads someone else's notification.
    login(client, pw, "other_learner")
    assert client.post(reverse("accounts:notification-read", args=[first.pk])).status_code == 404
    login(client, pw, "school_staff")
    client.post(reverse("accounts:notifications-read-all"))
    assert not Notification.objects.filter(
        recipient=pw.users["school_staff"], read_at__isnull=True
    ).exists()


def test_request_lists_filter_scope_and_export(client, pw):
    bob_certificate = pw.w.certificate(pw.bob, "senior")
    services.recognition_submit(
        actor=pw.users["other_learner"], learner=pw.bob, outcomes=[bob_certificate]
    )
    review(client, pw, "school_staff", "approve")
    login(client, pw, "academic_affairs")
    url = reverse("creditbank:request-list")

    def names(params):
        return [r.learner.account.name for r in client.get(url, params).context["page_obj"]]

    assert sorted(names({})) == ["包博", "安丽丝"]
    assert names({"status": "school_approved"}) == ["安丽丝"]
    assert sorted(names({"certificate_type": pw.w.elderly_care.pk})) == ["包博", "安丽丝"]
    assert sorted(names({"curriculum": pw.w.curriculum.pk})) == ["包博", "安丽丝"]
    assert names({"name": "包"}) == ["包博"]
    rows = sheet(client.get(url, {"export": "xlsx", "status": "school_approved"}))
    assert rows[0][:3] == ["申请编号", "姓名", "学号"]
    assert [(r[0], r[1], r[6], r[9]) for r in rows[1:]] == [
        (pw.request.code, "安丽丝", "待教务处终审", "初审人")
    ]
    # A learner sees only their own requests; another school's staff, none.
    login(client, pw, "learner")
    assert names({}) == ["安丽丝"]
    login(client, pw, "school_staff_other")
    assert names({}) == []


def test_staff_start_a_batch_for_a_cohort(client, pw):
    services.recognition_withdraw(actor=pw.users["learner"], request=pw.request)
    pw.w.certificate(pw.bob, "senior")
    login(client, pw, "continuing_ed")
    form = {
        "curriculum": pw.w.curriculum.pk,
        "certificate_type": pw.w.elderly_care.pk,
        "min_level": "intermediate",
        "evidence_text": "2025 年 1 月考核合格名单",
    }
    response = client.post(reverse("creditbank:batch-create"), form)
    batch = response["Location"]
    assert batch.startswith(reverse("creditbank:request-list") + "?batch=")
    listed = client.get(batch)
    assert sorted(r.learner.account.name for r in listed.context["page_obj"]) == ["包博", "安丽丝"]
    assert "data-batch" in text(listed)
    rows = sheet(client.get(reverse("creditbank:batch-list"), {"export": "xlsx"}))
    assert rows[1][2] == pw.w.elderly_care.name and rows[1][5] == 2.0
    # The same cohort again: every certificate already has a request.
    response = client.post(reverse("creditbank:batch-create"), form)
    assert services.ERR_BATCH_EMPTY in text(response)


# --- Ledger, transcript, graduation ---------------------------------------------------------------------


def approve(pw):
    services.recognition_school_approve(actor=pw.users["school_staff"], request=pw.request)
    services.recognition_approve(actor=pw.users["academic_affairs"], request=pw.request)


def test_the_ledger_shows_running_balances_hashes_and_reversal_links(client, pw):
    approve(pw)
    login(client, pw, "academic_affairs")
    url = reverse("creditbank:ledger", args=[pw.alice.pk])
    client.post(reverse("creditbank:entry-reverse", args=[pw.alice.pk, 2]), {"reason": ""})
    assert CreditEntry.objects.filter(kind="reversal").count() == 0
    client.post(reverse("creditbank:entry-reverse", args=[pw.alice.pk, 2]), {"reason": "认定有误"})
    response = client.get(url)
    rows = {row.entry.seq: row for row in response.context["ledger"].rows}
    assert [(s, r.entry.kind, r.balance) for s, r in rows.items()] == [
        (1, "course", Decimal("8.0")),
        (2, "exemption", Decimal("12.0")),
        (3, "reversal", Decimal("8.0")),
    ]
    page = text(response)
    assert 'data-chain="intact"' in page
    assert 'data-reversed-by="3"' in page and 'data-reverses="2"' in page
    assert rows[3].entry.hash[:10] in page
    # The exemption is withdrawn and alice's transcript credential no longer valid.
    assert not Exemption.objects.filter(status="active").exists()
    pw.credential.refresh_from_db()
    assert pw.credential.status == "revoked"
    exported = sheet(client.get(url, {"export": "xlsx"}))
    assert [(r[0], r[3], r[4]) for r in exported[1:]] == [
        (1, 8.0, 8.0),
        (2, 4.0, 12.0),
        (3, -4.0, 8.0),
    ]
    assert exported[3][11] == 2 and len(exported[1][14]) == 64
    kinds = client.get(url, {"kind": "reversal"}).context["page_obj"]
    assert [row.entry.seq for row in kinds] == [3]


def test_a_row_altered_behind_the_applications_back_breaks_the_chain_on_the_page(client, pw):
    _tamper(
        "UPDATE creditbank_creditentry SET credits = 80 WHERE account_id = %s AND seq = 1",
        [pw.alice.account_id],
    )
    login(client, pw, "learner")
    page = text(client.get(reverse("creditbank:my-ledger")))
    assert 'data-chain="broken"' in page and "第 1 条不符" in page


def test_the_transcript_shows_the_exemption_and_issues_a_verifiable_copy(client, pw):
    approve(pw)
    login(client, pw, "learner")
    url = reverse("creditbank:transcript", args=[pw.alice.pk])
    page = text(client.get(url))
    exempted = re.search(r'data-exempted="HL00">(.*?)</li>', page, re.S).group(1)
    assert "老年护理" in exempted and pw.published.label in exempted
    assert pw.certificate.number in exempted
    assert 'data-figure="total">12.0 / 140.0' in page
    response = client.post(reverse("creditbank:transcript-issue", args=[pw.alice.pk]))
    assert response["Location"] == url
    credential = Credential.objects.filter(kind="transcript").order_by("-id").first()
    page = text(client.get(url))
    verify = reverse("verify:detail", args=[credential.code])
    assert f'href="http://testserver{verify}" data-verify-url' in page
    verified = text(client.get(verify))
    assert 'data-verdict="valid"' in verified and "12.0 / 140.0" in verified
    # Revoking the certificate reverses the exemption and revokes the transcript.
    outcome_revoke(actor=SYSTEM, outcome=pw.certificate, reason="证书撤销")
    assert 'data-verdict="revoked"' in text(client.get(verify))
    response = client.get(
        reverse("creditbank:transcript-pdf", args=[pw.alice.pk, credential.code]), follow=True
    )
    assert "该成绩单已撤销" in text(response)


def test_the_learners_own_page_links_their_credits(client, pw):
    approve(pw)
    login(client, pw, "learner")
    page = text(client.get(reverse("creditbank:my-credits")))
    assert "已获 <strong>12.0</strong> / 140.0 学分" in page
    assert reverse("creditbank:transcript", args=[pw.alice.pk]) in page
    assert reverse("creditbank:request-detail", args=[pw.request.code]) in page


def test_the_graduation_audit_filters_and_exports(client, pw):
    approve(pw)
    carol = pw.w.learner(name="蔡可")
    for name in ("老年护理", "护理学基础", "老年照护实训", "岗位实习"):
        services.course_credit_post(actor=SYSTEM, outcome=pw.w.course_result(carol, name))
    pw.w.curriculum.total_credits = 54
    pw.w.curriculum.save(update_fields=["total_credits"])
    pw.w.certificate(carol, "junior")
    login(client, pw, "school_staff")
    url = reverse("creditbank:graduation-audit")
    assert "请选择要审核的年级" in text(client.get(url))
    response = client.get(url, {"curriculum": pw.w.curriculum.pk})
    assert (response.context["meets"], response.context["fails"]) == (1, 2)
    meets = client.get(url, {"curriculum": pw.w.curriculum.pk, "result": "meets"})
    assert [r.learner.account.name for r in meets.context["page_obj"]] == ["蔡可"]
    fails = client.get(url, {"curriculum": pw.w.curriculum.pk, "result": "fails"})
    reasons = {r.learner.account.name: r.reasons for r in fails.context["page_obj"]}
    assert "学分不足：已获 12.0，毕业须 54.0，差 42.0" in reasons["安丽丝"]
    assert any(r.startswith("未取得本专业要求的证书") for r in reasons["包博"])
    rows = sheet(client.get(url, {"curriculum": pw.w.curriculum.pk, "export": "xlsx"}))
    assert rows[0][:2] == ["学号", "姓名"]
    assert sorted((r[1], r[9]) for r in rows[1:]) == [
        ("包博", "不符合"),
        ("安丽丝", "不符合"),
        ("蔡可", "符合"),
    ]
    # A college's audit is not another college's business.
    login(client, pw, "academic_affairs_other")
    response = client.get(url, {"curriculum": pw.w.curriculum.pk})
    assert response.context["form"].errors and response.context["curriculum"] is None


# --- Export files ---------------------------------------------------------------------------------------

REQUEST_HEADERS = [
    "申请编号", "姓名", "学号", "年级（人才培养方案）", "申请认定的学习成果", "来源", "状态",
    "提交人", "提交时间", "二级学院审核人", "初审时间", "教务处审批人", "终审时间", "不通过原因",
    "申诉次数",
]  # fmt: skip
EXPORTS = [
    # (role, URL name, URL args, query, file title = sheet name, header row)
    (
        "academic_affairs",
        "creditbank:rule-list",
        [],
        {},
        "转换规则",
        [
            "规则编号", "版本", "规则名称", "所属", "成果类型", "证书类型", "最低等级", "最低分数",
            "取得年限（年）", "限定发证机构", "免修课程", "转换学分", "学分类别", "互斥组",
            "生效日期", "失效日期", "停用日期", "状态",
        ],
    ),
    (
        "academic_affairs",
        "creditbank:rule-simulate",
        ["draft"],
        {},
        "转换规则模拟",
        [
            "学号", "姓名", "年级（人才培养方案）", "学习成果", "等级", "适用版本", "结论",
            "免修课程", "学分", "受上限限制", "互斥冲突", "说明",
        ],
    ),
    ("academic_affairs", "creditbank:request-list", [], {}, "认定申请", REQUEST_HEADERS),
    ("learner", "creditbank:request-list", [], {}, "我的认定申请", REQUEST_HEADERS),
    ("school_staff", "creditbank:review-school", [], {}, "认定初审（二级学院）", REQUEST_HEADERS),
    ("academic_affairs", "creditbank:review-final", [], {}, "认定终审（教务处）", REQUEST_HEADERS),
    (
        "continuing_ed",
        "creditbank:batch-list",
        [],
        {},
        "批量认定",
        ["发起时间", "年级（人才培养方案）", "证书", "最低等级", "发起人", "生成申请数", "说明与佐证"],
    ),
    (
        "academic_affairs",
        "creditbank:ledger",
        ["alice"],
        {},
        "学分流水",
        [
            "序号", "记账时间", "类型", "学分", "余额", "人才培养方案", "课程", "学分类别",
            "学习成果", "规则版本", "认定申请", "冲正的流水", "被冲正", "摘要", "哈希", "前序哈希",
        ],
    ),
    (
        "learner",
        "creditbank:my-ledger",
        [],
        {},
        "学分流水",
        [
            "序号", "记账时间", "类型", "学分", "余额", "人才培养方案", "课程", "学分类别",
            "学习成果", "规则版本", "认定申请", "冲正的流水", "被冲正", "摘要", "哈希", "前序哈希",
        ],
    ),
    (
        "school_staff",
        "creditbank:graduation-audit",
        [],
        {"curriculum": "curriculum"},
        "毕业审核",
        [
            "学号", "姓名", "已修学分", "免修学分", "转换学分", "计入转换", "合计", "毕业要求",
            "持有证书", "审核结论", "原因",
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("role", "name", "args", "query", "title", "headers"), EXPORTS)
def test_every_export_is_a_dated_file_named_after_its_list_with_a_sheet_of_that_name(
    client, pw, role, name, args, query, title, headers
):
    objects = {"draft": pw.draft.pk, "alice": pw.alice.pk, "curriculum": pw.w.curriculum.pk}
    login(client, pw, role)
    url = reverse(name, args=[objects[a] for a in args])
    response = client.get(url, {"export": "xlsx", **{k: objects[v] for k, v in query.items()}})
    rows = sheet(response)
    filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(filename)}"
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == [title]
    assert rows[0] == headers


def test_the_graduation_audit_exports_nothing_before_a_cohort_is_chosen(client, pw):
    login(client, pw, "school_staff")
    url = reverse("creditbank:graduation-audit")
    response = client.get(url, {"export": "xlsx"})
    assert response["Content-Type"].startswith("text/html")
    assert "请选择要审核的年级" in text(response)


# --- Query counts ---------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(pw, n: int) -> None:
    """n more of everything: students with a passed course and an approved request, batches
    whose request waits for 教务处, requests waiting for the school, rules."""
    for i in range(n):
        learner = pw.w.learner(name=f"学生{i:02d}")
        services.course_credit_post(
            actor=SYSTEM, outcome=pw.w.course_result(learner, "老年照护实训")
        )
        request = services.recognition_submit(
            actor=learner.account.user, learner=learner, outcomes=[pw.w.certificate(learner)]
        )
        services.recognition_school_approve(actor=pw.users["school_staff"], request=request)
        services.recognition_approve(actor=pw.users["academic_affairs"], request=request)
        pw.w.certificate(pw.w.learner(name=f"批量{i:02d}"))
        batch = services.recognition_batch_start(
            actor=pw.users["continuing_ed"],
            curriculum=pw.w.curriculum,
            certificate_type=pw.w.elderly_care,
        )
        # The batch's request waits for 教务处; another student's waits for the school.
        services.recognition_school_approve(
            actor=pw.users["school_staff"], request=batch.requests.get()
        )
        waiting = pw.w.learner(name=f"待审{i:02d}")
        services.recognition_submit(
            actor=waiting.account.user, learner=waiting, outcomes=[pw.w.certificate(waiting)]
        )
        services.rule_create(
            actor=pw.users["academic_affairs"],
            name=f"规则{i}",
            outcome_kind="skill_certificate",
            certificate_type=pw.w.elderly_care,
            institution=pw.w.college,
            effective_from=datetime.date(2022, 9, 1),
            courses=[pw.w.courses["岗位实习"]],
        )


def test_pages_make_the_same_number_of_queries_for_3_rows_or_30(client, pw):
    """Each page: session, user, role assignments (scope), the paginator's count, one page of
    rows with their related rows joined or prefetched, and the filter bar's choices — the same
    for three rows as for thirty. The ledger and transcript read one account's rows at once."""
    aa, staff, learner = (pw.users[r] for r in ("academic_affairs", "school_staff", "learner"))
    pages = [
        (aa, reverse("creditbank:rule-list")),
        (aa, reverse("creditbank:request-list")),
        (aa, reverse("creditbank:review-final")),
        (staff, reverse("creditbank:review-school")),
        (aa, reverse("creditbank:batch-list")),
        (aa, reverse("creditbank:graduation-audit") + f"?curriculum={pw.w.curriculum.pk}"),
        (aa, reverse("creditbank:rule-simulate", args=[pw.draft.pk])),
        (aa, reverse("creditbank:ledger", args=[pw.alice.pk])),
        (learner, reverse("creditbank:transcript", args=[pw.alice.pk])),
        (learner, reverse("creditbank:my-credits")),
        (learner, reverse("accounts:notifications")),
    ]

    def measure():
        counts = []
        for user, url in pages:
            client.force_login(user)
            counts.append(count_queries(client, url))
        return counts

    def alice_more(k):
        # alice's own rows grow too: more passed courses and more notifications
        for name in ("老年照护实训", "岗位实习", "老年护理")[:k]:
            services.course_credit_post(actor=SYSTEM, outcome=pw.w.course_result(pw.alice, name))

    grow(pw, 3)
    alice_more(1)
    before = measure()
    client.force_login(aa)
    assert len(client.get(reverse("creditbank:review-final")).context["page_obj"]) == 3
    grow(pw, 27)
    alice_more(3)
    for i in range(10):
        Notification.objects.create(recipient=learner, title=f"通知{i}")
    assert measure() == before


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (
            "academic_affairs",
            {
                "认定终审": "creditbank:review-final",
                "转换规则": "creditbank:rule-list",
                "毕业审核": "creditbank:graduation-audit",
                "认定申请": "creditbank:request-list",
            },
        ),
        (
            "school_staff",
            {
                "认定初审": "creditbank:review-school",
                "认定申请": "creditbank:request-list",
                "毕业审核": "creditbank:graduation-audit",
            },
        ),
        (
            "bank_admin",
            {"跨院校互认规则": "creditbank:rule-list", "认定申请": "creditbank:request-list"},
        ),
        ("learner", {"我的学分": "creditbank:my-credits", "学分计算器": "creditbank:calculator"}),
    ],
)
def test_the_workbench_links_the_credit_bank_duties_and_they_open(client, pw, role, links):
    from xbank.accounts.tests.test_workbench import cards

    login(client, pw, role)
    shown = cards(text(client.get(reverse("accounts:workbench"))))
    for title, url_name in links.items():
        assert shown.get(title) == reverse(url_name), title
        assert client.get(reverse(url_name)).status_code == 200, title
