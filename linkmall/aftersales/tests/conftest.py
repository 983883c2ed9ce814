import pytest

from linkmall.aftersales.tests.builders import make_mall


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mall(db):
    return make_mall()
