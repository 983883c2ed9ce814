import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded images and import files go to a per-test directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
