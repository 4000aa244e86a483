"""One access matrix: every named URL of the resolver, for every role, the expected status code.

Each app keeps its table next to its tests (``EXPECTED``: URL name → method, URL arguments from
its world, ``{role: status}``) and asks for the answers with ``statuses``. ``MATRICES`` lists
those tables; ``xbank/testing/tests/test_access_matrix.py`` walks the whole resolver and fails on
a URL that no table answers, so a page added anywhere fails until someone decides who may open
it (healthchecks ``hc/test.py``: one set-up of named actors, every view for each of them).

Every 200 answer ``statuses`` gets is also scanned for personal numbers in clear (invariants 9
and 12): a valid resident ID number (18 characters whose GB 11643 check digit and birth date
hold, checked by python-stdnum, not by ``xbank.core.identity``) or a whole mobile number. A hit
fails with the URL and the role, unless the page is one of ``FULL_ID_PAGES``, each named with
the reason it may show a full number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from stdnum.cn import ric

# The modules whose ``EXPECTED`` table answers for the URLs of a namespace.
MATRICES = [
    "xbank.accounts.tests.test_access_matrix",  # accounts, learners, catalog
    "xbank.assessment.tests.test_access_matrix",
    "xbank.creditbank.tests.test_views",
    "xbank.faculty.tests.test_access",
    "xbank.imports.tests.test_access_matrix",
    "xbank.pilot.tests.test_access",
    "xbank.reports.tests.test_views",
    "xbank.training.tests.test_views",
    "xbank.verify.tests.test_access_matrix",
]


# Pages that show a full resident ID or mobile number by design, and why. Nothing else may.
FULL_ID_PAGES = {
    "learners:learner-reveal-id": "the unmasked view of one account's number (查看完整证件号), "
    "for REVEAL_ID_ROLES only, each view an audit entry (learners.id_number.revealed)",
    "imports:template": "the import templates' example row: a made-up ID number and the "
    "placeholder mobile 13800138000, to show the format; no person's",
}

# 18 characters not inside a longer run of letters and digits; mobiles: 11 digits from 13-19.
ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _texts(body: bytes) -> Iterable[str]:
    """The text of an answer: the page itself, or each part of an Excel file (a zip of XML)."""
    if body.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for name in archive.namelist():
                    yield archive.read(name).decode("utf-8", "replace")
            return
        except zipfile.BadZipFile:
            pass
    yield body.decode("utf-8", "replace")


def personal_numbers(body: bytes) -> list[str]:
    """Valid resident ID numbers and whole mobile numbers in ``body``, masked for the report."""
    found = []
    for text in _texts(body):
        found += [f"ID {m[:6]}…{m[-4:]}" for m in ID_SHAPED.findall(text) if ric.is_valid(m)]
        found += [f"mobile {m[:3]}…{m[-4:]}" for m in MOBILE.findall(text)]
    return found


def _scan_body(response, role, body: bytes) -> None:
    """Fail on personal numbers in clear in a 200 answer, naming the URL and the role."""
    path = response.wsgi_request.get_full_path()
    name = resolve(response.wsgi_request.path_info).view_name
    if name in FULL_ID_PAGES:
        return
    found = personal_numbers(body)
    assert not found, f"{path} ({name}) shows {role or 'the anonymous visitor'}: {found}"


def _walk(patterns, prefix: str) -> Iterable[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern):
            # An unnamed page cannot be reversed nor given a row: it is reported as such.
            yield f"{prefix}{entry.name or f'<unnamed {entry.pattern}>'}"


def every_url_name() -> list[str]:
    """Every named URL of the project, as ``reverse`` takes it (``namespace:name``)."""
    return list(_walk(get_resolver().url_patterns, ""))


def url_names(namespace: str) -> list[str]:
    """The URL names of one namespace, in the order of its ``urls.py``."""
    names = [name for name in every_url_name() if name.startswith(f"{namespace}:")]
    assert names, f"the {namespace} namespace is not mounted or has no named URL"
    return names


def statuses(
    client,
    users: dict,
    roles: Iterable[str | None],
    request: Callable,
    *,
    rollback: bool = False,
) -> dict:
    """``{role: status code}`` of ``request(client)`` for each role (None: the anonymous visitor),
    each logged in afresh. A streamed download is read to the end (which closes its file). Every
    200 answer is scanned for personal numbers in clear (``personal_numbers``). With
    ``rollback`` each role's request runs in a savepoint rolled back afterwards, so a POST that
    succeeds for one role leaves the next role the same world."""
    got = {}
    for role in roles:
        client.logout()
        if role is not None:
            client.force_login(users[role])
        with transaction.atomic() if rollback else nullcontext():
            response = request(client)
            if response.streaming:
                body = b"".join(response.streaming_content)
                if response.status_code == 200:
                    _scan_body(response, role, body)
            elif response.status_code == 200:
                _scan_body(response, role, response.content)
            got[role] = response.status_code
            if rollback:
                transaction.set_rollback(True)
    return got
