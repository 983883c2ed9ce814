import pytest

from linkmall.campaigns.tests.factories import T0, make_shop
from linkmall.core import clock


@pytest.fixture
def shop(db):
    return make_shop()


@pytest.fixture
def frozen():
    """The clock stopped at T0 (2026-11-01 10:00 in the shop's time zone)."""
    clock.freeze(T0)
    return T0
