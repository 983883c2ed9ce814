"""The group buy (拼团) console: create with validation, the list and CSV, the groups with members
(virtual ones flagged) and a refused refund with its retry button, which payments runs."""


import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.models import GroupBuy, GroupBuyMember
from linkmall.core import clock
from linkmall.orders.tests.test_group import buyer, group_of, make_activity, mall, open_  # noqa: F401, F811 (fixture)
from linkmall.payments.group_refunds import group_deadlines_run
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


def test_the_console_creates_lists_exports_and_retries_a_refused_refund(client, mall, monkeypatch):  # noqa: F811
    from linkmall.payments.gateways import RefundResult
    from linkmall.payments.gateways.sandbox import SandboxGateway

    client.force_login(mall["owner"])
    bad = client.post(reverse("campaigns:group_new"), {
        "name": "两人团", "listing": mall["listing"].pk, "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-02T10:00",
        "size": "1", "price": "69.00", "stock": "5", "hours": "24", "per_user_limit": "1"})
    assert bad.status_code == 400 and not GroupBuy.objects.exists()
    activity = make_activity(mall, size=2)
    html = client.get(reverse("campaigns:group_console")).content.decode()
    assert f'id="group-buy-{activity.pk}"' in html and "三人团" in html
    assert "三人团" in client.get(reverse("campaigns:group_export")).content.decode("utf-8-sig")

    order = open_(activity, buyer())
    group = group_of(order)
    pay(order)
    real_refund = SandboxGateway.refund
    monkeypatch.setattr(SandboxGateway, "refund", lambda self, **kw: RefundResult(status="failed", message="NO"))
    clock.freeze(group.deadline)
    group_deadlines_run()
    member = GroupBuyMember.objects.get(order_id=order.pk)
    page = client.get(reverse("campaigns:group_groups", args=[activity.pk])).content.decode()
    assert f'id="group-refund-{member.pk}"' in page and "退款失败" in page

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    retried = client.post(reverse("payments:group_refund_retry", args=[member.pk]))
    assert retried.status_code == 302
    member.refresh_from_db()
    assert member.refund_state == "succeeded"
    assert f'id="group-refund-{member.pk}"' not in client.get(
        reverse("campaigns:group_groups", args=[activity.pk])).content.decode()
    other = t.make_merchant_owner(t.make_merchant())
    client.force_login(other)
    assert client.get(reverse("campaigns:group_groups", args=[activity.pk])).status_code == 404


def test_the_api_shows_an_activity_with_its_open_groups_and_the_merchants_groups(client, mall):  # noqa: F811
    activity = make_activity(mall)
    order = open_(activity, buyer())
    group = group_of(order)
    public = client.get(f"/api/v1/campaigns/group-buys/{activity.pk}").json()
    assert public["activity"]["size"] == 3 and [g["id"] for g in public["open_groups"]] == [group.pk]
    assert public["open_groups"][0]["seats_left"] == 2
