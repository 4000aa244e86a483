import pytest

from xbank.accounts.tests.world import build_world
from xbank.pilot.tests.factories import build_pilot_world


@pytest.fixture
def pw(db):
    return build_pilot_world(build_world())
