"""Certificate dates (issue 10): an award is dated neither after today nor before its exam
session, whether it comes from the service, the page or the evaluation organisation's file.
Today is fixed at 2026-12-03; the test sessions are on 2025-06-20 (factories.SESSION_DATE)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from xbank.accounts.models import Role
from xbank.accounts.tests.factories import user_with_role
from xbank.assessment.models import CertificateAward
from xbank.assessment.services import award_issue, award_revoke
from xbank.assessment.tests.test_services import published_with
from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.imports.models import ImportBatch
from xbank.imports.tests.helpers import messages, upload, xlsx
from xbank.learners.models import LearningOutcome
from xbank.verify.models import Credential

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.UTC)
AWARDS = ["考生姓名", "证件号码", "准考证号", "证书编号", "发证日期"]


def _nothing_written():
    assert not CertificateAward.objects.exists()
    assert not LearningOutcome.objects.exists()
    assert not Credential.objects.filter(kind=Credential.Kind.CERTIFICATE).exists()
    assert not AuditEntry.objects.filter(action="assessment.award.issued").exists()


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("issued_on", "message"),
    [
        (datetime.date(2027, 1, 15), "发证日期不能晚于今天（2026-12-03）"),
        (datetime.date(2026, 12, 4), "发证日期不能晚于今天（2026-12-03）"),
        (datetime.date(2025, 6, 19), "发证日期不能早于考核日期 2025-06-20"),
    ],
)
def test_an_award_dated_in_the_future_or_before_its_session_is_refused(issued_on, message):
    _, candidate = published_with()
    with pytest.raises(ValidationError) as exc:
        award_issue(actor=SYSTEM, candidate=candidate, certificate_no="D-1", issued_on=issued_on)
    assert exc.value.messages == [message]
    _nothing_written()


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("issued_on", [datetime.date(2025, 6, 20), datetime.date(2026, 12, 3)])
def test_an_award_dated_on_the_session_day_or_today_is_issued(issued_on):
    _, candidate = published_with()
    award = award_issue(
        actor=SYSTEM, candidate=candidate, certificate_no="D-2", issued_on=issued_on
    )
    assert award.issued_on == issued_on and award.status == CertificateAward.Status.VALID


@time_machine.travel(TODAY, tick=False)
def test_the_award_form_shows_the_date_error_on_the_date_field(client):
    s, candidate = published_with()
    client.force_login(user_with_role(Role.CONTINUING_ED, institution=s.institution))
    response = client.post(
        reverse("assessment:award-create", args=[candidate.pk]),
        {"certificate_no": "D-3", "issued_on": "2027-01-15"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"issued_on": ["发证日期不能晚于今天（2026-12-03）"]}
    _nothing_written()


@time_machine.travel(TODAY, tick=False)
def test_the_award_file_refuses_a_future_date_on_its_row():
    s, candidate = published_with()
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    account = candidate.account
    rows = [
        [account.name, account.id_number, candidate.ticket_no, "D-4", datetime.date(2027, 1, 15)]
    ]
    batch = upload("awards", xlsx(AWARDS, rows), institution=s.institution, actor=staff)
    assert batch.status == ImportBatch.Status.INVALID
    # The file's date column already refuses a future date (imports.cleaners).
    assert messages(batch) == ["第 3 行，列「发证日期」：日期 2027-01-15 晚于今天"]
    _nothing_written()


# --- Re-issue (补发) after a revocation --------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_a_revoked_certificate_is_reissued_under_a_new_number_and_linked(client):
    s, candidate = published_with(name="郑雅文")
    staff = user_with_role(Role.CONTINUING_ED, institution=s.institution)
    old = award_issue(
        actor=staff,
        candidate=candidate,
        certificate_no="R-0001",
        issued_on=datetime.date(2025, 7, 1),
    )
    award_revoke(actor=staff, award=old, reason="证书信息有误")
    client.force_login(staff)
    session_page = client.get(reverse("assessment:session-detail", args=[s.pk])).content.decode()
    assert "补发证书" in session_page
    response = client.post(
        reverse("assessment:award-create", args=[candidate.pk]),
        {"certificate_no": "R-0002", "issued_on": "2025-08-01"},
    )
    assert response.status_code == 302
    new = CertificateAward.objects.get(certificate_no="R-0002")
    old.refresh_from_db()
    assert (old.status, new.status) == ("revoked", "valid")
    assert new.candidate == candidate and new.reissued_from == old and old.reissued_as == new
    assert candidate.award == new
    assert LearningOutcome.objects.filter(account=candidate.account).count() == 2

    old_page = client.get(reverse("verify:detail", args=[old.credential.code])).content.decode()
    assert 'data-verdict="revoked"' in old_page and "已撤销，补发证书：R-0002" in old_page
    new_page = client.get(reverse("verify:detail", args=[new.credential.code])).content.decode()
    assert 'data-verdict="valid"' in new_page and "补发自：R-0001" in new_page
    awards_page = client.get(reverse("assessment:award-list")).content.decode()
    assert "已撤销，补发证书：R-0002" in awards_page and "补发自：R-0001" in awards_page

    # Still one live certificate per candidate: a third one is refused, by the service...
    with pytest.raises(ValidationError) as exc:
        award_issue(
            actor=staff,
            candidate=candidate,
            certificate_no="R-0003",
            issued_on=datetime.date(2025, 8, 2),
        )
    assert exc.value.messages == ["考生 郑雅文 已发放证书（编号 R-0002）"]
    assert CertificateAward.objects.filter(candidate=candidate).count() == 2


def test_the_database_keeps_one_live_certificate_per_candidate():
    _, candidate = published_with()
    award = award_issue(
        actor=SYSTEM, candidate=candidate, certificate_no="U-1", issued_on=datetime.date(2025, 7, 1)
    )
    award.pk = None
    award.certificate_no = "U-2"
    award.outcome = LearningOutcome.objects.create(
        account=candidate.account,
        kind=award.outcome.kind,
        title="x",
        issuer=award.issuer,
        issued_on=datetime.date(2025, 7, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        award.save()
