"""The merchant console's flash sales: create (with the below-cost confirmation), list, end, CSV."""

from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.models import FlashSale
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client):
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    client.force_login(t.make_merchant_owner(merchant))
    return {"client": client, "listing": listing}


def form(console, **overrides):
    values = {"name": "20点场", "listing": console["listing"].pk, "starts_at": "2026-11-01T20:00",
              "ends_at": "2026-11-01T21:00", "price": "30.00", "stock": 10, "per_user_limit": 1,
              "payment_minutes": 5}
    values.update(overrides)
    return values


def test_a_price_below_cost_needs_the_loss_accepted_then_the_sale_is_listed_and_exported(console):
    client = console["client"]
    assert client.get(reverse("campaigns:console")).content.decode().count(reverse("campaigns:flash_console")) == 1

    refused = client.post(reverse("campaigns:flash_new"), form(console))
    assert refused.status_code == 400 and "低于供货成本" in refused.content.decode()
    assert FlashSale.objects.count() == 0

    created = client.post(reverse("campaigns:flash_new"), form(console, accept_loss="on"))
    assert created.status_code == 302
    sale = FlashSale.objects.get()
    assert (sale.price_fen, sale.stock, sale.starts_at.hour) == (3000, 10, 12)  # 20:00 in Shanghai is 12:00 UTC
    assert Sku.objects.get(pk=console["listing"].sku_id).stock == 90
    page = client.get(reverse("campaigns:flash_console")).content.decode()
    assert f'id="flash-sale-{sale.pk}"' in page

    csv = client.get(reverse("campaigns:flash_export"))
    assert csv.status_code == 200
    assert "20点场" in csv.content.decode("utf-8-sig")

    client.post(reverse("campaigns:flash_status", args=[sale.pk]), {"status": "ended"})
    sale.refresh_from_db()
    assert (sale.status, sale.returned) == ("ended", 10)
    assert Sku.objects.get(pk=console["listing"].sku_id).stock == 100


def test_more_stock_than_the_supplier_has_is_refused(console):
    refused = console["client"].post(reverse("campaigns:flash_new"), form(console, stock=101, accept_loss="on"))
    assert refused.status_code == 400
    assert FlashSale.objects.count() == 0


def test_another_merchants_sale_is_not_found(console):
    other = t.make_merchant()
    product = t.make_product(t.make_supplier(), cost_fen=100, price_fen=1000)
    listing = t.make_listing(other, product.skus.get(), price_fen=1000)
    sale = FlashSale.objects.create(merchant=other, listing=listing, name="x", starts_at=T0 + timedelta(hours=1),
                                    ends_at=T0 + timedelta(hours=2), price_fen=500, stock=1)
    assert console["client"].post(reverse("campaigns:flash_status", args=[sale.pk]),
                                  {"status": "paused"}).status_code == 404
