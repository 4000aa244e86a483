import pytest

from xbank.accounts.tests.world import build_world
from xbank.faculty.tests.factories import build_faculty_world


@pytest.fixture
def fw(db):
    return build_faculty_world(build_world())
