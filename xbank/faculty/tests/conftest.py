import pytest

from xbank.faculty.tests.factories import build_faculty_world
from xbank.testing.world import build_world


@pytest.fixture
def fw(db):
    return build_faculty_world(build_world())
