"""Loyalty without orders: the merchant's rules and levels, daily sign-in and its streak, points
expiry (FIFO), the API and the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from linkmall import testing
from linkmall.accounts.services import api_token_issue
from linkmall.campaigns.models import LoyaltySettings, MemberLevel, PointsAccount, PointsEntry, SignIn
from linkmall.campaigns.selectors.loyalty import expiring_lots, loyalty_summary
from linkmall.campaigns.services import points_grant, points_spend
from linkmall.campaigns.services.loyalty import (
    loyalty_order_settled,
    loyalty_settings_update,
    member_level_create,
    points_expire,
)
from linkmall.campaigns.services.signin import signin_today
from linkmall.campaigns.tasks import points_expire_schedule, points_expire_task
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.django_db

RULES = {"points_per_yuan": 1, "points_valid_days": 30, "signin_enabled": True, "signin_points": 5,
         "signin_bonuses": {"3": 10, "7": 30}, "levels_enabled": True}


def balance(shop):
    return PointsAccount.objects.filter(user=shop.buyer, merchant=shop.merchant).values_list(
        "balance", flat=True).first() or 0


# --- sign-in ------------------------------------------------------------------------------------------------


def test_signing_in_on_consecutive_days_builds_a_streak_with_bonuses_on_days_3_and_7(shop, frozen):
    got = []
    for _day in range(8):
        result = signin_today(user=shop.buyer, merchant=shop.merchant)
        got.append((result.sign_in.streak, result.sign_in.points))
        clock.advance(timedelta(days=1))

    # defaults: 5 a day, day 3 +10, day 7 +30; the cycle of 7 days starts again on day 8
    assert got == [(1, 5), (2, 5), (3, 15), (4, 5), (5, 5), (6, 5), (7, 35), (8, 5)]
    assert balance(shop) == 80


def test_a_missed_day_starts_the_streak_again(shop, frozen):
    signin_today(user=shop.buyer, merchant=shop.merchant)
    clock.advance(timedelta(days=1))
    signin_today(user=shop.buyer, merchant=shop.merchant)
    clock.advance(timedelta(days=2))

    assert loyalty_summary(user=shop.buyer, merchant=shop.merchant).streak == 0
    assert signin_today(user=shop.buyer, merchant=shop.merchant).sign_in.streak == 1


def test_signing_in_twice_a_day_changes_nothing_and_the_day_is_the_shanghai_date(shop, frozen):
    first = signin_today(user=shop.buyer, merchant=shop.merchant)
    clock.freeze(frozen.replace(hour=23, minute=59))
    again = signin_today(user=shop.buyer, merchant=shop.merchant)
    clock.freeze(frozen.replace(hour=0, minute=0) + timedelta(days=1))  # 00:00 in Shanghai, 16:00 UTC
    next_day = signin_today(user=shop.buyer, merchant=shop.merchant)

    assert (first.created, again.created, again.sign_in.pk) == (True, False, first.sign_in.pk)
    assert (next_day.created, next_day.sign_in.day.isoformat(), next_day.sign_in.streak) == (True, "2026-11-02", 2)
    assert PointsEntry.objects.filter(kind="signin").count() == 2


def test_sign_in_switched_off_is_refused_and_changes_nothing(shop):
    LoyaltySettings.objects.create(merchant=shop.merchant, signin_enabled=False)

    with pytest.raises(Conflict) as refused:
        signin_today(user=shop.buyer, merchant=shop.merchant)

    assert refused.value.code == "signin_disabled"
    assert SignIn.objects.count() == 0 and balance(shop) == 0


# --- expiry -------------------------------------------------------------------------------------------------


def test_spending_takes_the_oldest_lots_first_and_expiry_writes_off_only_what_is_left(shop, frozen):
    loyalty_settings_update(actor=shop.owner, merchant=shop.merchant, fields=RULES)
    first = loyalty_order_settled(user=shop.buyer, merchant=shop.merchant, key="order:1", paid_fen=10000,
                                  reason="A")  # 100 points, ends in 30 days
    clock.advance(timedelta(days=10))
    loyalty_order_settled(user=shop.buyer, merchant=shop.merchant, key="order:2", paid_fen=5000, reason="B")
    points_spend(buyer=shop.buyer, merchant=shop.merchant, points=120, key="order:3:points")  # 100 of A, 20 of B
    assert first.points == 100

    clock.advance(timedelta(days=20))  # A ends now
    assert points_expire() == 0
    clock.advance(timedelta(days=10))  # B ends now
    assert expiring_lots(account=PointsAccount.objects.get(user=shop.buyer)) == []
    assert points_expire() == 30
    assert points_expire() == 0  # idempotent

    entry = PointsEntry.objects.get(kind="expire")
    assert (entry.delta, balance(shop)) == (-30, 0)


def test_an_expired_lot_never_spent_is_written_off_in_full_while_a_lot_without_end_stays(shop, frozen):
    points_grant(user=shop.buyer, merchant=shop.merchant, points=50, key="gift", reason="注册")  # no end
    signin_today(user=shop.buyer, merchant=shop.merchant)  # 5, ends in 365 days
    account = PointsAccount.objects.get(user=shop.buyer)
    clock.advance(timedelta(days=340))
    assert [(e.points, e.expires_at) for e in expiring_lots(account=account)] == [(5, frozen + timedelta(days=365))]
    clock.advance(timedelta(days=25))

    out = []
    call_command("points", "expire", "--schedule", stdout=_Sink(out))

    assert out == ['{"expired": 5, "scheduled": true}']
    assert balance(shop) == 50
    assert points_expire_schedule() is False  # one pending run
    assert points_expire_task.call() == 0


class _Sink:
    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.append(text.strip())

    def flush(self):
        pass


# --- rules and levels ---------------------------------------------------------------------------------------


def test_bad_rules_name_each_bad_field_and_change_nothing(shop):
    bad = {**RULES, "points_per_yuan": 101, "points_valid_days": 0, "signin_bonuses": {"0": 5}, "levels_enabled": "x"}

    with pytest.raises(InvalidInput) as refused:
        loyalty_settings_update(actor=shop.owner, merchant=shop.merchant, fields=bad)

    assert set(refused.value.detail["fields"]) == {"points_per_yuan", "points_valid_days", "signin_bonuses",
                                                  "levels_enabled"}
    assert not LoyaltySettings.objects.exists()


def test_levels_are_bounded_unique_and_only_the_owners(shop):
    member_level_create(actor=shop.owner, merchant=shop.merchant,
                        fields={"name": "金卡会员", "threshold_fen": 100000, "percent_off": Decimal(5)})

    for fields in ({"name": "金卡会员", "threshold_fen": 1, "percent_off": Decimal(5)},
                   {"name": "钻石", "threshold_fen": 100000, "percent_off": Decimal(5)},
                   {"name": "钻石", "threshold_fen": 2, "percent_off": Decimal(50)},
                   {"name": "", "threshold_fen": -1, "percent_off": "x"}):
        with pytest.raises(InvalidInput):
            member_level_create(actor=shop.owner, merchant=shop.merchant, fields=fields)
    other = testing.make_merchant_owner(testing.make_merchant())
    with pytest.raises(NotFound):
        member_level_create(actor=other, merchant=shop.merchant,
                            fields={"name": "钻石", "threshold_fen": 2, "percent_off": Decimal(5)})
    assert MemberLevel.objects.count() == 1


# --- the API ------------------------------------------------------------------------------------------------


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_the_api_signs_in_shows_points_and_level_and_refuses_with_codes(client, shop, frozen):
    MemberLevel.objects.create(merchant=shop.merchant, name="银卡会员", threshold_fen=10000, percent_off=Decimal(2))
    loyalty_order_settled(user=shop.buyer, merchant=shop.merchant, key="order:1", paid_fen=4000, reason="N1")
    base = f"/api/v1/campaigns/loyalty/merchants/{shop.merchant.pk}"
    buyer = _auth(shop.buyer)

    first = client.post(f"{base}/signin", **buyer)
    again = client.post(f"{base}/signin", **buyer)
    me = client.get(f"{base}/me", **buyer).json()
    history = client.get(f"{base}/me/history?page_size=1", **buyer).json()

    assert (first.status_code, first.json()) == (201, {"day": "2026-11-01", "streak": 1, "points": 5, "created": True})
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert (me["balance"], me["growth_fen"], me["level"], me["next_level"]["name"], me["to_next_fen"]) == (
        45, 4000, None, "银卡会员", 6000)
    assert (me["signed_in_today"], me["streak"], me["next_signin_points"]) == (True, 1, 5)
    assert (history["total"], [i["kind"] for i in history["items"]]) == (2, ["signin"])
    assert client.post("/api/v1/campaigns/loyalty/merchants/999999/signin", **buyer).json()["code"] == "not_found"
    assert client.post(f"{base}/signin", **_auth(shop.owner)).json()["code"] == "permission_denied"


def test_the_merchant_api_edits_rules_and_levels(client, shop):
    owner = _auth(shop.owner)
    url = "/api/v1/campaigns/loyalty/merchant"

    put = client.put(f"{url}/settings", {**RULES, "points_per_yuan": 3}, content_type="application/json", **owner)
    created = client.post(f"{url}/levels", {"name": "金卡会员", "threshold_fen": 100000, "percent_off": "5"},
                          content_type="application/json", **owner)
    duplicate = client.post(f"{url}/levels", {"name": "金卡会员", "threshold_fen": 1, "percent_off": "5"},
                            content_type="application/json", **owner)
    too_much = client.post(f"{url}/levels", {"name": "钻石", "threshold_fen": 1, "percent_off": "50"},
                           content_type="application/json", **owner)
    level_id = created.json()["id"]
    renamed = client.put(f"{url}/levels/{level_id}", {"name": "黄金会员", "threshold_fen": 90000, "percent_off": "6"},
                         content_type="application/json", **owner)
    stranger = client.delete(f"{url}/levels/{level_id}", **_auth(testing.make_merchant_owner(testing.make_merchant())))

    assert (put.status_code, put.json()["points_per_yuan"], put.json()["signin_bonuses"]) == (200, 3, {"3": 10, "7": 30})
    assert (created.status_code, created.json()["percent_off"]) == (201, "5")
    assert (duplicate.status_code, duplicate.json()["code"], list(duplicate.json()["detail"]["fields"])) == (
        400, "invalid_input", ["name"])
    assert (too_much.status_code, too_much.json()["code"]) == (422, "invalid_input")
    assert (renamed.json()["name"], renamed.json()["threshold_fen"]) == ("黄金会员", 90000)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert client.delete(f"{url}/levels/{level_id}", **owner).status_code == 204
    assert client.get(f"{url}/levels", **owner).json() == []


# --- pages --------------------------------------------------------------------------------------------------


def test_the_points_page_shows_balance_level_progress_and_signs_in(client, shop, frozen):
    MemberLevel.objects.create(merchant=shop.merchant, name="金卡会员", threshold_fen=100000, percent_off=Decimal(5))
    loyalty_order_settled(user=shop.buyer, merchant=shop.merchant, key="order:1", paid_fen=25000, reason="N1")
    client.force_login(shop.buyer)
    url = reverse("campaigns:shop_points", args=[shop.merchant.pk])

    page = client.get(url).content.decode()
    signed = client.post(reverse("campaigns:shop_signin", args=[shop.merchant.pk]), follow=True).content.decode()
    mine = client.get(reverse("campaigns:my_points")).content.decode()
    wallet = client.get(reverse("campaigns:wallet")).content.decode()

    assert "250" in page and "再消费 ¥750.00 升级为 金卡会员" in page and "签到 +5" in page
    assert "签到成功，获得 5 积分，已连续签到 1 天。" in signed and "今日已签到" in signed
    assert shop.merchant.name in mine and "255 积分" in mine
    assert reverse("campaigns:my_points") in wallet


def test_the_loyalty_console_saves_rules_and_levels_and_shows_clear_errors(client, shop):
    client.force_login(shop.owner)
    form = {"points_per_yuan": "2", "points_valid_days": "180", "signin_enabled": "on", "signin_points": "3",
            "signin_bonuses": "3:10，7：20", "levels_enabled": "on"}

    console = client.get(reverse("campaigns:console")).content.decode()
    saved = client.post(reverse("campaigns:loyalty_settings"), form)
    bad = client.post(reverse("campaigns:loyalty_settings"), {**form, "signin_bonuses": "three"})
    level = client.post(reverse("campaigns:level_new"), {"name": "金卡会员", "threshold": "1000", "percent_off": "5"})
    bad_level = client.post(reverse("campaigns:level_new"), {"name": "金卡会员", "threshold": "5", "percent_off": "5"})

    assert reverse("campaigns:loyalty_console") in console
    assert saved.status_code == 302
    rules = LoyaltySettings.objects.get(merchant=shop.merchant)
    assert (rules.points_per_yuan, rules.points_valid_days, rules.signin_bonuses) == (2, 180, {"3": 10, "7": 20})
    assert bad.status_code == 400 and "请按“天数:积分”填写" in bad.content.decode()
    assert level.status_code == 302 and MemberLevel.objects.get().threshold_fen == 100000
    assert bad_level.status_code == 400 and "已有同名的等级" in bad_level.content.decode()
    assert client.get(reverse("campaigns:loyalty_console")).status_code == 200
