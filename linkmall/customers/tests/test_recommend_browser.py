"""A visitor's product page in Chromium at phone size: the cached page loads, then its personal
"you may also like" fragment, and the beacon records the view once the visitor agrees."""

import secrets

import pytest

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.models import Event, Visitor
from linkmall.customers.recommend import recommend_refresh
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_product_page_shows_what_others_viewed_with_it_and_records_the_view(live_server, playwright, tmp_path):
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    store = testing.make_store(merchant, name="西湖店")
    serum, cleanser, lotion, sunscreen = (testing.make_product(supplier, name=n) for n in
                                          ("玫瑰精华", "洁面乳", "身体乳", "防晒霜"))
    for product in (serum, cleanser, lotion, sunscreen):
        testing.make_listing(merchant, product.skus.get())
    # others look at the serum with the cleanser, and at the lotion with the sunscreen
    for i in range(6):
        other = Visitor.objects.create(key=secrets.token_hex(16), consented_at=clock.now())
        for product in ((serum, cleanser) if i % 2 == 0 else (lotion, sunscreen)):
            Event.objects.create(dedupe_key=f"seed-{i}-{product.pk}", kind=Event.Kind.PRODUCT_VIEW, visitor=other,
                                 merchant=merchant, store=store, product=product, occurred_at=clock.now())
    recommend_refresh(store_id=store.pk)
    shots = Screenshots(screenshot_dir(tmp_path))

    with phone_browser(playwright, tmp_path / "visitor") as page:
        page.goto(f"{live_server.url}/s/{store.pk}/p/{serum.pk}/")
        page.wait_for_selector("#recommend .product-card")
        names = page.locator("#recommend .product-card .name").all_inner_texts()
        assert names[0] == "洁面乳"  # seen with the serum; the serum itself is never suggested
        assert "玫瑰精华" not in names
        assert page.locator("#recommend-title").inner_text() == "猜你喜欢"
        page.click("[data-consent=yes]")
        page.locator("#recommend").scroll_into_view_if_needed()
        shots(page, "product-recommend")
        page.wait_for_function("document.cookie.indexOf('lm_consent=1') >= 0")
        page.goto(f"{live_server.url}/s/{store.pk}/p/{cleanser.pk}/")  # leaving sends what was held back
        page.wait_for_selector("#recommend .product-card")
        for _ in range(50):
            if Event.objects.filter(kind=Event.Kind.PRODUCT_VIEW, product=serum).exclude(
                    dedupe_key__startswith="seed-").exists():
                break
            page.wait_for_timeout(100)
        assert Event.objects.filter(kind=Event.Kind.PRODUCT_VIEW, product=serum, store=store).exclude(
            dedupe_key__startswith="seed-").count() == 1
