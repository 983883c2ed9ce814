"""The merchant console's bargains: create (with the below-cost confirmation and the fen-per-helper
check), list with counts, pause, CSV."""

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.models import BargainActivity
from linkmall.campaigns.tests.factories import T0
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
    values = {"name": "砍到 30", "listing": console["listing"].pk, "starts_at": "2026-11-01T20:00",
              "ends_at": "2026-11-03T20:00", "floor_price": "30.00", "helpers_needed": 5, "hours": 24}
    values.update(overrides)
    return values


def test_a_floor_below_cost_needs_the_loss_accepted_then_it_is_listed_paused_and_exported(console):
    client = console["client"]
    assert client.get(reverse("campaigns:console")).content.decode().count(reverse("campaigns:bargain_console")) == 1

    refused = client.post(reverse("campaigns:bargain_new"), form(console))
    assert refused.status_code == 400 and "低于供货成本" in refused.content.decode()
    too_close = client.post(reverse("campaigns:bargain_new"), form(console, start_price="30.04", accept_loss="on"))
    assert too_close.status_code == 400 and "每位好友至少砍 1 分" in too_close.content.decode()
    assert BargainActivity.objects.count() == 0

    created = client.post(reverse("campaigns:bargain_new"), form(console, accept_loss="on"))
    assert created.status_code == 302
    activity = BargainActivity.objects.get()
    assert (activity.start_fen, activity.floor_fen, activity.helpers_needed, activity.accept_loss) == (
        10000, 3000, 5, True)
    assert f'id="bargain-activity-{activity.pk}"' in client.get(reverse("campaigns:bargain_console")).content.decode()

    client.post(reverse("campaigns:bargain_status", args=[activity.pk]), {"status": "paused"})
    assert BargainActivity.objects.get().status == "paused"
    csv = client.get(reverse("campaigns:bargain_export")).content.decode("utf-8-sig")
    assert "砍到 30" in csv and "100.00" in csv and "30.00" in csv
