from datetime import UTC, datetime

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.customers.models import Outreach, Profile

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_consumer_sees_only_their_own_offers_newest_first(client, django_assert_num_queries):
    clock.freeze(NOW)
    me, someone = t.make_consumer(), t.make_consumer()
    shop = t.make_merchant("花漾美妆")
    mine = Profile.objects.create(merchant=shop, user=me, layer="core")
    Outreach.objects.create(profile=mine, kind="exclusive_offer", period="2026-10", detail="核心客户专属优惠",
                            created_at=datetime(2026, 10, 3, tzinfo=UTC))
    newest = Outreach.objects.create(profile=mine, kind="birthday_offer", period="2026", detail="生日礼遇")
    Outreach.objects.create(profile=Profile.objects.create(merchant=shop, user=someone), kind="first_purchase",
                            period="2026-11")
    client.force_login(me)

    with django_assert_num_queries(3):  # session, user, offers with their merchant
        body = client.get("/api/v1/customers/me/offers").json()

    assert [(o["id"], o["merchant_name"], o["kind"], o["kind_label"], o["period"], o["detail"]) for o in body] == [
        (newest.pk, "花漾美妆", "birthday_offer", "生日礼遇", "2026", "生日礼遇"),
        (newest.pk - 1, "花漾美妆", "exclusive_offer", "专属优惠", "2026-10", "核心客户专属优惠"),
    ]


def test_offers_need_a_login(client):
    assert client.get("/api/v1/customers/me/offers").status_code == 401
