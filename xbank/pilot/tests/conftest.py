import pytest

from xbank.faculty.tests.factories import build_faculty_world
from xbank.pilot.tests.factories import build_pilot_world
from xbank.testing.world import build_world


@pytest.fixture
def pw(db):
    return build_pilot_world(build_world())


@pytest.fixture
def fw(db):
    """The teacher team's world (``faculty.tests``): the roster the examiner compliance counts."""
    return build_faculty_world(build_world())
