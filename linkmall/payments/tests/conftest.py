import pytest

from linkmall.orders.tests.factories import make_shop


@pytest.fixture
def shop(db):
    return make_shop()
