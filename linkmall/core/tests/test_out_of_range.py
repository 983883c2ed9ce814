"""Numbers too large for a 64-bit id answer 4xx, never 500 (found by fuzzing the API)."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "39247694779243970560"


def test_an_api_id_beyond_64_bits_names_nothing(client):
    from linkmall import testing

    store = testing.make_store(testing.make_merchant())
    response = client.get(f"/api/v1/stores/{store.pk}/products/{HUGE}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_page_id_beyond_64_bits_is_not_found(client):
    from linkmall import testing

    store = testing.make_store(testing.make_merchant())
    assert client.get(f"/s/{HUGE}/").status_code == 404
    assert client.get(f"/s/{store.pk}/p/{HUGE}/").status_code == 404


def test_a_wechat_code_that_is_not_printable_ascii_is_refused_before_wechat(client):
    response = client.post("/api/v1/auth/wechat/login", {"code": "\udbff\udcd7码"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
