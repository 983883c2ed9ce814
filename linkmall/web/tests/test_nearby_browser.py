"""附近门店与优惠 in Chromium at phone size: the store home asks for nothing until the visitor presses
使用我的位置; then the browser's (WGS-84) position lists the merchant's stores nearest first with
their distance, opening hours, coupons (a geofenced one with its state) and promotions."""

from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.tests.factories import make_promotion, make_template
from linkmall.stores.geo import gcj02_to_wgs84
from linkmall.stores.models import Store
from linkmall.web.tests.browser import phone_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAT, LNG = 30.274085, 120.155070


def store_at(merchant, name, north_deg):
    return Store.objects.create(merchant=merchant, name=name, city="杭州", address="西湖区",
                                latitude=Decimal(f"{LAT + north_deg:.6f}"), longitude=Decimal(f"{LNG:.6f}"),
                                opening_hours="10:00-22:00")


def test_the_visitor_sees_nearby_stores_and_offers_only_after_pressing_the_button(live_server, playwright,
                                                                                  tmp_path):
    merchant = testing.make_merchant("湖畔茶饮")
    here, near = store_at(merchant, "湖滨店", 0), store_at(merchant, "武林店", 0.01)
    make_template(merchant, name="到店立减", in_store=True)
    make_template(merchant, name="湖滨围栏券", geofence_store=here, geofence_radius_m=300)
    make_template(merchant, name="武林围栏券", geofence_store=near, geofence_radius_m=300)
    make_promotion(merchant)
    wgs_lat, wgs_lng = gcj02_to_wgs84(LAT, LNG)

    with phone_browser(playwright, tmp_path / "visitor") as page:
        page.context.grant_permissions(["geolocation"], origin=live_server.url)
        page.context.set_geolocation({"latitude": wgs_lat, "longitude": wgs_lng})
        page.goto(f"{live_server.url}/s/{here.pk}/")
        assert page.inner_text("#nearby h2") == "附近门店与优惠"
        assert page.inner_html("#nearby-box").strip() == ""  # nothing asked, nothing shown

        page.click("#nearby-locate")
        page.wait_for_selector(".nearby-store")

        names = page.locator(".nearby-store strong:not(.accent)").all_inner_texts()
        distances = page.locator(".nearby-distance").all_inner_texts()
        assert (names, distances) == (["湖滨店", "武林店"], ["0 m", "1.1 km"])
        first = page.inner_text(f"#nearby-store-{here.pk}")
        assert "营业时间 10:00-22:00" in first and "到店核销" in first and "满100元减10元" in first
        assert "湖滨围栏券" in first and "武林围栏券" not in first
        second = page.inner_text(f"#nearby-store-{near.pk}")
        assert "武林围栏券" in second and "不在领取范围内" in second
