"""The demo loader builds a small but complete mall, through the services, with money that adds up."""

import random
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from linkmall.accounts.models import Role, User
from linkmall.campaigns.models import FlashSale, GroupBuy
from linkmall.catalog.models import Category, Product, ProductImage, Sku, Supplier
from linkmall.core import clock
from linkmall.demo import catalogue
from linkmall.demo.services import demo_load
from linkmall.orders.models import Fulfilment, Order, OrderLine
from linkmall.payments.models import Payment, PaymentNotification, Refund
from linkmall.stores.models import Guide, Listing, Merchant, Store

pytestmark = pytest.mark.django_db

CONSUMERS = 16
DAYS = 30
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def mall(fast):
    return demo_load(consumers=CONSUMERS, seed=11, days=DAYS)


def snapshot() -> tuple[int, ...]:
    return (Supplier.objects.count(), Product.objects.count(), User.objects.count(), Order.objects.count(),
            Payment.objects.count())


def test_the_mall_has_suppliers_products_merchants_guides_and_consumers_as_promised(mall):
    assert Supplier.objects.count() == 5
    assert Product.objects.count() == 65
    assert sorted(Category.objects.values_list("slug", flat=True)) == ["apparel", "baby", "beauty", "fresh", "home"]
    assert set(Product.objects.values("category").annotate(n=Count("id")).values_list("n", flat=True)) == {13}
    assert not Product.objects.annotate(n=Count("skus")).filter(n=0).exists()
    assert not Sku.objects.filter(suggested_price_fen__lte=F("cost_fen")).exists()
    assert ProductImage.objects.count() == 130
    with ProductImage.objects.order_by("pk").first().image.open("rb") as f:
        assert f.read(3) == b"\xff\xd8\xff"  # a JPEG drawn by the loader

    assert Merchant.objects.count() == 3
    assert set(Store.objects.values_list("city", flat=True)) == {"杭州"}
    for merchant in Merchant.objects.all():
        assert 2 <= Guide.objects.filter(merchant=merchant).count() <= 3
        assert 30 <= Listing.objects.filter(merchant=merchant).count() <= 50
    assert not Listing.objects.filter(price_fen__lt=F("sku__cost_fen")).exists()
    assert not Listing.objects.filter(pool_fen__gt=F("price_fen") - F("sku__cost_fen")).exists()

    consumers = User.objects.filter(role=Role.CONSUMER)
    assert consumers.count() == CONSUMERS
    assert not consumers.filter(addresses__isnull=True).exists()


def test_orders_spread_over_the_period_were_paid_once_through_the_sandbox_and_their_money_adds_up(mall):
    orders = Order.objects.all()
    # the history's orders, the few paid with a coupon and points at the end (demo/campaigns.py) and
    # the flash sales' and group buys' (demo/activities.py) and the pick-ups (demo/o2o.py)
    made_now = mall.counts["coupon_orders"] + mall.counts["activity_orders"] + mall.counts["pickup_orders"]
    assert orders.count() == mall.counts["history_orders"] + made_now > 0
    assert orders.order_by("placed_at").first().placed_at >= clock.now() - timedelta(days=DAYS, minutes=1)
    assert not orders.filter(placed_at__gt=clock.now()).exists()

    paid = orders.filter(paid_at__isnull=False)
    assert paid.count() == mall.counts["history_paid"] + made_now > 0
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == paid.count()
    assert PaymentNotification.objects.filter(outcome="accepted").count() == paid.count()
    assert not paid.exclude(payments__amount_fen=F("total_fen")).exists()

    for order in orders.annotate(lines_fen=Sum(F("lines__unit_price_fen") * F("lines__quantity")),
                                 paid_fen=Sum("lines__paid_fen")):
        assert order.list_fen == order.lines_fen
        assert order.goods_fen == order.paid_fen == order.list_fen - order.discount_fen
        assert order.total_fen == order.goods_fen + order.shipping_fen
    for order in orders.filter(status=Order.Status.CLOSED):
        assert order.refunded_fen == order.total_fen
        assert Refund.objects.filter(order=order).aggregate(s=Sum("amount_fen"))["s"] == order.total_fen
    assert not OrderLine.objects.filter(unit_price_fen__lt=F("unit_cost_fen")).exists()


