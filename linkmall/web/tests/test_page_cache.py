"""The product page's one-second cache: same HTML for everyone, each visitor's own CSRF token."""

import threading

import pytest
from django.test import Client
from django.urls import reverse

from linkmall.catalog.models import Sku
from linkmall.orders.models import CartLine
from linkmall.web.tests.html import inputs, text_of

pytestmark = pytest.mark.django_db


def test_a_cached_product_page_runs_no_query_and_gives_each_visitor_a_working_csrf_token(
    page_microcache, mall, consumer, django_assert_num_queries
):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    first = Client(enforce_csrf_checks=True).get(url)

    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(consumer)
    with django_assert_num_queries(0):
        second = visitor.get(url)

    assert second.text.replace(_token(second), "") == first.text.replace(_token(first), "")
    assert _token(second) != _token(first)
    response = visitor.post(reverse("web:cart_add"), {
        "csrfmiddlewaretoken": _token(second), "listing": mall.lipstick_red.pk, "quantity": 1, "next": url,
    })
    assert response.status_code == 302
    assert CartLine.objects.filter(user=consumer).count() == 1


def test_the_cache_is_skipped_when_a_message_waits_or_the_url_has_a_query(page_microcache, consumer_client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    consumer_client.get(url)
    Sku.objects.filter(pk=mall.lipstick_red.sku_id).update(stock=1)

    assert text_of(consumer_client.get(url).text, "stock") == "5"  # within its second: the cached page
    assert text_of(consumer_client.get(url, {"from": "share"}).text, "stock") == "1"

    after_add = consumer_client.post(reverse("web:cart_add"), {"listing": mall.lipstick_red.pk, "quantity": 1,
                                                               "next": url}, follow=True)
    assert text_of(after_add.text, "stock") == "1"
    assert "已加入购物车。" in after_add.text


def test_each_language_has_its_own_cached_page(page_microcache, client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    assert "加入购物车" in client.get(url).text

    client.post(reverse("set_language"), {"language": "en", "next": url})

    assert "Add to cart" in client.get(url).text


def _token(response) -> str:
    [field] = inputs(response.text, "csrfmiddlewaretoken")[-1:]
    return field["value"]


def test_requests_that_miss_the_same_page_together_render_it_once_and_answer_the_same(page_microcache, monkeypatch):
    from django.core.cache import cache
    from django.test import RequestFactory

    from linkmall.web.pages import pagecache

    cache.clear()
    real_lock = threading.Lock()
    second_waits = threading.Event()
    arrivals = []

    class ObservedLock:
        """The render lock, telling when the second request has come to wait on it."""

        def __enter__(self):
            arrivals.append(threading.current_thread().name)
            if len(arrivals) == 2:
                second_waits.set()
            real_lock.acquire()

        def __exit__(self, *exc):
            real_lock.release()

    monkeypatch.setattr(pagecache, "_render_lock", lambda key: ObservedLock())
    builds = []

    def build():
        builds.append(threading.current_thread().name)
        assert second_waits.wait(timeout=30)  # a guard against hanging, not a timing assertion
        return "web/_line_thumb.html", {"url": "/media/a.png"}

    answers = {}

    def visit():
        request = RequestFactory().get("/s/1/")
        key = pagecache.key_for(request, "test-page", 1)
        answers[threading.current_thread().name] = pagecache.page(request, key, build).content

    threads = [threading.Thread(target=visit, name=f"visitor-{k}") for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(builds) == 1
    assert answers["visitor-0"] == answers["visitor-1"]
    assert answers["visitor-0"] == b'<div class="thumb"><img src="/media/a.png" alt="" loading="lazy"></div>\n'


def test_a_page_that_is_not_found_is_not_cached_and_answers_404_each_time(page_microcache, client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk + 1000])

    assert [client.get(url).status_code for _ in range(2)] == [404, 404]
