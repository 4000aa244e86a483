import pytest

DEMO_PORT = 8765
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """The demo (``seed_demo``) loaded once for the tests of this package; returns what the
    command printed.

    It is loaded inside a transaction that is rolled back after the last test of this package,
    and these tests run together (first, see ``pytest_collection_modifyitems`` in the root
    conftest; in one pytest-xdist worker), so no other test ever sees the demo; each demo test
    still runs in its own savepoint, rolled back after it. Loading it once instead of once per
    module saves about a minute per module on each database.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    out = StringIO()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            call_command("seed_demo", "--port", str(DEMO_PORT), stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)