def test_due_tasks_ran_so_unpaid_orders_are_cancelled_and_old_parcels_received(mall):
    assert not Order.objects.filter(status=Order.Status.PENDING_PAYMENT).exists()
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == (
        mall.counts["history_orders"] - mall.counts["history_paid"]
    )
    ten_days_ago = clock.now() - timedelta(days=10)
    assert not Fulfilment.objects.filter(status=Fulfilment.Status.SHIPPED, shipped_at__lt=ten_days_ago).exists()
    assert Fulfilment.objects.filter(status=Fulfilment.Status.RECEIVED).exists()
    assert mall.counts["tasks_run"] > 0


def test_every_guide_has_a_published_card_and_customers_left_traces_that_were_scored(mall):
    from linkmall.cards.models import Appointment, Card, Knowledge, Promotion
    from linkmall.customers.models import Event, Layer, LayerRun, Profile, Purchase

    assert Card.objects.filter(is_published=True).count() == Guide.objects.count()
    assert all(card.featured.count() == 4 for card in Card.objects.all())
    assert Promotion.objects.count() == 2 * Merchant.objects.count()
    assert set(Knowledge.objects.values_list("merchant_id", flat=True)) == set(Merchant.objects.values_list("pk", flat=True))
    # every paid order left a purchase fact, and its buyer browsed first
    assert Purchase.objects.count() == Order.objects.exclude(paid_at=None).count()
    buyers = set(Order.objects.values_list("buyer_id", flat=True))
    assert buyers <= set(Event.objects.filter(kind="product_view").values_list("user_id", flat=True))
    assert Event.objects.filter(user_id=None).count() == 0  # demo visitors are known consumers
    assert Appointment.objects.count() == mall.counts["bookings"] > 0
    # the nightly jobs ran: every merchant has a finished layer run and every profile a layer
    assert LayerRun.objects.filter(status="done").count() == Merchant.objects.count()
    assert set(Profile.objects.values_list("layer", flat=True)) <= set(Layer.values)
    assert not Profile.objects.filter(layer="").exists()


def test_the_demo_logins_work(mall):
    assert [login.username for login in mall.logins][:3] == ["admin", "supplier", "merchant"]
    assert User.objects.get(username="admin").check_password("admin12345")
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="supplier").check_password("demo12345")
    assert User.objects.get(username="merchant").check_password("demo12345")
    assert User.objects.get(phone=mall.logins[3].username).role == Role.GUIDE


def test_the_catalogue_reaches_the_database_exactly_as_defined_for_the_seed(fast):
    demo_load(consumers=0, seed=3, days=1)
    rng = random.Random(3)
    expected = sorted(
        (row["code"], row["cost_fen"], row["suggested_price_fen"], row["stock"])
        for supplier in catalogue.SUPPLIERS
        for index, product in enumerate(supplier.products, start=1)
        for row in catalogue.sku_rows(supplier, product, index, rng)
    )
    # the flash sales and group buys (demo/activities.py) took their own stock from the supplier's
    taken: dict[str, int] = {}
    for model in (FlashSale, GroupBuy):
        for code, stock in model.objects.values_list("listing__sku__code", "stock"):
            taken[code] = taken.get(code, 0) + stock
    assert taken
    stored = [(code, cost, price, stock + taken.get(code, 0)) for code, cost, price, stock in
              Sku.objects.order_by("code").values_list("code", "cost_fen", "suggested_price_fen", "stock")]
    assert stored == expected
    assert Order.objects.count() == 0


