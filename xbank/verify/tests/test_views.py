"""The public verification page: valid, revoked, unknown; masked names; rate limit; English."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from xbank.audit.models import AuditEntry
from xbank.core.actors import SYSTEM
from xbank.verify import services
from xbank.verify.models import Credential, mask_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def issue(**kw):
    return services.credential_issue(
        actor=SYSTEM,
        kind=Credential.Kind.TRANSCRIPT,
        title=kw.pop("title", "护理专业 2023 级成绩单"),
        holder_name=kw.pop("holder_name", "欧阳可儿"),
        issuer="广东岭南职业技术学院",
        details=[("已获学分", "86.0 / 140.0")],
    )


def test_codes_are_long_and_random():
    a, b = issue(), issue()
    assert a.code != b.code
    assert len(a.code) == 26  # 130 bits in Crockford base32 (test_codes.py)


def test_a_valid_document_shows_what_was_issued_with_the_name_masked(client):
    credential = issue()
    response = client.get(reverse("verify:detail", args=[credential.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="valid"' in page
    assert "护理专业 2023 级成绩单" in page
    assert "欧**儿" in page and "欧阳可儿" not in page
    assert "86.0 / 140.0" in page


def test_a_revoked_document_says_so(client):
    credential = issue()
    services.credential_revoke(actor=SYSTEM, credential=credential, reason="证书被发证机构撤销")
    page = client.get(reverse("verify:detail", args=[credential.code])).content.decode()
    assert 'data-verdict="revoked"' in page and "证书被发证机构撤销" in page
    assert AuditEntry.objects.filter(action="verify.credential.revoked").count() == 1


def test_an_unknown_code_is_404(client):
    response = client.get(reverse("verify:detail", args=["not-a-real-code"]))
    assert response.status_code == 404
    assert 'data-verdict="unknown"' in response.content.decode()


def test_the_typed_code_form_redirects_to_the_document(client):
    credential = issue()
    response = client.get(reverse("verify:home"), {"code": f"  {credential.code} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("verify:detail", args=[credential.code])


def test_walking_codes_is_rate_limited(client):
    url = reverse("verify:detail", args=["guess"])
    statuses = [client.get(url).status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_the_page_is_in_english_for_english_readers(client):
    credential = issue()
    response = client.get(
        reverse("verify:detail", args=[credential.code]), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert "Valid" in page and "Issued by" in page


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王*明"), ("李娜", "李*"), ("欧阳可儿", "欧**儿"), ("", "")]
)
def test_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_a_refused_verification_says_when_to_retry(client):
    """30 per minute and address (RATE, hand-counted): the 31st is a 429 with Retry-After, the
    seconds left in the minute's window, so between 1 and 60."""
    url = reverse("verify:detail", args=["guess"])
    for _ in range(30):
        client.get(url)
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_credential_is_issued_or_revoked_by_someone_never_by_a_missing_actor():
    with pytest.raises(TypeError, match="SYSTEM"):
        services.credential_issue(
            actor=None,
            kind=Credential.Kind.TRANSCRIPT,
            title="x",
            holder_name="欧阳可儿",
            issuer="y",
        )
    with pytest.raises(TypeError, match="SYSTEM"):
        services.credential_revoke(actor=None, credential=issue(), reason="x")
    assert Credential.objects.filter(title="x").count() == 0
