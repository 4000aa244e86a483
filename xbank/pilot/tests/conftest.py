import pytest

from xbank.pilot.tests.factories import build_pilot_world
from xbank.testing.world import build_world


@pytest.fixture
def pw(db):
    return build_pilot_world(build_world())