def test_the_command_loads_and_prints_the_logins_then_if_empty_skips_and_a_plain_load_refuses(fast):
    out = StringIO()
    call_command("demo", "load", "--consumers", "3", "--days", "5", "--no-progress", stdout=out, stderr=StringIO())
    assert "Demo data loaded" in out.getvalue()
    assert "admin12345" in out.getvalue()
    assert User.objects.filter(role=Role.CONSUMER).count() == 3
    before = snapshot()

    out = StringIO()
    call_command("demo", "load", "--if-empty", "--no-progress", stdout=out, stderr=StringIO())
    assert "nothing loaded" in out.getvalue()
    assert snapshot() == before

    with pytest.raises(CommandError, match="already has data"):
        call_command("demo", "load", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert snapshot() == before


def test_a_failed_load_leaves_nothing_behind(fast, monkeypatch):
    def broken(world, count):
        raise RuntimeError("the consumers step broke")

    monkeypatch.setattr("linkmall.demo.services.step_consumers", broken)
    with pytest.raises(RuntimeError):
        demo_load(consumers=2, seed=1, days=2)
    assert snapshot() == (0, 0, 0, 0, 0)


def test_the_banner_promotions_coupons_levels_and_points_are_live_campaigns(mall):
    from linkmall.campaigns.models import (
        CampaignStatus,
        Coupon,
        CouponTemplate,
        MemberLevel,
        PointsAccount,
        PointsEntry,
        Promotion,
    )
    from linkmall.cards.models import Promotion as Banner
    from linkmall.ledger.selectors import ledger_verify

    merchants = Merchant.objects.count()
    live = Promotion.objects.filter(status=CampaignStatus.ACTIVE, starts_at__lte=clock.now(), ends_at__gt=clock.now())
    assert live.count() == 2 * merchants == mall.counts["promotions"]
    # the card's banners are real: every banner title is a live promotion of its merchant
    assert set(Banner.objects.values_list("merchant_id", "title")) == set(live.values_list("merchant_id", "name"))
    assert live.filter(name="新客首单立减 20 元", new_customers_only=True, value=2000).count() == merchants
    assert live.filter(threshold_fen=29900, value=5000).count() == merchants

    # the three claimable ones, the sharer's reward and the invite tiers' two coupons (the in-store
    # coupon: test_the_offline_half_…)
    templates = CouponTemplate.objects.filter(status=CampaignStatus.ACTIVE, in_store=False)
    assert templates.count() == 6 * merchants
    assert mall.counts["coupon_templates"] == 3 * merchants
    assert set(templates.values_list("name", flat=True)) == {
        "新人 5 元无门槛券", "满 199 减 30", "全场 9 折 · 最高减 30", "分享有礼 · 满 99 减 20",
        "邀请有礼 · 15 元无门槛券", "邀请有礼 · 满 199 减 80"}
    assert (Coupon.objects.exclude(source__in=["share", "invite"]).exclude(template__in_store=True).count()
            == mall.counts["coupons_claimed"] > 0)
    for template in templates:
        assert template.issued == template.coupons.count()
    used = Coupon.objects.filter(status=Coupon.Status.USED, template__in_store=False)
    assert used.count() == mall.counts["coupon_orders"] > 0
    with_coupon = Order.objects.filter(coupon_id__in=used.values("pk"), paid_at__isnull=False)
    assert with_coupon.count() == used.count()
    assert OrderLine.objects.filter(order__in=with_coupon).aggregate(d=Sum("coupon_fen"))["d"] > 0

    assert MemberLevel.objects.count() == 3 * merchants
    assert PointsEntry.objects.filter(key="demo-welcome").count() == mall.counts["points_customers"] > 0
    assert PointsAccount.objects.filter(balance__gt=0).exists()
    assert ledger_verify().ok


def test_share_to_get_has_a_sharer_whose_friends_claimed_and_who_earned_a_reward(mall):
    from linkmall.campaigns.models import CampaignStatus, Coupon, ShareCampaign, ShareClaim, ShareProgress

    campaigns = ShareCampaign.objects.filter(status=CampaignStatus.ACTIVE)
    assert campaigns.count() == Merchant.objects.count() == mall.counts["share_campaigns"]
    assert set(campaigns.values_list("friend_template__name", "reward_template__name", "friends_needed")) == {
        ("新人 5 元无门槛券", "分享有礼 · 满 99 减 20", 3)}
    # one sharer per merchant, four friends each: four claims, one reward and one toward the next
    assert ShareClaim.objects.count() == mall.counts["share_claims"] == 4 * Merchant.objects.count()
    assert list(ShareProgress.objects.values_list("claims", "rewards").distinct()) == [(4, 1)]
    assert mall.counts["share_rewards"] == Merchant.objects.count()
    # within a campaign every friend, phone and device claimed once
    claims = ShareClaim.objects.all()
    for column in ("friend", "phone", "device_key"):
        assert claims.values("campaign", column).distinct().count() == claims.count()
    assert not claims.filter(device_key="").exists()
    assert Coupon.objects.filter(source="share", template__name="新人 5 元无门槛券").count() == claims.count()
    rewards = Coupon.objects.filter(source="share", template__name="分享有礼 · 满 99 减 20")
    assert set(rewards.values_list("user_id", flat=True)) == set(claims.values_list("sharer_id", flat=True))
    # the sharer of the first merchant is the printed customer login
    sharer = ShareProgress.objects.get(campaign__merchant__name="西子生活优选").sharer
    assert mall.logins[-1].username == sharer.phone


def test_invite_tiers_are_live_reviewed_and_credited_from_the_history(mall):
    from linkmall.campaigns.models import CampaignStatus, InviteCampaign, InviteCredit, InvitePrize
    from linkmall.referral.models import QualifyingProduct

    campaigns = InviteCampaign.objects.filter(status=CampaignStatus.ACTIVE, name="邀请有礼")
    assert campaigns.count() == Merchant.objects.count() == mall.counts["invite_campaigns"]
    packages = set(QualifyingProduct.objects.values_list("product_id", flat=True))
    for campaign in campaigns:
        assert campaign.compliance == []  # the 2+1 packages do not count: no headcount pay
        assert not set(campaign.product_ids) & packages
        assert [(t.invitees, t.prize_kind, t.funder) for t in campaign.tiers.order_by("invitees")] == [
            (3, "coupon", "merchant"), (5, "gift", "merchant"), (10, "coupon", "merchant")]
        cheapest = min(Listing.objects.filter(merchant=campaign.merchant), key=lambda x: (x.price_fen, x.pk))
        assert campaign.tiers.get(invitees=5).gift_listing == cheapest
    # the history's invitees whose first order settled when the due tasks ran (seed 11): their
    # inviters are on their way to the first tier, none has reached it in 30 days
    assert InviteCredit.objects.filter(status="counted").count() == 9
    assert InvitePrize.objects.count() == 0


def test_every_merchant_runs_a_flash_sale_now_and_tonight_and_a_bargain_a_friend_helped(mall):
    from linkmall.campaigns.models import Bargain, BargainActivity, CampaignStatus, FlashEntry, FlashSale

    merchants = Merchant.objects.count()
    now = clock.now()
    running = FlashSale.objects.filter(status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
    coming = FlashSale.objects.filter(status=CampaignStatus.ACTIVE, starts_at__gt=now)
    assert running.count() == coming.count() == merchants
    assert FlashSale.objects.count() == mall.counts["flash_sales"] == 2 * merchants
    for sale in running:
        assert (sale.stock, sale.sold, sale.held) == (20, 3, 0)
        assert sale.price_fen >= sale.listing.sku.cost_fen + 100
        assert FlashEntry.objects.filter(sale=sale, status="sold").values("buyer").distinct().count() == 3
    for sale in coming:
        assert sale.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).hour == 20
        assert sale.starts_at - now >= timedelta(hours=1)

    assert BargainActivity.objects.filter(status=CampaignStatus.ACTIVE).count() == merchants
    for bargain in Bargain.objects.all():
        assert (bargain.status, bargain.cuts_made) == ("open", 1)
        assert bargain.price_fen == bargain.start_fen - bargain.cuts[0]
        assert bargain.helps.get().helper_id != bargain.buyer_id
    assert Bargain.objects.count() == mall.counts["bargains"] == merchants


def test_every_merchant_runs_a_group_buy_with_a_complete_group_and_one_waiting_for_its_last_member(mall):
    from linkmall.campaigns.models import CampaignStatus, GroupBuy, GroupBuyGroup

    assert GroupBuy.objects.filter(status=CampaignStatus.ACTIVE).count() == Merchant.objects.count()
    for activity in GroupBuy.objects.all():
        complete, waiting = activity.groups.order_by("pk")
        assert (complete.status, complete.paid, waiting.status, waiting.paid) == ("complete", 3, "open", 1)
        assert waiting.deadline > clock.now()
        shipping = Fulfilment.objects.filter(order__lines__activity_kind="group",
                                             order__merchant=activity.merchant)
        # the complete group's three orders go to the supplier; the open group's waits (待成团)
        assert sorted(shipping.values_list("status", flat=True)) == ["awaiting_group", "to_ship", "to_ship",
                                                                    "to_ship"]
    assert GroupBuyGroup.objects.count() == 2 * mall.counts["group_buys"]


def test_the_offline_half_has_in_store_coupons_pickups_waiting_and_guides_earning(mall):
    from linkmall.campaigns.models import Coupon
    from linkmall.ledger.models import LedgerAccount, OwnerKind
    from linkmall.ledger.selectors import ledger_verify
    from linkmall.orders.models import Redemption
    from linkmall.referral.models import GuidePay, OrderSettlement

    merchants = Merchant.objects.count()
    assert GuidePay.objects.filter(commission_percent=3).count() == merchants == mall.counts["guide_pay_merchants"]
    in_store = Coupon.objects.filter(template__in_store=True)
    assert in_store.count() == mall.counts["in_store_claimed"] == 5 * merchants
    assert in_store.filter(status=Coupon.Status.USED).count() == mall.counts["in_store_redeemed"] == 2 * merchants
    assert in_store.filter(status=Coupon.Status.AVAILABLE, code__regex=r"^\d{8}$").count() == 3 * merchants
    redeemed = Redemption.objects.filter(outcome="redeemed")
    assert redeemed.filter(kind="coupon", purchase_fen__in=[8800, 15600]).count() == 2 * merchants
    assert not Redemption.objects.exclude(outcome="redeemed").exists()

    pickups = Order.objects.filter(fulfilment_mode="pickup")
    assert pickups.count() == mall.counts["pickup_orders"] == 4 * merchants
    waiting = pickups.filter(status=Order.Status.SHIPPED, store_received_at__isnull=False, picked_up_at__isnull=True)
    assert waiting.count() == mall.counts["pickups_waiting"] == 3 * merchants
    collected = pickups.filter(status=Order.Status.COMPLETED, picked_up_at__isnull=False)
    assert collected.count() == mall.counts["pickups_collected"] == merchants
    # the collected pick-up paid the guide who handed it over; the history's guides earned too
    assert OrderSettlement.objects.filter(order__in=collected, guide__isnull=False).count() == merchants
    assert OrderSettlement.objects.filter(guide__isnull=False).count() > merchants
    guide_money = LedgerAccount.objects.filter(owner_kind=OwnerKind.GUIDE).aggregate(s=Sum("balance_fen"))["s"]
    assert guide_money > 0
    assert ledger_verify().ok
