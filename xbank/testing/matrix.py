"""One access matrix: every named URL of the resolver, for every role, the expected status code.

Each app keeps its table next to its tests (``EXPECTED``: URL name → method, URL arguments from
its world, ``{role: status}``) and asks for the answers with ``statuses``. ``MATRICES`` lists
those tables; ``xbank/testing/tests/test_access_matrix.py`` walks the whole resolver and fails on
a URL that no table answers, so a page added anywhere fails until someone decides who may open
it (healthchecks ``hc/test.py``: one set-up of named actors, every view for each of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

# The modules whose ``EXPECTED`` table answers for the URLs of a namespace.
MATRICES = [
    "xbank.accounts.tests.test_access_matrix",  # learners, catalog
    "xbank.assessment.tests.test_access_matrix",
    "xbank.creditbank.tests.test_views",
    "xbank.faculty.tests.test_access",
    "xbank.pilot.tests.test_access",
    "xbank.reports.tests.test_views",
    "xbank.training.tests.test_views",
]


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
    each logged in afresh. A streamed download is read to the end (which closes its file). With
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
                b"".join(response.streaming_content)
            got[role] = response.status_code
            if rollback:
                transaction.set_rollback(True)
    return got
