"""The page shell: tab bar, language switch, the error pages and the console layout."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from linkmall.web.templatetags.web import yuan
from linkmall.web.tests.html import inputs, texts_by_class

pytestmark = pytest.mark.django_db


def test_money_is_shown_in_yuan_from_integer_fen():
    assert [yuan(v) for v in (0, 5, 12345, -250, None)] == ["0.00", "0.05", "123.45", "-2.50", ""]


def test_the_consumer_tab_bar_marks_the_page_it_is_on(consumer_client):
    response = consumer_client.get(reverse("web:cart"))

    assert texts_by_class(response.text, "is-active") == ["购物车"]
    assert texts_by_class(response.text, "tab") == ["首页", "分类", "购物车", "我的订单", "推广"]


def test_every_page_offers_the_language_switch_back_to_where_it_was(client, mall):
    url = reverse("web:store_home", args=[mall.store.pk])
    response = client.get(url)

    assert [i["value"] for i in inputs(response.text, "next")] == [url]
    assert texts_by_class(response.text, "lang-switch") == ["EN"]


def test_an_unknown_page_answers_with_the_friendly_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert texts_by_class(response.text, "error-code") == ["404"]
    assert "页面不存在" in response.text


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert texts_by_class(html, "error-code") == ["500"]
    assert "服务器开小差了" in html


def test_the_403_and_csrf_pages_render_on_their_own():
    request = RequestFactory().get("/")
    assert texts_by_class(render_to_string("403.html", request=request), "error-code") == ["403"]
    assert "页面已过期" in render_to_string("403_csrf.html")


def test_a_form_posted_without_its_csrf_token_gets_the_friendly_page(mall, consumer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(consumer)
    response = strict.post(reverse("web:cart_add"), {"listing": mall.lipstick_red.pk, "quantity": 1})

    assert response.status_code == 403
    assert "页面已过期" in response.text


def test_console_pages_get_the_console_layout_without_the_tab_bar():
    request = RequestFactory().get("/console/")
    html = render_to_string("web/console_base.html", request=request)

    assert "console-layout" in html and "console-nav" in html
    assert texts_by_class(html, "tabbar") == []
